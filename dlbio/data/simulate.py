"""Planted-motif data sets in the DeepSEA layout, with the truth written beside them.

One target per motif: a sequence is positive for target j when motif j was
planted in it (on either strand).  Instances are sampled from the JASPAR
frequency matrix, so they vary like real sites do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data import deepsea_mat
from dlbio.data.encoding import reverse_complement
from dlbio.motifs import jaspar
from dlbio.utils.atomic import write_text
from dlbio.utils.errors import require
from dlbio.utils.progress import counter, iterate


@dataclass
class Planted:
    """What simulate() made: per split, idx uint8 (n, L), labels uint8 (n, T), truth rows."""

    motifs: list[jaspar.JasparMotif]
    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    truth: list[tuple]


def random_bases(rng: np.random.Generator, n: int, length: int, gc: float) -> np.ndarray:
    """Independent random bases.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator.
    n : int
        Sequences and their length.
    length : int
        Sequences and their length.
    gc : float
        The GC fraction.

    Returns
    -------
    numpy.ndarray
        Base indices uint8 (n, length).
    """
    background = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])  # A,G,C,T
    return rng.choice(4, size=(n, length), p=background).astype(np.uint8)


def sample_sites(motif: jaspar.JasparMotif, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sites drawn base by base from a motif's frequencies (pseudocount 0.01, so that no base is
    impossible), forward strand.

    Parameters
    ----------
    motif : JasparMotif
        The motif (w columns).
    n : int
        Sites.
    rng : numpy.random.Generator
        The generator.

    Returns
    -------
    numpy.ndarray
        Base indices uint8 (n, w).
    """
    cum = np.cumsum(motif.probabilities(0.01)[:, [0, 2, 1, 3]], axis=1)  # A,G,C,T
    u = rng.random((n, motif.length, 1))
    return np.minimum((u > cum[None]).sum(axis=2), 3).astype(np.uint8)


def simulate(
    motif_queries: list[str],
    sizes: dict[str, int],
    length: int = 200,
    motifs_per_seq: float = 1.0,
    gc: float = 0.42,
    strand: str = "both",
    seed: int = 0,
    release: str = jaspar.DEFAULT_RELEASE,
    progress: bool | str = False,
) -> Planted:
    """dlbio simulate: random background with JASPAR motifs planted, one target per motif.

    Each motif is present in a sequence with probability motifs_per_seq / n_motifs, at a
    random position that does not overlap another planted site when possible.

    Parameters
    ----------
    motif_queries : list of str
        JASPAR ids or names.
    sizes : dict
        {split: sequences}, e.g. {'train': 8000, 'valid': 1000, 'test': 2000}.
    length : int, optional
        Sequence length.
    motifs_per_seq : float, optional
        Sites per sequence on average.
    gc : float, optional
        The background's GC fraction.
    strand : {'both', '+', '-'}, optional
        The sites' strand ('both': random).
    seed : int, optional
        Seeds everything.
    release : str, optional
        The JASPAR release.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.

    Returns
    -------
    Planted
        Per split (base indices uint8 (n, L), labels uint8 (n, T)), the motifs, and every
        planted site (split, sample, matrix id, name, start, strand).
    """
    require(motif_queries, "give at least one motif (--motifs CTCF,GATA1,...)")
    require(0.0 < gc < 1.0, f"--gc must be between 0 and 1, got {gc}")
    require(motifs_per_seq >= 0, f"--motifs-per-seq must be at least 0, got {motifs_per_seq}")
    require(strand in ("both", "+", "-"), f"--strand must be both, + or -, got {strand!r}")
    motifs = [jaspar.find(q, release) for q in motif_queries]
    require(len({m.matrix_id for m in motifs}) == len(motifs), "the same motif is listed twice")
    require(max(m.length for m in motifs) <= length, f"--length {length} is shorter than a motif")
    p_present = min(1.0, motifs_per_seq / len(motifs))
    rng = np.random.default_rng(seed)
    splits, truth = {}, []
    with counter(sum(sizes.values()) * len(motifs), "planting", "seq", progress) as bar:
        for split, n in sizes.items():
            require(n > 0, f"size of {split} must be positive, got {n}")
            idx = random_bases(rng, n, length, gc)
            labels = np.zeros((n, len(motifs)), np.uint8)
            busy = np.zeros((n, length), bool)
            for j, m in enumerate(motifs):
                rows = np.flatnonzero(rng.random(n) < p_present)
                w = m.length
                starts = rng.integers(0, length - w + 1, size=len(rows))
                for _ in range(20):  # re-draw starts that collide with earlier sites
                    clash = np.array([busy[r, s : s + w].any() for r, s in zip(rows, starts)], bool)
                    if not clash.any():
                        break
                    starts[clash] = rng.integers(0, length - w + 1, size=clash.sum())
                inst = sample_sites(m, len(rows), rng)
                strands = (rng.random(len(rows)) < 0.5) if strand == "both" else np.full(len(rows), strand == "-")
                inst[strands] = reverse_complement(inst[strands])
                for r, s, site, minus in zip(rows, starts, inst, strands):
                    idx[r, s : s + w] = site
                    busy[r, s : s + w] = True
                    truth.append((split, int(r), m.matrix_id, m.name, int(s), "-" if minus else "+"))
                labels[rows, j] = 1
                bar.update(n)
            splits[split] = (idx, labels)
    return Planted(motifs, splits, truth)


def write_planted_set(
    planted: Planted, out_dir: str | Path, store: bool = False, force: bool = False, progress: bool | str = False
) -> Path:
    """Write a simulated set (:func:`write_planted`, and the stores beside the .mat files) as one
    data set, whole or not at all.

    Parameters
    ----------
    planted : Planted
        The set.
    out_dir : str or pathlib.Path
        The data folder.
    store : bool, optional
        Write dlbio stores too.
    force : bool, optional
        Replace an earlier set there.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.

    Returns
    -------
    pathlib.Path
        *out_dir*.
    """
    from dlbio.data.dataset import building
    from dlbio.data.sources import write_stores

    with building(out_dir, force) as (tmp, build_id):
        write_planted(planted, tmp, progress)
        if store:
            write_stores(tmp, tmp, progress=progress, build_id=build_id)
    return Path(out_dir)


def write_planted(planted: Planted, out_dir: str | Path, progress: bool | str = False) -> Path:
    """Write train.mat (v7.3), valid.mat and test.mat (v5), targets.tsv and truth.tsv.

    Parameters
    ----------
    planted : Planted
        The set.
    out_dir : str or pathlib.Path
        The folder (made when missing).
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.

    Returns
    -------
    pathlib.Path
        *out_dir*.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for split, (idx, labels) in iterate(planted.splits.items(), "writing .mat", "file", progress):
        deepsea_mat.write_split(out / f"{split}.mat", split, idx, labels, "7.3" if split == "train" else "5")
    write_text(out / "targets.tsv", "".join(f"{m.name}_{m.matrix_id}\n" for m in planted.motifs))
    rows = ["split\tsample\tmatrix_id\tname\tstart\tstrand"] + ["\t".join(map(str, t)) for t in planted.truth]
    write_text(out / "truth.tsv", "\n".join(rows) + "\n")
    return out
