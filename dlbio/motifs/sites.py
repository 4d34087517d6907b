"""From peak positions to aligned sites, count matrices and consensus calls."""

from __future__ import annotations

import numpy as np
from Bio import motifs as bio_motifs

from dlbio.utils.errors import require


def window_starts(peak_pos: np.ndarray, window: int, anchor: str) -> np.ndarray:
    """The start of the window around each peak position.

    Parameters
    ----------
    peak_pos : numpy.ndarray
        int (n,) peak positions.
    window : int
        The window's width.
    anchor : {'start', 'end'}
        'start': the window starts at the peak (a Conv1D output position is the start of its
        receptive field); 'end': the window ends at the peak (a recurrent cell fires after it
        has read the motif).

    Returns
    -------
    numpy.ndarray
        int64 (n,), possibly out of range.
    """
    peak_pos = np.asarray(peak_pos, dtype=np.int64)
    if anchor == "start":
        return peak_pos
    if anchor == "end":
        return peak_pos - window + 1
    raise ValueError(f"anchor must be 'start' or 'end', got {anchor!r}")


def cut_windows(codes: np.ndarray, starts: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut windows out of sequences, dropping those that run off either end.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer symbol codes (n, L).
    starts : numpy.ndarray
        int (n,) window starts.
    window : int
        The windows' width.

    Returns
    -------
    tuple of numpy.ndarray
        (kept row indices int64 (m,), windows (m, window) of codes.dtype).

    Raises
    ------
    DlbioError
        When *window* is longer than the sequences.
    """
    codes = np.asarray(codes)
    require(window <= codes.shape[1], f"window ({window}) is longer than the sequences ({codes.shape[1]})")
    starts = np.asarray(starts, dtype=np.int64)
    keep = np.flatnonzero((starts >= 0) & (starts + window <= codes.shape[1]))
    idx = starts[keep, None] + np.arange(window)[None, :]
    return keep, np.take_along_axis(codes[keep], idx, axis=1)


def count_matrix(windows: np.ndarray, n_symbols: int) -> np.ndarray:
    """Per-column symbol counts of aligned windows.

    Parameters
    ----------
    windows : numpy.ndarray
        Integer codes (m, w).
    n_symbols : int
        The alphabet's size; codes outside 0..n_symbols-1 (e.g. N) are not counted.

    Returns
    -------
    numpy.ndarray
        float64 (w, n_symbols).
    """
    windows = np.asarray(windows)
    counts = np.zeros((windows.shape[1], n_symbols))
    for s in range(n_symbols):
        counts[:, s] = (windows == s).sum(axis=0)
    return counts


def to_bio_motif(counts: np.ndarray, alphabet: str, name: str = "") -> bio_motifs.Motif:
    """A count matrix as a Biopython motif.

    Parameters
    ----------
    counts : numpy.ndarray
        (w, len(alphabet)).
    alphabet : str
        The symbols, in the columns' order.
    name : str, optional
        The motif's name.

    Returns
    -------
    Bio.motifs.Motif
        Its counts (PFM), with .pwm, .pssm and .consensus.
    """
    m = bio_motifs.Motif(alphabet=alphabet, counts={a: counts[:, i].tolist() for i, a in enumerate(alphabet)})
    m.name = name
    return m


def call_consensus(motif: bio_motifs.Motif, threshold: float) -> str:
    """A consensus with 'N' for undecided columns.

    A column gets the symbol whose frequency exceeds *threshold*, else 'N'.  For the 0/1
    alphabet this is the slides' rule: '1' if P(1) > t, '0' if P(1) < 1-t.

    Parameters
    ----------
    motif : Bio.motifs.Motif
        The motif.
    threshold : float
        In (0.5, 1].

    Returns
    -------
    str
    """
    require(0.5 < threshold <= 1.0, f"threshold must be in (0.5, 1], got {threshold}")
    pfm = motif.counts.normalize()
    out = []
    for j in range(motif.length):
        best = max(motif.alphabet, key=lambda a: pfm[a][j])
        out.append(best if pfm[best][j] > threshold else "N")
    return "".join(out)


def column_information(counts: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """The information of each column of a count matrix, against a uniform background.

    Parameters
    ----------
    counts : numpy.ndarray
        (w, A) counts.
    pseudocount : float, optional
        Added to every count.

    Returns
    -------
    numpy.ndarray
        float (w,) bits: log2 A minus the column's entropy; 0 for a column without counts.
    """
    c = np.asarray(counts, dtype=float) + pseudocount
    tot = c.sum(axis=1, keepdims=True)
    p = np.divide(c, tot, out=np.zeros_like(c), where=tot > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    return (np.log2(c.shape[1]) - h) * (tot[:, 0] > 0)


def information_content(counts: np.ndarray, pseudocount: float = 0.0) -> float:
    """The total information of a count matrix, against a uniform background.

    Parameters
    ----------
    counts : numpy.ndarray
        (w, A) counts.
    pseudocount : float, optional
        Added to every count.

    Returns
    -------
    float
        Bits.
    """
    return float(column_information(counts, pseudocount).sum())
