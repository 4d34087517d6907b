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

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbio.atomic import write_text
from dlbio.data.encoding import N_CODE, NOT_DNA, encode_lenient, not_dna, reverse_complement
from dlbio.data.genome import Genome
from dlbio.data.intervals import Intervals, overlap_per_bin, read_bed
from dlbio.data.pipeline import ArraySource
from dlbio.errors import DlbioError, require
from dlbio.progress import iterate


@dataclass
class BuiltSet:
    splits: dict[str, tuple[np.ndarray, np.ndarray]]     # idx uint8 (n, L), labels uint8 (n, T)
    coords: dict[str, list[tuple[str, int]]]              # (chrom, bin start) per row
    target_names: list[str]
    notes: Counter = field(default_factory=Counter)
    bin_size: int = 200
    length: int = 1000
    reverse_complement_copies: bool = False
    records: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (class, FASTA id) per row

    def positives(self, split: str) -> np.ndarray:
        """Positive windows per target in *split*, int64 (T,) (one pass over the rows)."""
        return self.splits[split][1].sum(axis=0, dtype=np.int64)


def read_sheet(path: str | Path) -> dict[str, Path]:
    """TSV 'target<TAB>peak file' (relative paths are relative to the sheet)."""
    path = Path(path)
    require(path.is_file(), f"{path}: target sheet not found")
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


def parse_regions(entries: tuple[str, ...], genome: Genome) -> dict[str, tuple[int, int]]:
    """'chr7' or 'chr7:start-end' -> {genome chromosome name: (start, end)}."""
    out = {}
    for entry in entries:
        chrom, _, span = entry.partition(":")
        name = genome.resolve(chrom) or chrom
        if span:
            try:
                a, b = (int(v.replace(",", "")) for v in span.split("-"))
            except ValueError:
                raise DlbioError(f"region {entry!r}: expected chrom:start-end") from None
            require(0 <= a < b, f"region {entry!r}: start must be below end")
            out[name] = (a, b)
        else:
            out[name] = (0, 2**62)
    return out


def label_bins(genome: Genome, peaks: list[Intervals], chrom: str, bin_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(bin starts int64 (B,), labels uint8 (B, T)) for every whole bin of *chrom*."""
    starts = np.arange(0, genome.lengths[chrom] - bin_size + 1, bin_size, dtype=np.int64)
    labels = np.zeros((len(starts), len(peaks)), np.uint8)
    for j, iv in enumerate(peaks):
        if chrom in iv.by_chrom:
            s, e = iv.by_chrom[chrom]
            # Only the bins a peak touches can be 1: a few per peak, not every bin of the
            # chromosome (919 targets x 15 M bins of a human genome).
            touched = _bins_touched(s, e, bin_size, len(starts))
            labels[touched, j] = overlap_per_bin(s, e, starts[touched], bin_size) * 2 > bin_size
    return starts, labels


def _bins_touched(starts: np.ndarray, ends: np.ndarray, bin_size: int, n_bins: int) -> np.ndarray:
    """Sorted indices of the bins [k*bin_size, (k+1)*bin_size) that intervals [start, end) overlap."""
    first, last = starts // bin_size, np.minimum((ends - 1) // bin_size, n_bins - 1)
    counts = np.maximum(last - first + 1, 0)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.unique(np.repeat(first, counts) + offsets)


def chromosome_windows(genome: Genome, chrom: str, window_starts: np.ndarray, length: int) -> np.ndarray:
    """uint8 base index (k, length) of the windows of *chrom* starting at *window_starts*
    (0-based, each wholly inside the chromosome).  The chromosome is read and encoded once;
    a letter that is not DNA is an error only where a window uses it."""
    seq = genome.fetch(chrom, 0, genome.lengths[chrom])
    windows = np.lib.stride_tricks.sliding_window_view(encode_lenient(seq), length)[window_starts]
    bad = np.flatnonzero((windows == NOT_DNA).any(axis=1))
    if len(bad):
        w0, pos = int(window_starts[bad[0]]), int(np.flatnonzero(windows[bad[0]] == NOT_DNA)[0])
        raise not_dna(f"{genome.path}:{chrom}:{w0}-{w0 + length}", seq[w0 + pos], pos + 1)
    return windows


def _n_per_window(windows: np.ndarray, rows: int = 65536) -> np.ndarray:
    """N bases per window, int64 (k,); a block of rows at a time (a (k, L) bool array is 1 GB
    for a million windows)."""
    return np.concatenate([np.count_nonzero(windows[i:i + rows] == N_CODE, axis=1)
                           for i in range(0, len(windows), rows)] or [np.zeros(0, np.int64)])


def _in_region(bins: np.ndarray, region: tuple[int, int] | None) -> np.ndarray:
    if region is None:
        return np.zeros(len(bins), bool)
    return (region[0] <= bins) & (bins < region[1])


def _count(notes: Counter, what: str, mask: np.ndarray) -> None:
    if mask.any():
        notes[what] += int(mask.sum())


def build(genome_path: str | Path, targets: dict[str, Path], *, bin_size: int = 200, length: int = 1000,
          test_chroms: tuple[str, ...] = ("chr8", "chr9"), valid_chroms: tuple[str, ...] = ("chr7",),
          neg_fraction: float = 0.0, max_n: float = 0.1, reverse_complement_copies: bool = False,
          seed: int = 0, progress: bool | str = False) -> BuiltSet:
    """Build train/valid/test sets (see the module docstring for the rules)."""
    require(length >= bin_size and (length - bin_size) % 2 == 0,
            f"--length ({length}) must be at least --bin-size ({bin_size}) and differ from it by an even number")
    require(0.0 <= neg_fraction <= 1.0, f"--neg-fraction must be in [0, 1], got {neg_fraction}")
    require(0.0 <= max_n <= 1.0, f"--max-n must be in [0, 1], got {max_n}")
    genome = Genome(genome_path)
    names = list(targets)
    peaks = [read_bed(targets[n], genome) for n in names]
    notes: Counter = Counter()
    for n, iv in zip(names, peaks):
        for k, v in iv.notes.items():
            notes[f"{Path(targets[n]).name}: {k}"] += v
    test = parse_regions(test_chroms, genome)
    valid = parse_regions(valid_chroms, genome)
    require(not (set(test) & set(valid)), "a chromosome is in both --test-chroms and --valid-chroms")
    rng = np.random.default_rng(seed)
    flank = (length - bin_size) // 2
    parts: dict[str, list] = {"train": [], "valid": [], "test": []}
    coords: dict[str, list] = {"train": [], "valid": [], "test": []}
    for chrom in iterate(list(genome.lengths), "bins", "chrom", progress):
        starts, labels = label_bins(genome, peaks, chrom, bin_size)
        keep = labels.any(axis=1)
        if neg_fraction > 0:
            keep |= rng.random(len(keep)) < neg_fraction
        inside = (starts >= flank) & (starts + bin_size + flank <= genome.lengths[chrom])
        _count(notes, "window runs off the chromosome, skipped", keep & ~inside)
        keep &= inside
        bins, labels = starts[keep], labels[keep]  # one copy of the (bins, targets) labels
        if not len(bins):
            continue
        windows = chromosome_windows(genome, chrom, bins - flank, length)
        too_many_n = _n_per_window(windows) / length > max_n
        _count(notes, f"window with more than {max_n:.0%} N, skipped", too_many_n)
        in_test = _in_region(bins, test.get(chrom)) & ~too_many_n
        in_valid = _in_region(bins, valid.get(chrom)) & ~(in_test | too_many_n)
        for split, rows in (("test", in_test), ("valid", in_valid), ("train", ~(in_test | in_valid | too_many_n))):
            if rows.any():
                pick = slice(None) if rows.all() else rows  # a whole chromosome: views, not copies
                parts[split].append((windows[pick], labels[pick]))
                coords[split] += [(chrom, int(b)) for b in bins[pick]]
    splits = {}
    for split, rows in parts.items():
        idx = np.concatenate([r[0] for r in rows]) if rows else np.zeros((0, length), np.uint8)
        lab = np.concatenate([r[1] for r in rows]) if rows else np.zeros((0, len(names)), np.uint8)
        if reverse_complement_copies and len(idx):
            idx, lab = np.concatenate([idx, reverse_complement(idx)]), np.concatenate([lab, lab])
            coords[split] = coords[split] + coords[split]
        splits[split] = (idx, lab)
    return BuiltSet(splits, coords, names, notes, bin_size, length, reverse_complement_copies)


def write_built(built: BuiltSet, out_dir: str | Path, mat: bool = False) -> dict[str, Path]:
    """Stores ``<split>.dlbio`` (and with *mat* the DeepSEA .mat layout), targets.tsv, summary.tsv,
    and for a genome-built set ``<split>.windows.bed`` (see :func:`windows_bed`), for a set
    from FASTA classes ``<split>.records.tsv`` (class and record id of each row, in row order)."""
    from dlbio.data import deepsea_mat
    from dlbio.data.store import SUFFIX, write_store

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    for split, (idx, lab) in built.splits.items():
        require(len(idx) > 0, f"the {split} set is empty: check --test-chroms/--valid-chroms and the peaks")
        src = ArraySource(idx, lab, built.target_names)
        src.split = split
        made[split] = write_store(out / f"{split}{SUFFIX}", src, ["dlbio build-dataset"])
        if mat:
            deepsea_mat.write_split(out / f"{split}.mat", split, idx, lab, "7.3" if split == "train" else "5")
    for split, rows in built.coords.items():
        if rows:
            write_text(out / f"{split}.windows.bed", windows_bed(built, split))
    for split, rows in built.records.items():
        write_text(out / f"{split}.records.tsv", "class\tid\n" + "".join(f"{c}\t{rid}\n" for c, rid in rows))
    write_text(out / "targets.tsv", "".join(f"{n}\n" for n in built.target_names))
    rows = ["target\t" + "\t".join(f"{s}_positives" for s in built.splits)]
    positives = [built.positives(split) for split in built.splits]
    for j, n in enumerate(built.target_names):
        rows.append(n + "\t" + "\t".join(str(int(p[j])) for p in positives))
    rows.append("samples\t" + "\t".join(str(len(idx)) for idx, _ in built.splits.values()))
    write_text(out / "summary.tsv", "\n".join(rows) + "\n")
    return made


def windows_bed(built: BuiltSet, split: str) -> str:
    """BED6 text, one line per row of *split* in store order: the input window (0-based,
    half-open), name = the labelled bin (chrom:start-end) and strand, '-' for the reverse-
    complement copies that --reverse-complement appends after the forward rows."""
    flank = (built.length - built.bin_size) // 2
    rows = built.coords[split]
    half = len(rows) // 2 if built.reverse_complement_copies else len(rows)
    return "".join(f"{chrom}\t{b - flank}\t{b + built.bin_size + flank}\t{chrom}:{b}-{b + built.bin_size}\t0\t"
                   f"{'+' if i < half else '-'}\n" for i, (chrom, b) in enumerate(rows))


def fasta_classes(files: dict[str, Path], length: int, valid_fraction: float = 0.1, test_fraction: float = 0.1,
                  seed: int = 0) -> tuple[BuiltSet, Counter]:
    """One FASTA file per class/target -> labelled sets; shorter sequences are padded with N
    (centred), longer ones centre-cropped to *length*.  A random split by fractions.
    """
    from dlbio.data.fasta import read_index

    names = list(files)
    rows, notes = [], Counter()
    for j, name in enumerate(names):
        lab = np.zeros(len(names), np.uint8)
        lab[j] = 1
        ids, idx = read_index(files[name], length, resize=True, notes=notes)
        rows += [(seq, lab, name, rid) for seq, rid in zip(idx, ids)]
    order = np.random.default_rng(seed).permutation(len(rows))
    n_test, n_valid = int(round(test_fraction * len(rows))), int(round(valid_fraction * len(rows)))
    groups = {"test": order[:n_test], "valid": order[n_test:n_test + n_valid], "train": order[n_test + n_valid:]}
    splits = {s: (np.stack([rows[i][0] for i in g]), np.stack([rows[i][1] for i in g])) for s, g in groups.items()
              if len(g)}
    records = {s: [(rows[i][2], rows[i][3]) for i in g] for s, g in groups.items() if len(g)}
    return BuiltSet(splits, {s: [] for s in splits}, names, notes, length=length, records=records), notes
