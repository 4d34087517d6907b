"""The published DanQ weights (``DanQ_bestmodel.hdf5``, Keras 0.2 on Theano) as a Keras 3 model.

The file holds no architecture, only ``layer_<k>/param_<n>`` arrays of DanQ_train.py's
10-layer Sequential: 0 Convolution1D, 1 MaxPooling1D, 2 Dropout, 3 seya Bidirectional
(24 params: two LSTMs), 4 Dropout, 5 Flatten, 6 Dense, 7 relu, 8 Dense, 9 sigmoid.
DanQ-JASPAR_train.py puts the activations inside the Dense layers (8 layers, the second
Dense is layer_7), so the two Dense layers are found as the layers after layer_3 that
have weights.  Four things of that code must be carried over, or the imported model
predicts something else:

* Theano's conv2d is a true convolution: its kernels are flipped along the sequence
  relative to Keras 3's cross-correlation.  W (F, 4, K, 1) -> kernel W[:, :, ::-1, 0].T.
  (DanQ-JASPAR_train.py reverses each JASPAR matrix before writing it into W for this reason.)
* Keras 0.2's LSTM gates use ``hard_sigmoid`` = clip(0.2 z + 0.5, 0, 1); Keras 3's
  ``hard_sigmoid`` is clip(z / 6 + 0.5, 0, 1).  Scaling the input, recurrent and bias
  weights of the i, f and o gates by 1.2 makes the two equal exactly.  (No cuDNN kernel
  for it: the imported model runs the generic LSTM, slower on a GPU.)
* Keras 0.2 stores each gate's W, U, b in the order i, c, f, o; Keras 3 concatenates
  the gates as i, f, c, o.
* seya's Bidirectional reverses the *batch* axis of the backward LSTM's input and output
  (``X[::-1]`` on (batch, time, features); acknowledged in EderSantana/seya issue #32),
  so DanQ's "backward" LSTM in fact reads the sequence forwards: the published model is
  two forward LSTMs side by side, which is what we build.

Dropout is inverted in Keras 0.2 as in Keras 3, so it is the identity at prediction.
The one-hot order is the DeepSEA .mat's A, G, C, T, as in dlbio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.utils.errors import DlbioError, require

CONV, LSTMS = 0, 3
_KERAS3_SLOPE_SCALE = np.float32(0.2 * 6)  # hard_sigmoid slope 0.2 (Theano) over 1/6 (Keras 3)


@dataclass
class DanQWeights:
    """Keras 3 layouts: conv (K, 4, F) + (F,); per LSTM kernel (F, 4U), recurrent (U, 4U),
    bias (4U,) with gates i, f, c, o; dense (T*2U, H) + (H,); targets (H, n) + (n,)."""

    conv: tuple[np.ndarray, np.ndarray]
    lstms: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]
    dense: tuple[np.ndarray, np.ndarray]
    targets: tuple[np.ndarray, np.ndarray]

    @property
    def kernel_size(self) -> int:
        return self.conv[0].shape[0]

    @property
    def lstm_units(self) -> int:
        return self.lstms[0][1].shape[0]

    @property
    def steps(self) -> int:
        """Time steps after pooling: the dense input is steps x (2 x lstm_units)."""
        return self.dense[0].shape[0] // (2 * self.lstm_units)


def read_danq_weights(path: str | Path) -> DanQWeights:
    """Read and convert the published Keras 0.2 DanQ_bestmodel.hdf5 (or a file like it).

    Parameters
    ----------
    path : str or pathlib.Path
        The HDF5 file.

    Returns
    -------
    DanQWeights
        The convolution, BiLSTM and dense weights in Keras 3's layouts.

    Raises
    ------
    DlbioError
        Naming the file on any mismatch (a Keras 3 file, another layout, a missing layer).
    """
    import zipfile

    import h5py

    path = Path(path)
    require(path.is_file(), f"{path}: file not found")
    require(
        not zipfile.is_zipfile(path),
        f"{path}: a Keras 3 model file, not the Keras 0.2 DanQ_bestmodel.hdf5; use it as it is (danq-predict -w)",
    )
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise DlbioError(f"{path}: not an HDF5 file (expected DanQ_bestmodel.hdf5 from Keras 0.2)") from None
    with f:
        if "model_weights" in f or "layer_names" in f.attrs or "layers" in f:
            raise DlbioError(
                f"{path}: a Keras 1-3 weights file, not the Keras 0.2 layout of DanQ_bestmodel.hdf5; "
                "a Keras 3 model file is used as it is (danq-predict -w)"
            )

        def param(layer: int, n: int, ndim: int) -> np.ndarray:
            key = f"layer_{layer}/param_{n}"
            require(key in f, f"{path}: no {key}: not the layout of DanQ_bestmodel.hdf5 (Keras 0.2 DanQ)")
            a = np.asarray(f[key], dtype=np.float32)
            require(a.ndim == ndim, f"{path}: {key} has shape {a.shape}, expected {ndim} dimensions")
            return a

        w, b = param(CONV, 0, 4), param(CONV, 1, 1)
        require(
            w.shape[1] == 4 and w.shape[3] == 1 and b.shape == (w.shape[0],),
            f"{path}: layer_0 (convolution) has shapes {w.shape} and {b.shape}, expected (F, 4, K, 1) and (F,)",
        )
        conv = (np.ascontiguousarray(w[:, :, ::-1, 0].T), b)  # true convolution -> cross-correlation
        n_filters = w.shape[0]
        lstms = tuple(
            _lstm(path, [param(LSTMS, 12 * d + n, 1 if n % 3 == 2 else 2) for n in range(12)], n_filters)
            for d in range(2)
        )
        units = lstms[0][1].shape[0]
        require(lstms[1][1].shape[0] == units, f"{path}: the two LSTMs of layer_3 differ in size")
        n_layers = int(f.attrs.get("nb_layers", sum(k.startswith("layer_") for k in f)))
        with_weights = [k for k in range(LSTMS + 1, n_layers) if f"layer_{k}/param_0" in f]
        require(
            len(with_weights) == 2,
            f"{path}: {len(with_weights)} layers with weights after the LSTMs "
            "(layer_3), expected DanQ's two Dense layers",
        )
        (hidden, last) = with_weights
        dense = (param(hidden, 0, 2), param(hidden, 1, 1))
        targets = (param(last, 0, 2), param(last, 1, 1))
    require(
        dense[0].shape[0] % (2 * units) == 0 and dense[1].shape == (dense[0].shape[1],),
        f"{path}: layer_{hidden} (dense) has shape {dense[0].shape}, expected (steps x {2 * units}, hidden)",
    )
    require(
        targets[0].shape[0] == dense[0].shape[1] and targets[1].shape == (targets[0].shape[1],),
        f"{path}: layer_{last} (targets) has shape {targets[0].shape}, expected ({dense[0].shape[1]}, targets)",
    )
    return DanQWeights(conv, lstms, dense, targets)


def _lstm(path: Path, p: list[np.ndarray], n_inputs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keras 0.2 [W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o] -> Keras 3 (kernel, recurrent, bias)."""
    gates = {g: p[3 * k : 3 * k + 3] for k, g in enumerate("icfo")}
    units = gates["i"][1].shape[0]
    for g, (w, u, b) in gates.items():
        require(
            w.shape == (n_inputs, units) and u.shape == (units, units) and b.shape == (units,),
            f"{path}: layer_3 gate {g} has shapes {w.shape}, {u.shape}, {b.shape}; "
            f"expected ({n_inputs}, U), (U, U), (U,)",
        )
    scale = {"i": _KERAS3_SLOPE_SCALE, "f": _KERAS3_SLOPE_SCALE, "c": np.float32(1), "o": _KERAS3_SLOPE_SCALE}
    return tuple(np.concatenate([gates[g][k] * scale[g] for g in "ifco"], axis=-1) for k in range(3))


def pool_for(weights: DanQWeights, length: int, pool: int | None = None) -> int:
    """The pool size (= stride) that turns a sequence length into the file's time steps: 13 for
    DanQ at 1000 bp, 15 for DanQ-JASPAR.  The file does not store it.

    Parameters
    ----------
    weights : DanQWeights
        The weights read.
    length : int
        The input length.
    pool : int or None, optional
        The pool size, needed when several sizes fit.

    Returns
    -------
    int

    Raises
    ------
    DlbioError
        When no size fits, *pool* does not, or several do and *pool* is not given.
    """
    convolved = length - weights.kernel_size + 1
    fits = [p for p in range(1, convolved + 1) if convolved // p == weights.steps]
    if pool is not None:
        require(
            pool in fits,
            f"--pool {pool} turns {length}-bp sequences into {convolved // pool} steps, "
            f"not the {weights.steps} the file's dense layer expects",
        )
        return pool
    require(
        fits,
        f"no pooling turns {length}-bp sequences ({convolved} convolution outputs) into the "
        f"{weights.steps} steps the file's dense layer expects; give the training --length",
    )
    require(
        len(fits) == 1,
        f"pools {fits[0]} to {fits[-1]} all give {weights.steps} steps at {length} bp; "
        "give the one the model was trained with (--pool)",
    )
    return fits[0]


def build_model(weights: DanQWeights, length: int = 1000, pool: int | None = None, name: str = "DanQ-published"):
    """The Keras 3 model computing what the Keras 0.2 file computed.

    Parameters
    ----------
    weights : DanQWeights
        The weights read.
    length : int, optional
        The input length; the input is one-hot (length, 4), A,G,C,T.
    pool : int or None, optional
        See :func:`pool_for`.
    name : str, optional
        The model's name.

    Returns
    -------
    keras.Model
        With the weights set; not compiled.
    """
    import keras

    pool = pool_for(weights, length, pool)
    n_filters, units = weights.conv[0].shape[2], weights.lstm_units
    x = keras.Input((length, 4), name="dna")
    h = keras.layers.Conv1D(n_filters, weights.kernel_size, activation="relu", name="motif_conv")(x)
    h = keras.layers.MaxPooling1D(pool, pool, name="pool")(h)
    h = keras.layers.Dropout(0.2)(h)  # as trained; the identity when predicting (danq-train --fine-tune)
    both = [
        keras.layers.LSTM(units, return_sequences=True, recurrent_activation="hard_sigmoid", name=f"lstm_{k + 1}")(h)
        for k in range(2)
    ]
    h = keras.layers.Concatenate(name="lstm_pair")(both)
    h = keras.layers.Dropout(0.5)(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(weights.dense[0].shape[1], activation="relu", name="dense")(h)
    out = keras.layers.Dense(weights.targets[0].shape[1], activation="sigmoid", name="targets")(h)
    model = keras.Model(x, out, name=name)
    model.get_layer("motif_conv").set_weights(list(weights.conv))
    for k, lstm in enumerate(weights.lstms):
        model.get_layer(f"lstm_{k + 1}").set_weights(list(lstm))
    model.get_layer("dense").set_weights(list(weights.dense))
    model.get_layer("targets").set_weights(list(weights.targets))
    return model
