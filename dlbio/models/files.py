"""Model files: load any Keras model that reads one-hot DNA."""

from __future__ import annotations

from pathlib import Path

import keras

from dlbio.utils import guard
from dlbio.utils.errors import DlbioError, require


def load_dna_model(path: str | Path) -> keras.Model:
    """Load any Keras model file whose input is one-hot DNA, checked.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.keras`` (or Keras-readable ``.h5``) file: danq-train's checkpoint, danq-import's
        published DanQ, or a model of your own.

    Returns
    -------
    keras.Model
        Uncompiled, with input shape=(batch, L, 4): one-hot DNA in A, G, C, T order.

    Raises
    ------
    DlbioError
        One line naming *path*: missing, not a Keras model, or another input shape.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: model file not found (train one with danq-train, or give another with -w)")
    guard.reading(path)
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # noqa: BLE001
        raise DlbioError(f"{path}: not a Keras model file ({type(exc).__name__})") from None
    shape = tuple(model.inputs[0].shape)
    require(
        len(shape) == 3 and shape[2] == 4 and shape[1] is not None,
        f"{path}: model input has shape {shape}, expected (batch, length, 4) one-hot DNA",
    )
    return model
