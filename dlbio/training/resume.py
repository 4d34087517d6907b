"""Survive preemption: save a full training state on SIGTERM/SIGINT, and resume from it.

The state is one ``.keras`` file (weights, optimizer slots and iteration count)
with ``dlbio_state.json`` added to its zip: epoch, batches done in that epoch,
best validation loss, early-stopping wait, the dropout seed-generator states
(Keras does not save those, and without them dropout masks after a resume
differ), and the run's options.  It is written under a temporary name and renamed, at every epoch
end and when a signal arrives, so weights and bookkeeping never disagree.

The training batches of an epoch are a pure function of (seed, epoch), so a
resumed run skips the batches already done and sees exactly the rest.
"""

from __future__ import annotations

import contextlib
import json
import signal
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras

from dlbio.training.callbacks import save_and_discard
from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.signals import sigterm_raises

STATE_ENTRY = "dlbio_state.json"
# Options that must match for a resumed run to continue the same training.
RESUME_KEYS = (
    "data",
    "model",
    "batch_size",
    "filters",
    "kernel_size",
    "lstm_units",
    "dense_units",
    "optimizer",
    "learning_rate",
    "seed",
    "limit",
    "lr_schedule",
    "mixed_precision",
    "multi_worker",
    "fine_tune",
    "processes",
)


@dataclass
class TrainState:
    epoch: int = 0  # epochs completed
    step: int = 0  # batches completed in epoch `epoch` (0 = at a boundary)
    best_val_loss: float = float("inf")
    wait: int = 0  # epochs without improvement (early stopping)
    config: dict = field(default_factory=dict)
    seed_states: list = field(default_factory=list)  # dropout RNG [seed, counter] pairs, in layer order
    # Mid-epoch only: the running training-loss mean of the interrupted epoch (Keras' metric
    # variables, e.g. [total, count]), so that the resumed epoch logs the loss of all its batches.
    metric_states: list = field(default_factory=list)


class Preempted(Exception):
    """Training stopped on a signal after saving its state (*state* None: stopped outside
    the training loop, where the state on disk is already the latest)."""

    def __init__(self, path: Path, state: TrainState | None, where: str | None = None):
        if where is None:
            where = (
                f"at epoch {state.epoch + 1}, batch {state.step}; state saved to {path}"
                if state
                else f"outside the training loop (the state at {path}, if any, is the latest)"
            )
        super().__init__(f"stopped by a signal {where}; rerun with --resume to continue")
        self.path, self.state, self.where = path, state, where

    def __reduce__(self):  # from a process of -g N on PyTorch to the one that started it
        return (type(self), (self.path, self.state, self.where))

    @classmethod
    def after_training(cls, path: Path) -> Preempted:
        """The exception for a signal that came after the last batch: the state is saved, the job
        still has to stop.

        Parameters
        ----------
        path : pathlib.Path
            The saved state.

        Returns
        -------
        Preempted
        """
        return cls(path, None, f"after the last batch (state saved to {path})")


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


def start_state(model: keras.Model, path: Path, config: dict, resume: bool) -> TrainState:
    """Where a run starts: a fresh state, or with *resume* and a state at *path*, that state,
    checked against this run's options and loaded into the model (weights, optimizer, dropout
    seeds).  Says which.

    Parameters
    ----------
    model : keras.Model
        The compiled model.
    path : pathlib.Path
        The resume state's file.
    config : dict
        This run's options (:meth:`RunConfig.resume_record`).
    resume : bool
        ``--resume``.

    Returns
    -------
    TrainState

    Raises
    ------
    DlbioError
        When the state was written on another backend, or by a run of other options (naming
        them).
    """
    if not (resume and path.is_file()):
        if resume:
            print(f"no state at {path}: starting from the beginning", flush=True)
        return TrainState(config=config)
    state = read_state(path)
    wrote, runs = state.config.get("backend", "tensorflow"), config.get("backend", "tensorflow")
    require(
        wrote == runs,
        f"{path}: written on {wrote}, and this run is on {runs}: resume it with "
        f"KERAS_BACKEND={wrote} (a state holds that backend's own optimizer and random-generator "
        "state), or remove the file to start over",
    )
    changed = [k for k in RESUME_KEYS if state.config.get(k) != config.get(k)]
    require(
        not changed,
        f"{path}: cannot resume with different options ({', '.join(changed)}); remove the state file to start over",
    )
    load_into(model, path, state)
    print(f"resuming from {path}: epoch {state.epoch + 1}, batch {state.step}", flush=True)
    return state


def save_state(model: keras.Model, path: Path, state: TrainState) -> Path:
    """Save a resume state: the model (weights, optimizer) with the state and the dropout seed
    states in the same .keras file, atomically.

    Parameters
    ----------
    model : keras.Model
        The model.
    path : pathlib.Path
        The file.
    state : TrainState
        Where the run is.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    state.seed_states = [[int(x) for x in keras.ops.convert_to_numpy(v)] for v in _seed_states(model)]
    with atomic_path(path) as tmp:
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as z:
            z.writestr(STATE_ENTRY, json.dumps(asdict(state)))
    return path


def read_state(path: Path) -> TrainState:
    """Read the training state of a resume file.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    TrainState

    Raises
    ------
    DlbioError
        When it is not a dlbio resume state.
    """
    try:
        with zipfile.ZipFile(path) as z:
            return TrainState(**json.loads(z.read(STATE_ENTRY)))
    except (KeyError, zipfile.BadZipFile, json.JSONDecodeError, TypeError) as exc:
        raise DlbioError(f"{path}: not a dlbio resume state ({type(exc).__name__})") from None


def load_into(model: keras.Model, path: Path, state: TrainState) -> None:
    """Copy the weights, optimizer variables and dropout seed states of a saved state into a
    model.

    Parameters
    ----------
    model : keras.Model
        The compiled model, of the state's architecture.
    path : pathlib.Path
        The state's file.
    state : TrainState
        Its state.
    """
    from dlbio.training.setup import dtype_policy

    # Load under the live model's policy: compile() wraps the optimizer of a mixed_float16
    # model in a LossScaleOptimizer, whose extra variables the state holds too.
    with dtype_policy(model.dtype_policy.name):
        saved = keras.models.load_model(path, compile=True)
    model.set_weights(saved.get_weights())
    # Build the optimizer's slots (once: a LossScaleOptimizer adds its variables again on every
    # build), then copy iteration count and moments.  The slots belong to the model's strategy
    # (-g N: MirroredStrategy); the saved copy above is loaded outside it, as plain variables.
    if not model.optimizer.built:
        # (model.distribute_strategy exists on TensorFlow only; JAX and torch have nothing to enter)
        strategy = getattr(model, "distribute_strategy", None)
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            model.optimizer.build(model.trainable_variables)
    if len(model.optimizer.variables) != len(saved.optimizer.variables):
        raise DlbioError(
            f"{path}: the state's optimizer has {len(saved.optimizer.variables)} variables, the "
            f"model's {len(model.optimizer.variables)}; remove the state file to start over"
        )
    for dst, src in zip(model.optimizer.variables, saved.optimizer.variables):
        dst.assign(src)
    targets = _seed_states(model)
    if len(targets) != len(state.seed_states):
        raise DlbioError(
            f"{path}: the state has {len(state.seed_states)} dropout seed states, the model {len(targets)}"
        )
    for dst, value in zip(targets, state.seed_states):
        dst.assign(value)


def _seed_states(model):
    return [v for v in model.non_trainable_variables if "seed_generator" in v.path]


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
