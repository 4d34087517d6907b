"""Initial weights drawn with NumPy from a seed, the same on TensorFlow, JAX and PyTorch.

Keras draws a layer's initial weights with the backend's own random generator, so one seed
gives three different starts on the three backends.  For the class examples that decides
the result: mdet-conv1d's two ReLU filters both start dead (every weight <= 0, so that no
0/1 string makes them fire and no gradient reaches them) for about one seed in 64, and which
seeds those are depends on the backend (seed 7, the default, on PyTorch).  Drawn here, the
same seed is the same start everywhere.  Each weight is drawn from the distribution its
layer's Keras initializer names (Glorot uniform, orthogonal, zeros, ones), in Keras's own
fan-in/fan-out and orthogonalization rules; the saved model keeps Keras's initializers in its
config, so it loads anywhere.
"""

from __future__ import annotations

import keras
import numpy as np


def draw_initial_weights(model: keras.Model, seed: int) -> keras.Model:
    """Set every weight of *model* to a NumPy draw from its layer's initializer, from *seed*.

    Parameters
    ----------
    model : keras.Model
        A built model whose layers use Glorot uniform, orthogonal, zeros or ones initializers
        (Dense, Conv1D, SimpleRNN, LSTM, ...), with Keras's defaults for their arguments.
    seed : int
        The seed: the same weights on every backend.

    Returns
    -------
    keras.Model
        *model*, its weights set.

    Raises
    ------
    ValueError
        For an initializer this module does not draw, or a weight whose layer keeps no
        initializer for it.
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        owner = getattr(layer, "cell", layer)  # a recurrent layer's initializers are its cell's
        for variable in layer.weights:
            shape = tuple(variable.shape)
            name = variable.name.split("/")[-1]
            attribute = "recurrent_initializer" if name == "recurrent_kernel" else f"{name}_initializer"
            initializer = getattr(owner, attribute, None)
            if initializer is None:
                raise ValueError(f"no initializer for {variable.path} (a weight of {type(layer).__name__})")
            value = _draw(initializer, shape, rng)
            if name == "bias" and getattr(owner, "unit_forget_bias", False):  # LSTM: forget gate starts open
                units = shape[0] // 4
                value[units : 2 * units] = 1.0
            variable.assign(value.astype(variable.dtype))
    return model


def _draw(initializer, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    kind, config = type(initializer).__name__, initializer.get_config()
    if kind == "Zeros":
        return np.zeros(shape)
    if kind == "Ones":
        return np.ones(shape)
    if kind == "GlorotUniform" and config.get("input_axes") is None and config.get("output_axes") is None:
        fan_in, fan_out = _fans(shape)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape)
    if kind == "Orthogonal":
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return config.get("gain", 1.0) * q.reshape(shape)
    raise ValueError(f"no NumPy draw for the {kind} initializer ({config})")


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras's fan-in and fan-out: a kernel's receptive field times its input and output channels."""
    if len(shape) < 2:
        return shape[0] if shape else 1, shape[0] if shape else 1
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive
