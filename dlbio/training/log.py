"""danq-train's per-epoch log (``<prefix>.<model>.log.csv``): read it, summarise it.

Keras' CSVLogger writes ``epoch,loss,val_auc_median,val_loss`` (epoch 0-based); the
multi-worker loop writes ``epoch,loss,val_loss``.  A resumed run appends to the same file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.utils.errors import DlbioError, require


@dataclass
class LogSummary:
    """The whole run as its CSV log records it (resumed runs append to the same log)."""

    epochs: int  # epochs completed, all processes
    best_epoch: int  # 1-based, lowest val_loss: the epoch of the kept model
    best_val_loss: float
    best_val_auc: float | None  # median validation ROC AUC then (None: multi-worker log)


def summarize_log(log: Path) -> LogSummary | None:
    """The best epoch of a danq-train log (see :func:`read_training_log`).

    Parameters
    ----------
    log : pathlib.Path
        The ``.log.csv``.

    Returns
    -------
    LogSummary or None
        None when the log is missing or unreadable.
    """
    try:
        cols = read_training_log(log)
    except DlbioError:
        return None
    best = int(np.argmin(cols["val_loss"]))  # the first of equal lows, as the checkpoint keeps
    auc = cols.get("val_auc_median")
    return LogSummary(
        len(cols["epoch"]),
        int(cols["epoch"][best]),
        float(cols["val_loss"][best]),
        None if auc is None else float(auc[best]),
    )


def read_training_log(path: str | Path) -> dict[str, np.ndarray]:
    """The columns of a danq-train log.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.log.csv``.

    Returns
    -------
    dict
        float64 arrays of one value per epoch: ``epoch`` (1-based), ``loss``, ``val_loss`` and,
        where the log has it, ``val_auc_median``.

    Raises
    ------
    DlbioError
        Naming the file when it is missing or not such a log.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: training log not found (danq-train writes checkpoints/<prefix>.<model>.log.csv)")
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = set(reader.fieldnames or ())
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DlbioError(f"{path}: not a danq-train log ({exc})") from None
    require(
        {"epoch", "loss", "val_loss"} <= header,
        f"{path}: not a danq-train log (expected the columns epoch, loss, val_loss)",
    )
    names = ["epoch", "loss", "val_loss"] + (["val_auc_median"] if "val_auc_median" in header else [])
    if rows and any(rows[-1].get(n) in (None, "") for n in names):
        rows = rows[:-1]  # a row being written while a running job's log is read
    require(len(rows) > 0, f"{path}: the log has no epochs yet")
    try:
        cols = {n: np.array([float(r[n]) for r in rows]) for n in names}
    except (TypeError, ValueError):
        bad = next(i for i, r in enumerate(rows, 2) if not all(_is_number(r[n]) for n in names))
        raise DlbioError(f"{path}: line {bad}: not a number in columns {', '.join(names)}") from None
    cols["epoch"] = cols["epoch"] + 1
    return cols


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True
