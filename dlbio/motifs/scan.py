"""Which JASPAR motif does a stretch of sequence hold?  Log-odds scanning with exact p-values.

Each motif's log-odds matrix (log2 of its column frequencies over a uniform background, in
steps of RESOLUTION bits) gives, by convolution over its columns, the exact distribution of
its score on random sequence, as FIMO and TFM-Pvalue compute it.  A stretch is scanned on
both strands at every placement that overlaps it enough; the best placement's p-value is
corrected for the number of placements (Sidak), and the motifs' p-values for the number of
motifs (Benjamini-Hochberg, as Tomtom reports q-values).  The answer is the motif with the
smallest p-value, and a q-value that says whether any motif fits better than chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbio.motifs.jaspar import JasparMotif
from dlbio.motifs.tomtom import bh_qvalues

MATCH_Q = 0.05      # a stretch "holds" its best motif below this q-value
RESOLUTION = 0.05   # bits per score step
PSEUDOCOUNT = 0.01  # per base, as the Tomtom report's targets
_N = 4              # the code of N: scores its column's minimum, never evidence for a motif


@dataclass(frozen=True)
class MotifHit:
    """The best motif for one stretch: start (0-based, in the sequence given) and strand of
    its best placement, p (that placement's score on random sequence, times the placements
    tried), q (Benjamini-Hochberg over the motifs)."""

    matrix_id: str
    name: str
    start: int
    strand: str
    p: float
    q: float

    @property
    def significant(self) -> bool:
        return self.q < MATCH_Q


class MotifScanner:
    """*motifs* as integer log-odds matrices and their exact score survival functions."""

    def __init__(self, motifs: tuple[JasparMotif, ...]):
        self.motifs = motifs
        self.forward, self.reverse, self.survival = [], [], []
        for m in motifs:
            lo = np.log2(m.probabilities(PSEUDOCOUNT) / 0.25)                # (w, 4) A, C, G, T
            steps = np.rint(lo / RESOLUTION).astype(np.int64)
            steps -= steps.min(axis=1, keepdims=True)                          # scores from 0: an index
            with_n = np.concatenate([steps, np.zeros((len(steps), 1), np.int64)], axis=1)  # N: the minimum, 0
            self.forward.append(with_n)
            self.reverse.append(np.concatenate([steps[::-1, ::-1], with_n[:, 4:]], axis=1))
            pmf = np.ones(1)
            for column in steps:                                               # each base 1/4
                nxt = np.zeros(len(pmf) + column.max())
                for s in column:
                    nxt[s:s + len(pmf)] += pmf / 4
                pmf = nxt
            self.survival.append(np.minimum(np.cumsum(pmf[::-1])[::-1], 1.0))

    def best(self, codes: np.ndarray, start: int, stop: int) -> MotifHit | None:
        """The motif that best fits the stretch [start, stop) of *codes* int (L,) (0-3 A, C, G, T,
        4 N): placements of each motif (width w) that overlap the stretch by at least
        ceil(min(w, stretch) / 2) bases, both strands.  None when no motif fits inside *codes*."""
        length = stop - start
        best_p = np.ones(len(self.motifs))
        where = [(0, "+")] * len(self.motifs)
        for k, (fwd, rev, surv) in enumerate(zip(self.forward, self.reverse, self.survival)):
            w = len(fwd)
            need = -(-min(w, length) // 2)
            first, last = max(0, start + need - w), min(len(codes) - w, stop - need)  # placements' starts
            if last < first:
                continue
            windows = np.lib.stride_tricks.sliding_window_view(codes[first:last + w], w)   # (P, w)
            cols = np.arange(w)
            scores = np.stack([fwd[cols, windows].sum(axis=1), rev[cols, windows].sum(axis=1)])  # (2, P)
            s, i = np.unravel_index(np.argmax(scores), scores.shape)
            p_one = surv[min(int(scores[s, i]), len(surv) - 1)]
            best_p[k] = -np.expm1(scores.size * np.log1p(-min(p_one, 1 - 1e-16)))  # Sidak over placements
            where[k] = (first + int(i), "+-"[s])
        if np.all(best_p == 1):
            return None
        j = int(np.argmin(best_p))
        m = self.motifs[j]
        return MotifHit(m.matrix_id, m.name, where[j][0], where[j][1], float(best_p[j]), float(bh_qvalues(best_p)[j]))


def sequence_codes(sequence: str) -> np.ndarray:
    """DNA text -> int64 (L,): 0-3 for A, C, G, T (either case), 4 for anything else."""
    table = np.full(256, _N, np.int64)
    for k, b in enumerate("ACGT"):
        table[ord(b)] = table[ord(b.lower())] = k
    return table[np.frombuffer(sequence.encode("ascii", "replace"), np.uint8)]
