"""Patterns: de novo motifs from seqlets.  Seqlets whose importance looks alike are grouped,
aligned and counted into one matrix each (the idea of TF-MoDISco, Shrikumar et al., made small).

Each seqlet is seen through a window of WIDTH bases centred on it: its contribution track
(the one-hot reference bases times their importance, (WIDTH, 4)), so that the bases that
matter weigh and the flanks that do not fade.  Two seqlets are as alike as the best cosine
of their tracks over shifts of up to MAX_SHIFT bases and both strands; average-linkage
clustering cut at *min_similarity* groups them; a group of at least *min_seqlets* is a
pattern.  Its seqlets are aligned on the group's medoid (the one most alike the rest), their
bases counted column by column (a PFM, A,C,G,T), and the columns trimmed to the run around
the strongest whose mean contribution reaches EDGE_FRACTION of it (up to MAX_GAP weaker
columns in a row bridged).  Seqlets beyond the MAX_CLUSTERED most significant join the
pattern whose members they are most alike, where that reaches *min_similarity* on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbio.data.encoding import BASES, N_CODE
from dlbio.interpret.seqlets import Seqlet

WIDTH = 30
MAX_SHIFT = 10
MIN_SIMILARITY = 0.6
MIN_SEQLETS = 5
MAX_CLUSTERED = 2000  # pairwise similarity and linkage grow with the square of this
EDGE_FRACTION = 0.15
MAX_GAP = 3
_COLUMN = np.argsort([BASES.index(b) for b in "ACGT"])  # model code (A,G,C,T) -> its A,C,G,T column


@dataclass
class Pattern:
    """A de novo motif: *members* indices into the seqlet list; *counts* (w, 4) A,C,G,T over
    the aligned members; *contribution* (w,) the mean summed contribution of each column
    (positive: in the direction of the seqlets' sign); *sign* +1 or -1."""

    name: str
    sign: int
    members: list[int]
    counts: np.ndarray
    contribution: np.ndarray

    def probabilities(self) -> np.ndarray:
        """The pattern's base frequencies.

        Returns
        -------
        numpy.ndarray
            (w, 4), A,C,G,T.
        """
        return self.counts / np.maximum(self.counts.sum(axis=1, keepdims=True), 1)

    def consensus(self, threshold: float = 0.5) -> str:
        """The pattern's consensus.

        Parameters
        ----------
        threshold : float, optional
            A column whose commonest base has a smaller share is N.

        Returns
        -------
        str
        """
        prob = self.probabilities()
        return "".join("ACGT"[j] if prob[i, j] >= threshold else "N" for i, j in enumerate(prob.argmax(axis=1)))


def find_patterns(
    codes: np.ndarray,
    importance: np.ndarray,
    seqlets: list[Seqlet],
    min_similarity: float = MIN_SIMILARITY,
    min_seqlets: int = MIN_SEQLETS,
) -> list[Pattern]:
    """De novo motifs of seqlets: seqlets alike grouped into patterns, positive and negative
    apart, each sign's by number of members, largest first, named pos1, pos2, ..., neg1, ...
    A seqlet like too few others is in none.

    Parameters
    ----------
    codes : numpy.ndarray
        Base indices uint8 (n, L) of the records (A,G,C,T, 4 for N).
    importance : numpy.ndarray
        float (n, L) per-base importance the seqlets were called on.
    seqlets : list of Seqlet
        The seqlets (:func:`dlbio.interpret.seqlets.call_seqlets`).
    min_similarity : float, optional
        The clustering's cut: the cosine of two seqlets' contribution tracks, best over
        shifts and both strands.
    min_seqlets : int, optional
        The fewest members of a pattern.

    Returns
    -------
    list of Pattern
    """
    codes = np.asarray(codes)
    importance = np.asarray(importance, dtype=np.float32)
    patterns = []
    for sign, prefix in ((1, "pos"), (-1, "neg")):
        chosen = [i for i, s in enumerate(seqlets) if np.sign(s.score) == sign]
        groups = _sign_patterns(codes, sign * importance, [seqlets[i] for i in chosen], min_similarity, min_seqlets)
        for k, (members, counts, contribution) in enumerate(groups, 1):
            patterns.append(Pattern(f"{prefix}{k}", sign, [chosen[m] for m in members], counts, contribution))
    return patterns


def _sign_patterns(codes, importance, seqlets, min_similarity, min_seqlets):
    if len(seqlets) < max(min_seqlets, 2):
        return []
    starts = np.array([(s.start + s.end) // 2 - WIDTH // 2 for s in seqlets])
    tracks = _tracks(codes, importance, [s.record for s in seqlets], starts)  # (m, WIDTH, 4)
    order = np.argsort([s.p for s in seqlets], kind="stable")
    core, rest = order[:MAX_CLUSTERED], order[MAX_CLUSTERED:]
    sim = _similarity(tracks[core], tracks[core])[0]
    labels = _average_linkage(sim, min_similarity)
    groups = [np.flatnonzero(labels == g) for g in np.unique(labels)]  # positions in core
    medoids = [g[sim[np.ix_(g, g)].mean(axis=1).argmax()] for g in groups]
    members = [list(core[g]) for g in groups]
    for k, r in _join_rest(tracks, core, rest, groups, min_similarity):
        members[k].append(r)
    out = []
    for k in sorted(range(len(groups)), key=lambda k: -len(members[k])):
        g = np.array(sorted(members[k]))
        if len(g) < min_seqlets:
            continue
        _, shift, flip = _similarity(tracks[[core[medoids[k]]]], tracks[g])  # each member placed on the medoid
        counts, contribution = _aligned(codes, importance, [seqlets[i].record for i in g], starts[g], shift[0], flip[0])
        cut = _core_columns(contribution)
        out.append(([int(i) for i in g], counts[cut], contribution[cut]))
    return out


def _core_columns(contribution, gap=MAX_GAP):
    """The columns around the strongest one whose contribution reaches EDGE_FRACTION of it,
    bridging up to *gap* weaker columns in a row (a site's middle may matter less)."""
    strong = contribution >= EDGE_FRACTION * contribution.max()
    first = last = int(contribution.argmax())
    while any(strong[max(first - gap - 1, 0) : first]):
        first -= 1 + int(np.flatnonzero(strong[max(first - gap - 1, 0) : first][::-1])[0])
    while any(strong[last + 1 : last + gap + 2]):
        last += 1 + int(np.flatnonzero(strong[last + 1 : last + gap + 2])[0])
    return slice(first, last + 1)


def _tracks(codes, importance, records, starts):
    """(m, WIDTH, 4) contribution tracks in the model's A,G,C,T channels, 0 off the record."""
    length = codes.shape[1]
    pos = starts[:, None] + np.arange(WIDTH)  # (m, WIDTH)
    inside = (pos >= 0) & (pos < length)
    rows = np.asarray(records)[:, None]
    base = np.where(inside, codes[rows, np.clip(pos, 0, length - 1)], N_CODE)
    weight = np.where(inside, importance[rows, np.clip(pos, 0, length - 1)], 0)
    onehot = (base[..., None] == np.arange(4)).astype(np.float32)  # N: all 0
    return onehot * weight[..., None]


def _similarity(a, b):
    """Best cosine of every track of *a* with every one of *b* over shifts and strands:
    (sim, shift, flip), each (len(a), len(b)); b's base t + shift (of its reverse complement
    where flip) lies under a's base t."""
    a_flat = a / np.maximum(np.linalg.norm(a, axis=(1, 2)), 1e-12)[:, None, None]
    b_norm = b / np.maximum(np.linalg.norm(b, axis=(1, 2)), 1e-12)[:, None, None]
    best = np.full((len(a), len(b)), -np.inf, np.float32)
    shift = np.zeros(best.shape, np.int8)
    flip = np.zeros(best.shape, bool)
    # A,G,C,T: reversing the channels complements, so reversing both axes is the reverse complement
    for flipped, bb in ((False, b_norm), (True, b_norm[:, ::-1, ::-1])):
        for d in range(-MAX_SHIFT, MAX_SHIFT + 1):
            lo, hi = max(0, -d), WIDTH - max(0, d)  # a's bases t in [lo, hi)
            s = a_flat[:, lo:hi].reshape(len(a), -1) @ bb[:, lo + d : hi + d].reshape(len(b), -1).T
            better = s > best
            best[better], shift[better], flip[better] = s[better], d, flipped
    return best, shift, flip


def _average_linkage(sim, min_similarity):
    """Cluster labels (m,) of average-linkage clustering on 1 - sim, cut at 1 - min_similarity."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(sim) == 1:
        return np.zeros(1, int)
    dist = 1 - np.maximum(sim, sim.T)  # symmetric but for rounding; linkage needs it exactly
    np.fill_diagonal(dist, 0)
    tree = linkage(squareform(np.clip(dist, 0, 2), checks=False), method="average")
    return fcluster(tree, t=1 - min_similarity, criterion="distance")


def _join_rest(tracks, core, rest, groups, min_similarity, chunk=2000):
    """(group, seqlet) for each seqlet of *rest* and the group of *core* it is most alike on
    average, where that reaches *min_similarity*."""
    for a in range(0, len(rest), chunk):
        part = rest[a : a + chunk]
        sim = _similarity(tracks[part], tracks[core])[0]
        mean = np.stack([sim[:, g].mean(axis=1) for g in groups], axis=1)  # (chunk, groups)
        best = mean.argmax(axis=1)
        for r, k, m in zip(part, best, mean[np.arange(len(part)), best]):
            if m >= min_similarity:
                yield int(k), int(r)


def _aligned(codes, importance, records, starts, shift, flip):
    """Counts (F, 4) A,C,G,T and mean contribution (F,) of the members aligned on the medoid, in a
    frame of F = WIDTH + 2 MAX_SHIFT columns (the medoid's window with MAX_SHIFT either side)."""
    frame = np.arange(-MAX_SHIFT, WIDTH + MAX_SHIFT)
    length = codes.shape[1]
    counts = np.zeros((len(frame), 4))
    contribution = np.zeros(len(frame))
    for r, start, d, f in zip(records, starts, shift, flip):
        v = frame + d  # the member's (oriented) window position
        pos = start + np.where(f, WIDTH - 1 - v, v)
        inside = (pos >= 0) & (pos < length)
        base = codes[r, pos[inside]].astype(int)
        if f:
            base = np.where(base < N_CODE, 3 - base, base)  # complement in A,G,C,T codes
        known = base < N_CODE
        cols = np.flatnonzero(inside)[known]
        np.add.at(counts, (cols, _COLUMN[base[known]]), 1)
        contribution[np.flatnonzero(inside)] += importance[r, pos[inside]]
    return counts, contribution / len(records)
