"""Write every output under a temporary name, then rename it into place.

A crash, a kill or a full disk therefore never leaves a truncated file under the
final name and never destroys the previous version of that file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def _suffixes(path: Path) -> str:
    # Keep compound suffixes (".weights.h5") because Keras checks them.
    return "".join(path.suffixes[-2:]) if path.name.endswith(".weights.h5") else path.suffix


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside *path*; rename it to *path* on success.

    The temporary file keeps the suffix of *path* (libraries such as Keras and
    weblogo pick the format from it).  On any exception the temporary file is
    removed and *path* is left as it was.
    """
    path = Path(path)
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
        except OSError as exc:
            if exc.filename in (tmp, str(tmp)):
                raise _naming(exc, path) from None
            raise
        if tmp.is_dir():
            if path.is_dir():
                old = path.with_name(f".{path.name}.old")
                os.replace(path, old)
                os.replace(tmp, path)
                _remove(old)
            else:
                os.replace(tmp, path)
        else:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            _remove(tmp)


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error about *path*: the user named it, not the temporary file beside it."""
    return type(exc)(exc.errno, exc.strerror, str(path))


def _remove(p: Path) -> None:
    if p.is_dir():
        import shutil

        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Atomically write *text* to *path*; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)
