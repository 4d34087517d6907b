"""Checking a store's arrays against the SHA-256 its manifest records.

The manifest records each array's SHA-256, whole and per part of PART_BYTES (so that the
parts are hashed on every core at once).  A store is checked once per version of its files:
a match is remembered under $DLBIO_CACHE/verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

from dlbio.utils.atomic import write_text
from dlbio.utils.errors import require

# A store this big says that it is being checked (a DeepSEA train set: 4.9 GB, a few seconds).
NOTE_VERIFY_BYTES = 1 << 30


def verify_checksums(store) -> bool:
    """Check a store's arrays against the SHA-256 its manifest records.

    A match is remembered under $DLBIO_CACHE/verified for these exact files (path, size,
    mtime, inode), so that a store is read in full once, not at every epoch or command; any
    change to a file makes the next open check it again.

    Parameters
    ----------
    store : dlbio.data.store.StoreSet
        The store.

    Returns
    -------
    bool
        True when they match.

    Raises
    ------
    DlbioError
        On a mismatch.
    """
    from concurrent.futures import ThreadPoolExecutor

    files = {"seq_sha256": store._seq, "labels_sha256": store._labels}
    stamps = {key: _stamp(f) for key, f in files.items()}
    want = {key: store.manifest[key] for key in files}
    memo = _memo_path(store.path)
    if memo is not None and _read_json(memo) == {"stamps": stamps, "sha256": want}:
        return True
    total = sum(s[0] for s in stamps.values())
    if total >= NOTE_VERIFY_BYTES:
        print(
            f"checking {store.path} against its checksums ({total / 1e9:.1f} GB, once for these files)",
            file=sys.stderr,
            flush=True,
        )
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # hashlib leaves the GIL while it hashes
        matches = {key: _matches(pool, f, store.manifest, key) for key, f in files.items()}
    for key, f in files.items():
        require(
            matches[key],
            f"{f}: its SHA-256 differs from the manifest's; the store is damaged "
            "(convert or build it again; --no-verify reads it as it is)",
        )
    if memo is not None and {key: _stamp(f) for key, f in files.items()} == stamps:
        with contextlib.suppress(OSError):
            write_text(memo, json.dumps({"stamps": stamps, "sha256": want}))
    return True


def _matches(pool, path: Path, manifest: dict, key: str) -> bool:
    """Does *path* hash as the manifest says: part by part on every core when it records parts
    (stores written since they were), else as one stream."""
    parts, size = manifest.get(key.replace("_sha256", "_part_sha256")), manifest.get("part_bytes")
    if not parts or not size:
        return _sha256(path) == manifest[key]
    total = path.stat().st_size
    if len(parts) != -(-total // size):
        return False
    got = pool.map(lambda k: _part_sha256(path, k * size, size), range(len(parts)))
    return list(got) == parts


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]


def _memo_path(store_path: Path) -> Path | None:
    from dlbio.utils.resources import cache_dir

    key = hashlib.sha1(str(store_path.resolve()).encode()).hexdigest()[:20]
    try:
        return cache_dir("verified") / f"{key}.json"
    except OSError:  # no writable cache: check every time
        return None


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            h.update(block)
    return h.hexdigest()


# The arrays' SHA-256 is also recorded per part of this many bytes, so that a check can hash the
# parts on every core at once (a SHA-256 runs on one core: about 0.5 GB/s without the CPU's SHA
# instructions, where 2 cores reach twice that).
PART_BYTES = 64 << 20


class PartedHash:
    """SHA-256 of a whole stream and of each PART_BYTES part of it, fed in any pieces; after
    :meth:`hexdigest`, ``parts`` holds the parts' hex digests in order."""

    def __init__(self):
        self.whole, self.part, self.filled, self.parts = hashlib.sha256(), hashlib.sha256(), 0, []

    def update(self, data: bytes) -> None:
        """Feed the next bytes of the stream.

        Parameters
        ----------
        data : bytes
            The next piece, of any length.
        """
        self.whole.update(data)
        view = memoryview(data)
        while len(view):
            take = min(len(view), PART_BYTES - self.filled)
            self.part.update(view[:take])
            self.filled, view = self.filled + take, view[take:]
            if self.filled == PART_BYTES:
                self.parts.append(self.part.hexdigest())
                self.part, self.filled = hashlib.sha256(), 0

    def hexdigest(self) -> str:
        """End the stream: the last, shorter part joins ``parts``.

        Returns
        -------
        str
            The whole stream's SHA-256, in hex.
        """
        if self.filled:
            self.parts.append(self.part.hexdigest())
            self.part, self.filled = hashlib.sha256(), 0
        return self.whole.hexdigest()


def _part_sha256(path: Path, offset: int, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        fh.seek(offset)
        while size > 0:
            block = fh.read(min(size, 1 << 24))
            if not block:
                break
            h.update(block)
            size -= len(block)
    return h.hexdigest()
