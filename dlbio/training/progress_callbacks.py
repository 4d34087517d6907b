"""Progress of a fit: a tqdm bar, or lines for a batch job's log; and the callback list that
lets them read a batch's logs only when they show them."""

from __future__ import annotations

import sys
import time

import keras
import numpy as np
from tqdm.auto import tqdm

from dlbio.utils import progress


def as_numbers(logs: dict | None) -> dict[str, float]:
    """The numbers among Keras's logs, as Python floats.

    Parameters
    ----------
    logs : dict or None
        Keras's logs; a value may be a Python number or a backend's scalar tensor.

    Returns
    -------
    dict
        Name -> float, for the values that are numbers (a tensor's value waits for the step
        that computes it).
    """
    numbers = {}
    for key, value in (logs or {}).items():
        if keras.ops.is_tensor(value) or isinstance(value, np.ndarray):
            value = keras.ops.convert_to_numpy(value)
            if value.size != 1:
                continue
            value = value.item()
        if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
            numbers[key] = float(value)
    return numbers


class BatchLogsAsTensors(keras.callbacks.CallbackList):
    """Keras's CallbackList, but a batch's logs reach the callbacks as the backend's tensors.

    Keras makes every batch's logs Python floats before any callback with a batch-end method
    sees them, and a float waits for the step that computes it: the device then idles while
    Python goes through the callbacks and starts the next step, every step (JAX, and any
    backend on a GPU).  dlbio's batch-end callbacks (the bar, the log lines, preemption; their
    ``batch_logs_as_tensors`` is True) read the logs only when they show them
    (:func:`as_numbers`: every 50 batches, or once a minute), so the steps queue up as they
    do without callbacks.  Any other callback with a batch-end method still gets floats.
    Built as keras.callbacks.CallbackList is (the callbacks, then ``add_history``, ``model``,
    ``verbose``, ``epochs``, ``steps``) and passed to ``fit`` in place of the list.
    """

    def on_train_batch_end(self, batch, logs=None):
        """Hand *logs* as they are to dlbio's callbacks, as floats to the others.

        Parameters
        ----------
        batch : int
            The batch's index in the epoch.
        logs : dict, optional
            The step's logs.

        Returns
        -------
        None
        """
        plain = None
        for callback in self.callbacks:
            if getattr(callback, "batch_logs_as_tensors", False):
                callback.on_train_batch_end(batch, logs=logs)
            elif _has_batch_end(callback):
                plain = plain if plain is not None else {**(logs or {}), **as_numbers(logs)}
                callback.on_train_batch_end(batch, logs=plain)


def _has_batch_end(callback) -> bool:
    base = keras.callbacks.Callback
    return type(callback).on_train_batch_end is not base.on_train_batch_end or (
        type(callback).on_batch_end is not base.on_batch_end
    )


class EpochProgress(keras.callbacks.Callback):
    """One tqdm bar over the run, with the latest logs as postfix.

    Counts epochs, or with *steps_per_epoch* batches: a DeepSEA epoch is thousands
    of batches and can take an hour, too long for a bar that moves once per epoch.
    The bar opens in on_train_begin, so one instance serves consecutive ``fit``
    calls (a resumed run finishes its interrupted epoch, then goes on);
    *initial_step* is the batches already done in epoch *initial_epoch*.
    """

    batch_logs_as_tensors = True  # shown every 50 batches only (BatchLogsAsTensors)

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
        shown = {k: f"{v:.4f}" for k, v in as_numbers(logs).items() if k != "learning_rate"}
        return {"epoch": f"{epoch}/{self.epochs}", **shown} if self.steps else shown

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()


def _numbers(logs: dict | None) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in as_numbers(logs).items() if k != "learning_rate")


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

    batch_logs_as_tensors = True  # shown once an interval only (BatchLogsAsTensors)

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
