"""A compact on-disk store for sequence sets: one folder ``<split>.dlbio`` per split.

================  =============================================================
``seq.u8``        uint8 base index (n, length), A=0 G=1 C=2 T=3 N=4, row-major
``labels.bits``   np.packbits of the uint8 labels (n, ceil(T/8)), row-major
``manifest.json`` format, version, n, length, n_targets, target_names, bases,
                  sources, byte sizes and SHA-256 of both arrays
================  =============================================================

1000-bp DeepSEA samples take 1,000 + 115 bytes (train.mat: 4,000 + 919).  Reads use
``os.pread`` on contiguous row ranges, so a process never holds more than the
rows it asked for (no memory map growing its resident size over an epoch).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from dlbio.data.checksums import PART_BYTES, PartedHash, verify_checksums
from dlbio.data.encoding import BASES, N_CODE
from dlbio.utils import guard
from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.progress import counter

FORMAT, VERSION = "dlbio-store", 1
SUFFIX = ".dlbio"


class StoreSet:
    """A split in the store; same interface as :class:`dlbio.data.deepsea_mat.MatSet`."""

    def __init__(self, path: str | Path, limit: int | None = None, verify: bool = True):
        """Open the store at *path*, its first *limit* rows (all: None).

        *verify* checks both arrays against the manifest's SHA-256 the first time this
        version of the files is opened (:func:`dlbio.data.checksums.verify_checksums`); ``verified`` says whether
        they were.  Base codes out of range are refused at every read, verified or not.
        """
        self.path = Path(path)
        manifest = self.path / "manifest.json"
        require(manifest.is_file(), f"{self.path}: not a dlbio store (no manifest.json)")
        guard.reading(self.path)
        try:
            m = json.loads(manifest.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DlbioError(f"{manifest}: not valid JSON ({exc.__class__.__name__})") from None
        require(m.get("format") == FORMAT, f"{manifest}: not a dlbio store manifest")
        require(m.get("version") == VERSION, f"{manifest}: store version {m.get('version')} is not supported")
        require(
            m.get("bases") == BASES,
            f"{manifest}: bases are in {m.get('bases')!r} order, dlbio models use {BASES!r}; re-convert the data",
        )
        self.manifest = m
        self.n_total, self.length, self.n_targets = int(m["n"]), int(m["length"]), int(m["n_targets"])
        self.target_names = m.get("target_names")
        require(
            self.target_names is None or len(self.target_names) == self.n_targets,
            f"{manifest}: {len(self.target_names or [])} target names for {self.n_targets} targets; the store "
            "is damaged, convert it again",
        )
        self.split = m.get("split", self.path.stem)
        self.label_bytes = -(-self.n_targets // 8)
        self._seq = self.path / "seq.u8"
        self._labels = self.path / "labels.bits"
        for f, size in ((self._seq, self.n_total * self.length), (self._labels, self.n_total * self.label_bytes)):
            require(f.is_file(), f"{f}: missing from the store")
            require(
                f.stat().st_size == size,
                f"{f}: {f.stat().st_size} bytes but the manifest says {size}; the store is damaged",
            )
        self.verified = bool(verify) and verify_checksums(self)
        self.n = self.n_total if limit is None else min(limit, self.n_total)
        self.layout = "store"
        self._fd_seq = os.open(self._seq, os.O_RDONLY)
        self._fd_lab = os.open(self._labels, os.O_RDONLY)

    def read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the store.

        Parameters
        ----------
        start : int
            0-based, stop excluded (clipped to the store).
        stop : int
            0-based, stop excluded (clipped to the store).

        Returns
        -------
        tuple of numpy.ndarray
            (base indices uint8 (m, L), labels uint8 (m, T)).

        Raises
        ------
        DlbioError
            When a base code is out of range (a damaged store).
        """
        start, stop = max(0, start), min(stop, self.n)
        m = max(0, stop - start)
        seq = _pread(self._fd_seq, m * self.length, start * self.length).reshape(m, self.length)
        if m and seq.max() > N_CODE:
            row, col = np.argwhere(seq > N_CODE)[0]
            raise DlbioError(
                f"{self._seq}: base code {seq[row, col]} in row {start + row + 1:,}, position {col + 1} "
                f"(codes are 0-{N_CODE}, A G C T N); the store is damaged, convert it again"
            )
        bits = _pread(self._fd_lab, m * self.label_bytes, start * self.label_bytes).reshape(m, self.label_bytes)
        return seq, np.unpackbits(bits, axis=1, count=self.n_targets)

    def close(self) -> None:
        for name in ("_fd_seq", "_fd_lab"):
            fd = self.__dict__.pop(name, None)
            if fd is not None:
                os.close(fd)

    def __del__(self):
        self.close()

    def __repr__(self) -> str:
        return f"StoreSet({self.path}, n={self.n}, length={self.length}, targets={self.n_targets})"


def _pread(fd: int, nbytes: int, offset: int) -> np.ndarray:
    buf = bytearray(nbytes)
    view, got = memoryview(buf), 0
    while got < nbytes:
        k = os.preadv(fd, [view[got:]], offset + got)
        if k == 0:
            raise DlbioError(f"store file ended early at byte {offset + got}")
        got += k
    return np.frombuffer(buf, dtype=np.uint8)


def write_store(
    path: str | Path,
    source,
    sources: list[str] | None = None,
    progress: bool | str = False,
    chunk: int = 16384,
    build_id: str | None = None,
) -> Path:
    """Copy every sample of a source into a store, under a temporary name then renamed: a failed
    or killed conversion never leaves a half-written store under the final name.

    Parameters
    ----------
    path : str or pathlib.Path
        The store (a folder ending in .dlbio).
    source : source
        Anything with n, length, n_targets and read(start, stop).
    sources : list of str or None, optional
        The files it came from, for the manifest.
    progress : bool or str, optional
        See :mod:`dlbio.utils.progress`.
    chunk : int, optional
        Rows copied at a time.
    build_id : str or None, optional
        The build of the set the store belongs to (:mod:`dlbio.data.dataset`), so that readers
        can refuse a mix.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    path = Path(path)
    h_seq, h_lab = PartedHash(), PartedHash()
    with atomic_path(path) as tmp:
        tmp.mkdir()
        with (
            open(tmp / "seq.u8", "wb") as fs,
            open(tmp / "labels.bits", "wb") as fl,
            counter(source.n, f"pack {path.name}", "seq", progress) as bar,
        ):
            for start in range(0, source.n, chunk):
                idx, labels = source.read(start, start + chunk)
                seq_bytes = np.ascontiguousarray(idx, dtype=np.uint8).tobytes()
                lab_bytes = np.packbits(labels, axis=1).tobytes()
                fs.write(seq_bytes)
                fl.write(lab_bytes)
                h_seq.update(seq_bytes)
                h_lab.update(lab_bytes)
                bar.update(len(idx))
            for fh in (fs, fl):
                fh.flush()
                os.fsync(fh.fileno())
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "split": getattr(source, "split", path.stem),
            "n": int(source.n),
            "length": int(source.length),
            "n_targets": int(source.n_targets),
            "target_names": getattr(source, "target_names", None),
            "bases": BASES,
            "sources": sources or [str(getattr(source, "path", ""))],
            "seq_bytes": int(source.n) * int(source.length),
            "labels_bytes": int(source.n) * (-(-int(source.n_targets) // 8)),
            "seq_sha256": h_seq.hexdigest(),
            "labels_sha256": h_lab.hexdigest(),
            "build_id": build_id,
            "part_bytes": PART_BYTES,
            "seq_part_sha256": h_seq.parts,
            "labels_part_sha256": h_lab.parts,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return path
