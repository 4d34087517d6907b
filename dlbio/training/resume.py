"""Resume state: a full training state saved in one file, checked and loaded back.

The state is one ``.keras`` file (weights, optimizer slots and iteration count)
with ``dlbio_state.json`` added to its zip: epoch, batches done in that epoch,
best validation loss, early-stopping wait, the dropout seed-generator states
(Keras does not save those, and without them dropout masks after a resume
differ), and the run's options.  It is written under a temporary name and renamed, at every epoch
end and when a signal arrives (dlbio.training.preemption), so weights and bookkeeping never
disagree.

The training batches of an epoch are a pure function of (seed, epoch), so a
resumed run skips the batches already done and sees exactly the rest.
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras

from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require

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


def start_state(model: keras.Model, path: Path, config: dict, resume: bool, say: bool = True) -> TrainState:
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
    say : bool, optional
        Print which.  Under several processes only the chief does, so that a job's log says
        it once.

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
        if resume and say:
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
    if say:
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
