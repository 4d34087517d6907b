"""The course's motif discovery (mdisc-conv1d, mdisc-simplernn): the motif a detector learnt.

The detector is the model :mod:`dlbio.workflows.class2_detection` (mdet-*) wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord

from dlbio.data import synthetic
from dlbio.models import toy
from dlbio.motifs import activations, sites
from dlbio.motifs.logos import draw_logo
from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require


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
        Where the aligned sites go (FASTA); default ``01_<cell>.fa``.
    logo : str or pathlib.Path, optional
        Where their logo goes (PNG); default ``01_<cell>.png``.

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
