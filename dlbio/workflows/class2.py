"""The class-2 prototype examples: motif detection and motif discovery (vgrad: dlbio.workflows.vgrad)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord

from dlbio.backend import seed_everything, steps_per_execution
from dlbio.data import synthetic
from dlbio.models import toy
from dlbio.motifs import activations, sites
from dlbio.motifs.logos import draw_logo
from dlbio.training.callbacks import AtomicCheckpoint
from dlbio.training.progress_callbacks import EpochProgress
from dlbio.training.setup import make_optimizer
from dlbio.training.weights import load_weights_into
from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require
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


def load_toy_model(path: str | Path, cell: str) -> keras.Model:
    """Load a model written by mdet-<cell>.

    Parameters
    ----------
    path : str or pathlib.Path
        The .keras file.
    cell : {'conv1d', 'simplernn'}
        The kind of model expected.

    Returns
    -------
    keras.Model
        The model, not compiled.

    Raises
    ------
    DlbioError
        When the file is missing, not a Keras model, or not an mdet-<cell> model.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: weights file not found (run mdet-{cell} first, or pass --weights)")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types for a bad file
        raise DlbioError(f"{path}: not a Keras model file ({type(exc).__name__})") from None
    want = {"conv1d": keras.layers.Conv1D, "simplernn": keras.layers.SimpleRNN}[cell]
    try:
        layer = model.get_layer(toy.MOTIF_LAYER)
    except ValueError:
        layer = None
    require(
        isinstance(layer, want),
        f"{path}: not an mdet-{cell} model (expected a {want.__name__} layer named {toy.MOTIF_LAYER!r})",
    )
    return model


@dataclass
class DiscoveryResult:
    """mdisc outcome: the consensus, the aligned sites and where the files went."""

    consensus: str
    windows: list[str]
    n_positive: int
    channel: int
    counts: np.ndarray  # (window, 2) counts of '0', '1'
    fasta: Path
    logo: Path | None

    def pwm_text(self) -> str:
        """The position weight matrix of the sites as Bio.motifs prints it.

        Returns
        -------
        str
            A row per symbol ('0', '1'), a column per window position (0-based), each its
            frequency there.
        """
        return str(sites.to_bio_motif(self.counts, "01").counts.normalize())


def motif_channel(model: keras.Model) -> int:
    """The motif-layer channel that votes most for 'motif present'.

    The slides take channel 0, which is right only when its Dense weights are positive; we
    pick the channel with the largest mean Dense weight.

    Parameters
    ----------
    model : keras.Model
        An mdet model (a motif layer, then a Dense 'detector').

    Returns
    -------
    int
        The channel's index.
    """
    kernel = model.get_layer("detector").get_weights()[0][:, 0]
    channels = model.get_layer(toy.MOTIF_LAYER).output.shape[-1]
    return int(np.argmax(kernel.reshape(-1, channels).mean(axis=0)))


def discover_motif(
    cell: str,
    weights: str | Path,
    *,
    n_seq: int = 40,
    window: int = 7,
    threshold: float = 0.8,
    channel: int | None = None,
    seed: int = 1,
    fasta: str | Path | None = None,
    logo: str | Path | None = None,
) -> DiscoveryResult:
    """Read the motif out of a trained detector (mdisc-conv1d, mdisc-simplernn).

    Predicted-positive test strings are aligned at the peak of the motif layer (Conv1D:
    the window starts at the maximal activation; SimpleRNN: it ends at the largest rise of
    the output, where the motif was completed); windows that run off the string are
    dropped, and each column of their count matrix is called ``1`` (P(1) > *threshold*),
    ``0`` (P(1) < 1 - *threshold*) or ``N``.

    Parameters
    ----------
    cell : {"simplernn", "conv1d"}
        Which detector *weights* holds.
    weights : str or pathlib.Path
        A model file mdet-* wrote.
    n_seq : int, default=40
        Random test strings (of the model's length).
    window : int, default=7
        Width of the aligned sites.
    threshold : float, default=0.8
        How sure a column must be to be called.
    channel : int, optional
        The filter or unit to align on; default: the one that votes most for "motif
        present" (largest mean Dense weight; the slides take channel 0).
    seed : int, default=1
        The test strings.
    fasta : str or pathlib.Path, optional
        Where the aligned sites (FASTA) and the logo (PNG) go; default ``01_<cell>.fa`` and
        ``01_<cell>.png``.
    logo : str or pathlib.Path, optional
        Where the aligned sites (FASTA) and the logo (PNG) go; default ``01_<cell>.fa`` and
        ``01_<cell>.png``.

    Returns
    -------
    DiscoveryResult
        The consensus (e.g. ``111NNNN``), the aligned windows, how many strings were
        predicted positive, the channel, the counts shape=(window, 2) of ``0`` and ``1``,
        and the files' paths.
    """
    model = load_toy_model(weights, cell)
    length = model.inputs[0].shape[1]
    require(0 < window <= length, f"--window {window} must be between 1 and the sequence length ({length})")
    require(n_seq > 0, f"--n-seq must be positive, got {n_seq}")
    strings = synthetic.random_binary_strings(n_seq, length, np.random.default_rng(seed))
    x = synthetic.strings_to_array(strings)
    positive = np.flatnonzero(np.round(model.predict(x, verbose=0)[:, 0]) == 1)
    if channel is None:
        channel = motif_channel(model)
    n_channels = model.get_layer(toy.MOTIF_LAYER).output.shape[-1]
    require(0 <= channel < n_channels, f"channel must be between 0 and {n_channels - 1}, got {channel}")
    codes = x[positive, :, 0].astype(np.int8)
    windows_codes = np.zeros((0, window), dtype=np.int8)
    kept = np.zeros(0, dtype=np.int64)
    if len(positive):
        conv = cell == "conv1d"
        _, peak_pos = activations.layer_peaks(
            model, model.get_layer(toy.MOTIF_LAYER), x[positive], mode="value" if conv else "rise"
        )
        anchor = "start" if conv else "end"
        starts = sites.window_starts(peak_pos[:, channel], window, anchor)
        kept, windows_codes = sites.cut_windows(codes, starts, window)
    windows = ["".join("01"[int(c)] for c in w) for w in windows_codes]
    counts = sites.count_matrix(windows_codes, 2)
    fasta = Path(fasta or f"01_{cell}.fa")
    records = [SeqRecord(Seq(w), id=str(int(positive[k]) + 1), description="") for k, w in zip(kept, windows)]
    with atomic_path(fasta) as tmp:
        SeqIO.write(records, tmp, "fasta")
    if not windows:
        return DiscoveryResult("N" * window, [], len(positive), channel, counts, fasta, None)
    consensus = sites.call_consensus(sites.to_bio_motif(counts, "01", name=f"mdisc_{cell}"), threshold)
    logo_path = draw_logo(counts, "01", logo or f"01_{cell}.png", title=f"mdisc-{cell}: {consensus}")
    return DiscoveryResult(consensus, windows, len(positive), channel, counts, fasta, logo_path)
