"""The class-2 toy models, built with the Keras 3 functional API.

The motif layer is named ``motif_layer`` so motif discovery can build a
sub-model ``keras.Model(model.inputs, model.get_layer("motif_layer").output)``.
"""

from __future__ import annotations

import keras

from dlbio.models.initial_weights import draw_initial_weights

CELLS = ("simplernn", "conv1d")
MOTIF_LAYER = "motif_layer"


def motif_detector(
    cell: str, length: int, channels: int = 2, kernel_size: int = 3, seed: int | None = None
) -> keras.Model:
    """The mdet model, as in the slides' scripts: Input (length, 1) -> SimpleRNN(channels,
    return_sequences) or Conv1D(channels, kernel_size, relu) -> Flatten -> Dense(1, sigmoid).

    Parameters
    ----------
    cell : {'simplernn', 'conv1d'}
        The motif layer.
    length : int
        The strings' length.
    channels : int, optional
        Units or filters.
    kernel_size : int, optional
        The convolution's width.
    seed : int or None, optional
        Draw the initial weights from this seed, the same on every backend
        (:func:`dlbio.models.initial_weights.draw_initial_weights`); None: Keras's own draw.

    Returns
    -------
    keras.Model
        Not compiled.
    """
    x = keras.Input((length, 1), name="bits")
    if cell == "simplernn":
        h = keras.layers.SimpleRNN(channels, return_sequences=True, name=MOTIF_LAYER)(x)
    elif cell == "conv1d":
        h = keras.layers.Conv1D(channels, kernel_size, activation="relu", name=MOTIF_LAYER)(x)
    else:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    h = keras.layers.Flatten()(h)
    y = keras.layers.Dense(1, activation="sigmoid", name="detector")(h)
    model = keras.Model(x, y, name=f"mdet_{cell}")
    return model if seed is None else draw_initial_weights(model, seed)


def filters_never_fire(model: keras.Model) -> bool:
    """Whether every filter of a Conv1D motif detector is dead on 0/1 strings: each has all its
    weights and its bias <= 0, so that no string makes its ReLU fire and no gradient reaches
    it.  Such a model cannot learn (its loss stays at ln 2).

    Parameters
    ----------
    model : keras.Model
        An mdet-conv1d model (:func:`motif_detector`).

    Returns
    -------
    bool
    """
    kernel, bias = model.get_layer(MOTIF_LAYER).get_weights()  # (kernel_size, 1, channels), (channels,)
    return bool(((kernel <= 0).all(axis=(0, 1)) & (bias <= 0)).all())


def next_char_predictor(cell: str, window: int = 100, units: int = 1, dropout: float = 0.2) -> keras.Model:
    """The vgrad model: Input (window, 1) -> SimpleRNN/LSTM(units, return_sequences) -> Dropout ->
    Flatten -> Dense(1, sigmoid).

    Parameters
    ----------
    cell : {'simplernn', 'lstm'}
        The recurrent layer.
    window : int, optional
        Characters per window.
    units : int, optional
        Recurrent units.
    dropout : float, optional
        The dropout rate.

    Returns
    -------
    keras.Model
        Not compiled.
    """
    layers = {"simplernn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}
    if cell not in layers:
        raise ValueError(f"cell must be one of {tuple(layers)}, got {cell!r}")
    x = keras.Input((window, 1), name="bits")
    h = layers[cell](units, return_sequences=True, name="recurrent")(x)
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Flatten()(h)
    y = keras.layers.Dense(1, activation="sigmoid")(h)
    return keras.Model(x, y, name=f"vgrad_{cell}")
