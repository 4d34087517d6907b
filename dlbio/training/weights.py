"""Load saved weights into a freshly built model, with one clear error per failure."""

from __future__ import annotations

from pathlib import Path

import keras

from dlbio.utils.errors import DlbioError, require


def load_weights_into(model: keras.Model, path: str | Path, other_model_hint: str = "") -> None:
    """Copy weights from a ``.weights.h5`` file or a whole-model file (``.keras``/``.h5``) into a
    model.

    Parameters
    ----------
    model : keras.Model
        The model.
    path : str or pathlib.Path
        The file.
    other_model_hint : str, optional
        Said after the reason when the file holds other layers.

    Raises
    ------
    DlbioError
        For a missing file or a model of other layers.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: weights file not found")
    if path.name.endswith(".weights.h5"):
        source = None
    else:
        try:
            source = keras.models.load_model(path, compile=False)
        except Exception as exc:  # noqa: BLE001 - Keras raises many types for a bad file
            raise DlbioError(f"{path}: not a Keras model file ({type(exc).__name__})") from None
    if source is not None:
        # Equal weight shapes do not make equal models: danq-import's published DanQ has DanQ's
        # shapes but two forward hard-sigmoid LSTMs, which set_weights would pour into a BiLSTM.
        have, want = _weighted_layers(source), _weighted_layers(model)
        require(
            have == want,
            f"{path}: a {source.name} model ({', '.join(have)}), not one like {model.name} "
            f"({', '.join(want)})" + (f"; {other_model_hint}" if other_model_hint else ""),
        )
    try:
        if source is None:
            model.load_weights(path)
        else:
            model.set_weights(source.get_weights())
    except Exception as exc:  # noqa: BLE001
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise DlbioError(f"{path}: weights do not fit this model ({first})") from None


def _weighted_layers(model: keras.Model) -> list[str]:
    """Class names of the layers holding weights, with an RNN's gate activation: what set_weights assumes alike."""
    out = []
    for layer in model.layers:
        if not layer.weights:
            continue
        cell = getattr(getattr(layer, "forward_layer", layer), "cell", None)
        gate = getattr(cell, "recurrent_activation", None)
        out.append(type(layer).__name__ + (f"[{gate.__name__}]" if gate is not None else ""))
    return out
