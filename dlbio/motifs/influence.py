"""Which first-layer filters does each target's prediction rely on?

Basset's filter influence: replace one filter's output by a constant, its mean over
positions and sequences, and see how every target's prediction changes.  The
constant is made inside the convolution (kernel 0, bias = the mean), so no layer
is added and the traced prediction function is reused for every filter.
"""

from __future__ import annotations

import keras
import numpy as np

from dlbio.motifs.activations import first_conv_layer
from dlbio.utils.errors import DlbioError


def filter_influence(
    model: keras.Model, idx: np.ndarray, batch_size: int = 256, progress: bool | str = False
) -> tuple[np.ndarray, np.ndarray]:
    """The mean change of every target's prediction when one first-layer filter is silenced
    (its output replaced by its mean); the model's weights are changed one filter at a time
    and always restored.

    Parameters
    ----------
    model : keras.Model
        The model (its first Conv1D: see :func:`silenceable_layer`).
    idx : numpy.ndarray
        Base indices uint8 (n, L).
    batch_size : int, optional
        Sequences per prediction batch.
    progress : bool or str, optional
        See :mod:`dlbio.utils.progress`.

    Returns
    -------
    tuple of numpy.ndarray
        (change float32 (F, T): the mean over the sequences of prediction with filter f
        silenced minus prediction, negative where the filter supports the target; mean
        prediction float32 (T,)).
    """
    from dlbio.predict import first_output, predict_index
    from dlbio.utils.progress import iterate

    layer = silenceable_layer(model)
    means = _mean_outputs(model, layer, idx, batch_size)
    base = first_output(predict_index(model, idx, batch_size=batch_size))
    kernel, bias = layer.get_weights()
    change = np.zeros((len(means), base.shape[1]), np.float32)
    try:
        for f in iterate(range(len(means)), "influence", "filter", progress):
            k, b = kernel.copy(), bias.copy()
            k[..., f], b[f] = 0, means[f]
            layer.set_weights([k, b])
            change[f] = (first_output(predict_index(model, idx, batch_size=batch_size)) - base).mean(axis=0)
    finally:
        layer.set_weights([kernel, bias])
    return change, base.mean(axis=0)


def silenceable_layer(model: keras.Model):
    """The first Conv1D, if its output can be set to a constant from its weights alone (kernel 0,
    bias b, a relu or linear activation).

    Parameters
    ----------
    model : keras.Model
        The model.

    Returns
    -------
    keras.layers.Conv1D

    Raises
    ------
    DlbioError
        When it has no bias or another activation.
    """
    layer = first_conv_layer(model)
    # kernel 0 and bias b give activation(b) everywhere: b itself for these two.
    name = getattr(layer.activation, "__name__", str(layer.activation))
    if name not in ("relu", "linear") or not layer.use_bias:
        raise DlbioError(
            f"filter influence needs a first Conv1D with a bias and a relu or linear activation; "
            f"{layer.name!r} has {name}{'' if layer.use_bias else ' and no bias'}"
        )
    return layer


def _mean_outputs(model: keras.Model, layer, idx: np.ndarray, batch_size: int) -> np.ndarray:
    """Each filter's output averaged over positions and sequences: float32 (F,)."""
    from dlbio.predict import predict_index

    sub = keras.Model(model.inputs, keras.ops.mean(keras.ops.cast(layer.output, "float32"), axis=1))
    return predict_index(sub, idx, batch_size=batch_size).mean(axis=0)
