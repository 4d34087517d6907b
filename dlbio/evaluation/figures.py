"""The evaluation's figures: one target's ROC and PR curves, and two runs' per-target AUCs
against each other (the numbers: :mod:`dlbio.evaluation.metrics`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from dlbio.evaluation.metrics import METRIC_COLUMNS, paired_comparison
from dlbio.evaluation.plots import pyplot, save_png


def plot_curves(y_true: np.ndarray, y_score: np.ndarray, path: str | Path, title: str) -> Path:
    """Plot one target's ROC and PR curves side by side, the AUCs in the legends.

    Parameters
    ----------
    y_true : numpy.ndarray
        (N,) 0/1 labels.
    y_score : numpy.ndarray
        (N,) predictions.
    path : str or pathlib.Path
        The PNG.
    title : str
        The figure's title.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    plt = pyplot()

    fpr, tpr, _ = roc_curve(y_true, y_score)
    prec, rec, _ = precision_recall_curve(y_true, y_score)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.5))
    a1.plot(fpr, tpr, label=f"ROC AUC = {roc_auc_score(y_true, y_score):.3f}")
    a1.plot([0, 1], [0, 1], "k:", lw=0.8)
    a1.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    a2.plot(rec, prec, label=f"PR AUC = {average_precision_score(y_true, y_score):.3f}")
    a2.axhline(np.mean(y_true), color="k", ls=":", lw=0.8, label=f"positives = {np.mean(y_true):.3f}")
    a2.set(xlabel="recall", ylabel="precision", title="precision-recall")
    for a in (a1, a2):
        a.legend(loc="lower right")
        a.grid(alpha=0.3)
    fig.suptitle(title)
    return save_png(fig, path)


def plot_comparison(a: dict, b: dict, name_a: str, name_b: str, path: str | Path) -> Path:
    """Plot the per-target ROC AUC and PR AUC of run b against run a, one point a target coloured
    by category, the diagonal drawn: the DanQ paper's DanQ-vs-DeepSEA figure.

    Parameters
    ----------
    a : dict
        As :func:`dlbio.evaluation.metrics.read_metrics_tsv` gives.
    b : dict
        As :func:`dlbio.evaluation.metrics.read_metrics_tsv` gives.
    name_a : str
        The runs' names, for the axes.
    name_b : str
        The runs' names, for the axes.
    path : str or pathlib.Path
        The PNG.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    categories = list(dict.fromkeys(a["category"]))
    for ax, metric, title in zip(axes, METRIC_COLUMNS, ("ROC AUC", "PR AUC")):
        x, y = a[metric], b[metric]
        for i, c in enumerate(categories):
            keep = np.array([cat == c for cat in a["category"]])
            ax.scatter(x[keep], y[keep], s=8, alpha=0.6, color=f"C{i}", label=f"{c} ({keep.sum()})")
        ok = np.isfinite(x) & np.isfinite(y)
        lo, hi = (float(min(x[ok].min(), y[ok].min())), float(max(x[ok].max(), y[ok].max()))) if ok.any() else (0, 1)
        ax.plot([lo, hi], [lo, hi], "k:", lw=0.8)
        stats = paired_comparison(x, y)
        ax.set(
            xlabel=f"{name_a}",
            ylabel=f"{name_b}",
            title=f"{title}: {name_b} higher on {stats['higher']} of {stats['n']}",
        )
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(alpha=0.3)
        if len(categories) > 1:
            ax.legend(fontsize=8, loc="lower right")
    return save_png(fig, path)
