"""Keras callbacks: an atomic model checkpoint, validation AUC, the mean over processes, a
learning-rate schedule (progress: dlbio.training.progress_callbacks)."""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np

from dlbio.utils.atomic import atomic_path


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
        from dlbio.data.sources import read_all

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
