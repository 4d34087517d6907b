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

from pathlib import Path

import numpy as np

from dlbio.data.built_set import BuiltSet
from dlbio.data.encoding import N_CODE
from dlbio.data.genome import Genome, chromosome_windows
from dlbio.data.intervals import Intervals, overlap_per_bin, read_bed
from dlbio.data.split_rows import SplitRows
from dlbio.utils import guard
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import SHOWN, Notes
from dlbio.utils.progress import iterate


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
