"""Keras callbacks: a tqdm progress bar (or progress lines for a log file) and an atomic model
checkpoint."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import keras
import numpy as np
from tqdm.auto import tqdm

from dlbio.utils import progress
from dlbio.utils.atomic import atomic_path


class EpochProgress(keras.callbacks.Callback):
    """One tqdm bar over the run, with the latest logs as postfix.

    Counts epochs, or with *steps_per_epoch* batches: a DeepSEA epoch is thousands
    of batches and can take an hour, too long for a bar that moves once per epoch.
    The bar opens in on_train_begin, so one instance serves consecutive ``fit``
    calls (a resumed run finishes its interrupted epoch, then goes on);
    *initial_step* is the batches already done in epoch *initial_epoch*.
    """

    def __init__(
        self,
        epochs: int,
        initial_epoch: int = 0,
        desc: str = "train",
        enabled: bool = True,
        steps_per_epoch: int | None = None,
        initial_step: int = 0,
    ):
        super().__init__()
        self.epochs, self.done, self.desc, self.enabled = epochs, initial_epoch, desc, enabled
        self.steps, self.initial_step = steps_per_epoch, initial_step
        self._bar = None

    def on_train_begin(self, logs=None):
        if self.steps:
            total, initial, unit = self.epochs * self.steps, self.done * self.steps + self.initial_step, "batch"
        else:
            total, initial, unit = self.epochs, self.done, "epoch"
        self._bar = tqdm(
            total=total, initial=initial, desc=self.desc, unit=unit, disable=not self.enabled, dynamic_ncols=True
        )

    def on_train_batch_end(self, batch, logs=None):
        if self.steps and self._bar is not None:
            if logs and batch % 50 == 0:
                self._bar.set_postfix(self._postfix(self.done + 1, logs), refresh=False)
            self._bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        self.done, self.initial_step = epoch + 1, 0
        if self._bar is None:
            return
        if logs:
            self._bar.set_postfix(self._postfix(self.done, logs), refresh=False)
        if not self.steps:
            self._bar.update(1)

    def _postfix(self, epoch: int, logs: dict) -> dict:
        shown = {
            k: f"{float(v):.4f}"
            for k, v in logs.items()
            if isinstance(v, (float, int, np.floating)) and k != "learning_rate"
        }
        return {"epoch": f"{epoch}/{self.epochs}", **shown} if self.steps else shown

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()


def _numbers(logs: dict | None) -> str:
    return ", ".join(
        f"{k} {float(v):.4f}"
        for k, v in (logs or {}).items()
        if isinstance(v, (float, int, np.floating)) and k != "learning_rate"
    )


class ProgressLines(keras.callbacks.Callback):
    """Progress for a log file, where a bar cannot go (``tail -f slurm-*.out``), on stderr.

    A line at each epoch end with the epoch's numbers and seconds (*every_epoch*), and one
    whenever *interval_s* seconds have passed since the last line: within a long epoch (a
    DeepSEA epoch is 8,800 batches), or for a long run of short epochs (vgrad) with
    ``every_epoch=False``.  *checkpoint* (an :class:`AtomicCheckpoint` that runs before this
    callback) marks the epochs whose model was kept.  A resumed run passes the epoch and the
    batches of it already done, as for :class:`EpochProgress`.  Usable outside ``fit`` too:
    call on_epoch_begin / on_train_batch_end, and epoch_done, which is told whether the
    epoch's model was kept.
    """

    def __init__(
        self,
        epochs: int,
        desc: str,
        *,
        every_epoch: bool = True,
        interval_s: float | None = None,
        steps_per_epoch: int | None = None,
        initial_step: int = 0,
        checkpoint=None,
    ):
        super().__init__()
        self.epochs, self.desc, self.every_epoch = epochs, desc, every_epoch
        self.interval_s = progress.INTERVAL_S if interval_s is None else interval_s
        self.steps, self.initial_step, self.checkpoint = steps_per_epoch, initial_step, checkpoint
        self._last = self._start = time.monotonic()
        self._epoch, self._best = 0, None  # the epoch in progress (0-based); the checkpoint's best at its start

    def _say(self, text: str) -> None:
        self._last = time.monotonic()
        print(f"{self.desc} {text}", file=sys.stderr, flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._start = epoch, time.monotonic()
        self._best = getattr(self.checkpoint, "best", None)

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self._last >= self.interval_s and self.steps:
            done = batch + 1 + self.initial_step
            self._say(f"epoch {self._epoch + 1}/{self.epochs}, batch {done}/{self.steps}: {_numbers(logs)}")

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_done(epoch, logs, kept=self.checkpoint is not None and self.checkpoint.best != self._best)

    def epoch_done(self, epoch: int, logs: dict | None, kept: bool = False) -> None:
        """Write the line for the end of an epoch (every epoch, or when the interval has passed).

        Parameters
        ----------
        epoch : int
            0-based.
        logs : dict or None
            Keras's logs (loss, val_loss, val_auc_median).
        kept : bool, optional
            Its model was saved as the best.
        """
        self.initial_step = 0
        if not (self.every_epoch or time.monotonic() - self._last >= self.interval_s):
            return
        took = time.monotonic() - self._start
        self._say(
            f"epoch {epoch + 1}/{self.epochs}: {_numbers(logs)}; {took:.{1 if took < 10 else 0}f} s"
            + ("; best so far, saved" if kept else "")
        )


class AtomicCheckpoint(keras.callbacks.Callback):
    """Save the whole model (``.keras``/``.h5``) or weights (``.weights.h5``) atomically.

    Every epoch, or with *monitor* only when it improves (lower is better for
    ``*loss``, higher otherwise).  The previous file stays intact until the new one
    is complete.
    """

    def __init__(
        self,
        path: str | Path,
        monitor: str | None = None,
        verbose: bool = False,
        write: bool = True,
        collective_save: bool = True,
    ):
        super().__init__()
        self.path, self.write = Path(path), write  # write False: keep score only (not the chief)
        self.collective_save = collective_save  # ... and take part in the chief's save (JAX)
        self.monitor = monitor
        self.verbose = verbose
        self.mode_min = monitor is None or monitor.endswith("loss")
        self.best = math.inf if self.mode_min else -math.inf

    def _improved(self, value: float) -> bool:
        return value < self.best if self.mode_min else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor is not None:
            value = (logs or {}).get(self.monitor)
            if value is None or not self._improved(float(value)):
                return
            if self.verbose:
                print(
                    f"epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {value:.5f}; "
                    f"saving {self.path}",
                    flush=True,
                )
            self.best = float(value)
        if self.write:
            save_model(self.model, self.path)
        elif self.collective_save:
            save_and_discard(self.model)


def save_and_discard(model: keras.Model) -> None:
    """Save a model to a file that is then removed.  Under JAX's data parallelism over several
    processes saving is a collective (Keras gathers the variables), so the processes that write
    nothing take part too.

    Parameters
    ----------
    model : keras.Model
        The model.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dlbio-") as folder:
        model.save(Path(folder) / "discarded.keras")


def save_model(model: keras.Model, path: str | Path) -> Path:
    """Write a model, atomically: weights only for ``.weights.h5``, else the full model.

    Parameters
    ----------
    model : keras.Model
        The model.
    path : str or pathlib.Path
        The file.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.name.endswith(".weights.h5"):
            model.save_weights(tmp)
        else:
            model.save(tmp)
    return path


class MeanOverProcesses(keras.callbacks.Callback):
    """Each epoch's logs, averaged over the processes that train one model (each process's
    training loss is of its own rows), so that every process logs, keeps the best model and
    stops early on the same numbers.

    Parameters
    ----------
    mean : callable
        A collective: a list of floats in, their means over the processes out.
    """

    def __init__(self, mean):
        super().__init__()
        self.mean = mean

    def on_epoch_end(self, epoch, logs=None):
        keys = sorted(k for k, v in (logs or {}).items() if np.ndim(v) == 0)
        for key, value in zip(keys, self.mean([float(logs[k]) for k in keys])):
            logs[key] = value


class ValidationAUC(keras.callbacks.Callback):
    """Median ROC AUC over targets on the validation set, added to the logs as ``val_auc_median``.

    With *loss*, also the validation loss from the same predictions, as ``val_loss``: Keras's
    binary cross-entropy over every sequence, plus the model's weight penalties.  For data
    parallelism on JAX, where Keras's own validation would have to split a last partial
    batch over the devices.
    """

    def __init__(self, source, batch_size: int = 1024, loss: bool = False):
        super().__init__()
        self.source, self.batch_size, self.loss = source, batch_size, loss
        from dlbio.data.pipeline import read_all

        self.labels = read_all(source)[1]

    def on_epoch_end(self, epoch, logs=None):
        from dlbio.evaluation.metrics import median_auc
        from dlbio.predict import predict_source

        pred = predict_source(self.model, self.source, self.batch_size)
        if logs is None:
            return
        logs["val_auc_median"] = median_auc(self.labels, pred)
        if self.loss:
            logs["val_loss"] = binary_crossentropy(self.labels, pred) + sum(
                float(keras.ops.convert_to_numpy(penalty)) for penalty in self.model.losses
            )


def binary_crossentropy(labels: np.ndarray, pred: np.ndarray) -> float:
    """Keras's binary cross-entropy in float64 (predictions clipped to [1e-7, 1 - 1e-7]).

    Parameters
    ----------
    labels : numpy.ndarray
        (n, T) 0/1.
    pred : numpy.ndarray
        (n, T) probabilities.

    Returns
    -------
    float
        The mean over all sequences and targets.
    """
    p = np.clip(pred.astype(np.float64), 1e-7, 1 - 1e-7)
    y = labels.astype(np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def step_decay(initial_lr: float, drop: float = 0.5, every: int = 10):
    """The Biowulf ``-s`` learning-rate schedule.

    Parameters
    ----------
    initial_lr : float
        The first epochs' rate.
    drop : float, optional
        The factor applied every *every* epochs.
    every : int, optional
        Epochs between drops.

    Returns
    -------
    callable
        ``schedule(epoch, lr=None)`` -> initial_lr * drop ** (epoch // every), for
        keras.callbacks.LearningRateScheduler.
    """

    def schedule(epoch, lr=None):
        return float(initial_lr * drop ** (epoch // every))

    return schedule
