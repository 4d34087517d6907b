"""Sources of sequences: a data folder's DeepSEA ``<split>.mat`` files or dlbio stores
``<split>.dlbio``, arrays in memory, and one process's share of any of them.

Every source has n, length, n_targets, target_names and
``read(start, stop) -> (uint8 base index (m, L), uint8 labels (m, T))``.
A store is preferred when both are present (it is the faster, smaller copy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.data import pipeline
from dlbio.data.dataset import check_consistent
from dlbio.data.deepsea_mat import MatSet, read_target_names
from dlbio.data.store import SUFFIX, StoreSet, write_store
from dlbio.data.targets import deepsea_names
from dlbio.utils.errors import require

SPLITS = ("train", "valid", "test")


def open_split(data_dir: str | Path, split: str, limit: int | None = None, verify: bool = True):
    """Open one split of a data folder.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        The data folder.
    split : str
        'train', 'valid' or 'test'.
    limit : int or None, optional
        Read only the first *limit* rows.
    verify : bool, optional
        Check a store against its checksums.

    Returns
    -------
    StoreSet or MatSet
        ``<split>.dlbio`` when present, else ``<split>.mat``.

    Raises
    ------
    DlbioError
        When neither is there.
    """
    data_dir = Path(data_dir)
    store, mat = data_dir / f"{split}{SUFFIX}", data_dir / f"{split}.mat"
    if store.is_dir():
        return StoreSet(store, limit, verify)
    require(mat.is_file(), f"{data_dir}: neither {mat.name} nor {store.name} found")
    return MatSet(mat, split, limit)


def open_data_dir(
    data_dir: str | Path, limit: int | None = None, splits: tuple[str, ...] = SPLITS, verify: bool = True
) -> dict:
    """Open the splits of a data folder, checked to agree in length and targets and to come from
    one build of the set (:func:`dlbio.data.dataset.check_consistent`).

    Target names come from ``targets.tsv`` beside the files when present (else from a store
    manifest).

    Parameters
    ----------
    data_dir : str or pathlib.Path
        The data folder (DeepSEA's .mat files or dlbio stores).
    limit : int or None, optional
        Keep the first *limit* samples of each split (``-n``).
    splits : tuple of str, optional
        The splits to open.
    verify : bool, optional
        False skips the stores' checksums (``--no-verify``).

    Returns
    -------
    dict
        {split: StoreSet or MatSet}.
    """
    data_dir = Path(data_dir)
    require(
        data_dir.is_dir(),
        f"{data_dir}: data folder not found (expected train.mat, valid.mat, test.mat "
        "or train.dlbio, valid.dlbio, test.dlbio)",
    )
    sets = {s: open_split(data_dir, s, limit, verify) for s in splits}
    first = next(iter(sets.values()))
    for s in sets.values():
        require(
            s.length == first.length,
            f"{s.path}: sequences are {s.length} bp but {first.path.name} has {first.length} bp",
        )
        require(
            s.n_targets == first.n_targets,
            f"{s.path}: {s.n_targets} targets but {first.path.name} has {first.n_targets}",
        )
    check_consistent(data_dir, sets)
    names = (
        read_target_names(data_dir / "targets.tsv", first.n_targets)
        or first.target_names
        or deepsea_names(first.n_targets)
    )
    for s in sets.values():
        s.target_names = names
    return sets


def convert(
    data_dir: str | Path,
    out_dir: str | Path,
    splits: tuple[str, ...] = SPLITS,
    progress: bool = False,
    force: bool = False,
) -> dict[str, Path]:
    """danq-convert: DeepSEA .mat files -> dlbio stores ``<out_dir>/<split>.dlbio`` (+
    targets.tsv copied), built whole in a temporary folder and swapped in
    (:func:`dlbio.data.dataset.building`).

    Parameters
    ----------
    data_dir : str or pathlib.Path
        The folder of .mat files.
    out_dir : str or pathlib.Path
        The data set to write (refused where it would replace an input).
    splits : tuple of str, optional
        The splits to convert.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.
    force : bool, optional
        Replace an earlier set there.

    Returns
    -------
    dict
        {split: store path}.
    """
    from dlbio.data.dataset import building
    from dlbio.utils.guard import Output, refuse_overwrite

    data_dir, out_dir = Path(data_dir), Path(out_dir)
    refuse_overwrite([("--data", data_dir)], [("--out", out_dir, Output("dataset"))])
    with building(out_dir, force) as (tmp, build_id):
        made = write_stores(data_dir, tmp, splits, progress, build_id)
    return {split: out_dir / path.name for split, path in made.items()}


def write_stores(
    data_dir: str | Path,
    out_dir: str | Path,
    splits: tuple[str, ...] = SPLITS,
    progress: bool = False,
    build_id: str | None = None,
) -> dict[str, Path]:
    """The .mat splits of a folder as stores in an existing folder, and its targets.tsv copied
    beside them.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        The folder of .mat files.
    out_dir : str or pathlib.Path
        The folder to write into (it exists).
    splits : tuple of str, optional
        The splits to convert.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.
    build_id : str or None, optional
        The build the stores are part of (:mod:`dlbio.data.dataset`).

    Returns
    -------
    dict
        {split: store path}.
    """
    import shutil

    data_dir, out_dir = Path(data_dir), Path(out_dir)
    for s in splits:
        require(
            (data_dir / f"{s}.mat").is_file() or not (data_dir / f"{s}{SUFFIX}").is_dir(),
            f"{data_dir}: holds {s}{SUFFIX} but no {s}.mat; it is converted already (use it as it is)",
        )
    sets = {s: MatSet(data_dir / f"{s}.mat", s) for s in splits}
    names = read_target_names(data_dir / "targets.tsv", next(iter(sets.values())).n_targets)
    out = {}
    for split, src in sets.items():
        src.target_names = names
        out[split] = write_store(out_dir / f"{split}{SUFFIX}", src, [str(src.path)], progress, build_id=build_id)
        src.close()
    if (data_dir / "targets.tsv").is_file() and data_dir.resolve() != out_dir.resolve():
        shutil.copyfile(data_dir / "targets.tsv", out_dir / "targets.tsv")
    return out


def read_all(source) -> tuple[np.ndarray, np.ndarray]:
    """A whole source in memory, read in chunks.

    Parameters
    ----------
    source : source
        What to read.

    Returns
    -------
    tuple of numpy.ndarray
        (base indices uint8 (n, L), labels uint8 (n, T)).
    """
    step = pipeline.CHUNK
    parts = [source.read(s, s + step) for s in range(0, source.n, step)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class ShardSource:
    """Process *index*'s share of *source* among *count*: rows index*m .. (index+1)*m - 1 with
    m = n // count, so that every process has as many rows, and so as many batches (the last
    n % count rows are left out).  Several processes training one model each read only their
    own share."""

    def __init__(self, source, index: int, count: int):
        self.source, self.index, self.count = source, index, count
        self.n = source.n // count
        self.offset = index * self.n
        self.length, self.n_targets = source.length, source.n_targets
        self.target_names = getattr(source, "target_names", None)

    def read(self, start: int, stop: int):
        """Rows of this process's share.

        Parameters
        ----------
        start : int
            Rows of the share, 0-based, stop excluded.
        stop : int
            Rows of the share, 0-based, stop excluded.

        Returns
        -------
        tuple of numpy.ndarray
            (base indices uint8 (m, L), labels uint8 (m, T)).
        """
        stop = min(stop, self.n)
        return self.source.read(self.offset + start, self.offset + stop)


class ArraySource:
    """An in-memory source: idx uint8 (n, L), labels uint8 (n, T) (FASTA input, tests)."""

    def __init__(self, idx: np.ndarray, labels: np.ndarray | None = None, target_names=None):
        self.idx = np.asarray(idx, dtype=np.uint8)
        self.labels = np.zeros((len(self.idx), 0), np.uint8) if labels is None else np.asarray(labels, np.uint8)
        self.n, self.length = self.idx.shape
        self.n_targets = self.labels.shape[1]
        self.target_names = target_names

    def read(self, start: int, stop: int):
        """Rows of the arrays.

        Parameters
        ----------
        start : int
            0-based, stop excluded.
        stop : int
            0-based, stop excluded.

        Returns
        -------
        tuple of numpy.ndarray
            (base indices uint8 (m, L), labels uint8 (m, T)).
        """
        return self.idx[start:stop], self.labels[start:stop]
