"""A labelled set built from a genome or from FASTA classes, and how it is written: stores,
DeepSEA .mat files, targets.tsv, summary.tsv, and each row's origin (BED windows or record ids)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbio.data.sources import ArraySource
from dlbio.data.split_rows import SplitRows
from dlbio.utils.atomic import write_text
from dlbio.utils.errors import require
from dlbio.utils.notes import Notes


@dataclass
class BuiltSet:
    """A labelled set before it is written: its splits' rows, as :func:`dlbio.data.prepare.build`
    (genome and peaks) or :func:`dlbio.data.fasta_classes.fasta_classes` (FASTA classes) made them.

    Attributes
    ----------
    splits : dict
        {'train' | 'valid' | 'test': SplitRows (from a genome) or ArraySource (from FASTA)}.
    target_names : list of str
        The targets (classes), in label order.
    notes : Notes
        What was left out or changed, counted.
    bin_size, length : int
        The labelled bin and the input window (bp).
    records : dict
        {split: [(class, FASTA id), ...]} in row order, for a set from FASTA classes.
    """

    splits: dict[str, SplitRows | ArraySource]  # sources: n, length, n_targets, read(start, stop)
    target_names: list[str]
    notes: Notes = field(default_factory=Notes)
    bin_size: int = 200
    length: int = 1000
    records: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (class, FASTA id) per row
    _positives: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def positives(self, split: str) -> np.ndarray:
        """Positive windows per target in a split, counted once (summary.tsv and the printed line
        both ask; a pass over 1.45 M packed rows takes a second).

        Parameters
        ----------
        split : str
            'train', 'valid' or 'test'.

        Returns
        -------
        numpy.ndarray
            int64 (T,).
        """
        if split not in self._positives:
            src = self.splits[split]
            self._positives[split] = (
                src.positives() if isinstance(src, SplitRows) else src.labels.sum(axis=0, dtype=np.int64)
            )
        return self._positives[split]

    @property
    def from_genome(self) -> bool:
        return any(isinstance(src, SplitRows) for src in self.splits.values())

    def bins(self, split: str) -> list[tuple[str, int]]:
        """Where each forward row of a split comes from.

        Parameters
        ----------
        split : str
            'train', 'valid' or 'test'.

        Returns
        -------
        list of tuple of (str, int)
            (chrom, bin start) in row order; [] for a set from FASTA classes.
        """
        src = self.splits[split]
        return [(c, int(b)) for c, bins in src.coords() for b in bins] if isinstance(src, SplitRows) else []


def write_built(
    built: BuiltSet, out_dir: str | Path, mat: bool = False, progress: bool | str = False, force: bool = False
) -> dict[str, Path]:
    """Write a built set whole or not at all (:func:`dlbio.data.dataset.building`): stores
    ``<split>.dlbio`` (and with *mat* the DeepSEA .mat layout), targets.tsv, summary.tsv, and
    for a genome-built set ``<split>.windows.bed`` (see :func:`windows_bed`), for a set from
    FASTA classes ``<split>.records.tsv`` (class and record id of each row, in row order).

    Parameters
    ----------
    built : BuiltSet
        The set.
    out_dir : str or pathlib.Path
        The data folder.
    mat : bool, optional
        Write DeepSEA's .mat files too.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.
    force : bool, optional
        Replace a set already in *out_dir*.

    Returns
    -------
    dict
        {split: store path}.
    """
    from dlbio.data.dataset import building

    for split in ("train", "valid", "test"):
        src = built.splits.get(split)
        require(
            src is not None and src.n > 0,
            f"the {split} set is empty: check --test-chroms/--valid-chroms and the peaks"
            if built.from_genome
            else f"the {split} set is empty: check --valid-fraction/--test-fraction and the class files",
        )
    with building(out_dir, force) as (tmp, build_id):
        made = _write_split_files(built, tmp, mat, progress, build_id)
    return {split: Path(out_dir) / path.name for split, path in made.items()}


def _write_split_files(built: BuiltSet, out: Path, mat: bool, progress: bool | str, build_id: str) -> dict[str, Path]:
    from dlbio.data import deepsea_mat
    from dlbio.data.store import SUFFIX, write_store

    made = {}
    for split, src in built.splits.items():
        src.split = split
        made[split] = write_store(out / f"{split}{SUFFIX}", src, ["dlbio build-dataset"], progress, build_id=build_id)
        if mat:  # train.mat (v7.3) a chunk of rows at a time; valid/test (v5) a block of positions at a time
            deepsea_mat.write_source(out / f"{split}.mat", split, src, "7.3" if split == "train" else "5")
        if isinstance(src, SplitRows):
            write_text(out / f"{split}.windows.bed", windows_bed(src, built.bin_size))
    for split, rows in built.records.items():
        write_text(out / f"{split}.records.tsv", "class\tid\n" + "".join(f"{c}\t{rid}\n" for c, rid in rows))
    write_text(out / "targets.tsv", "".join(f"{n}\n" for n in built.target_names))
    rows = ["target\t" + "\t".join(f"{s}_positives" for s in built.splits)]
    positives = [built.positives(split) for split in built.splits]
    for j, n in enumerate(built.target_names):
        rows.append(n + "\t" + "\t".join(str(int(p[j])) for p in positives))
    rows.append("samples\t" + "\t".join(str(src.n) for src in built.splits.values()))
    write_text(out / "summary.tsv", "\n".join(rows) + "\n")
    return made


def windows_bed(rows: SplitRows, bin_size: int) -> str:
    """The BED6 text of a split's rows, one line per row in store order: the input window
    (0-based, half-open), name = the labelled bin (chrom:start-end) and strand, '-' for the
    reverse-complement copies that --reverse-complement appends after the forward rows.

    Parameters
    ----------
    rows : SplitRows
        The split.
    bin_size : int
        The labelled bin's width.

    Returns
    -------
    str
    """
    flank = (rows.length - bin_size) // 2
    forward = [
        f"{chrom}\t{b - flank}\t{b + bin_size + flank}\t{chrom}:{b}-{b + bin_size}\t0\t"
        for chrom, bins in rows.coords()
        for b in bins.tolist()
    ]
    strands = ("+", "-") if rows.reverse_complement_copies else ("+",)
    return "".join(line + strand + "\n" for strand in strands for line in forward)
