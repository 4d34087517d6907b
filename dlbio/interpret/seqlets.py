"""Seqlets: the short stretches of a sequence whose bases matter together, called from per-base
importance (dlbio.interpret.ism.importance).

The test is the recursive-seqlet idea of tangermeme (Schreiber), written here for dlbio: the
importance of all positions of all records scanned, binned, is the null of one position
(most bases of a 1000-bp window do not matter); the null of a span of w positions is its
w-fold convolution.  A span is a seqlet when its summed importance is improbable under that
null *and* so is every shorter span inside it (down to *min_len*), which keeps a seqlet from
reaching across unimportant bases.  Spans are taken longest first, best p first, never
overlapping, and their edges trimmed to bases that each stand out from the noise (more than
3 robust standard deviations, from the median absolute deviation, above the median): a
single strong base lets every short span around it pass.  Negative seqlets (bases whose
change raises the prediction: a site that works against the target) come from the same
test on the negated importance.  The p-value is that of one span: a 1000-bp record holds
some 17,000 spans of 4-20 bp, so the threshold (DEFAULT_P) is far below 0.05.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_P = 1e-5  # on Gaussian or Laplace noise, about one seqlet in 500 records of 1000 bp
N_BINS = 512
EDGE_Z = 3.0


@dataclass(frozen=True)
class Seqlet:
    """record: row of the scores; start, end: 0-based, end excluded; score: the summed
    importance (negative for a negative seqlet); p: that of the span under the null."""

    record: int
    start: int
    end: int
    score: float
    p: float


def call_seqlets(
    scores: np.ndarray, p_threshold: float = DEFAULT_P, min_len: int = 4, max_len: int = 20, negative: bool = True
) -> list[Seqlet]:
    """Seqlets: stretches of bases improbably important together.

    Parameters
    ----------
    scores : numpy.ndarray
        float (n, L): the per-base importance of n records.
    p_threshold : float, optional
        A span is a seqlet when its summed importance is this improbable under the null of
        all records' scores, and so is every shorter span inside it (the module docstring).
    min_len : int, optional
        The seqlets' lengths.
    max_len : int, optional
        The seqlets' lengths.
    negative : bool, optional
        Call negative seqlets (bases working against the prediction) too.

    Returns
    -------
    list of Seqlet
        Sorted by record, then start.

    Raises
    ------
    ValueError
        When *scores* is not finite (n, L) with L >= *min_len*.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] < min_len or not np.isfinite(scores).all():
        raise ValueError(f"scores must be finite (n, L) with L >= {min_len}, got shape {scores.shape}")
    found = _one_sign(scores, p_threshold, min_len, max_len, +1)
    if negative:
        found += _one_sign(-scores, p_threshold, min_len, max_len, -1)
    return sorted(found, key=lambda s: (s.record, s.start))


def _one_sign(scores: np.ndarray, p_threshold: float, min_len: int, max_len: int, sign: int) -> list[Seqlet]:
    lo, hi = float(scores.min()), float(scores.max())
    if hi - lo <= 0:
        return []
    width = (hi - lo) / (N_BINS - 1)
    bins = np.rint((scores - lo) / width).astype(np.int64)  # (n, L) in 0..N_BINS-1
    one = np.bincount(bins.ravel(), minlength=N_BINS) / bins.size  # null of one position
    max_len = min(max_len, scores.shape[1])
    survival = {}  # w -> P(sum of w bins >= j)
    pmf = one
    for w in range(1, max_len + 1):
        if w > 1:
            pmf = np.convolve(pmf, one)
        if w >= min_len:
            survival[w] = np.cumsum(pmf[::-1])[::-1]
    # a seqlet's first and last base must each stand out from the noise (robust z > EDGE_Z): one
    # strong base makes every short span around it pass, and would drag noise into the seqlet
    median = np.median(scores)
    spread = 1.4826 * np.median(np.abs(scores - median))  # the noise's sd, from its MAD
    strong_all = scores > median + EDGE_Z * spread
    csum = np.concatenate([np.zeros((len(bins), 1), np.int64), np.cumsum(bins, axis=1)], axis=1)
    raw = np.concatenate([np.zeros((len(scores), 1)), np.cumsum(scores, axis=1)], axis=1)
    out = []
    for r in range(len(scores)):
        p, ok = {}, {}
        for w in range(min_len, max_len + 1):
            sums = csum[r, w:] - csum[r, :-w]  # bin sums of every span of w
            p[w] = np.minimum(survival[w][np.minimum(sums, len(survival[w]) - 1)], 1.0)
            ok[w] = p[w] < p_threshold
            if w > min_len:  # every shorter span inside passes too
                ok[w] &= ok[w - 1][:-1] & ok[w - 1][1:]
        strong = strong_all[r]
        free = np.ones(scores.shape[1], bool)
        for w in range(max_len, min_len - 1, -1):
            for start in np.flatnonzero(ok[w])[np.argsort(p[w][ok[w]], kind="stable")]:
                if free[start : start + w].all():
                    free[start : start + w] = False
                    a, b = int(start), int(start + w)
                    while a < b and not strong[a]:
                        a += 1
                    while b > a and not strong[b - 1]:
                        b -= 1
                    if b - a >= min_len:  # its own p, as trimmed
                        out.append(Seqlet(r, a, b, sign * float(raw[r, b] - raw[r, a]), float(p[b - a][a])))
    return out


SEQLET_COLUMNS = (
    "id",
    "sign",
    "first",
    "last",
    "length",
    "sequence",
    "importance",
    "p",
    "motif",
    "motif_id",
    "motif_q",
    "motif_first",
    "motif_strand",
    "pattern",
)


def write_seqlets(
    path: str | Path,
    seqlets: list[Seqlet],
    ids: list[str],
    sequences: list[str],
    hits: list,
    first: int = 1,
    patterns: list[str] | None = None,
) -> Path:
    """Write one TSV row per seqlet (SEQLET_COLUMNS).

    Columns: its record's id, + or -, its first and last position (1-based, inclusive), its
    bases, summed importance and p-value; then the JASPAR motif it holds: name, id, q-value
    and where (1-based) and on which strand, or '-' where no motif fits better than chance (the
    best one's q-value all the same); last the pattern it belongs to, '-' for none.

    Parameters
    ----------
    path : str or pathlib.Path
        The TSV, written atomically.
    seqlets : list of Seqlet
        The seqlets.
    ids : list of str
        The records' ids.
    sequences : list of str
        The records' sequences as scored (from position *first*).
    hits : list
        Per seqlet, a :class:`dlbio.motifs.stretches.MotifHit` placed in the whole record, or
        None.
    first : int, optional
        The 1-based position in each record of the first scored base.
    patterns : list of str or None, optional
        Per seqlet, its pattern's name (:mod:`dlbio.motifs.patterns`).

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.utils.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write("\t".join(SEQLET_COLUMNS) + "\n")
        for s, hit, pattern in zip(seqlets, hits, patterns or ["-"] * len(seqlets)):
            if hit is not None and hit.significant:
                motif = f"{hit.name}\t{hit.matrix_id}\t{hit.q:.3g}\t{hit.start + 1}\t{hit.strand}"
            else:
                motif = "-\t-\t" + ("-" if hit is None else f"{hit.q:.3g}") + "\t-\t-"
            fh.write(
                f"{ids[s.record]}\t{'+' if s.score > 0 else '-'}\t{first + s.start}\t{first + s.end - 1}"
                f"\t{s.end - s.start}\t{sequences[s.record][s.start : s.end]}\t{s.score:+.5f}\t{s.p:.3g}"
                f"\t{motif}\t{pattern}\n"
            )
    return Path(path)
