"""Read and write DeepSEA's ``train.mat`` / ``valid.mat`` / ``test.mat`` as published.

=========  ==========================  ==============  ================
file       format                      x on disk       labels on disk
=========  ==========================  ==============  ================
train.mat  MATLAB v7.3 (HDF5 + 512 B   (L, 4, N)       (T, N)
           user block), via h5py
valid.mat  MATLAB v5, via mat5         (N, 4, L)       (N, T)
test.mat   MATLAB v5, via mat5         (N, 4, L)       (N, T)
=========  ==========================  ==============  ================

One-hot rows are A, G, C, T.  A v7.3 file is read in contiguous slabs along its
last (sample) axis; it is never loaded whole.  A v5 file is read once, as a stream, into
base indices and labels (1 + T/L bytes a base), never as a whole one-hot array.  Either
format is accepted for any split (keys ``<split>xdata`` / ``<split>data``).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from dlbio.data.encoding import index_to_onehot, onehot_to_index
from dlbio.utils import guard
from dlbio.utils.atomic import atomic_path, hdf5_writer
from dlbio.utils.errors import DlbioError, require

_V5_BLOCK = 1 << 24  # values of a v5 array converted at a time (16 MB of uint8 one-hot)


class MatSet:
    """One split of a DeepSEA-layout data set.

    Attributes: n (samples), length (bp), n_targets, path.
    ``read(start, stop)`` -> (base index uint8 (m, length), labels uint8 (m, n_targets)).
    """

    def __init__(self, path: str | Path, split: str, limit: int | None = None):
        self.path = Path(path)
        self.split = split
        require(self.path.is_file(), f"{self.path}: file not found")
        guard.reading(self.path)
        self._h5 = None
        try:
            if h5py.is_hdf5(self.path):
                self._open_hdf5()
            else:
                self._open_v5()
        except DlbioError:
            raise
        except Exception as exc:  # noqa: BLE001 - h5py and zlib raise many types
            raise DlbioError(
                f"{self.path}: not a readable MATLAB .mat file ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200] if str(exc) else ''})"
            ) from None
        require(self.n_total > 0, f"{self.path}: holds no samples")
        self.n = self.n_total if limit is None else min(limit, self.n_total)
        self.target_names: list[str] | None = None

    # -- format-specific opening -------------------------------------------------
    def _keys(self, keys) -> tuple[str, str]:
        xk, yk = f"{self.split}xdata", f"{self.split}data"
        if xk not in keys or yk not in keys:
            xs = [k for k in keys if k.endswith("xdata")]
            ys = [k for k in keys if k.endswith("data") and not k.endswith("xdata")]
            require(
                len(xs) == 1 and len(ys) == 1,
                f"{self.path}: expected keys {xk!r} and {yk!r}, found "
                f"{sorted(k for k in keys if not k.startswith('__'))}",
            )
            xk, yk = xs[0], ys[0]
        return xk, yk

    def _open_hdf5(self) -> None:
        self._h5 = h5py.File(self.path, "r")
        xk, yk = self._keys(list(self._h5.keys()))
        self._x, self._y = self._h5[xk], self._h5[yk]
        require(
            self._x.ndim == 3 and self._x.shape[1] == 4,
            f"{self.path}: {xk} has shape {self._x.shape}, expected (length, 4, N) for MATLAB v7.3",
        )
        require(
            self._y.ndim == 2 and self._y.shape[1] == self._x.shape[2],
            f"{self.path}: {yk} has shape {self._y.shape}, expected (targets, {self._x.shape[2]})",
        )
        _check_dtype(self.path, xk, self._x.dtype)
        _check_dtype(self.path, yk, self._y.dtype)
        self.length, self.n_targets, self.n_total = self._x.shape[0], self._y.shape[0], self._x.shape[2]
        self.layout = "v7.3"

    def _open_v5(self) -> None:
        from dlbio.data import mat5

        found = mat5.variables(self.path)
        xk, yk = self._keys(list(found))
        x, y = found[xk], found[yk]
        for key, var in ((xk, x), (yk, y)):
            require(var.dtype is not None, f"{self.path}: {key} is a {var.kind}, expected numbers")
        require(
            len(x.shape) == 3 and x.shape[1] == 4, f"{self.path}: {xk} has shape {x.shape}, expected (N, 4, length)"
        )
        require(
            len(y.shape) == 2 and y.shape[0] == x.shape[0],
            f"{self.path}: {yk} has shape {y.shape}, expected ({x.shape[0]}, targets)",
        )
        n, length, n_targets = x.shape[0], x.shape[2], y.shape[1]
        # Keep the compact form only: base index (N, L) and uint8 labels, filled a block of
        # positions (targets) at a time as the column-major values stream in: x (N, 4, L) on
        # disk is (L, 4, N) blocks, each contiguous along N like a v7.3 slab.
        self._idx = np.empty((n, length), np.uint8)
        step = max(1, _V5_BLOCK // max(4 * n, 1))
        for p, values in zip(range(0, length, step), mat5.iter_values(self.path, x, 4 * n * step)):
            block = values.reshape(-1, 4, n)
            self._idx[:, p : p + len(block)] = _bases(self.path, block, axis=1).T
        self._labels = np.empty((n, n_targets), np.uint8)
        step = max(1, _V5_BLOCK // max(n, 1))
        for t, values in zip(range(0, n_targets, step), mat5.iter_values(self.path, y, n * step)):
            block = values.reshape(-1, n)
            self._labels[:, t : t + len(block)] = _labels_uint8(self.path, block).T
        self.length, self.n_targets, self.n_total = length, n_targets, n
        self.layout = "v5"

    # -- reading --------------------------------------------------------------------
    def read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Samples of the split.

        Parameters
        ----------
        start : int
            0-based, stop excluded (clipped to the split).
        stop : int
            0-based, stop excluded (clipped to the split).

        Returns
        -------
        tuple of numpy.ndarray
            (base indices uint8 (m, L), labels uint8 (m, T)).
        """
        start, stop = max(0, start), min(stop, self.n)
        if self._h5 is None:
            return self._idx[start:stop], self._labels[start:stop]
        x = self._x[:, :, start:stop]  # (L, 4, m): one contiguous slab
        idx = _bases(self.path, x, axis=1).T  # (m, L)
        labels = _labels_uint8(self.path, self._y[:, start:stop].T)
        return np.ascontiguousarray(idx), labels

    def close(self) -> None:
        if self._h5 is not None:
            self._h5.close()

    def __repr__(self) -> str:
        return f"MatSet({self.path}, {self.layout}, n={self.n}, length={self.length}, targets={self.n_targets})"


def _check_dtype(path, key, dtype) -> None:
    require(
        np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.bool_),
        f"{path}: {key} has dtype {dtype}, expected numbers",
    )


def _bases(path, onehot: np.ndarray, axis: int) -> np.ndarray:
    """onehot_to_index, its errors naming the file."""
    try:
        return onehot_to_index(onehot, axis=axis)
    except DlbioError as exc:
        raise DlbioError(f"{path}: {exc}") from None


def _labels_uint8(path, y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype != np.uint8:
        bad = ~np.isin(y, (0, 1))
        if bad.any():
            raise DlbioError(f"{path}: labels must be 0 or 1, found {y[bad][0].item()!r}")
        return y.astype(np.uint8)
    require(y.max(initial=0) <= 1, f"{path}: labels must be 0 or 1, found {int(y.max())}")
    return y


def read_target_names(path: Path, n_targets: int | None = None) -> list[str] | None:
    """Target names from a one-column (or first-column) TSV; a header line 'target' or 'name' is
    skipped.

    Parameters
    ----------
    path : pathlib.Path
        The TSV (targets.tsv).
    n_targets : int or None, optional
        The rows it must have.

    Returns
    -------
    list of str or None
        None when the file is missing.

    Raises
    ------
    DlbioError
        When it has another number of rows than *n_targets*.
    """
    if not path.is_file():
        return None
    guard.reading(path)
    names = [line.split("\t")[0].strip() for line in path.read_text().splitlines() if line.strip()]
    if names and names[0].lower() in ("target", "name", "#target"):
        names = names[1:]
    hint = "; remove the file to use DeepSEA's names" if n_targets == 919 else ""
    require(
        n_targets is None or len(names) == n_targets,
        f"{path}: {len(names)} target names for {n_targets} targets (one name a line, in column order{hint})",
    )
    return names


# ---------------------------------------------------------------------------- writing

_MAT73_HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: dlbio HDF5 schema 1.00 ."


def write_split(
    path: str | Path, split: str, idx: np.ndarray, labels: np.ndarray, version: str, compress: bool = True
) -> Path:
    """Write one split in the DeepSEA layout, atomically (see :func:`write_source`).

    Parameters
    ----------
    path : str or pathlib.Path
        The .mat file.
    split : str
        'train', 'valid' or 'test' (names the variables: trainxdata, ...).
    idx : numpy.ndarray
        Base indices uint8 (N, L).
    labels : numpy.ndarray
        uint8 (N, T).
    version : {'7.3', '5'}
        The MAT-file version.
    compress : bool, optional
        Compress the v7.3 arrays.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.data.sources import ArraySource

    return write_source(path, split, ArraySource(idx, labels), version, compress)


def write_source(path: str | Path, split: str, source, version: str, compress: bool = True, chunk: int = 16384) -> Path:
    """Write every row of a source as one split in the DeepSEA layout, atomically.

    version '7.3': HDF5 with a 512-byte MATLAB user block, x (L, 4, N), y (T, N), written
    *chunk* rows at a time (the one-hot train set is 4 KB a row: 17.6 GB for DeepSEA's).
    version '5': x (N, 4, L), y (N, T), zlib-compressed as scipy.io.savemat does, each written
    a block of positions at a time (:mod:`dlbio.data.mat5`): besides 1 + T/L bytes a base of
    the rows, in MATLAB's order, no whole one-hot array is made.

    Parameters
    ----------
    path : str or pathlib.Path
        The .mat file.
    split : str
        'train', 'valid' or 'test'.
    source : source
        Anything with n, length, n_targets and read(start, stop).
    version : {'7.3', '5'}
        The MAT-file version.
    compress : bool, optional
        False writes the v7.3 arrays uncompressed, like the published train.mat.
    chunk : int, optional
        Rows written at a time.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    n, length, n_targets = source.n, source.length, source.n_targets
    with atomic_path(path) as tmp:
        if version == "7.3":
            with hdf5_writer(tmp, userblock_size=512) as f:
                gzip = {"compression": "gzip"} if compress else {}
                x = f.create_dataset(
                    f"{split}xdata",
                    (length, 4, n),
                    np.uint8,
                    chunks=(length, 4, min(n, 1024)) if compress and n else None,
                    **gzip,
                )
                y = f.create_dataset(f"{split}data", (n_targets, n), np.uint8, **gzip)
                for start in range(0, n, chunk):
                    idx, labels = source.read(start, start + chunk)
                    x[:, :, start : start + len(idx)] = index_to_onehot(idx, np.uint8).transpose(1, 2, 0)
                    y[:, start : start + len(idx)] = np.asarray(labels, np.uint8).T
            with open(tmp, "r+b") as fh:
                fh.write(_MAT73_HEADER.ljust(116) + b"\x00" * 8 + b"\x00\x02IM")
        elif version == "5":
            _write_v5(tmp, split, source, chunk)
        else:
            raise ValueError(f"version must be '7.3' or '5', got {version!r}")
    return Path(path)


def _write_v5(path: Path, split: str, source, chunk: int) -> None:
    """*source* as a MATLAB v5 file: x (N, 4, L) and y (N, T), one compressed variable each."""
    from dlbio.data import mat5

    n, length, n_targets = source.n, source.length, source.n_targets
    # MATLAB's column-major order: the sample index varies fastest, so hold the rows as (L, N) and (T, N).
    idx_t, labels_t = np.empty((length, n), np.uint8), np.empty((n_targets, n), np.uint8)
    for start in range(0, n, chunk):
        idx, labels = source.read(start, start + chunk)
        idx_t[:, start : start + len(idx)] = idx.T
        labels_t[:, start : start + len(idx)] = labels.T
    step = max(1, (1 << 24) // max(4 * n, 1))  # positions a block: about 16 MB of one-hot
    bases = np.arange(4, dtype=np.uint8)[None, :, None]
    onehot = ((idx_t[p : p + step, None, :] == bases).view(np.uint8) for p in range(0, length, step))  # (l, 4, N)
    with open(path, "wb") as fh:
        fh.write(mat5.header())
        mat5.write_uint8(fh, f"{split}xdata", (n, 4, length), onehot)
        mat5.write_uint8(fh, f"{split}data", (n, n_targets), [labels_t])
