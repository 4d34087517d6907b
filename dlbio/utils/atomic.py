"""Write every output under a temporary name, then rename it into place.

A crash, a kill or a full disk therefore never leaves a truncated file under the
final name and never destroys the previous version of that file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from dlbio.utils.errors import DlbioError, require

if TYPE_CHECKING:
    import h5py


def _suffixes(path: Path) -> str:
    # Keep compound suffixes (".weights.h5") because Keras checks them.
    return "".join(path.suffixes[-2:]) if path.name.endswith(".weights.h5") else path.suffix


# A write that fails for want of room: named after the user's file, never the temporary one.
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EIO}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Write through a temporary path beside *path*, renamed to *path* on success (a context
    manager).

    The temporary file keeps the suffix of *path* (libraries such as Keras and weblogo pick the
    format from it).  On any exception the temporary file is removed and *path* is left as it
    was.  A folder written at the temporary path replaces a folder at *path* in one step.

    Parameters
    ----------
    path : str or os.PathLike
        The file or folder to write.

    Yields
    ------
    pathlib.Path
        The temporary path to write.

    Raises
    ------
    DlbioError
        When *path* is an input of the running command (:func:`dlbio.utils.guard.check_write`),
        or the write fails (full disk, quota, file-size limit), in one line naming *path*.
    """
    from dlbio.utils import guard

    path = Path(path)
    guard.check_write(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + _suffixes(path), dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from None
    os.close(fd)
    os.unlink(tmp)  # writers (h5py, Keras) want to create the file themselves
    tmp = Path(tmp)
    try:
        try:
            yield tmp
            if tmp.is_dir():
                if path.is_dir():
                    _swap_folders(tmp, path)
                else:
                    require(not path.exists(), f"{path}: is a file; give a folder name")
                    os.replace(tmp, path)
            else:
                require(not path.is_dir(), f"{path}: is a folder; give a file name")
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
        except OSError as exc:
            if exc.filename in (tmp, str(tmp)) or (exc.errno in _NO_ROOM and exc.filename in (None, str(path))):
                raise _naming(exc, path) from None
            raise
    finally:
        if tmp.exists():
            _remove(tmp)


def _swap_folders(new: Path, old: Path) -> None:
    """Put folder *new* at *old*'s path and remove the previous one.

    Linux exchanges the two in one step (renameat2 RENAME_EXCHANGE), so a kill at any moment
    leaves either the old folder or the new one under the name.  Where the call is missing
    (another OS, or a file system without it) two renames do it, with the old folder kept
    as ``.<name>.old`` between them.
    """
    if not _exchange(new, old):
        parked = old.with_name(f".{old.name}.old")
        _remove(parked)
        os.replace(old, parked)
        os.replace(new, old)
        new = parked
    _remove(new)


def _exchange(a: Path, b: Path) -> bool:
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    ok = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
    return ok


def _naming(exc: OSError, path: Path) -> Exception:
    """The same error about *path*: the user named it, not the temporary file beside it."""
    if exc.errno in _NO_ROOM:
        return DlbioError(f"{path}: cannot write ({exc.strerror or exc}); nothing was replaced")
    return type(exc)(exc.errno, exc.strerror, str(path))


def _remove(p: Path) -> None:
    if p.is_dir():
        import shutil

        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write text to a file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    text : str
        Its text.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


@contextlib.contextmanager
def hdf5_file(path: str | os.PathLike, **kwargs) -> Iterator["h5py.File"]:
    """An HDF5 file open for writing at a temporary path, renamed to *path* when the block ends
    (:func:`atomic_path` with :func:`hdf5_writer`; a context manager).

    Parameters
    ----------
    path : str or os.PathLike
        The HDF5 file.
    **kwargs
        h5py.File's keywords.

    Yields
    ------
    h5py.File
    """
    with atomic_path(path) as tmp, hdf5_writer(tmp, **kwargs) as f:
        yield f


@contextlib.contextmanager
def hdf5_writer(tmp: Path, **kwargs) -> Iterator["h5py.File"]:
    """``h5py.File(tmp, "w")`` that survives a failed write, for use inside :func:`atomic_path`
    (a context manager).

    h5py (HDF5 1.14) crashes the process when a file whose last write failed is closed (a full
    disk or a file-size limit, then ``File.close`` segfaults in H5D_flush_all).  So the file is
    flushed inside the block, where a failure leaves every object whole; after a failure its
    descriptor is pointed at /dev/null, so that the close that follows writes nothing and
    cannot fail, and the error is raised as an OSError about *tmp*, which atomic_path reports
    as one line about the user's file.

    Parameters
    ----------
    tmp : pathlib.Path
        The temporary path.
    **kwargs
        h5py.File's keywords.

    Yields
    ------
    h5py.File
    """
    import h5py

    f = h5py.File(tmp, "w", **kwargs)
    try:
        yield f
        f.flush()
    except BaseException as exc:
        _abandon(f)
        if isinstance(exc, (OSError, RuntimeError)) and "write failed" in str(exc):
            raise OSError(_write_errno(exc), _write_failure(exc), str(tmp)) from None
        raise
    f.close()


def _abandon(f) -> None:
    try:
        fd = f.id.get_vfd_handle()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, fd)
        os.close(null)
    except Exception:  # noqa: BLE001 - already closed, or not a plain file: nothing to divert
        pass
    try:
        f.close()
    except Exception:  # noqa: BLE001 - HDF5 reports the earlier failure again
        pass


def _write_errno(exc: BaseException) -> int:
    import re

    found = re.search(r"errno = (\d+)", str(exc))
    return int(found.group(1)) if found else errno.EIO


def _write_failure(exc: BaseException) -> str:
    """HDF5's 'error message = ...' part ('No space left on device'), else its first line."""
    text = str(exc)
    marker = "error message = '"
    if marker in text:
        return text.split(marker, 1)[1].split("'", 1)[0]
    return text.splitlines()[0][:200]
