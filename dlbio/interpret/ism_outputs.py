"""What a mutagenesis writes: one record's TSV table, many records' HDF5 file, the figure,
with the stretch its zoom is placed on (:func:`zoom_window`, also used for
attribution logos), and the summary of many records.

Effects are in columns A, C, G, T, as :mod:`dlbio.interpret.ism` computes them.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np

from dlbio.interpret.ism import ACGT


def zoom_window(score: np.ndarray, width: int) -> tuple[int, int]:
    """The stretch of a sequence to zoom on.

    The window with the largest sum of score**2 (squares, so that a motif outweighs the
    low-level spread over a long sequence), re-centred on that window's score**2-weighted
    centre, so that a motif sits in the middle rather than at an edge.

    Parameters
    ----------
    score : numpy.ndarray
        (L,) per-base importance.
    width : int
        Positions wanted (at most L).

    Returns
    -------
    tuple of (int, int)
        [start, stop), 0-based.
    """
    width = max(1, min(width, len(score)))
    weight = np.square(score.astype(np.float64))
    if not weight.any():
        start = (len(score) - width) // 2
        return start, start + width
    totals = np.convolve(weight, np.ones(width), mode="valid")
    first = int(np.argmax(totals))
    inside = np.arange(first, first + width)
    centre = float(np.average(inside, weights=weight[inside])) if weight[inside].any() else first + width / 2
    start = int(np.clip(round(centre - (width - 1) / 2), 0, len(score) - width))
    return start, start + width


@contextlib.contextmanager
def effects_writer(
    path: str | Path,
    ids: list[str],
    sequences: list[str],
    predictions: np.ndarray,
    attrs: dict,
    span: tuple[int, int] | None = None,
):
    """Write many records' mutagenesis into one HDF5 file as they come, atomically (a context
    manager).

    Datasets: ``effects`` float32 (n, S, 4) (columns A, C, G, T, as :func:`write_table`),
    ``importance`` float32 (n, S), ``prediction`` float32 (n,) (each record's own), ``ids`` and
    ``sequences`` (n,) bytes (whole sequences, length L); attributes: *attrs*, ``columns``
    "ACGT", ``first_position`` and ``last_position`` (1-based, inclusive): effects[k, i] is
    position first_position + i of sequences[k].

    Parameters
    ----------
    path : str or pathlib.Path
        The HDF5 file.
    ids : list of str
        The n records' ids.
    sequences : list of str
        Their sequences.
    predictions : numpy.ndarray
        float (n,): each record's own prediction.
    attrs : dict
        Attributes to record (target, method, ...).
    span : tuple of (int, int) or None, optional
        [start, stop), 0-based: the S positions mutated; None: all L.

    Yields
    ------
    callable
        ``write(k, effects, importance)`` for record k: float (S, 4) and (S,).
    """
    from dlbio.predict.tables import FLOAT_FILTERS
    from dlbio.utils.atomic import hdf5_file

    start, stop = span or (0, len(sequences[0]))
    n, length = len(ids), stop - start
    with hdf5_file(path) as f:
        chunk = (min(n, 64), length)
        effects = f.create_dataset("effects", (n, length, 4), np.float32, chunks=(*chunk, 4), **FLOAT_FILTERS)
        imp = f.create_dataset("importance", (n, length), np.float32, chunks=chunk, **FLOAT_FILTERS)
        f["ids"] = np.array(ids, dtype="S")
        f["sequences"] = np.array([s.upper() for s in sequences], dtype="S")
        f["prediction"] = np.asarray(predictions, np.float32)
        for key, value in {**attrs, "columns": ACGT, "first_position": start + 1, "last_position": stop}.items():
            f.attrs[key] = value

        def write(k, eff, importance_k):
            effects[k], imp[k] = eff, importance_k

        yield write


def write_table(effects: np.ndarray, sequence: str, imp: np.ndarray, path: str | Path, first: int = 1) -> Path:
    """Write one record's mutagenesis as a TSV: position (1-based), ref, A, C, G, T (effects),
    importance.

    Parameters
    ----------
    effects : numpy.ndarray
        float (S, 4), A,C,G,T.
    sequence : str
        The S reference bases.
    imp : numpy.ndarray
        float (S,) importance (:func:`dlbio.interpret.ism.importance`).
    path : str or pathlib.Path
        The TSV, written atomically.
    first : int, optional
        The 1-based position of the first row in the whole sequence.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.utils.atomic import write_text

    lines = ["position\tref\tA\tC\tG\tT\timportance"]
    lines += [
        f"{first + i}\t{sequence[i].upper()}\t" + "\t".join(f"{v:+.5f}" for v in row) + f"\t{imp[i]:+.5f}"
        for i, row in enumerate(effects)
    ]
    return write_text(path, "\n".join(lines) + "\n")


def draw_mutagenesis(
    effects: np.ndarray,
    sequence: str,
    imp: np.ndarray,
    path: str | Path,
    title: str,
    zoom: int = 60,
    unit: str = "prediction",
    first: int = 1,
) -> tuple[int, int]:
    """Draw one record's mutagenesis in three rows: the importance along the whole sequence (the
    zoomed span, see :func:`zoom_window`, shaded); a logo of the reference bases scaled by
    importance (below the axis where a base works against the prediction); the effect of each
    substitution as a heatmap (dots mark the reference).

    Parameters
    ----------
    effects : numpy.ndarray
        float (S, 4), A,C,G,T.
    sequence : str
        The S reference bases.
    imp : numpy.ndarray
        float (S,) importance.
    path : str or pathlib.Path
        The PNG.
    title : str
        The figure's title.
    zoom : int, optional
        Positions in the logo and heatmap.
    unit : str, optional
        What changes ("prediction", "log-odds"), for the labels.
    first : int, optional
        The 1-based position of the first of the S in the whole sequence, for the axes.

    Returns
    -------
    tuple of (int, int)
        The zoomed span [start, stop), 0-based in *imp*.
    """
    import logomaker
    import pandas as pd

    from dlbio.evaluation.plots import pyplot, save_png

    plt = pyplot()
    start, stop = zoom_window(imp, zoom)
    span = np.arange(start, stop)
    o = first - 1  # index in imp -> 0-based position in the whole sequence
    fig, axes = plt.subplots(
        3,
        1,
        figsize=(max(8.0, 2.5 + 0.16 * len(span)), 6.4),
        gridspec_kw={"height_ratios": [1.0, 1.3, 1.4]},
        layout="constrained",
    )
    whole, logo_ax, heat_ax = axes

    x = np.arange(first, first + len(imp))
    whole.fill_between(x, imp, 0, where=imp >= 0, color="tab:red", lw=0, step="mid")
    whole.fill_between(x, imp, 0, where=imp < 0, color="tab:blue", lw=0, step="mid")
    whole.axvspan(o + start + 0.5, o + stop + 0.5, color="0.85", zorder=0)
    whole.axhline(0, color="0.4", lw=0.5)
    whole.set_xlim(o + 0.5, o + len(imp) + 0.5)
    whole.set_ylabel(f"importance\n({unit})")
    whole.set_title(title)

    letters = pd.DataFrame(0.0, index=span + first, columns=list(ACGT))
    for i in span:
        base = sequence[i].upper()
        if base in ACGT:
            letters.loc[i + first, base] = float(imp[i])
    with warnings.catch_warnings():
        # All importances 0 (nothing the model reads): logomaker widens its flat axis itself.
        warnings.filterwarnings("ignore", "Attempting to set identical low and high ylims")
        logomaker.Logo(letters, ax=logo_ax, color_scheme="classic", flip_below=False)
    logo_ax.axhline(0, color="0.4", lw=0.5)
    logo_ax.set_xlim(o + start + 0.5, o + stop + 0.5)
    logo_ax.set_ylabel("importance")
    logo_ax.set_xticks([])

    lim = float(np.abs(effects[span]).max()) or 1.0
    im = heat_ax.imshow(
        effects[span].T,
        aspect="auto",
        cmap="RdBu_r",
        vmin=-lim,
        vmax=lim,
        interpolation="nearest",
        extent=(o + start + 0.5, o + stop + 0.5, 3.5, -0.5),
    )
    refs = [(i + first, ACGT.index(sequence[i].upper())) for i in span if sequence[i].upper() in ACGT]
    if refs:
        heat_ax.scatter(*zip(*refs), s=6, color="0.2")
    heat_ax.set_yticks(range(4), list(ACGT))
    scanned = f"{len(imp)}" if first == 1 else f"{first}-{o + len(imp)}"
    heat_ax.set_xlabel(f"position (positions {o + start + 1}-{o + stop} of {scanned})")
    fig.colorbar(im, ax=axes.tolist(), location="right", shrink=0.45, anchor=(0.0, 0.0), label=f"{unit} change")
    save_png(fig, path, layout=False)
    return start, stop


SUMMARY_COLUMNS = (
    "id",
    "prediction",
    "strongest_position",
    "ref",
    "alt",
    "strongest_change",
    "max_importance",
    "important_first",
    "important_last",
)


def write_summary(results: list[dict], path: str | Path) -> Path:
    """Write one TSV row per record (SUMMARY_COLUMNS), to rank many peaks, then look at some: its
    prediction, its strongest decrease (1-based position, bases, change), its largest
    importance and the span of the zoom (the stretch of most importance, 1-based, inclusive).

    Parameters
    ----------
    results : list of dict
        Per record: 'id', 'prediction', 'strongest' (position, ref, alt, change),
        'max_importance', 'zoom' (first, last).
    path : str or pathlib.Path
        The TSV, written atomically.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.utils.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write("\t".join(SUMMARY_COLUMNS) + "\n")
        for r in results:
            pos, ref, alt, change = r["strongest"]
            fh.write(
                f"{r['id']}\t{r['prediction']:.5f}\t{pos}\t{ref}\t{alt}\t{change:+.5f}\t{r['max_importance']:+.5f}"
                f"\t{r['zoom'][0]}\t{r['zoom'][1]}\n"
            )
    return Path(path)
