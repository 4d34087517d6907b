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

MATCH_Q = 0.05  # a stretch "holds" its best motif below this q-value
RESOLUTION = 0.05  # bits per score step
PSEUDOCOUNT = 0.01  # per base, as the Tomtom report's targets
_N = 4  # the code of N: scores its column's minimum, never evidence for a motif


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
            lo = np.log2(m.probabilities(PSEUDOCOUNT) / 0.25)  # (w, 4) A, C, G, T
            steps = np.rint(lo / RESOLUTION).astype(np.int64)
            steps -= steps.min(axis=1, keepdims=True)  # scores from 0: an index
            # column _N (N) scores 0, the minimum; the reverse strand's matrix is the reverse complement
            self.forward.append(np.pad(steps, ((0, 0), (0, 1))))
            self.reverse.append(np.pad(steps[::-1, ::-1], ((0, 0), (0, 1))))
            pmf = np.ones(1)
            for column in steps:  # each base 1/4
                nxt = np.zeros(len(pmf) + column.max())
                for s in column:
                    nxt[s : s + len(pmf)] += pmf / 4
                pmf = nxt
            self.survival.append(np.minimum(np.cumsum(pmf[::-1])[::-1], 1.0))

    def best(self, codes: np.ndarray, start: int, stop: int) -> MotifHit | None:
        """The motif that best fits the stretch [start, stop) of *codes* (see best_many)."""
        return self.best_many([(codes, start, stop)])[0]

    def best_many(
        self, stretches: list[tuple[np.ndarray, int, int]], chunk: int = 1024, progress: bool | str = False
    ) -> list[MotifHit | None]:
        """For each (codes int (L,) with 0-3 A, C, G, T and 4 N, start, stop) the motif that best
        fits the stretch [start, stop) of codes: placements of each motif (width w) that overlap
        the stretch by at least ceil(min(w, stretch) / 2) bases, both strands; None when no
        motif fits inside codes.  MotifHit.start is in codes' coordinates.  All motifs are
        scored on *chunk* stretches at once; *progress* counts the chunks (dlbio.utils.progress)."""
        from dlbio.utils.progress import iterate

        out: list[MotifHit | None] = []
        for a in iterate(range(0, len(stretches), chunk), "JASPAR scan", f"x{chunk} seqlets", progress):
            out += self._best_chunk(stretches[a : a + chunk])
        return out

    def _best_chunk(self, stretches) -> list[MotifHit | None]:
        pad = max(len(f) for f in self.forward)
        lengths = np.array([stop - start for _, start, stop in stretches])
        width = int(lengths.max()) + 2 * pad
        # each stretch with *pad* bases of its record on either side (N beyond the record):
        # region index i is record position start - pad + i
        regions = np.full((len(stretches), width), _N, np.int64)
        for j, (codes, start, stop) in enumerate(stretches):
            lo, hi = max(0, start - pad), min(len(codes), stop + pad)
            regions[j, lo - (start - pad) : hi - (start - pad)] = codes[lo:hi]
        starts = np.array([start for _, start, _ in stretches])
        ends = np.array([len(codes) for codes, _, _ in stretches])
        p = np.ones((len(stretches), len(self.motifs)))
        at = np.zeros((len(stretches), len(self.motifs)), np.int64)  # record position of the best placement
        minus = np.zeros((len(stretches), len(self.motifs)), bool)
        rows = np.arange(len(stretches))
        for k, (fwd, rev, surv) in enumerate(zip(self.forward, self.reverse, self.survival)):
            w = len(fwd)
            need = -(-np.minimum(w, lengths) // 2)
            # region indices of the placements; none starts before pad + 1 - w or after pad + max length - 1
            offset = pad + 1 - w
            first = np.maximum(0, starts + need - w) - (starts - pad) - offset
            last = np.minimum(ends - w, starts + lengths - need) - (starts - pad) - offset
            windows = np.lib.stride_tricks.sliding_window_view(regions[:, offset:], w, axis=1)  # (n, P, w)
            windows = windows[:, : int(lengths.max()) + w - 1]
            cols = np.arange(w)
            scores = np.stack([fwd[cols, windows].sum(axis=2), rev[cols, windows].sum(axis=2)], axis=1)  # (n, 2, P)
            i = np.arange(scores.shape[2])
            scores[~((i >= first[:, None]) & (i <= last[:, None]))[:, None, :].repeat(2, axis=1)] = -1
            flat = scores.reshape(len(stretches), -1).argmax(axis=1)
            strand, place = np.divmod(flat, scores.shape[2])
            top = scores[rows, strand, place]
            tried = 2 * np.maximum(0, last - first + 1)
            p_one = np.minimum(surv[np.clip(top, 0, len(surv) - 1)], 1 - 1e-16)
            p[:, k] = np.where(tried > 0, -np.expm1(tried * np.log1p(-p_one)), 1.0)  # Sidak over placements
            at[:, k], minus[:, k] = starts - pad + offset + place, strand == 1
        hits: list[MotifHit | None] = []
        for j in range(len(stretches)):
            if np.all(p[j] == 1):
                hits.append(None)
                continue
            k = int(np.argmin(p[j]))
            m = self.motifs[k]
            hits.append(
                MotifHit(
                    m.matrix_id,
                    m.name,
                    int(at[j, k]),
                    "-" if minus[j, k] else "+",
                    float(p[j, k]),
                    float(bh_qvalues(p[j])[k]),
                )
            )
        return hits


def sequence_codes(sequence: str) -> np.ndarray:
    """DNA text -> int64 (L,): 0-3 for A, C, G, T (either case), 4 for anything else."""
    table = np.full(256, _N, np.int64)
    for k, b in enumerate("ACGT"):
        table[ord(b)] = table[ord(b.lower())] = k
    return table[np.frombuffer(sequence.encode("ascii", "replace"), np.uint8)]
