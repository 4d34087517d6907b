"""Attribution maps on disk, in the layouts the field's tools read.

* ``.npz`` arrays, (N, 4, L) float32 in A, C, G, T order under ``arr_0``: what
  ``modisco motifs -s ohe.npz -a hyp.npz`` and tangermeme read (np.savez_compressed);
* a bedGraph (and, with pyBigWig, a bigWig) of each base's contribution, for a genome browser;
* a logo of one sequence's contributions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require


def write_npz(path: str | Path, array: np.ndarray) -> Path:
    """Write attributions or one-hot sequences as TF-MoDISco reads them, atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The .npz file.
    array : numpy.ndarray
        (N, L, 4), A,C,G,T.

    Returns
    -------
    pathlib.Path
        *path*; it holds ``arr_0``, float32 (N, 4, L), compressed.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, np.ascontiguousarray(np.asarray(array, np.float32).transpose(0, 2, 1)))
    return Path(path)


def read_npz(path: str | Path, what: str = "array") -> np.ndarray:
    """Read an array written by :func:`write_npz` (or ``modisco motifs``' own inputs).

    Parameters
    ----------
    path : str or pathlib.Path
        An .npz with ``arr_0``, or an .npy, of shape (N, 4, L), A,C,G,T along axis 1.
    what : str, optional
        What the file holds, for the errors ('one-hot sequence', 'attribution').

    Returns
    -------
    numpy.ndarray
        float32 (N, L, 4).

    Raises
    ------
    DlbioError
        For a missing file, another format or another shape, naming the file.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: {what} file not found")
    try:
        loaded = np.load(path)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                array = loaded["arr_0"]
        else:
            array = loaded
    except (ValueError, OSError, KeyError, EOFError):
        raise DlbioError(f"{path}: not an .npz (with arr_0) or .npy file of {what}s: numpy cannot read it") from None
    require(
        array.ndim == 3 and array.shape[1] == 4,
        f"{path}: {what} must have shape (N, 4, L) (A, C, G, T along axis 1), got {tuple(array.shape)}",
    )
    return np.ascontiguousarray(array.transpose(0, 2, 1), dtype=np.float32)


def read_pair(sequences: str | Path, attributions: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One-hot sequences and their (hypothetical) attributions, checked to agree.

    Parameters
    ----------
    sequences : str or pathlib.Path
        The one-hot .npz (N, 4, L).
    attributions : str or pathlib.Path
        The attributions .npz, the same shape.

    Returns
    -------
    tuple of numpy.ndarray
        (one-hot, attributions), each float32 (N, L, 4), A,C,G,T.

    Raises
    ------
    DlbioError
        When the shapes differ or the sequences are not one-hot.
    """
    ohe = read_npz(sequences, "one-hot sequence")
    attr = read_npz(attributions, "attribution")
    require(
        ohe.shape == attr.shape,
        f"{attributions}: attributions have shape {_nlx(attr)} but {sequences} has {_nlx(ohe)} "
        "(the same sequences, in the same order, are needed)",
    )
    sums = ohe.sum(axis=2)
    require(
        np.all((sums == 0) | (sums == 1)) and np.all((ohe == 0) | (ohe == 1)),
        f"{sequences}: not one-hot (each position must be one base, or all 0 for N)",
    )
    return ohe, attr


def _nlx(a: np.ndarray) -> str:
    return f"({a.shape[0]}, 4, {a.shape[1]})"


def per_base_track(
    windows: list[tuple[str, int]], contributions: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each base's contribution along the genome, for a bedGraph or bigWig.

    Parameters
    ----------
    windows : list of tuple of (str, int)
        (chrom, 0-based start) of each row of *contributions*.
    contributions : numpy.ndarray
        (n, L, 4) actual contributions; summed over the bases (the sequence's own).

    Returns
    -------
    dict
        {chrom: (positions int64 (m,), values float32 (m,))}, positions sorted and unique; a
        base covered by several windows gets their mean.
    """
    by_chrom: dict[str, list] = {}
    for (chrom, start), row in zip(windows, contributions.sum(axis=2)):
        by_chrom.setdefault(chrom, []).append((np.arange(start, start + len(row), dtype=np.int64), row))
    out = {}
    for chrom, parts in by_chrom.items():
        pos = np.concatenate([p for p, _ in parts])
        val = np.concatenate([v for _, v in parts]).astype(np.float64)
        unique, inverse = np.unique(pos, return_inverse=True)
        total, count = np.bincount(inverse, val), np.bincount(inverse)
        out[chrom] = (unique, (total / count).astype(np.float32))
    return out


def write_bedgraph(path: str | Path, track: dict, name: str) -> Path:
    """Write a per-base track as a bedGraph, atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The bedGraph.
    track : dict
        {chrom: (positions, values)}, as :func:`per_base_track` gives.
    name : str
        The track line's name.

    Returns
    -------
    pathlib.Path
        *path*: one line per base, chromosomes and positions sorted (as bedGraphToBigWig wants).
    """
    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write(f'track type=bedGraph name="{name}"\n')
        for chrom in sorted(track):
            pos, val = track[chrom]
            fh.writelines(f"{chrom}\t{p}\t{p + 1}\t{v:.5g}\n" for p, v in zip(pos.tolist(), val.tolist()))
    return Path(path)


def bigwig_available() -> bool:
    """Whether pyBigWig (the motifs extra) is installed.

    Returns
    -------
    bool
    """
    import importlib.util

    return importlib.util.find_spec("pyBigWig") is not None


def write_bigwig(path: str | Path, track: dict, chrom_sizes: dict[str, int]) -> Path:
    """Write a per-base track as a bigWig, atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The bigWig.
    track : dict
        {chrom: (positions, values)}, as :func:`per_base_track` gives.
    chrom_sizes : dict
        {chrom: length} for the header (the genome's).

    Returns
    -------
    pathlib.Path
        *path*, one value per base.
    """
    import pyBigWig

    with atomic_path(path) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            chroms = sorted(track)
            bw.addHeader([(c, int(chrom_sizes[c])) for c in chroms])
            for c in chroms:
                pos, val = track[c]
                bw.addEntries(c, pos.tolist(), values=val.astype(float).tolist(), span=1)
        finally:
            bw.close()
    return Path(path)


def draw_contributions(contrib: np.ndarray, sequence: str, path: str | Path, title: str, zoom: int = 60) -> Path:
    """Draw one sequence's contributions: along the whole sequence (summed over the bases), and a
    logo of the *zoom* positions of most contribution (:func:`dlbio.interpret.ism_outputs.zoom_window`).

    Parameters
    ----------
    contrib : numpy.ndarray
        (L, 4) contributions, A,C,G,T.
    sequence : str
        The sequence (L letters), for the axis.
    path : str or pathlib.Path
        The PNG.
    title : str
        The figure's title.
    zoom : int, optional
        Positions in the logo.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    import logomaker
    import pandas as pd

    from dlbio.evaluation.plots import pyplot, save_png
    from dlbio.interpret.ism_outputs import zoom_window

    plt = pyplot()
    score = contrib.sum(axis=1)
    start, stop = zoom_window(score, zoom)
    fig, (whole, logo_ax) = plt.subplots(
        2, 1, figsize=(max(8.0, 2.5 + 0.16 * (stop - start)), 4.2), layout="constrained"
    )
    x = np.arange(1, len(score) + 1)
    whole.fill_between(x, score, 0, where=score >= 0, color="tab:red", lw=0, step="mid")
    whole.fill_between(x, score, 0, where=score < 0, color="tab:blue", lw=0, step="mid")
    whole.axvspan(start + 0.5, stop + 0.5, color="0.85", zorder=0)
    whole.set_xlim(0.5, len(score) + 0.5)
    whole.set_ylabel("contribution")
    whole.set_title(title)
    letters = pd.DataFrame(contrib[start:stop], index=np.arange(start + 1, stop + 1), columns=list("ACGT"))
    logomaker.Logo(letters, ax=logo_ax, color_scheme="classic")
    logo_ax.axhline(0, color="0.4", lw=0.5)
    logo_ax.set_xlabel(f"position (positions {start + 1}-{stop} of {len(score)}; {sequence[start:stop].upper()})")
    logo_ax.set_ylabel("contribution")
    save_png(fig, path, layout=False)
    return Path(path)
