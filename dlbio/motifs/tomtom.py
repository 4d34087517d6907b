"""Compare motifs with JASPAR using memelite's Tomtom (in-process, numba, no MEME suite)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.motifs.jaspar import JasparMotif


def numba_cache_dir() -> Path:
    """Where numba caches memelite's compiled code (the first call compiles for about a minute).

    Sets NUMBA_CACHE_DIR for this process when it is not set.

    Returns
    -------
    pathlib.Path
        $NUMBA_CACHE_DIR, else ``$DLBIO_CACHE/numba`` (``~/.cache/dlbio/numba``).
    """
    from dlbio.utils.resources import cache_dir

    env = os.environ.get("NUMBA_CACHE_DIR")
    path = Path(env) if env else cache_dir("numba")
    if env:
        path.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    return path


def available() -> bool:
    """Whether memelite (the motifs extra, which holds Tomtom and FIMO) is installed.

    Returns
    -------
    bool
    """
    import importlib.util

    return importlib.util.find_spec("memelite") is not None


def compiles_on_first_use() -> bool:
    """Whether the next Tomtom call compiles first (about a minute), to say so before it starts.

    Returns
    -------
    bool
        True when memelite is installed and its compiled Tomtom is not in the cache.
    """
    return available() and not compiled(numba_cache_dir())


def compiled(cache: Path) -> bool:
    """Whether *cache* holds numba's compiled Tomtom for this memelite install and Python.

    numba keeps a module's code in ``<cache>/<package>_<sha1 of its folder>/`` as
    ``<module>.<function>-<line>.py<XY>.nbi``; a missing index means the next call compiles.

    Parameters
    ----------
    cache : pathlib.Path
        numba's cache folder.

    Returns
    -------
    bool
    """
    import hashlib
    import importlib.util
    import sys

    spec = importlib.util.find_spec("memelite")
    if spec is None or spec.origin is None:
        return False
    folder = os.path.dirname(os.path.abspath(spec.origin))
    sub = cache / f"{os.path.basename(folder)}_{hashlib.sha1(folder.encode()).hexdigest()}"
    return any(sub.glob(f"tomtom._tomtom-*.py{sys.version_info.major}{sys.version_info.minor}.nbi"))


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values.

    Parameters
    ----------
    p : numpy.ndarray
        p-values (n,); NaN for a test not made.

    Returns
    -------
    numpy.ndarray
        float (n,): each p-value's q-value over the finite ones, at most 1; NaN stays NaN.
    """
    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok) == 0:
        return q
    order = ok[np.argsort(p[ok])]
    ranked = p[order] * len(ok) / np.arange(1, len(ok) + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


@dataclass
class Match:
    """Best JASPAR match of one query: q over all targets of that query (BH).

    *shuffled_p*: the share of column-shuffled copies of the query whose best match is at
    least as good (add-one estimate; None without shuffles).  Tomtom's p-values assume
    target columns drawn independently, which a weak query (near-uniform columns) beats
    against the weak flanks of long JASPAR matrices: random near-uniform 26-column queries
    get p ~ 1e-12 and all "match".  Shuffling the query's columns keeps its composition
    and information content and destroys only its order, so a match that its shuffles
    equal says nothing about which motif it is.

    *shuffled_tail_p*: the same question answered beyond the shuffles run (None below
    MIN_TAIL_SHUFFLES): a Gumbel distribution (the law of a maximum) fitted to the shuffles'
    best -log10 p, its survival at the query's own.  99 shuffles can say no less than p = 0.01;
    a Benjamini-Hochberg correction across 64 filters needs less than 0.05 / 64, which the fitted
    tail gives without 1,280 shuffles a filter.
    """

    matrix_id: str
    name: str
    p: float
    q: float
    strand: str
    offset: int
    shuffled_p: float | None = None
    shuffled_tail_p: float | None = None

    def significant(self, q_threshold: float = 0.05, max_shuffled_p: float = 0.05) -> bool:
        """Whether this match counts.

        Parameters
        ----------
        q_threshold : float, optional
            Tomtom's q must be below it.
        max_shuffled_p : float, optional
            When shuffles were run, the shuffle tail p (or its q across filters) must be below it.

        Returns
        -------
        bool
        """
        return self.q < q_threshold and (self.shuffled_p is None or self.shuffled_p < max_shuffled_p)


MIN_TAIL_SHUFFLES = 20  # fewer shuffles do not fit a tail
_SHUFFLE_CHUNK = 20_000  # shuffled queries per Tomtom call (best target only: 40 bytes a query)


def best_matches(
    queries: list[np.ndarray | None], targets: tuple[JasparMotif, ...], shuffles: int = 0, seed: int = 0
) -> list[Match | None]:
    """The best match of each query among *targets*, by memelite's Tomtom.

    Parameters
    ----------
    queries : list of numpy.ndarray, shape=(w, 4), or None
        Column probabilities, A, C, G, T; None or an empty matrix for a query not compared.
    targets : tuple of JasparMotif
        The matrices compared against (pseudocount 0.01, as the Tomtom report's targets).
    shuffles : int, default=0
        Column-shuffled copies of each query compared too, for Match.shuffled_p and, from
        MIN_TAIL_SHUFFLES on, Match.shuffled_tail_p.
    seed : int, default=0
        Seeds the shuffles.

    Returns
    -------
    list of Match or None
        Per query, the target of least p-value, its q-value (Benjamini-Hochberg over the
        query's comparisons with every target, as Tomtom reports them), strand and offset;
        None for a query not compared.
    """
    numba_cache_dir()
    from memelite import tomtom

    keep = [i for i, q in enumerate(queries) if q is not None and len(q)]
    out: list[Match | None] = [None] * len(queries)
    if not keep:
        return out
    qs = [np.ascontiguousarray(queries[i].T, dtype=np.float64) for i in keep]
    ts = [np.ascontiguousarray(t.probabilities(0.01).T, dtype=np.float64) for t in targets]
    p, _scores, offsets, _overlaps, strands = tomtom(qs, ts)[:5]
    best_shuffled = _best_shuffled_p(tomtom, qs, ts, shuffles, seed) if shuffles else None
    for row, i in enumerate(keep):
        q = bh_qvalues(p[row])
        j = int(np.nanargmin(p[row]))
        shuffled = tail = None
        if best_shuffled is not None:
            shuffled = float((1 + np.sum(best_shuffled[row] <= p[row, j])) / (shuffles + 1))
            tail = gumbel_tail_p(best_shuffled[row], p[row, j]) if shuffles >= MIN_TAIL_SHUFFLES else None
        out[i] = Match(
            targets[j].matrix_id,
            targets[j].name,
            float(p[row, j]),
            float(q[j]),
            "-" if int(strands[row, j]) == 1 else "+",
            int(offsets[row, j]),
            shuffled,
            tail,
        )
    return out


def qvalues(query: np.ndarray, targets: tuple[JasparMotif, ...]) -> np.ndarray:
    """Tomtom's q-value of one query against each of given motifs (BH over them, as
    :func:`best_matches`' q), to ask how well a query matches a given motif, not only its best.

    Parameters
    ----------
    query : numpy.ndarray
        (w, 4) probabilities, A,C,G,T.
    targets : tuple of JasparMotif
        The motifs to compare with.

    Returns
    -------
    numpy.ndarray
        float (len(targets),).
    """
    numba_cache_dir()
    from memelite import tomtom

    ts = [np.ascontiguousarray(t.probabilities(0.01).T, dtype=np.float64) for t in targets]
    p = tomtom([np.ascontiguousarray(query.T, dtype=np.float64)], ts)[0]
    return bh_qvalues(np.asarray(p)[0])


def gumbel_tail_p(shuffled_best_p: np.ndarray, observed_p: float) -> float:
    """How often a shuffle would match as well: the tail of a Gumbel law fitted (maximum
    likelihood) to the shuffles' best -log10 p-values.

    Parameters
    ----------
    shuffled_best_p : numpy.ndarray
        (S,) the best Tomtom p-value of each of S column shuffles of the query.
    observed_p : float
        The query's own best p-value.

    Returns
    -------
    float
        P(a shuffle's best match is at least as good as *observed_p*); 0 or 1 when every
        shuffle is alike (a query of identical columns).
    """
    from scipy.stats import gumbel_r

    floor = 1e-300  # Tomtom may round a perfect match's p to 0
    x = -np.log10(np.maximum(np.asarray(shuffled_best_p, np.float64), floor))
    if np.ptp(x) == 0:  # every shuffle alike (a query of identical columns): its shuffles are itself
        return 1.0 if -np.log10(max(observed_p, floor)) <= x[0] else 0.0
    loc, scale = gumbel_r.fit(x)
    return float(gumbel_r.sf(-np.log10(max(observed_p, floor)), loc, scale))


def _best_shuffled_p(tomtom, qs: list[np.ndarray], ts: list[np.ndarray], shuffles: int, seed: int) -> np.ndarray:
    """(len(qs), shuffles): the best p-value over *ts* of each column-shuffled copy of each query (4, w)."""
    rng = np.random.default_rng(seed)
    copies = [np.ascontiguousarray(q[:, rng.permutation(q.shape[1])]) for q in qs for _ in range(shuffles)]
    best = np.concatenate(
        [
            np.asarray(tomtom(copies[a : a + _SHUFFLE_CHUNK], ts, n_nearest=1)[0])[:, 0]
            for a in range(0, len(copies), _SHUFFLE_CHUNK)
        ]
    )
    return best.reshape(len(qs), shuffles)


def trim(prob: np.ndarray, min_ic: float = 0.3) -> tuple[int, int]:
    """The span left after dropping flanking columns of low information.

    Parameters
    ----------
    prob : numpy.ndarray
        (w, 4) probabilities.
    min_ic : float, optional
        Columns under this many bits are dropped from either end.

    Returns
    -------
    tuple of (int, int)
        [start, stop) of the kept columns; (0, 0) when none has *min_ic* bits.
    """
    p = np.clip(prob, 1e-9, 1)
    ic = 2 + (p * np.log2(p)).sum(axis=1)
    good = np.flatnonzero(ic >= min_ic)
    return (0, 0) if len(good) == 0 else (int(good[0]), int(good[-1]) + 1)
