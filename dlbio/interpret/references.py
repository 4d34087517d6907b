"""Dinucleotide-shuffled references: background sequences with a sequence's own
dinucleotide counts, against which reference-based attributions are measured.

The shuffle is DeepLIFT's and tangermeme's (Kandel et al.): each base's list of successors
is permuted except its last, then a walk from the first base follows the permuted lists.
Every walk is an Eulerian path of the sequence's dinucleotide graph, so the first base
and every dinucleotide count are kept exactly; a motif is broken into its dinucleotides.
"""

from __future__ import annotations

import numpy as np


def dinucleotide_shuffle(idx: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """*n* dinucleotide-preserving shuffles of one sequence.

    Parameters
    ----------
    idx : numpy.ndarray, shape=(L,)
        Base indices uint8 (any codes: N is shuffled as a fifth letter).
    n : int
        How many shuffles.
    rng : numpy.random.Generator
        The random source (seeded by the caller, so that references repeat).

    Returns
    -------
    numpy.ndarray, shape=(n, L)
        uint8; each row starts with idx[0] and has idx's dinucleotide counts.
    """
    idx = np.asarray(idx)
    length = len(idx)
    out = np.empty((n, length), np.uint8)
    if length < 3:
        out[:] = idx
        return out
    codes = np.unique(idx[:-1])
    successors = {int(c): np.flatnonzero(idx[:-1] == c) + 1 for c in codes}
    for k in range(n):
        order = {}
        for c, nxt in successors.items():
            perm = np.arange(len(nxt))
            perm[:-1] = rng.permutation(len(nxt) - 1)  # the last successor stays last
            order[c] = nxt[perm].tolist()
        used = dict.fromkeys(order, 0)
        seq = idx.tolist()
        walk = [seq[0]]
        at = 0
        for _ in range(length - 1):
            c = seq[at]
            at = order[c][used[c]]
            used[c] += 1
            walk.append(seq[at])
        out[k] = walk
    return out


def dinucleotide_counts(idx: np.ndarray, letters: int = 5) -> np.ndarray:
    """How often each base follows each in a sequence.

    Parameters
    ----------
    idx : numpy.ndarray
        Base indices (L,).
    letters : int, optional
        The alphabet's size (5: A, G, C, T, N).

    Returns
    -------
    numpy.ndarray
        int64 (letters, letters): [a, b] counts the b that follow an a.
    """
    counts = np.zeros((letters, letters), np.int64)
    np.add.at(counts, (idx[:-1].astype(np.intp), idx[1:].astype(np.intp)), 1)
    return counts
