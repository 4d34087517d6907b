"""Per-target ROC/PR AUC, their TSV, paired comparisons of runs, and the DeepSEA category summary
(figures of them: :mod:`dlbio.evaluation.figures`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from dlbio.utils.atomic import write_text
from dlbio.utils.errors import DlbioError, require

# DeepSEA's 919 columns: DNase 0-124, TF 125-814, histone 815-918.
CATEGORIES = {"DNase": (0, 125), "TF": (125, 815), "Histone": (815, 919)}
# Median test ROC AUC / PR AUC published (DanQ repository aucs.txt).
PUBLISHED = {
    "DNase": {"DeepSEA": 0.924, "DanQ": 0.928, "DanQ_PR": 0.465},
    "TF": {"DeepSEA": 0.958, "DanQ": 0.963, "DanQ_PR": 0.334},
    "Histone": {"DeepSEA": 0.856, "DanQ": 0.864, "DanQ_PR": 0.356},
}


def per_target_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, np.ndarray]:
    """ROC AUC, PR AUC (average precision) and positives per target (scikit-learn).

    Parameters
    ----------
    y_true : numpy.ndarray
        uint8 (N, T) labels.
    y_pred : numpy.ndarray
        float (N, T) predictions.

    Returns
    -------
    dict
        'roc_auc', 'pr_auc' float (T,) (NaN for a target whose labels are all 0 or all 1 in
        this set) and 'positives' int64 (T,).
    """
    n_t = y_true.shape[1]
    roc, pr = np.full(n_t, np.nan), np.full(n_t, np.nan)
    pos = y_true.sum(axis=0).astype(np.int64)
    for t in range(n_t):
        if 0 < pos[t] < len(y_true):
            roc[t] = roc_auc_score(y_true[:, t], y_pred[:, t])
            pr[t] = average_precision_score(y_true[:, t], y_pred[:, t])
    return {"roc_auc": roc, "pr_auc": pr, "positives": pos}


def median_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The median ROC AUC over the targets that have both classes.

    Parameters
    ----------
    y_true : numpy.ndarray
        uint8 (N, T) labels.
    y_pred : numpy.ndarray
        float (N, T) predictions.

    Returns
    -------
    float
        NaN when no target has both classes.
    """
    roc = per_target_metrics(y_true, y_pred)["roc_auc"]
    return float(np.nanmedian(roc)) if np.isfinite(roc).any() else float("nan")


def category_of(t: int, n_targets: int) -> str:
    """A target's DeepSEA category.

    Parameters
    ----------
    t : int
        0-based target.
    n_targets : int
        The number of targets.

    Returns
    -------
    str
        'DNase' (1-125), 'TF' (126-815) or 'Histone' (816-919) for DeepSEA's 919; else 'target'.
    """
    if n_targets != 919:
        return "target"
    return next(c for c, (a, b) in CATEGORIES.items() if a <= t < b)


def write_metrics_tsv(metrics: dict[str, np.ndarray], path: str | Path, names: list[str] | None = None) -> Path:
    """Write per-target metrics as a TSV: target (1-based), name, category, roc_auc, pr_auc,
    positives.

    Parameters
    ----------
    metrics : dict
        As :func:`per_target_metrics` gives.
    path : str or pathlib.Path
        The TSV, written atomically.
    names : list of str or None, optional
        The target names (default: target_1...).

    Returns
    -------
    pathlib.Path
        *path*.
    """
    n = len(metrics["roc_auc"])
    rows = ["target\tname\tcategory\troc_auc\tpr_auc\tpositives"]
    for t in range(n):
        name = names[t] if names else f"target_{t + 1}"
        rows.append(
            f"{t + 1}\t{name}\t{category_of(t, n)}\t{metrics['roc_auc'][t]:.5f}\t"
            f"{metrics['pr_auc'][t]:.5f}\t{metrics['positives'][t]}"
        )
    return write_text(path, "\n".join(rows) + "\n")


METRIC_COLUMNS = ("roc_auc", "pr_auc")


def read_metrics_tsv(path: str | Path) -> dict[str, np.ndarray | list[str]]:
    """Read a metrics TSV as :func:`write_metrics_tsv` writes it.

    Parameters
    ----------
    path : str or pathlib.Path
        The TSV (danq-predict's ``<predictions>.metrics.tsv``).

    Returns
    -------
    dict
        'name', 'category' (lists) and 'roc_auc', 'pr_auc' (float (T,), NaN where a target has
        one class), in target order.

    Raises
    ------
    DlbioError
        When the file is missing or not a dlbio metrics TSV.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: metrics file not found (danq-predict writes <predictions>.metrics.tsv)")
    lines = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    want = ["target", "name", "category", *METRIC_COLUMNS, "positives"]
    require(lines and lines[0][:6] == want, f"{path}: not a dlbio metrics TSV (its columns: {', '.join(want)})")
    rows = lines[1:]
    require(rows, f"{path}: no targets")
    try:
        out: dict = {c: np.array([float(r[3 + i]) for r in rows]) for i, c in enumerate(METRIC_COLUMNS)}
        require([int(r[0]) for r in rows] == list(range(1, len(rows) + 1)), f"{path}: targets are not 1, 2, 3, ...")
    except (ValueError, IndexError):
        raise DlbioError(f"{path}: a row without the 6 columns or with a value that is not a number") from None
    out["name"], out["category"] = [r[1] for r in rows], [r[2] for r in rows]
    return out


def paired_comparison(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Compare two runs' per-target values.

    Parameters
    ----------
    a : numpy.ndarray
        float (T,) per-target values (ROC AUC, ...) of runs a and b; NaN where not evaluable.
    b : numpy.ndarray
        float (T,) per-target values (ROC AUC, ...) of runs a and b; NaN where not evaluable.

    Returns
    -------
    dict
        'n' (targets evaluable in both), 'higher' and 'lower' (in how many b is), 'median_diff'
        (of b - a) and 'p' (two-sided Wilcoxon signed-rank).
    """
    from scipy.stats import wilcoxon

    ok = np.isfinite(a) & np.isfinite(b)
    d = b[ok] - a[ok]
    p = float(wilcoxon(d).pvalue) if np.count_nonzero(d) >= 1 else float("nan")
    return {
        "n": int(ok.sum()),
        "higher": int((d > 0).sum()),
        "lower": int((d < 0).sum()),
        "median_diff": float(np.median(d)) if d.size else float("nan"),
        "p": p,
    }


def summary_lines(metrics: dict[str, np.ndarray]) -> list[str]:
    """Median AUCs for the terminal, by DeepSEA category when there are 919 targets, beside the
    published medians.

    Parameters
    ----------
    metrics : dict
        As :func:`per_target_metrics` gives.

    Returns
    -------
    list of str
    """
    roc, pr = metrics["roc_auc"], metrics["pr_auc"]
    n = len(roc)
    lines = []
    if n == 919:
        lines.append(f"{'category':<9}{'targets':>8}{'ROC AUC':>9}{'PR AUC':>8}   published ROC AUC (DeepSEA / DanQ)")
        for c, (a, b) in CATEGORIES.items():
            p = PUBLISHED[c]
            lines.append(
                f"{c:<9}{b - a:>8}{np.nanmedian(roc[a:b]):>9.3f}{np.nanmedian(pr[a:b]):>8.3f}"
                f"   {p['DeepSEA']:.3f} / {p['DanQ']:.3f}"
            )
    ok = np.isfinite(roc)
    lines.append(
        f"all {ok.sum()} evaluable targets: median ROC AUC {np.nanmedian(roc):.4f}, "
        f"mean {np.nanmean(roc):.4f}; median PR AUC {np.nanmedian(pr):.4f}"
    )
    return lines


def default_results_name(model_name: str, prefix: str = "bestmodel", split: str = "test") -> str:
    """The file name of a run's predictions.

    Parameters
    ----------
    model_name : str
        'DanQ', 'DeepSEA', ...
    prefix : str, optional
        The run's prefix.
    split : str, optional
        The split predicted.

    Returns
    -------
    str
        ``test_results.h5`` (Biowulf's name) for DanQ under the default prefix, else
        ``<prefix>.<model>.<split>_results.h5``: runs of other models or prefixes in the same
        folder keep their own predictions instead of replacing each other's.
    """
    if model_name == "DanQ" and prefix == "bestmodel":
        return f"{split}_results.h5"
    return f"{prefix}.{model_name}.{split}_results.h5"
