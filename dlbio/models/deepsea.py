"""DanQ, DeepSEA and DanQ-JASPAR on one-hot DNA (length, 4) in A,G,C,T order.

Parameter counts with 919 targets and 1000 bp (unit-tested):
DanQ 46,926,479; DeepSEA 52,843,119; DanQ-JASPAR 67,892,175.
The last layer computes in float32 so mixed precision keeps sigmoid outputs exact.
"""

from __future__ import annotations

import keras
import numpy as np

from dlbio.utils.errors import require

MODELS = ("DanQ", "DeepSEA", "DanQ-JASPAR")


def _head(h, n_targets: int, dense_units: int):
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(dense_units, activation="relu", name="dense")(h)
    return keras.layers.Dense(n_targets, activation="sigmoid", dtype="float32", name="targets")(h)


def danq(
    n_targets: int = 919,
    length: int = 1000,
    filters: int = 320,
    kernel_size: int = 26,
    pool: int = 13,
    lstm_units: int = 320,
    dense_units: int = 925,
    name: str = "DanQ",
) -> keras.Model:
    """DanQ (Quang & Xie 2016).

    Conv1D(filters, kernel, relu) -> MaxPool(pool) -> Dropout 0.2 -> BiLSTM(lstm_units) ->
    Dropout 0.5 -> Flatten -> Dense(dense_units, relu) -> Dense(n_targets, sigmoid).  The LSTM
    keeps cuDNN-compatible settings (tanh/sigmoid, no recurrent dropout).  Under a
    mixed_bfloat16 policy (--mixed-precision on JAX and PyTorch) it computes in float32: the
    cuDNN LSTM takes float16 but not bfloat16 (JAX on a GPU: "Unknown output type"), while the
    convolution and the dense layers, most of the arithmetic, stay in bfloat16.

    Parameters
    ----------
    n_targets : int, optional
        Outputs (919: DeepSEA's).
    length : int, optional
        Input length L; the input is one-hot (L, 4), A,G,C,T.
    filters : int, optional
        Convolution filters (published: 320).
    kernel_size : int, optional
        Their width (26).
    pool : int, optional
        Max-pooling size and stride (13).
    lstm_units : int, optional
        Units of each direction of the BiLSTM (320).
    dense_units : int, optional
        The hidden dense layer (925).
    name : str, optional
        The model's name.

    Returns
    -------
    keras.Model
        Not compiled: (batch, L, 4) -> (batch, n_targets) probabilities.
    """
    require(
        length - kernel_size + 1 >= pool,
        f"sequence length {length} is too short for kernel {kernel_size} and pool {pool}",
    )
    x = keras.Input((length, 4), name="dna")
    h = keras.layers.Conv1D(filters, kernel_size, activation="relu", name="motif_conv")(x)
    h = keras.layers.MaxPooling1D(pool, pool, name="pool")(h)
    h = keras.layers.Dropout(0.2)(h)
    rnn_dtype = "float32" if keras.mixed_precision.global_policy().name == "mixed_bfloat16" else None
    h = keras.layers.Bidirectional(
        keras.layers.LSTM(lstm_units, return_sequences=True, dtype=rnn_dtype), name="bilstm", dtype=rnn_dtype
    )(h)
    h = keras.layers.Dropout(0.5)(h)
    return keras.Model(x, _head(h, n_targets, dense_units), name=name)


def deepsea(
    n_targets: int = 919,
    length: int = 1000,
    filters: int = 320,
    kernel_size: int = 8,
    dense_units: int = 925,
    name: str = "DeepSEA",
) -> keras.Model:
    """DeepSEA (Zhou & Troyanskaya 2015).

    Conv(filters, k)-Pool4-Drop.2 -> Conv(480, k)-Pool4-Drop.2 -> Conv(960, k)-Drop.5 -> Dense ->
    sigmoid, with max-norm 0.9 on the kernels and a small L2 weight decay.

    Parameters
    ----------
    n_targets : int, optional
        Outputs (919).
    length : int, optional
        Input length L.
    filters : int, optional
        The first convolution's filters (published: 320).
    kernel_size : int, optional
        Every convolution's width (8).
    dense_units : int, optional
        The hidden dense layer (925).
    name : str, optional
        The model's name.

    Returns
    -------
    keras.Model
        Not compiled: (batch, L, 4) -> (batch, n_targets) probabilities.
    """
    require(
        (((length - kernel_size + 1) // 4 - kernel_size + 1) // 4 - kernel_size + 1) > 0,
        f"sequence length {length} is too short for DeepSEA with kernel {kernel_size}",
    )
    reg = {"kernel_constraint": keras.constraints.MaxNorm(0.9), "kernel_regularizer": keras.regularizers.L2(5e-7)}
    x = keras.Input((length, 4), name="dna")
    h = keras.layers.Conv1D(filters, kernel_size, activation="relu", name="motif_conv", **reg)(x)
    h = keras.layers.MaxPooling1D(4, 4)(h)
    h = keras.layers.Dropout(0.2)(h)
    h = keras.layers.Conv1D(480, kernel_size, activation="relu", **reg)(h)
    h = keras.layers.MaxPooling1D(4, 4)(h)
    h = keras.layers.Dropout(0.2)(h)
    h = keras.layers.Conv1D(960, kernel_size, activation="relu", **reg)(h)
    h = keras.layers.Dropout(0.5)(h)
    return keras.Model(x, _head(h, n_targets, dense_units), name=name)


def danq_jaspar(
    n_targets: int = 919,
    length: int = 1000,
    filters: int = 1024,
    kernel_size: int = 30,
    lstm_units: int = 512,
    dense_units: int = 925,
    release: str = "JASPAR2024",
    seed: int = 0,
) -> keras.Model:
    """DanQ-JASPAR: DanQ with 1024 width-30 filters, pool 15, BiLSTM 512; about half the filters
    (525 of 1024 as published) start as JASPAR CORE vertebrate PWMs minus 0.25 at a random
    offset, with biases U(-1, 0).

    Parameters
    ----------
    n_targets : int, optional
        Outputs (919).
    length : int, optional
        Input length L.
    filters : int, optional
        Convolution filters (1024).
    kernel_size : int, optional
        Their width (30).
    lstm_units : int, optional
        Units of each direction of the BiLSTM (512).
    dense_units : int, optional
        The hidden dense layer (925).
    release : str, optional
        The JASPAR release the filters start from.
    seed : int, optional
        Seeds which filters get which motif, and where.

    Returns
    -------
    keras.Model
        Not compiled.
    """
    model = danq(
        n_targets,
        length,
        filters,
        kernel_size,
        pool=15,
        lstm_units=lstm_units,
        dense_units=dense_units,
        name="DanQ-JASPAR",
    )
    from dlbio.motifs import jaspar

    conv = model.get_layer("motif_conv")
    kernel, bias = conv.get_weights()
    n_init = max(1, filters * 525 // 1024)
    pwms = [m.probabilities_agct() for m in jaspar.load_collection(release) if m.length <= kernel_size][:n_init]
    rng = np.random.default_rng(seed)
    for i, pwm in enumerate(pwms):
        offset = rng.integers(0, kernel_size - len(pwm) + 1)
        kernel[:, :, i] = 0.0
        kernel[offset : offset + len(pwm), :, i] = pwm - 0.25
        bias[i] = rng.uniform(-1.0, 0.0)
    conv.set_weights([kernel, bias])
    return model


def build(
    name: str,
    n_targets: int,
    length: int,
    filters: int | None = None,
    kernel_size: int | None = None,
    lstm_units: int | None = None,
    dense_units: int = 925,
    seed: int = 0,
) -> keras.Model:
    """Build a model by name.

    Parameters
    ----------
    name : {'DanQ', 'DeepSEA', 'DanQ-JASPAR'}
        The architecture.
    n_targets : int
        Outputs.
    length : int
        Input length L.
    filters : int or None, optional
        None keeps the published sizes.
    kernel_size : int or None, optional
        None keeps the published sizes.
    lstm_units : int or None, optional
        None keeps the published sizes.
    dense_units : int, optional
        The hidden dense layer.
    seed : int, optional
        DanQ-JASPAR's initialisation seed.

    Returns
    -------
    keras.Model
        Not compiled.

    Raises
    ------
    DlbioError
        For a size under 1.
    """
    sizes = {
        "-f/--filters": filters,
        "-k/--kernel-size": kernel_size,
        "--lstm-units": lstm_units,
        "--dense-units": dense_units,
    }
    for option, size in sizes.items():
        require(size is None or size >= 1, f"{option} must be at least 1, got {size}")
    kw = {k: v for k, v in {"filters": filters, "kernel_size": kernel_size}.items() if v is not None}
    if name == "DanQ":
        return danq(
            n_targets, length, lstm_units=320 if lstm_units is None else lstm_units, dense_units=dense_units, **kw
        )
    if name == "DeepSEA":
        return deepsea(n_targets, length, dense_units=dense_units, **kw)
    if name == "DanQ-JASPAR":
        return danq_jaspar(
            n_targets,
            length,
            lstm_units=512 if lstm_units is None else lstm_units,
            dense_units=dense_units,
            seed=seed,
            **kw,
        )
    raise ValueError(f"model must be one of {MODELS}, got {name!r}")
