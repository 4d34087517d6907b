"""Each first-layer filter's best JASPAR match, and whether it counts as one: Tomtom's q, a
column-shuffle control made a Benjamini-Hochberg q across the filters, and the motif's
information."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbio.data import encoding
from dlbio.motifs import jaspar, sites, tomtom
from dlbio.motifs.filters import filter_motifs

MIN_BITS = 6.0  # a trimmed filter motif with less information is too vague to name (a 4-mer with some play)


@dataclass
class FilterReport:
    """One row per filter (0-based index *filter*), best match may be None.  *matched* is the
    report's one decision (decide): "yes", "no", "low information" or "too few sites";
    *shuffled_q* the Benjamini-Hochberg q over the filters compared of its shuffle control."""

    filter: int
    n_sites: int
    information: float
    counts: np.ndarray  # (w, 4) A,C,G,T, trimmed
    match: tomtom.Match | None
    shuffled_q: float | None = None
    matched: str = "no"

    def matches(self) -> bool:
        """Whether the filter counts as its match (:func:`decide` set *matched* to "yes").

        Returns
        -------
        bool
        """
        return self.matched == "yes"


def decide(
    reports: list[FilterReport], q_threshold: float, fdr: float, min_bits: float = MIN_BITS, min_sites: int = 10
) -> None:
    """Set each report's *matched*, controlled for multiple testing across the filters.

    A filter is matched when Tomtom's q for its best JASPAR match is below *q_threshold* and,
    when shuffles ran, its shuffle control's tail p-value (Match.shuffled_tail_p), made a
    Benjamini-Hochberg q over every filter compared, is below *fdr*: at most a share *fdr* of
    the matched filters are expected to be matches their own column shuffles equal.  A filter
    whose trimmed motif holds under *min_bits* of information is "low information", not
    matched: near-uniform columns match the weak flanks of long JASPAR matrices.

    Parameters
    ----------
    reports : list of FilterReport
        Every filter's report; *matched* and *shuffled_q* are set in place.
    q_threshold : float
        Tomtom's q must be below it.
    fdr : float
        The shuffle controls' BH q must be below it.
    min_bits : float, optional
        The least information of a trimmed motif that can be matched.
    min_sites : int, optional
        Fewer sites: "too few sites".
    """
    compared = [r for r in reports if r.match is not None and r.match.shuffled_tail_p is not None]
    qs = tomtom.bh_qvalues(np.array([r.match.shuffled_tail_p for r in compared])) if compared else []
    for r, q in zip(compared, qs):
        r.shuffled_q = float(q)
    for r in reports:
        if r.n_sites < min_sites:
            r.matched = "too few sites"
        elif r.match is not None and r.information < min_bits:
            r.matched = "low information"
        elif r.match is not None and r.match.q < q_threshold and (r.shuffled_q is None or r.shuffled_q < fdr):
            r.matched = "yes"
        else:
            r.matched = "no"


def report_filters(
    model,
    idx: np.ndarray,
    release: str = jaspar.DEFAULT_RELEASE,
    min_sites: int = 10,
    progress: bool = False,
    shuffles: int = 99,
    seed: int = 0,
) -> list[FilterReport]:
    """Every first-layer filter's sites, trimmed PWM and best JASPAR match.

    Parameters
    ----------
    model : keras.Model
        A model whose first convolution reads one-hot DNA.
    idx : numpy.ndarray
        Base indices, uint8 (n, L), scanned on both strands.
    release : str, optional
        The JASPAR CORE vertebrate release.
    min_sites : int, optional
        A filter with fewer sites is not compared.
    progress : bool or str, optional
        See :mod:`dlbio.utils.progress`.
    shuffles : int, optional
        Column-shuffled copies of each filter's motif compared as its control (0: none).
    seed : int, optional
        Seeds the shuffles.

    Returns
    -------
    list of FilterReport
        One per filter, in order; *matched* is set by :func:`decide`.
    """
    fm = filter_motifs(model, idx, progress=progress)
    acgt = encoding.agct_to_acgt(fm.counts)
    queries, trimmed = [], []
    for f in range(len(acgt)):
        c = acgt[f]
        if fm.n_sites[f] < min_sites:
            queries.append(None)
            trimmed.append(c[:0])
            continue
        a, b = tomtom.trim(c / c.sum(axis=1, keepdims=True))
        c = c[a:b]
        trimmed.append(c)
        queries.append(c / c.sum(axis=1, keepdims=True) if len(c) else None)
    matches = tomtom.best_matches(queries, jaspar.load_collection(release), shuffles, seed)
    return [
        FilterReport(
            f,
            int(fm.n_sites[f]),
            sites.information_content(trimmed[f]) if len(trimmed[f]) else 0.0,
            trimmed[f],
            matches[f],
        )
        for f in range(len(acgt))
    ]


def match_rule(reports: list[FilterReport], q_threshold: float, fdr: float, min_bits: float = MIN_BITS) -> str:
    """What :func:`decide` asked of these reports, in words.

    Parameters
    ----------
    reports : list of FilterReport
        The reports (the shuffle part is said only when shuffles ran).
    q_threshold : float
        As given to :func:`decide`.
    fdr : float
        As given to :func:`decide`.
    min_bits : float
        As given to :func:`decide`.

    Returns
    -------
    str
    """
    shuffled = any(r.shuffled_q is not None for r in reports)
    return (
        f"q < {q_threshold}"
        + (f" and shuffle-control q < {fdr} (Benjamini-Hochberg over the filters)" if shuffled else "")
        + f", at least {min_bits:g} bits"
    )
