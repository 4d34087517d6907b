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
from dlbio.data.encoding import encode, reverse_complement
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
            labels[:, j] = overlap_per_bin(s, e, starts, bin_size) * 2 > bin_size
    return starts, labels


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
        for b, lab in zip(starts[keep], labels[keep]):
            if chrom in test and test[chrom][0] <= b < test[chrom][1]:
                split = "test"
            elif chrom in valid and valid[chrom][0] <= b < valid[chrom][1]:
                split = "valid"
            else:
                split = "train"
            w0, w1 = b - flank, b + bin_size + flank
            if w0 < 0 or w1 > genome.lengths[chrom]:
                notes["window runs off the chromosome, skipped"] += 1
                continue
            seq = genome.fetch(chrom, w0, w1)
            idx = encode(seq, f"{genome.path}:{chrom}:{w0}-{w1}")
            if np.mean(idx == 4) > max_n:
                notes[f"window with more than {max_n:.0%} N, skipped"] += 1
                continue
            parts[split].append((idx, lab))
            coords[split].append((chrom, int(b)))
    splits = {}
    for split, rows in parts.items():
        idx = np.stack([r[0] for r in rows]) if rows else np.zeros((0, length), np.uint8)
        lab = np.stack([r[1] for r in rows]) if rows else np.zeros((0, len(names)), np.uint8)
        if reverse_complement_copies and len(idx):
            idx, lab = np.concatenate([idx, reverse_complement(idx)]), np.concatenate([lab, lab])
            coords[split] = coords[split] + coords[split]
        splits[split] = (idx, lab)
    return BuiltSet(splits, coords, names, notes)


def write_built(built: BuiltSet, out_dir: str | Path, mat: bool = False) -> dict[str, Path]:
    """Stores ``<split>.dlbio`` (and with *mat* the DeepSEA .mat layout), targets.tsv, summary.tsv."""
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
    write_text(out / "targets.tsv", "".join(f"{n}\n" for n in built.target_names))
    rows = ["target\t" + "\t".join(f"{s}_positives" for s in built.splits)]
    for j, n in enumerate(built.target_names):
        rows.append(n + "\t" + "\t".join(str(int(lab[:, j].sum())) for _, lab in built.splits.values()))
    rows.append("samples\t" + "\t".join(str(len(idx)) for idx, _ in built.splits.values()))
    write_text(out / "summary.tsv", "\n".join(rows) + "\n")
    return made


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
        _, idx = read_index(files[name], length, resize=True, notes=notes)
        rows += [(seq, lab) for seq in idx]
    order = np.random.default_rng(seed).permutation(len(rows))
    n_test, n_valid = int(round(test_fraction * len(rows))), int(round(valid_fraction * len(rows)))
    groups = {"test": order[:n_test], "valid": order[n_test:n_test + n_valid], "train": order[n_test + n_valid:]}
    splits = {s: (np.stack([rows[i][0] for i in g]), np.stack([rows[i][1] for i in g])) for s, g in groups.items()
              if len(g)}
    return BuiltSet(splits, {s: [] for s in splits}, names, notes), notes
