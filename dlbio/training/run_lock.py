"""One training run per set of outputs: an OS lock on ``checkpoints/<prefix>.<model>.lock``.

Two danq-train jobs with the same --out-dir, --prefix and model (an sbatch script
submitted twice, an array sweep that forgot --prefix) would overwrite each other's best
model, log and resume state, and a requeued job could resume from the other's state.
The lock is ``flock``: the kernel (or the NFS/GPFS lock manager) drops it when its
process ends, however it ends, so a job killed at its time limit never locks out its own
requeued successor.  The file stays behind (removing it would race with the next run
opening it); it says who holds or last held it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import time
from pathlib import Path
from typing import Iterator

from dlbio.utils.errors import DlbioError

# Errors that mean "this file system does not do locks": go on without one.
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


def _holder() -> str:
    job = os.environ.get("SLURM_JOB_ID")
    return (
        f"pid {os.getpid()} on {socket.gethostname()}"
        + (f", SLURM job {job}" if job else "")
        + f", since {time.strftime('%Y-%m-%d %H:%M:%S')}"
    )


@contextlib.contextmanager
def run_lock(path: str | Path) -> Iterator[bool]:
    """Hold an exclusive lock on a file for the block (a context manager): one run per outputs.

    Parameters
    ----------
    path : str or pathlib.Path
        The lock file.

    Yields
    ------
    bool
        False when the file system has no locks (the run goes on unprotected).

    Raises
    ------
    DlbioError
        Naming the holder, when another live process holds it.
    """
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        locked = True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 300, 0).decode(errors="replace").strip() or "another process"
            raise DlbioError(
                f"{path}: another danq-train is writing these outputs ({holder}); wait for it to "
                "end, or give this run its own --prefix or --out-dir"
            ) from None
        except OSError as exc:
            if exc.errno not in _NO_LOCKS:
                raise
            locked = False
        if locked:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (_holder() + "\n").encode(), 0)
        yield locked
    finally:
        os.close(fd)  # releases the lock
