"""The course's motif detection (mdet-simplernn, mdet-conv1d): train a detector of a 0/1 motif.

What the detector learnt is read out by :mod:`dlbio.workflows.class2_discovery` (mdisc-*).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.backend import seed_everything, steps_per_execution
from dlbio.data import synthetic
from dlbio.models import toy
from dlbio.training.callbacks import AtomicCheckpoint
from dlbio.training.progress_callbacks import EpochProgress
from dlbio.training.setup import make_optimizer
from dlbio.training.weights import load_weights_into
from dlbio.utils.errors import require
from dlbio.utils.options import Options
from dlbio.utils.progress import BAR, progress_mode


@dataclass
class DetectionResult:
    """mdet outcome: y_pred uint8 (n_test,), y_test uint8 (n_test,), loss per epoch."""

    y_pred: np.ndarray
    y_test: np.ndarray
    losses: list[float]
    checkpoint: Path

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.y_pred == self.y_test))


@dataclass(frozen=True)
class DetectionOptions(Options):
    """How :func:`detect_motif` makes its data and trains (the slides' values by default).

    Attributes
    ----------
    n_train : int, default=1000
        Training strings.
    n_test : int, default=40
        Test strings.
    length : int, default=10
        Bases per string.
    motif : str, default="111"
        The 0/1 word whose presence is the label.
    channels : int, default=2
        Units of the SimpleRNN, or filters of the Conv1D.
    kernel_size : int, default=3
        The Conv1D filter width (ignored for the SimpleRNN).
    epochs : int, default=500
        Epochs, as the slides train.
    batch_size : int, default=32
        Strings per batch, as the slides train.
    optimizer : {"sgd", "adam", "rmsprop"}, default="sgd"
        With *learning_rate* (None: Keras's default), *momentum* and *nesterov* for SGD.
    checkpoint : str or pathlib.Path, optional
        The model file; default ``mdet_<cell>.keras``.
    load_weights : str or pathlib.Path, optional
        Continue from such a file.
    seed : int, default=7
        Data, initial weights and batch order; a CPU run repeats exactly.
    quiet : bool, default=False
        No progress bar.
    """

    n_train: int = 1000
    n_test: int = 40
    length: int = 10
    motif: str = "111"
    channels: int = 2
    kernel_size: int = 3
    epochs: int = 500
    batch_size: int = 32
    optimizer: str = "sgd"
    learning_rate: float | None = None
    momentum: float = 0.0
    nesterov: bool = False
    checkpoint: str | Path | None = None
    load_weights: str | Path | None = None
    seed: int = 7
    quiet: bool = False


def detect_motif(cell: str, options: DetectionOptions | None = None, **overrides) -> DetectionResult:
    """Train a detector of *motif* in random 0/1 strings (mdet-simplernn, mdet-conv1d).

    The data are the slides': random 0/1 strings, labelled 1 when *motif* occurs in them.
    The whole model is saved to *checkpoint* after every epoch, atomically.

    Parameters
    ----------
    cell : {"simplernn", "conv1d"}
        SimpleRNN(channels) or Conv1D(channels, kernel_size, relu), then Flatten -> Dense(1, sigmoid).
    options : DetectionOptions, optional
        The data, model size and training (the slides' when None).
    **overrides
        Fields of *options* to set (``epochs=20, seed=3``), as keywords.

    Returns
    -------
    DetectionResult
        ``y_pred`` and ``y_test``, shape=(n_test,) uint8, the loss per epoch, the
        checkpoint's path, and ``accuracy``.
    """
    o = DetectionOptions.merged(options, overrides)
    n_train, n_test, length, motif = o.n_train, o.n_test, o.length, o.motif
    channels, kernel_size, epochs, batch_size = o.channels, o.kernel_size, o.epochs, o.batch_size
    optimizer, learning_rate, momentum, nesterov = o.optimizer, o.learning_rate, o.momentum, o.nesterov
    checkpoint, load_weights, seed, quiet = o.checkpoint, o.load_weights, o.seed, o.quiet
    require(
        cell != "conv1d" or kernel_size <= length,
        f"--kernel-size {kernel_size} is longer than the strings (--length {length})",
    )
    seed_everything(seed)
    data = synthetic.motif_detection_set(n_train, n_test, length, motif, seed)
    # Whether two ReLU filters can learn at all depends on their start (see
    # dlbio.models.initial_weights): the Conv1D's is drawn the same on every backend.  The
    # SimpleRNN keeps Keras's draw, with which mdisc-simplernn reads its 111 (NN00111) at seed 7.
    model = toy.motif_detector(cell, length, channels, kernel_size, seed=seed if cell == "conv1d" else None)
    if load_weights is not None:
        load_weights_into(model, load_weights)
    elif cell == "conv1d" and toy.filters_never_fire(model):
        print(
            f"note: --seed {seed} starts every filter dead (all its weights <= 0: no 0/1 string makes it "
            "fire, and no gradient reaches it), so the model cannot learn from here; try another --seed",
            file=sys.stderr,
            flush=True,
        )
    # One compiled call per epoch: the same SGD steps, far less Python overhead.
    steps = -(-n_train // batch_size)
    model.compile(
        loss="binary_crossentropy",
        optimizer=make_optimizer(optimizer, learning_rate, momentum, nesterov),
        steps_per_execution=steps_per_execution(steps),
    )
    checkpoint = Path(checkpoint or f"mdet_{cell}.keras")
    history = model.fit(
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
        callbacks=[
            AtomicCheckpoint(checkpoint),
            EpochProgress(epochs, desc=f"mdet-{cell}", enabled=progress_mode(quiet) == BAR),
        ],
    )
    y = model.predict(data.x_test, verbose=0)[:, 0]
    return DetectionResult(np.round(y).astype(np.uint8), data.y_test, history.history["loss"], checkpoint)


def plot_losses(losses: list[float], path: str | Path, title: str) -> Path:
    """Plot the training loss per epoch (log scale).

    Parameters
    ----------
    losses : list of float
        One loss per epoch.
    path : str or pathlib.Path
        The PNG.
    title : str
        The figure's title.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.evaluation.plots import pyplot, save_png

    plt = pyplot()

    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set(xlabel="epoch", ylabel="training loss (binary cross-entropy)", yscale="log", title=title)
    ax.grid(alpha=0.3)
    return save_png(fig, path)
