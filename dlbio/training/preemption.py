"""Survive preemption: on SIGTERM/SIGINT finish the batch, save the resume state
(dlbio.training.resume) and stop; danq-train then exits 75, which scripts/*.sbatch requeue.

A signal during training is caught by :class:`Preemption`, a callback; one outside the
training loop (reading data, writing predictions) raises :class:`Preempted` at once
(:func:`sigterm_as_preemption`).  With several processes training one model, all of them stop
after the same batch.
"""

from __future__ import annotations

import signal
from pathlib import Path

import keras

from dlbio.training.callbacks import save_and_discard
from dlbio.training.resume import TrainState, save_state
from dlbio.utils.signals import sigterm_raises


class Preempted(Exception):
    """Training stopped on a signal after saving its state (*state* None: stopped outside
    the training loop, where the state on disk is already the latest).  *chief* False: another
    process of a run of several, which stopped with the chief and saved nothing; the chief
    says what was saved, so that a job's log says it once."""

    def __init__(self, path: Path, state: TrainState | None, where: str | None = None, chief: bool = True):
        if where is None:
            where = (
                f"at epoch {state.epoch + 1}, batch {state.step}; state saved to {path}"
                if state
                else f"outside the training loop (the state at {path}, if any, is the latest)"
            )
        super().__init__(f"stopped by a signal {where}; rerun with --resume to continue")
        self.path, self.state, self.where, self.chief = path, state, where, chief

    def __reduce__(self):  # from a process of -g N on PyTorch to the one that started it
        return (type(self), (self.path, self.state, self.where, self.chief))

    @classmethod
    def after_training(cls, path: Path, chief: bool = True) -> Preempted:
        """The exception for a signal that came after the last batch: the state is saved, the job
        still has to stop.

        Parameters
        ----------
        path : pathlib.Path
            The saved state.
        chief : bool, optional
            Whether this process is the one that saved it.

        Returns
        -------
        Preempted
        """
        return cls(path, None, f"after the last batch (state saved to {path})", chief)


def sigterm_as_preemption(path: Path):
    """A block in which a SIGTERM raises :class:`Preempted` (exit 75) instead of killing the
    process (143): a job told to stop while it reads data or writes its test predictions is
    requeued like one stopped mid-training.  The training loops set their own handlers (finish
    the batch, save) and put this one back when they end.

    Parameters
    ----------
    path : pathlib.Path
        The resume state, for the message.

    Returns
    -------
    contextlib.AbstractContextManager
    """
    return sigterm_raises(lambda: Preempted(path, None))


class StopNow(Exception):
    """Raised out of ``model.fit`` once the state is saved: stopping with ``stop_training``
    would still validate the partial epoch and let the checkpoint, early-stopping and CSV
    callbacks act on it (a log row and possibly a "best" model an uninterrupted run never has)."""


class Preemption(keras.callbacks.Callback):
    """Catch SIGTERM/SIGINT, finish the current batch, save the state, stop training
    (:class:`StopNow`; the caller ends the callbacks and raises :class:`Preempted`).
    After an epoch's last batch it lets the epoch end (validation, checkpoint, log) and
    stops at the boundary, so that a resumed run never has an epoch of 0 batches left.

    Also saves the state after every epoch (after the checkpoint and early-stopping
    callbacks, which must come earlier in the list).

    With several processes training one model (*collectives*: the backend's module of
    operations over them, dlbio.backend.jax_only or torch_only), a signal to any of them stops
    all after the same batch: they agree every ``AGREE_EVERY`` batches and at each epoch end.
    The interrupted epoch's running loss is their mean; only the process that *writes* saves
    the state.
    """

    AGREE_EVERY = 20  # batches: a collective after each would cost a GPU step its overlap
    batch_logs_as_tensors = True  # reads no logs (BatchLogsAsTensors)

    def __init__(
        self,
        path: Path,
        state: TrainState,
        early_stopping,
        checkpoint,
        steps_per_epoch: int,
        collectives=None,
        write: bool = True,
    ):
        super().__init__()
        self.path, self.state = Path(path), state
        self.early, self.checkpoint, self.steps = early_stopping, checkpoint, steps_per_epoch
        self.collectives, self.write = collectives, write
        self.preempted = False
        self.signalled = False
        self._old = {}

    def _handler(self, signum, frame):
        self.signalled = True

    def on_train_begin(self, logs=None):
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._old[sig] = signal.signal(sig, self._handler)

    def on_train_end(self, logs=None):
        for sig, old in self._old.items():
            signal.signal(sig, old)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch != self.state.epoch:  # a fresh epoch (not the resumed partial one)
            self.state.epoch, self.state.step = epoch, 0
        elif self.state.step and self.state.metric_states:  # fit has just reset the loss mean
            for var, value in zip(self.model.metrics_variables, self.state.metric_states):
                var.assign(value)

    def _stop(self) -> bool:
        """Was any process signalled?  With several processes, all of them ask together.

        The agreed answer never clears this process's own flag: a signal that lands while the
        process waits in the collective (at an epoch end, while the chief saves the state)
        sets the flag after the answer was made, and is told at the next agreement.
        """
        if self.collectives is None:
            return self.signalled
        agreed = self.collectives.any_process(self.signalled)
        self.signalled = self.signalled or agreed
        return agreed

    def on_train_batch_end(self, batch, logs=None):
        self.state.step += 1
        if self.preempted or self.state.step >= self.steps:
            return
        if self.collectives is not None and self.state.step % self.AGREE_EVERY:
            return
        if self._stop():
            self.preempted = True
            self._sync()
            metric_states = [float(keras.ops.convert_to_numpy(v)) for v in self.model.metrics_variables]
            if self.collectives is not None:  # each process's running loss is of its own rows
                metric_states = self.collectives.mean_over_processes(metric_states)
            self.state.metric_states = metric_states
            self._save()
            raise StopNow

    def on_epoch_end(self, epoch, logs=None):
        if self.preempted:
            return
        self.state.epoch, self.state.step, self.state.metric_states = epoch + 1, 0, []
        self._sync()
        self._save()
        if self._stop():  # it came with the epoch's last batch or during validation
            self.preempted = True
            raise StopNow

    def _save(self):
        if self.write:
            save_state(self.model, self.path, self.state)
        elif self.collectives.SAVING_IS_COLLECTIVE:
            save_and_discard(self.model)

    def _sync(self):
        self.state.best_val_loss = float(self.checkpoint.best)
        self.state.wait = int(self.early.wait)


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping on val_loss whose wait/best survive a resume."""

    def __init__(self, patience: int, state: TrainState):
        super().__init__(monitor="val_loss", patience=patience)
        self._resume = state

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.wait = self._resume.wait
        self.best = self._resume.best_val_loss
