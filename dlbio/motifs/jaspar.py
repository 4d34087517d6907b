"""The one place dlbio reads JASPAR: pyjaspar's bundled SQLite database, offline.

Used by DanQ-JASPAR initialisation, the planted-motif simulator and the Tomtom report.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dlbio.utils.errors import DlbioError

DEFAULT_RELEASE = "JASPAR2024"  # pyjaspar's default (2026) release is not public yet


@dataclass(frozen=True)
class JasparMotif:
    """A JASPAR matrix: counts float64 (length, 4) in A,C,G,T order."""

    matrix_id: str
    name: str
    counts: np.ndarray

    @property
    def length(self) -> int:
        return self.counts.shape[0]

    def probabilities(self, pseudocount: float = 0.0) -> np.ndarray:
        """The motif's column frequencies.

        Parameters
        ----------
        pseudocount : float, optional
            Added to every count first.

        Returns
        -------
        numpy.ndarray
            (w, 4), A,C,G,T.
        """
        c = self.counts + pseudocount
        return c / c.sum(axis=1, keepdims=True)

    def probabilities_agct(self) -> np.ndarray:
        """The motif's column frequencies in the model's order.

        Returns
        -------
        numpy.ndarray
            (w, 4), A,G,C,T.
        """
        return self.probabilities()[:, [0, 2, 1, 3]]


def _db(release: str):
    try:
        from pyjaspar import jaspardb
    except ImportError:  # pragma: no cover
        raise DlbioError("pyjaspar is not installed: pip install pyjaspar") from None
    try:
        return jaspardb(release=release)
    except Exception as exc:  # noqa: BLE001
        raise DlbioError(f"JASPAR release {release!r} is not available in pyjaspar ({exc})") from None


def _convert(m) -> JasparMotif:
    counts = np.array([m.counts[b] for b in "ACGT"], dtype=float).T
    return JasparMotif(m.matrix_id, m.name, counts)


@functools.lru_cache(maxsize=4)
def load_collection(
    release: str = DEFAULT_RELEASE, collection: str = "CORE", tax_group: str = "vertebrates"
) -> tuple[JasparMotif, ...]:
    """All latest-version matrices of a JASPAR collection and taxon (pyjaspar's bundled
    database: no network).

    Parameters
    ----------
    release : str, optional
        e.g. 'JASPAR2024'.
    collection : str, optional
        'CORE', ...
    tax_group : str, optional
        'vertebrates', ...

    Returns
    -------
    tuple of JasparMotif
        Sorted by matrix id.
    """
    motifs = _db(release).fetch_motifs(collection=collection, tax_group=[tax_group], all_versions=False)
    return tuple(sorted((_convert(m) for m in motifs), key=lambda m: m.matrix_id))


def find(query: str, release: str = DEFAULT_RELEASE) -> JasparMotif:
    """One JASPAR CORE vertebrate matrix.

    Parameters
    ----------
    query : str
        An id (``MA0139.2``, or ``MA0139`` for the latest version) or a name (``CTCF``).
    release : str, optional
        The JASPAR release.

    Returns
    -------
    JasparMotif

    Raises
    ------
    DlbioError
        When no matrix has that id or name.
    """
    q = query.strip()
    for m in load_collection(release):
        if m.matrix_id == q or m.matrix_id.split(".")[0] == q or m.name.upper() == q.upper():
            return m
    raise DlbioError(f"{query!r}: no motif with this id or name in {release} CORE vertebrates")
