"""danq-visualize: ROC/PR curves of one target, first-layer filters as logos and MEME,
training curves, and two runs compared target by target."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from dlbio.data import encoding
from dlbio.data.sources import read_all
from dlbio.evaluation.figures import plot_comparison, plot_curves
from dlbio.evaluation.metrics import METRIC_COLUMNS, category_of, paired_comparison, read_metrics_tsv
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.progress import progress_mode


def read_predictions(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Read a predictions HDF5 (danq-predict's).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    tuple
        (pred float32 (N, T), labels uint8 (N, T), target names or None).

    Raises
    ------
    DlbioError
        When it is missing or lacks 'pred' and 'labels'.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: predictions file not found (run danq-predict first)")
    try:
        with h5py.File(path, "r") as f:
            require("pred" in f and "labels" in f, f"{path}: expected datasets 'pred' and 'labels'")
            names = [n.decode() for n in f.attrs["target_names"]] if "target_names" in f.attrs else None
            return f["pred"][...], f["labels"][...], names
    except OSError as exc:
        raise DlbioError(f"{path}: not a predictions HDF5 file ({exc})") from None


def plot_target(predictions: str | Path, target: int | str, out: str | Path | None = None) -> Path:
    """danq-visualize -t: one target's ROC and PR curves from a predictions file.

    Parameters
    ----------
    predictions : str or pathlib.Path
        danq-predict's HDF5.
    target : int or str
        A 1-based number, or a name from the file's target_names (whole, or up to its first
        '_'; DeepSEA's names for a file of 919 targets without names).
    out : str or pathlib.Path or None, optional
        The PNG (default roc_target<T>.png).

    Returns
    -------
    pathlib.Path
        The PNG.
    """
    from dlbio.data.targets import deepsea_names, parse_target

    pred, labels, names = read_predictions(predictions)
    names = names or deepsea_names(pred.shape[1])
    t = parse_target(str(target), pred.shape[1], names, option="-t")
    y = labels[:, t - 1]
    require(0 < y.sum() < len(y), f"{predictions}: target {t} has only one class in this set; no curve")
    category = category_of(t - 1, pred.shape[1])  # DeepSEA's 919: DNase, TF or histone
    title = f"target {t}" + (f" ({category})" if category != "target" else "") + (f": {names[t - 1]}" if names else "")
    return plot_curves(y, pred[:, t - 1], out or f"roc_target{t}.png", title)


def positive_sequences(source, targets: list[int] | None = None) -> np.ndarray:
    """The sequences positive for any of some targets.

    Parameters
    ----------
    source : source
        A split.
    targets : list of int or None, optional
        1-based targets; None: any target.

    Returns
    -------
    numpy.ndarray
        Base indices uint8 (m, L).

    Raises
    ------
    DlbioError
        For a target out of range, or no positive sequence.
    """
    idx, labels = read_all(source)
    cols = slice(None) if not targets else [t - 1 for t in targets]
    if targets:
        require(all(1 <= t <= labels.shape[1] for t in targets), f"targets must be between 1 and {labels.shape[1]}")
    mask = labels[:, cols].reshape(len(labels), -1).any(axis=1)
    require(mask.any(), f"{getattr(source, 'path', 'input')}: no positive sequences for the chosen targets")
    return idx[mask]


def filter_logo(
    model_path: str | Path,
    source,
    filter_no: int,
    out_png: str | Path,
    meme: str | Path,
    targets: list[int] | None = None,
    quiet: bool = False,
) -> tuple[Path, Path, int]:
    """danq-visualize -M: the logo of one first-layer filter, and a MEME file of every filter.

    Parameters
    ----------
    model_path : str or pathlib.Path
        The model file.
    source : source
        The split whose positive sequences are scanned.
    filter_no : int
        1-based filter.
    out_png : str or pathlib.Path
        The logo.
    meme : str or pathlib.Path
        The MEME file of every filter.
    targets : list of int or None, optional
        Scan the sequences positive for these (1-based); None: any.
    quiet : bool, optional
        No progress bar.

    Returns
    -------
    tuple
        (png, meme, the number of sites of that filter).
    """
    from dlbio.models.files import load_dna_model
    from dlbio.motifs.activations import first_conv_layer
    from dlbio.motifs.filters import filter_motifs
    from dlbio.motifs.logos import draw_logo
    from dlbio.motifs.meme import write_meme
    from dlbio.workflows.danq_predict import check_compatible

    model = load_dna_model(model_path)
    n_filters = first_conv_layer(model).filters
    require(1 <= filter_no <= n_filters, f"-t must be a filter between 1 and {n_filters} with -M, got {filter_no}")
    check_compatible(model, source)
    fm = filter_motifs(model, positive_sequences(source, targets), progress=progress_mode(quiet))
    acgt = encoding.agct_to_acgt(fm.counts)
    meme_path = write_meme(meme, [(f"filter{f + 1}", "", acgt[f], fm.n_sites[f]) for f in range(n_filters)])
    f = filter_no - 1
    require(fm.n_sites[f] > 0, f"filter {filter_no} never fires (max activation <= 0) on the positive sequences")
    png = draw_logo(acgt[f], "ACGT", out_png, title=f"filter {filter_no} ({fm.n_sites[f]} sites)")
    return png, meme_path, int(fm.n_sites[f])


def run_names(files: list[str | Path], suffix: str = ".log.csv") -> list[str]:
    """The legend's name of each run's file.

    Parameters
    ----------
    files : list of str or pathlib.Path
        The runs' files.
    suffix : str, optional
        Taken off each name.

    Returns
    -------
    list of str
        Each file name without *suffix*, or the path as given where two file names are the
        same (one --prefix in two --out-dirs).
    """
    names = [Path(p).name for p in files]
    if len(set(names)) < len(names):
        names = [str(p) for p in files]
    return [n.removesuffix(suffix) for n in names]


def compare_runs(
    metrics_a: str | Path, metrics_b: str | Path, out: str | Path = "compare_auc.png", show: int = 3
) -> tuple[Path, list[str]]:
    """danq-visualize -C: two runs' per-target metrics on the same targets compared.

    Parameters
    ----------
    metrics_a : str or pathlib.Path
        danq-predict's metrics TSVs.
    metrics_b : str or pathlib.Path
        danq-predict's metrics TSVs.
    out : str or pathlib.Path, optional
        The scatter PNG of b against a (ROC AUC, PR AUC).
    show : int, optional
        The targets that gain and lose most in ROC AUC, listed.

    Returns
    -------
    tuple
        (the PNG, summary lines: on how many targets b is higher, the median difference and
        its Wilcoxon signed-rank p-value, overall and per DeepSEA category, and the targets of
        most change).

    Raises
    ------
    DlbioError
        When the two files are not on the same targets.
    """
    a, b = read_metrics_tsv(metrics_a), read_metrics_tsv(metrics_b)
    require(
        len(a["name"]) == len(b["name"]),
        f"{metrics_b}: {len(b['name'])} targets but {metrics_a} has {len(a['name'])}; compare runs on the same targets",
    )
    differ = [
        t
        for t, (x, y) in enumerate(zip(a["name"], b["name"]))
        if x != y and not (x.startswith("target_") or y.startswith("target_"))
    ]
    if differ:
        t = differ[0]
        raise DlbioError(
            f"{metrics_b}: target {t + 1} is {b['name'][t]!r} but {a['name'][t]!r} in {metrics_a}; "
            "compare runs on the same targets"
        )
    name_a, name_b = run_names([metrics_a, metrics_b], ".metrics.tsv")
    names = a["name"] if not a["name"][0].startswith("target_") else b["name"]
    lines = [f"{name_b} (y) against {name_a} (x), {len(names)} targets:"]
    groups = list(dict.fromkeys(a["category"]))
    for metric, title in zip(METRIC_COLUMNS, ("ROC AUC", "PR AUC")):
        for group in (None, *groups) if len(groups) > 1 else (None,):
            keep = np.array([group is None or c == group for c in a["category"]])
            st = paired_comparison(a[metric][keep], b[metric][keep])
            label = f"{title}" if group is None else f"  {group}"
            lines.append(
                f"{label:<9} higher on {st['higher']}, lower on {st['lower']} of {st['n']}; median difference "
                f"{st['median_diff']:+.4f} (Wilcoxon p = {st['p']:.2g})"
            )
    diff = b["roc_auc"] - a["roc_auc"]
    order = [t for t in np.argsort(diff) if np.isfinite(diff[t])]
    for label, picked in (
        ("largest ROC AUC gains", [t for t in order[::-1] if diff[t] > 0][:show]),
        ("largest ROC AUC losses", [t for t in order if diff[t] < 0][:show]),
    ):
        lines.append(f"{label}: " + (", ".join(f"{t + 1} {names[t]} ({diff[t]:+.3f})" for t in picked) or "none"))
    return plot_comparison(a, b, name_a, name_b, out), lines


def plot_training(logs: list[str | Path], out: str | Path = "training_curves.png") -> Path:
    """danq-visualize -L: training curves of one or more danq-train logs: loss (solid) and
    val_loss (dashed) per epoch, and the median validation ROC AUC where the log has it; each
    run's best epoch (lowest val_loss, the kept model) is marked.

    Parameters
    ----------
    logs : list of str or pathlib.Path
        The runs' ``.log.csv`` files (named by :func:`run_names`).
    out : str or pathlib.Path, optional
        The PNG.

    Returns
    -------
    pathlib.Path
        *out*.
    """
    from dlbio.evaluation.plots import pyplot, save_png
    from dlbio.training.log import read_training_log

    require(len(logs) > 0, "no training log given")
    runs = [(name, read_training_log(p)) for name, p in zip(run_names(logs), logs)]
    with_auc = any("val_auc_median" in r for _, r in runs)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2 if with_auc else 1, figsize=(11 if with_auc else 6, 4.2), squeeze=False)
    ax_loss = axes[0, 0]
    for i, (name, r) in enumerate(runs):
        colour = f"C{i % 10}"
        best = int(np.argmin(r["val_loss"]))
        ax_loss.plot(r["epoch"], r["loss"], color=colour, label=name)
        ax_loss.plot(r["epoch"], r["val_loss"], color=colour, linestyle="--")
        ax_loss.plot(r["epoch"][best], r["val_loss"][best], "o", color=colour, markerfacecolor="none", markersize=9)
        if "val_auc_median" in r:
            axes[0, 1].plot(r["epoch"], r["val_auc_median"], color=colour, label=name)
            axes[0, 1].plot(
                r["epoch"][best], r["val_auc_median"][best], "o", color=colour, markerfacecolor="none", markersize=9
            )
    ax_loss.set(
        xlabel="epoch", ylabel="binary cross-entropy", title="loss (solid) and val_loss (dashed); o = best epoch"
    )
    if with_auc:
        axes[0, 1].set(xlabel="epoch", ylabel="median ROC AUC over targets", title="validation ROC AUC")
    for ax in axes[0]:
        ax.legend(fontsize=8)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    return save_png(fig, out)
