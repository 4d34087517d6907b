"""Writes made in a thread behind the caller, so that a command's next predictions are computed
while its last ones are compressed and written (h5py releases the GIL while HDF5 writes)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def written_behind(write: Callable, depth: int = 2) -> Iterator[Callable]:
    """Run the calls of *write* in one thread, in order, while the caller goes on.

    Parameters
    ----------
    write : callable
        What each call does (a writer's ``write(start, rows, values)``). Its arguments must
        not change after the call: they are used later, in the thread.
    depth : int, default=2
        Calls waiting at most; a caller ahead by more waits, so memory stays bounded.

    Yields
    ------
    callable
        Takes *write*'s arguments and returns at once. A failure of an earlier write is
        raised here, at the next call, or on leaving the block; leaving the block waits for
        the writes still waiting, so that the file is whole (or the error known) before the
        caller closes it.
    """
    waiting: queue.Queue = queue.Queue(depth)
    failed: list[BaseException] = []

    def writer() -> None:
        while (args := waiting.get()) is not None:
            if failed:
                continue  # drained, not written: the caller stops at the first failure
            try:
                write(*args)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller
                failed.append(exc)

    thread = threading.Thread(target=writer, name="dlbio-writer", daemon=True)
    thread.start()

    def submit(*args) -> None:
        if failed:
            raise failed[0]
        waiting.put(args)

    try:
        yield submit
    finally:
        waiting.put(None)
        thread.join()
    if failed:
        raise failed[0]
