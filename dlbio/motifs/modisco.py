"""TF-MoDISco through the real package (modisco-lite): de novo motifs from attribution maps,
and its results read back in its own HDF5 layout (what ``modisco motifs`` writes, so that
``modisco report`` and dlbio read each other's files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.utils.errors import DlbioError

EXTRA = "pip install 'dlbio[motifs]'"


def require_modisco() -> None:
    """A one-line error naming the extra when modisco-lite is not installed."""
    import importlib.util

    if importlib.util.find_spec("modiscolite") is None:
        raise DlbioError(f"TF-MoDISco needs modisco-lite, which is not installed: {EXTRA}")


@dataclass(frozen=True)
class Pattern:
    """One MoDISco pattern: ``name`` (``pos_patterns.pattern_0``), ``sign`` (+1 for bases the
    prediction needs, -1 for bases against it), ``ppm`` (W, 4) the seqlets' base frequencies,
    ``cwm`` (W, 4) their mean contributions, ``hcwm`` (W, 4) their mean hypothetical
    contributions, all A, C, G, T; ``n_seqlets``; ``examples`` the row of each seqlet."""

    name: str
    sign: int
    ppm: np.ndarray
    cwm: np.ndarray
    hcwm: np.ndarray
    n_seqlets: int
    examples: np.ndarray

    def trimmed(self, threshold: float = 0.3) -> tuple[int, int]:
        """The pattern's core, as ``modisco report`` trims it before Tomtom.

        Parameters
        ----------
        threshold : float, optional
            A column is kept when its total |contribution| reaches this share of the largest
            column's (first to last such column).

        Returns
        -------
        tuple of (int, int)
            [start, stop) of the kept columns.
        """
        score = np.abs(self.cwm).sum(axis=1)
        keep = np.flatnonzero(score >= threshold * score.max()) if score.max() > 0 else np.arange(len(score))
        return int(keep[0]), int(keep[-1]) + 1

    def consensus(self, threshold: float = 0.3) -> str:
        """The pattern's consensus over its trimmed columns.

        Parameters
        ----------
        threshold : float, optional
            As :meth:`trimmed`.

        Returns
        -------
        str
            The most frequent base of each column, lower case where it is under half the column.
        """
        a, b = self.trimmed(threshold)
        ppm = self.ppm[a:b]
        return "".join("ACGT"[i].upper() if p[i] >= 0.5 else "ACGT"[i].lower() for p, i in zip(ppm, ppm.argmax(axis=1)))


def run(one_hot: np.ndarray, hypothetical: np.ndarray, settings: dict):
    """modisco-lite's TF-MoDISco, in-process.

    Parameters
    ----------
    one_hot : numpy.ndarray
        float (N, L, 4), A,C,G,T.
    hypothetical : numpy.ndarray
        float (N, L, 4) hypothetical contributions.
    settings : dict
        ``modiscolite.tfmodisco.TFMoDISco``'s keywords (window, max_seqlets_per_metacluster, ...).

    Returns
    -------
    tuple
        (positive patterns or None, negative patterns or None): modisco-lite's SeqletSet
        lists.
    """
    require_modisco()
    from dlbio.motifs.tomtom import numba_cache_dir

    numba_cache_dir()  # modisco-lite's compiled kernels go where Tomtom's and FIMO's do
    import modiscolite

    return modiscolite.tfmodisco.TFMoDISco(
        one_hot=np.ascontiguousarray(one_hot, np.float32),
        hypothetical_contribs=np.ascontiguousarray(hypothetical, np.float32),
        **settings,
    )


def save(path: str | Path, positive, negative, window: int) -> Path:
    """Save TF-MoDISco's results as modisco-lite's HDF5, atomically (``modisco report -i`` reads it).

    Parameters
    ----------
    path : str or pathlib.Path
        The .h5 file.
    positive : list or None
        The patterns of :func:`run`.
    negative : list or None
        The patterns of :func:`run`.
    window : int
        The window modisco-lite records.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    import modiscolite

    from dlbio.utils.atomic import atomic_path

    with atomic_path(path) as tmp:
        modiscolite.io.save_hdf5(str(tmp), positive, negative, window)
    return Path(path)


def read_patterns(path: str | Path) -> list[Pattern]:
    """Every pattern of a modisco-lite HDF5 (dlbio's or ``modisco motifs``').

    Parameters
    ----------
    path : str or pathlib.Path
        The .h5 file.

    Returns
    -------
    list of Pattern
        Positive first, each group in pattern order; each with its sequence (w, 4), CWM,
        hypothetical CWM and seqlet count.

    Raises
    ------
    DlbioError
        When the file is not modisco-lite's HDF5.
    """
    import h5py

    patterns = []
    try:
        with h5py.File(path, "r") as f:
            for group, sign in (("pos_patterns", 1), ("neg_patterns", -1)):
                if group not in f:
                    continue
                for key in sorted(f[group], key=lambda k: int(k.rsplit("_", 1)[-1])):
                    p = f[group][key]
                    patterns.append(
                        Pattern(
                            f"{group}.{key}",
                            sign,
                            p["sequence"][:],
                            p["contrib_scores"][:],
                            p["hypothetical_contribs"][:],
                            int(p["seqlets"]["n_seqlets"][0]),
                            p["seqlets"]["example_idx"][:],
                        )
                    )
    except (OSError, KeyError, ValueError) as exc:
        raise DlbioError(f"{path}: not a TF-MoDISco results file ({str(exc).splitlines()[0]})") from None
    return patterns
