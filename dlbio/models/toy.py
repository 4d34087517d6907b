"""The class-2 toy models, built with the Keras 3 functional API.

The motif layer is named ``motif_layer`` so motif discovery can build a
sub-model ``keras.Model(model.inputs, model.get_layer("motif_layer").output)``.
"""

from __future__ import annotations

import keras

CELLS = ("simplernn", "conv1d")
MOTIF_LAYER = "motif_layer"


def motif_detector(cell: str, length: int, channels: int = 2, kernel_size: int = 3) -> keras.Model:
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
    return keras.Model(x, y, name=f"mdet_{cell}")


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
