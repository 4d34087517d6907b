"""Load saved weights into a freshly built model, with one clear error per failure."""

from __future__ import annotations

from pathlib import Path

import keras

from dlbio.errors import DlbioError, require


def load_weights_into(model: keras.Model, path: str | Path) -> None:
    """Copy weights from a ``.weights.h5`` file or a whole-model file (``.keras``/``.h5``) into *model*."""
    path = Path(path)
    require(path.is_file(), f"{path}: weights file not found")
    if path.name.endswith(".weights.h5"):
        source = None
    else:
        try:
            source = keras.models.load_model(path, compile=False)
        except Exception as exc:  # noqa: BLE001 - Keras raises many types for a bad file
            raise DlbioError(f"{path}: not a Keras model file ({type(exc).__name__})") from None
    try:
        if source is None:
            model.load_weights(path)
        else:
            model.set_weights(source.get_weights())
    except Exception as exc:  # noqa: BLE001
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise DlbioError(f"{path}: weights do not fit this model ({first})") from None
