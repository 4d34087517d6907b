"""SIGTERM (kill, scancel, a SLURM time limit) as an exception in the main thread."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable

PREEMPTED_EXIT = 75  # EX_TEMPFAIL: "try again later"; the sbatch examples requeue on it


@contextlib.contextmanager
def sigterm_raises(make_error: Callable[[], BaseException]):
    """Within the block, SIGTERM raises an exception instead of killing the process; the
    previous handler comes back after it (a context manager).  Only the main thread can set
    handlers: elsewhere this changes nothing.

    Parameters
    ----------
    make_error : callable
        Returns the exception to raise.

    Yields
    ------
    None
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise make_error()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
