"""In-silico saturation mutagenesis (ISM) of one sequence, its gradient estimate, and the
figure that shows either.

Effects are prediction(mutant) - prediction(reference) for one target, in columns
A, C, G, T (the reading order of people, not the model's A, G, C, T codes).
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np

from dlbio.data.encoding import BASES, N_CODE, index_to_onehot
from dlbio.interpret.gradients import target_gradient
from dlbio.predict import predict_index
from dlbio.predict.variants import logit

ACGT = "ACGT"
_ACGT_CODES = np.array([BASES.index(b) for b in ACGT], np.uint8)  # A, C, G, T in the model's codes


def saturation_mutagenesis(
    model,
    idx: np.ndarray,
    target: int,
    batch_size: int = 512,
    progress: bool | str = False,
    log_odds: bool = False,
    both_strands: bool = False,
    span: tuple[int, int] | None = None,
    reference: float | None = None,
) -> np.ndarray:
    """Effect of every single-base substitution of one sequence on one target.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    idx : numpy.ndarray, shape=(L,)
        Base indices uint8 (A=0, G=1, C=2, T=3, N=4).
    target : int
        The output (0-based).
    batch_size : int, default=512
        Mutants per prediction batch.
    progress : bool or str, default=False
        Count the mutants predicted (dlbio.utils.progress).
    log_odds : bool, default=False
        Effects as logit(mutant) - logit(reference), which still move where the probability
        saturates near 0 or 1.
    both_strands : bool, default=False
        Each prediction is the mean over the sequence and its reverse complement.
    span : tuple of (int, int), optional
        (start, stop), 0-based, stop excluded: only those positions are changed; the rest of
        the sequence stays as context.
    reference : float, optional
        The sequence's own prediction of the target (a probability), when the caller has it
        from its batched prediction of every record, so that no reference is predicted twice.

    Returns
    -------
    numpy.ndarray, shape=(S, 4)
        float32, columns A, C, G, T (the reading order of people, not the model's codes):
        prediction(mutant) - prediction(reference), 0 at the reference base; S = stop - start
        (L without *span*).
    """
    start, stop = span or (0, len(idx))
    candidate = np.tile(_ACGT_CODES, (stop - start, 1))  # (S, 4) codes in A, C, G, T order
    changed = candidate != idx[start:stop, None]  # the reference itself is not predicted
    pos, col = np.nonzero(changed)
    first = 0 if reference is not None else 1  # row 0: the reference, unless it is given
    mutants = np.repeat(idx[None, :], len(pos) + first, axis=0)
    mutants[np.arange(first, len(pos) + first), start + pos] = candidate[pos, col]
    pred = predict_index(model, mutants, progress=progress, batch_size=batch_size, both_strands=both_strands)[
        :, target
    ].astype(np.float64)
    if reference is not None:
        pred = np.concatenate([[reference], pred])
    if log_odds:
        pred = logit(pred)
    effects = np.zeros((stop - start, 4), np.float32)
    effects[pos, col] = pred[1:] - pred[0]
    return effects


def gradient_effects(
    model, idx: np.ndarray, target: int, log_odds: bool = False, both_strands: bool = False
) -> np.ndarray:
    """First-order estimate of :func:`saturation_mutagenesis` from one gradient per sequence.

    The change a substitution makes, read off the tangent at the sequence: g[b] - g[ref], where
    g (L, 4) is the gradient of the target's prediction (with *log_odds*, of its logit) with
    respect to the one-hot input.  Exact for a model whose output (or logit) is linear in the
    input; otherwise right where the model is near linear around the sequence (it overshoots
    where a substitution takes a ReLU past 0).

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    idx : numpy.ndarray, shape=(n, L)
        Base indices uint8.
    target : int
        The output (0-based).
    log_odds : bool, default=False
        Differentiate the logit instead of the probability.
    both_strands : bool, default=False
        The prediction is the mean over the sequence and its reverse complement.

    Returns
    -------
    numpy.ndarray, shape=(n, L, 4)
        float32, columns A, C, G, T; 0 at the reference base; at an N (one-hot all 0) the
        change to each base is g[b].
    """
    # (n, L, 4) in the model's codes
    grads = target_gradient(model, target, log_odds, both_strands)(index_to_onehot(idx))
    g = grads[..., _ACGT_CODES]
    padded = np.concatenate([grads, np.zeros_like(grads[..., :1])], axis=-1)  # code N_CODE -> 0
    at_ref = np.take_along_axis(padded, np.minimum(idx, N_CODE)[..., None].astype(np.intp), axis=-1)
    return (g - at_ref).astype(np.float32)


def importance(effects: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """How much each reference base supports the prediction.

    Parameters
    ----------
    effects : numpy.ndarray
        float (L, 4): the change of prediction of each substitution (0 at the reference).
    idx : numpy.ndarray
        The reference's base indices, uint8 (L,).

    Returns
    -------
    numpy.ndarray
        float32 (L,): the mean loss of prediction over the substitutions of each position
        (-mean effect over the 3 other bases; over all 4 at an N).  Positive: changing the base
        lowers the prediction.
    """
    n_alt = np.where(idx == N_CODE, 4, 3)
    return (-effects.sum(axis=1) / n_alt).astype(np.float32)


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
        float (S,) importance (:func:`importance`).
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
