"""Genome + one peak file per target -> a training set with the DeepSEA rules.

* the genome is cut into bins of *bin_size* (200) bp;
* target j is 1 for a bin when MORE than half of the bin lies in a peak of j
  (exactly half is 0);
* the input is the *length* (1000) bp window centred on the bin;
* bins with at least one positive target are kept, plus a random *neg_fraction*
  of the all-negative bins;
* windows that run off a chromosome, or have more than *max_n* N, are skipped;
* chromosomes in *test_chroms* / *valid_chroms* form the test / validation sets
  (an entry ``chr7:0-30000000`` takes only the bins starting in that region);
* *reverse_complement* appends the reverse complement of every window.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbio.data.encoding import N_CODE, NOT_DNA, encode_lenient, not_dna
from dlbio.data.genome import Genome
from dlbio.data.intervals import Intervals, overlap_per_bin, read_bed
from dlbio.data.pipeline import ArraySource
from dlbio.data.split_rows import SplitRows
from dlbio.utils import guard
from dlbio.utils.atomic import write_text
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import SHOWN, Notes
from dlbio.utils.progress import iterate


@dataclass
class BuiltSet:
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


def read_sheet(path: str | Path) -> dict[str, Path]:
    """Read a target sheet: a TSV of 'target<TAB>peak file' lines.

    Parameters
    ----------
    path : str or pathlib.Path
        The sheet; relative peak paths are relative to it.

    Returns
    -------
    dict
        {target: peak file path}, in the sheet's order.

    Raises
    ------
    DlbioError
        Naming the sheet and line, for a malformed line, a target listed twice or a missing
        peak file.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: target sheet not found")
    guard.reading(path)
    out = {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        require(len(cols) >= 2, f"{path}: line {lineno}: expected 'target<TAB>peak file'")
        require(cols[0] not in out, f"{path}: line {lineno}: target {cols[0]!r} listed twice")
        f = Path(cols[1].strip())
        out[cols[0].strip()] = f if f.is_absolute() else path.parent / f
    require(out, f"{path}: no targets listed")
    return out


def parse_regions(entries: tuple[str, ...], genome: Genome, option: str) -> dict[str, list[tuple[int, int]]]:
    """Read hold-out regions.

    Parameters
    ----------
    entries : tuple of str
        'chr7' or 'chr7:start-end' (several per chromosome allowed).
    genome : Genome
        The genome (chr1/1 naming matched).
    option : str
        The option the errors name.

    Returns
    -------
    dict
        {genome chromosome name: [(start, end), ...]}.

    Raises
    ------
    DlbioError
        For a chromosome the genome lacks (else its hold-out set would silently be empty) or
        a malformed region.
    """
    out: dict[str, list[tuple[int, int]]] = {}
    for entry in entries:
        chrom, _, span = entry.partition(":")
        name = genome.resolve(chrom)
        if name is None:
            have = list(genome.lengths)
            raise DlbioError(
                f"{option} {chrom}: not a chromosome of {genome.path} (it has {', '.join(have[:5])}"
                f"{f' and {len(have) - 5} more' if len(have) > 5 else ''})"
            )
        if span:
            try:
                a, b = (int(v.replace(",", "")) for v in span.split("-"))
            except ValueError:
                raise DlbioError(f"region {entry!r}: expected chrom:start-end") from None
            require(0 <= a < b, f"region {entry!r}: start must be below end")
            out.setdefault(name, []).append((a, b))
        else:
            out.setdefault(name, []).append((0, 2**62))
    return out


def _overlap(a: dict[str, list[tuple[int, int]]], b: dict[str, list[tuple[int, int]]]) -> str | None:
    """The first chromosome stretch that regions *a* and *b* share, as 'chrom:start-end', or None."""
    for chrom in sorted(set(a) & set(b)):
        for s1, e1 in a[chrom]:
            for s2, e2 in b[chrom]:
                if max(s1, s2) < min(e1, e2):
                    lo, hi = max(s1, s2), min(e1, e2)
                    return chrom if (lo, hi) == (0, 2**62) else f"{chrom}:{lo}-{hi if hi < 2**62 else 'end'}"
    return None


def positive_bins(peaks: list[Intervals], chrom: str, n_bins: int, bin_size: int) -> list[np.ndarray]:
    """The bins of a chromosome that each target's peaks cover by more than half.

    Parameters
    ----------
    peaks : list of Intervals
        Each target's merged peaks.
    chrom : str
        The chromosome.
    n_bins : int
        Bins [k*bin_size, (k+1)*bin_size) with k < *n_bins* are considered.
    bin_size : int
        The bin width.

    Returns
    -------
    list of numpy.ndarray
        Per target, the sorted bin indices, int64 (p_j,).
    """
    out = []
    for iv in peaks:
        if chrom not in iv.by_chrom:
            out.append(np.zeros(0, np.int64))
            continue
        s, e = iv.by_chrom[chrom]
        # Only the bins a peak touches can be positive: a few per peak, not every bin of the
        # chromosome (919 targets x 15 M bins of a human genome).
        touched = _bins_touched(s, e, bin_size, n_bins)
        out.append(touched[overlap_per_bin(s, e, touched * bin_size, bin_size) * 2 > bin_size])
    return out


def packed_labels(positive: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Labels of some bins, packed.

    Parameters
    ----------
    positive : list of numpy.ndarray
        Per target, sorted positive bin indices (:func:`positive_bins`).
    rows : numpy.ndarray
        int64 (k,) sorted bin indices.

    Returns
    -------
    numpy.ndarray
        uint8 (k, ceil(T/8)), as ``np.packbits(axis=1)`` packs the (k, T) 0/1 labels.
    """
    out = np.zeros((len(rows), -(-len(positive) // 8)), np.uint8)
    for j, pos in enumerate(positive):
        at = np.searchsorted(rows, pos)
        hit = at < len(rows)
        hit[hit] = rows[at[hit]] == pos[hit]
        out[at[hit], j >> 3] |= np.uint8(0x80 >> (j & 7))
    return out


def _bins_touched(starts: np.ndarray, ends: np.ndarray, bin_size: int, n_bins: int) -> np.ndarray:
    """Sorted indices of the bins [k*bin_size, (k+1)*bin_size) that intervals [start, end) overlap."""
    first, last = starts // bin_size, np.minimum((ends - 1) // bin_size, n_bins - 1)
    counts = np.maximum(last - first + 1, 0)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.unique(np.repeat(first, counts) + offsets)


def chromosome_windows(genome: Genome, chrom: str, window_starts: np.ndarray, length: int) -> np.ndarray:
    """Windows of a chromosome, read and encoded once: the stretch they span.

    Parameters
    ----------
    genome : Genome
        The genome.
    chrom : str
        The chromosome.
    window_starts : numpy.ndarray
        int64 (k,) 0-based, sorted, each window wholly inside the chromosome.
    length : int
        The window length.

    Returns
    -------
    numpy.ndarray
        Base indices uint8 (k, length).

    Raises
    ------
    DlbioError
        For a letter that is not DNA, only where a window uses it.
    """
    if not len(window_starts):
        return np.zeros((0, length), np.uint8)
    lo = int(window_starts[0])
    seq = genome.fetch(chrom, lo, int(window_starts[-1]) + length)
    encoded, starts = encode_lenient(seq), window_starts - lo
    # Checked on the stretch (1 byte a base), not on the windows (1 KB a window): the first
    # window holding a bad letter, and its first one, as a scan of the windows finds.
    bad = np.flatnonzero(encoded == NOT_DNA)
    if len(bad):
        first = np.searchsorted(starts, bad - length + 1)  # the first window that can hold each
        used = (first < len(starts)) & (starts[np.minimum(first, len(starts) - 1)] <= bad)
        if used.any():
            p = int(bad[np.argmax(used)])
            w0 = int(starts[first[np.argmax(used)]])
            raise not_dna(f"{genome.path}:{chrom}:{lo + w0}-{lo + w0 + length}", seq[p], p - w0 + 1)
    return np.lib.stride_tricks.sliding_window_view(encoded, length)[starts]


def _n_per_window(windows: np.ndarray, rows: int = 65536) -> np.ndarray:
    """N bases per window, int64 (k,); a block of rows at a time (a (k, L) bool array is 1 GB
    for a million windows)."""
    return np.concatenate(
        [np.count_nonzero(windows[i : i + rows] == N_CODE, axis=1) for i in range(0, len(windows), rows)]
        or [np.zeros(0, np.int64)]
    )


def _in_region(bins: np.ndarray, regions: list[tuple[int, int]] | None) -> np.ndarray:
    inside = np.zeros(len(bins), bool)
    for start, end in regions or ():
        inside |= (start <= bins) & (bins < end)
    return inside


def _count(notes: Notes, what: str, mask: np.ndarray, chrom: str, bins: np.ndarray, bin_size: int) -> None:
    """Count the bins of *chrom* (starts *bins*) where *mask* holds under *what*, naming the first few."""
    if mask.any():
        notes.add(what, n=int(mask.sum()), examples=[f"{chrom}:{b}-{b + bin_size}" for b in bins[mask][:SHOWN]])


def build(
    genome_path: str | Path,
    targets: dict[str, Path],
    *,
    bin_size: int = 200,
    length: int = 1000,
    test_chroms: tuple[str, ...] = ("chr8", "chr9"),
    valid_chroms: tuple[str, ...] = ("chr7",),
    neg_fraction: float = 0.0,
    max_n: float = 0.1,
    reverse_complement_copies: bool = False,
    seed: int = 0,
    progress: bool | str = False,
) -> BuiltSet:
    """Build train/valid/test sets from a genome and peak files, by DeepSEA's rules (see the
    module docstring).

    Parameters
    ----------
    genome_path : str or pathlib.Path
        The genome FASTA.
    targets : dict
        {target: peak file}.
    bin_size : int, optional
        The labelled bin (200).
    length : int, optional
        The window centred on it (1000).
    test_chroms : tuple of str, optional
        Hold-out chromosomes or regions ('chr7:0-30000000').
    valid_chroms : tuple of str, optional
        Hold-out chromosomes or regions ('chr7:0-30000000').
    neg_fraction : float, optional
        Bins with no positive kept at random, as negatives.
    max_n : float, optional
        Windows with a larger share of N are left out.
    reverse_complement_copies : bool, optional
        Append each row's reverse complement.
    seed : int, optional
        Seeds the negatives.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.

    Returns
    -------
    tuple of (BuiltSet, Notes)
        The splits, and the peak lines left out or clipped, counted.
    """
    require(
        length >= bin_size and (length - bin_size) % 2 == 0,
        f"--length ({length}) must be at least --bin-size ({bin_size}) and differ from it by an even number",
    )
    require(0.0 <= neg_fraction <= 1.0, f"--neg-fraction must be in [0, 1], got {neg_fraction}")
    require(0.0 <= max_n <= 1.0, f"--max-n must be in [0, 1], got {max_n}")
    genome = Genome(genome_path)
    test = parse_regions(test_chroms, genome, "--test-chroms")
    valid = parse_regions(valid_chroms, genome, "--valid-chroms")
    shared = _overlap(test, valid)
    require(
        shared is None,
        f"{shared} is in both --test-chroms and --valid-chroms; hold-out regions on one chromosome must not overlap",
    )
    names = list(targets)
    peaks = [read_bed(targets[n], genome) for n in iterate(names, "peak files", "file", progress)]
    notes = Notes()
    for n, iv in zip(names, peaks):
        notes.merge(iv.notes, f"{Path(targets[n]).name}: ")
    rng = np.random.default_rng(seed)
    flank = (length - bin_size) // 2
    splits = {
        split: SplitRows(length, len(names), reverse_complement_copies, names) for split in ("train", "valid", "test")
    }
    for chrom in iterate(list(genome.lengths), "bins", "chrom", progress):
        n_bins = max(0, (genome.lengths[chrom] - bin_size) // bin_size + 1)
        positive = positive_bins(peaks, chrom, n_bins, bin_size)
        keep = np.zeros(n_bins, bool)
        for pos in positive:
            keep[pos] = True
        if neg_fraction > 0:
            keep |= rng.random(n_bins) < neg_fraction
        starts = np.arange(n_bins, dtype=np.int64) * bin_size
        inside = (starts >= flank) & (starts + bin_size + flank <= genome.lengths[chrom])
        _count(notes, "window runs off the chromosome, skipped", keep & ~inside, chrom, starts, bin_size)
        rows = np.flatnonzero(keep & inside)
        if not len(rows):
            continue
        bins = starts[rows]
        windows = chromosome_windows(genome, chrom, bins - flank, length)
        too_many_n = _n_per_window(windows) / length > max_n
        _count(notes, f"window with more than {max_n:.0%} N, skipped", too_many_n, chrom, bins, bin_size)
        in_test = _in_region(bins, test.get(chrom)) & ~too_many_n
        in_valid = _in_region(bins, valid.get(chrom)) & ~(in_test | too_many_n)
        for split, take in (("test", in_test), ("valid", in_valid), ("train", ~(in_test | in_valid | too_many_n))):
            if take.any():
                pick = slice(None) if take.all() else take  # a whole chromosome: a view, not a copy
                splits[split].add(chrom, bins[pick], windows[pick], packed_labels(positive, rows[pick]))
    return BuiltSet(splits, names, notes, bin_size, length)


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


def fasta_classes(
    files: dict[str, Path], length: int, valid_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0
) -> tuple[BuiltSet, Notes]:
    """Labelled sets from one FASTA file per class/target; shorter sequences are padded with N
    (centred), longer ones centre-cropped to *length*.

    Each class is split on its own (stratified), *test_fraction* and *valid_fraction* of its
    records at random, at least one record in each split whose fraction is above 0, so that
    every class is in every split.

    Parameters
    ----------
    files : dict
        {class: FASTA path}.
    length : int
        The sequence length.
    valid_fraction : float, optional
        The shares of each class held out.
    test_fraction : float, optional
        The shares of each class held out.
    seed : int, optional
        Seeds the split.

    Returns
    -------
    tuple of (BuiltSet, Notes)
        The splits, and the records padded or cropped, counted.

    Raises
    ------
    DlbioError
        For a fraction outside [0, 1) or a class too small to be in every split.
    """
    from dlbio.data.fasta import read_index

    for option, f in (("--valid-fraction", valid_fraction), ("--test-fraction", test_fraction)):
        require(0.0 <= f < 1.0, f"{option} must be in [0, 1), got {f}")
    require(
        valid_fraction + test_fraction < 1.0,
        f"--valid-fraction {valid_fraction} and --test-fraction "
        f"{test_fraction} leave no training rows: their sum must be below 1",
    )
    names = list(files)
    for a, b in itertools.combinations(names, 2):
        require(
            not guard.same_file(files[a], files[b]),
            f"--fasta-class {a} and {b} name the same file ({files[b]}): its records would be labelled both",
        )
    rng = np.random.default_rng(seed)
    notes = Notes()
    rows = {"train": [], "valid": [], "test": []}
    for j, name in enumerate(names):
        lab = np.zeros(len(names), np.uint8)
        lab[j] = 1
        ids, idx = read_index(files[name], length, resize=True, notes=notes)
        n_test, n_valid = (max(1, int(round(f * len(ids)))) if f > 0 else 0 for f in (test_fraction, valid_fraction))
        require(
            len(ids) > n_test + n_valid,
            f"{files[name]}: {len(ids)} record{'s' if len(ids) > 1 else ''} in class {name}, too few for a "
            f"training, validation and test record each; add records or lower the fractions",
        )
        order = rng.permutation(len(ids))
        for split, part in (
            ("test", order[:n_test]),
            ("valid", order[n_test : n_test + n_valid]),
            ("train", order[n_test + n_valid :]),
        ):
            rows[split] += [(idx[i], lab, name, ids[i]) for i in part]
    splits, records = {}, {}
    for split, part in rows.items():
        if part:
            part = [part[i] for i in rng.permutation(len(part))]  # classes interleaved in row order
            splits[split] = ArraySource(np.stack([r[0] for r in part]), np.stack([r[1] for r in part]), names)
            records[split] = [(r[2], r[3]) for r in part]
    return BuiltSet(splits, names, notes, length=length, records=records), notes
