"""Where does a layer fire?  Per-sequence, per-channel peak value and position.

Built on a Keras 3 sub-model (``keras.Model(model.inputs, layer.output)``),
the replacement for the Keras 2 ``K.function`` / ``get_output_at`` of the slides.
The reduction to (max, argmax) happens inside the sub-model, so a DanQ layer
with 320 filters over 975 positions never materialises (n, 975, 320) on the host.
"""

from __future__ import annotations

import keras
import numpy as np

from dlbio.utils.errors import DlbioError


def first_conv_layer(model: keras.Model) -> keras.layers.Layer:
    """The first Conv1D layer of a model (nested models searched).

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
        When there is none.
    """
    for layer in _walk(model):
        if isinstance(layer, keras.layers.Conv1D):
            return layer
    raise DlbioError(f"model {model.name!r} has no Conv1D layer: motifs need a convolution over the sequence")


def _walk(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _walk(layer)
        else:
            yield layer


def peak_model(model: keras.Model, layer: keras.layers.Layer, mode: str = "value") -> keras.Model:
    """A sub-model from the model's input to the peak of a layer's output over positions.

    Parameters
    ----------
    model : keras.Model
        The model.
    layer : keras.layers.Layer
        A layer with output (n, positions, channels).
    mode : {'value', 'rise'}, optional
        'value': the output itself (a convolution fires where its pattern is).  'rise': the
        step-to-step increase of the output, from the zero initial state: a recurrent unit
        with memory stays high after it has read the motif, so its maximum lands anywhere
        later; its largest rise marks the step where the motif was completed.

    Returns
    -------
    keras.Model
        Outputs max float32 (n, channels) and argmax int32 (n, channels).
    """
    out = keras.ops.cast(layer.output, "float32")
    if mode == "rise":
        previous = keras.ops.pad(out[:, :-1, :], [[0, 0], [1, 0], [0, 0]])
        out = out - previous
    elif mode != "value":
        raise ValueError(f"mode must be 'value' or 'rise', got {mode!r}")
    return keras.Model(
        model.inputs, [keras.ops.max(out, axis=1), keras.ops.cast(keras.ops.argmax(out, axis=1), "int32")]
    )


def layer_peaks(
    model: keras.Model, layer: keras.layers.Layer, x, batch_size: int = 256, mode: str = "value"
) -> tuple[np.ndarray, np.ndarray]:
    """The peak activation and its position for every sequence and channel of a layer.

    Parameters
    ----------
    model : keras.Model
        The model.
    layer : keras.layers.Layer
        The layer.
    x : numpy.ndarray or dataset
        Model input (n, L, ...) or a dataset of input batches.
    batch_size : int, optional
        Sequences per batch (for an array).
    mode : {'value', 'rise'}, optional
        As :func:`peak_model`.

    Returns
    -------
    tuple of numpy.ndarray
        (max float32 (n, channels), argmax int32 (n, channels)); positions index the layer's
        output axis (for a 'valid' Conv1D: the window start).
    """
    sub = peak_model(model, layer, mode)
    peak_val, peak_pos = sub.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(peak_val), np.asarray(peak_pos)
