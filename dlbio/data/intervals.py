"""BED / narrowPeak reading with a defined answer for every kind of bad line.

=====================================  ==============================================
input                                  behaviour
=====================================  ==============================================
``track``/``browser``/``#`` lines      skipped
fewer than 3 columns, non-integer      error naming file and line
start/end, start > end, start < 0
start == end (empty interval)          skipped, counted
chromosome absent from the genome      skipped, counted (after chr1/1 style matching)
interval past the chromosome end       clipped to the end, counted
unsorted lines                         accepted (sorted in memory), noted
narrowPeak summit (10th column)        the centre of the region (``keep_names``); else the midpoint
file with no intervals                 error
=====================================  ==============================================
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbio.utils import guard
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import Notes


@dataclass
class Intervals:
    """Per chromosome (genome's names): merged, sorted starts/ends int64 arrays."""

    by_chrom: dict[str, tuple[np.ndarray, np.ndarray]]
    notes: Notes = field(default_factory=Notes)
    # With keep_names, one row per line: (chrom, start, end, name, centre); centre is the
    # narrowPeak summit (start + column 10) when the line has one, else the midpoint.
    names: list[tuple[str, int, int, str, int]] = field(default_factory=list)


def open_text(path: Path):
    """Open a text file, plain or gzip (.gz), recorded as an input of the running command
    (:mod:`dlbio.utils.guard`: no output may replace it).

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    file object
        Open for reading text.
    """
    guard.reading(path)
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path)


def read_bed(path: str | Path, genome=None, keep_names: bool = False) -> Intervals:
    """Read a BED or narrowPeak file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file, plain or gzipped; track, browser and # lines are skipped.
    genome : Genome or None, optional
        Chromosome names are matched to the genome's (chr1/1), and intervals clipped to its
        lengths; lines on a chromosome it lacks are counted in the notes.
    keep_names : bool, optional
        Keep one row per line, (chrom, start, end, name, centre): centre is the narrowPeak
        summit (start + column 10) when there is one, else the midpoint.

    Returns
    -------
    Intervals
        Per chromosome, merged, sorted 0-based half-open starts and ends (int64); the lines
        left out or clipped, counted; with *keep_names* the rows.

    Raises
    ------
    DlbioError
        Naming the file and line, for a malformed line.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: BED/narrowPeak file not found")
    raw: dict[str, list[tuple[int, int]]] = defaultdict(list)
    notes = Notes()
    names = []
    last = None
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                cols = line.rstrip("\n\r").split("\t")
                if len(cols) < 3:
                    cols = line.split()
                # (if/raise, not require: an f-string per line is a third of the time of a 50k-peak file)
                if len(cols) < 3:
                    raise DlbioError(f"{path}: line {lineno}: expected chrom, start, end (tab-separated)")
                chrom = cols[0]
                try:
                    start, end = int(cols[1]), int(cols[2])
                except ValueError:
                    raise DlbioError(
                        f"{path}: line {lineno}: start/end {cols[1]!r}/{cols[2]!r} are not integers"
                    ) from None
                if start < 0:
                    raise DlbioError(f"{path}: line {lineno}: negative start {start}")
                if start > end:
                    raise DlbioError(f"{path}: line {lineno}: start {start} is after end {end}")
                if start == end:
                    notes.add("empty interval skipped", f"line {lineno}")
                    continue
                if last is not None and (chrom, start) < last and "unsorted (sorted in memory)" not in notes:
                    notes.add("unsorted (sorted in memory)", changes=False)
                last = (chrom, start)
                if genome is not None:
                    resolved = genome.resolve(chrom)
                    if resolved is None:
                        notes.add("chromosome not in genome, skipped", f"{chrom}:{start}-{end}")
                        continue
                    if resolved != chrom:
                        notes.add("chromosome renamed (chr1/1 style)", changes=False)
                    chrom = resolved
                    if end > genome.lengths[chrom]:
                        notes.add("past chromosome end, clipped", f"{chrom}:{start}-{end}")
                        end = genome.lengths[chrom]
                        if start >= end:
                            continue
                raw[chrom].append((start, end))
                if keep_names:
                    names.append(
                        (
                            chrom,
                            start,
                            end,
                            cols[3] if len(cols) > 3 and cols[3] not in (".", "") else f"{chrom}:{start}-{end}",
                            _centre(cols, start, end),
                        )
                    )
    except UnicodeDecodeError:
        raise DlbioError(f"{path}: not a text BED file") from None
    except (OSError, EOFError) as exc:
        raise DlbioError(f"{path}: cannot read ({exc})") from None
    n = sum(len(v) for v in raw.values())
    require(n > 0, f"{path}: no intervals (empty file, or none on the genome's chromosomes)")
    return Intervals({c: _merge(v) for c, v in raw.items()}, notes, names)


def _centre(cols: list[str], start: int, end: int) -> int:
    """The narrowPeak summit (exactly 10 columns, column 10 = offset from start, -1 = none)
    inside [start, end), else the midpoint.  BED12 and others have other column counts."""
    if len(cols) == 10 and cols[9].lstrip("-").isdigit() and 0 <= int(cols[9]) < end - start:
        return start + int(cols[9])
    return (start + end) // 2


def _merge(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, merged (starts, ends) int64 of [start, end) pairs; touching intervals merge."""
    a = np.array(pairs, dtype=np.int64)
    a = a[np.argsort(a[:, 0], kind="stable")]
    starts, ends = a[:, 0], a[:, 1]
    # an interval opens a new run when it starts after every earlier one has ended
    opens = np.ones(len(a), bool)
    opens[1:] = starts[1:] > np.maximum.accumulate(ends)[:-1]
    first = np.flatnonzero(opens)
    return starts[first], np.maximum.reduceat(ends, first)


def covered(starts: np.ndarray, ends: np.ndarray, x: np.ndarray) -> np.ndarray:
    """How many bases of merged intervals lie before each position.

    Parameters
    ----------
    starts : numpy.ndarray
        int64 (m,) merged, sorted intervals, 0-based half-open.
    ends : numpy.ndarray
        int64 (m,) merged, sorted intervals, 0-based half-open.
    x : numpy.ndarray
        int64 (k,) positions.

    Returns
    -------
    numpy.ndarray
        int64 (k,): bases of the intervals in [0, x).
    """
    lengths = np.concatenate([[0], np.cumsum(ends - starts)])
    k = np.searchsorted(ends, x, side="right")  # intervals wholly before x
    full = lengths[k]
    partial = np.where(k < len(starts), np.clip(x - starts[np.minimum(k, len(starts) - 1)], 0, None), 0)
    return full + partial


def overlap_per_bin(starts: np.ndarray, ends: np.ndarray, bin_starts: np.ndarray, bin_size: int) -> np.ndarray:
    """How many bases of each bin merged intervals cover.

    Parameters
    ----------
    starts : numpy.ndarray
        int64 (m,) merged, sorted intervals.
    ends : numpy.ndarray
        int64 (m,) merged, sorted intervals.
    bin_starts : numpy.ndarray
        int64 (k,) the bins' first bases.
    bin_size : int
        The bins' width.

    Returns
    -------
    numpy.ndarray
        int64 (k,): bases of [b, b + bin_size) covered.
    """
    return covered(starts, ends, bin_starts + bin_size) - covered(starts, ends, bin_starts)
