"""The model a danq-train run trains: DanQ, DeepSEA or DanQ-JASPAR built (or a saved model
loaded to fine-tune), under the run's distribution and dtype policy, and compiled."""

from __future__ import annotations

import sys
from pathlib import Path

import keras

from dlbio.models import deepsea as models
from dlbio.models.files import load_dna_model
from dlbio.training.config import ModelSpec, TrainingOptions
from dlbio.training.setup import dtype_policy, make_optimizer
from dlbio.training.weights import load_weights_into
from dlbio.utils.errors import require


def compiled_model(strategy, spec: ModelSpec, training: TrainingOptions, train_set, deterministic: bool) -> keras.Model:
    """The model of *spec* for *train_set*'s targets and length, built (or, with
    ``spec.fine_tune``, loaded) and compiled under *strategy* with *training*'s optimizer.

    Parameters
    ----------
    strategy : object
        The run's distribution (dlbio.training.strategy.make_strategy): the model's variables
        are made under its scope.
    spec : ModelSpec
        The model: its name and sizes, or a file to fine-tune, and weights to start from.
    training : TrainingOptions
        The optimizer, learning rate, seed and mixed precision.
    train_set : source
        The training data (its ``n_targets`` and ``length``).
    deterministic : bool
        Whether the run is deterministic (TensorFlow's XLA is off then).

    Returns
    -------
    keras.Model
        Compiled with binary cross-entropy.
    """
    from dlbio import backend

    # TensorFlow's cuDNN LSTM takes float16, not bfloat16; JAX and torch train in bfloat16.
    mixed = training.mixed_precision
    policy = ("mixed_float16" if backend.name() == "tensorflow" else "mixed_bfloat16") if mixed else None
    with strategy.scope(), dtype_policy(policy):
        if spec.fine_tune is not None:
            model = model_to_fine_tune(spec.fine_tune, train_set, training.seed)
        else:
            model = models.build(
                spec.name,
                train_set.n_targets,
                train_set.length,
                spec.filters,
                spec.kernel_size,
                spec.lstm_units,
                spec.dense_units,
                seed=training.seed,
            )
        if spec.weights:
            load_weights_into(model, spec.weights, f"to train that model further: --fine-tune {spec.weights}")
        # TensorFlow's XLA: not for the cuDNN LSTM (no kernel), nor under op determinism (Keras
        # turns it off then, with a warning).  On JAX jit_compile=False would turn off jax.jit.
        jit = (spec.name == "DeepSEA" and not deterministic) if backend.name() == "tensorflow" else "auto"
        model.compile(
            loss="binary_crossentropy",
            optimizer=make_optimizer(training.optimizer, training.learning_rate),
            jit_compile=jit,
        )
    return model


def model_to_fine_tune(path: str | Path, train_set, seed: int) -> keras.Model:
    """The model of *path* for *train_set*: every layer as saved, except a new last layer
    (Dense(T, sigmoid), seeded) when the data has T targets and the model another number.

    Parameters
    ----------
    path : str or pathlib.Path
        The Keras model file (``--fine-tune``).
    train_set : source
        The training data (its ``n_targets`` and ``length``).
    seed : int
        The new last layer's initializer seed.

    Returns
    -------
    keras.Model

    Raises
    ------
    DlbioError
        When the model reads sequences of another length, or its last layer is not the Dense
        layer that a new number of targets replaces.
    """
    model = load_dna_model(path)
    length, n_out = model.inputs[0].shape[1], model.outputs[0].shape[-1]
    require(
        length == train_set.length,
        f"{path}: the model reads {length}-bp sequences, the data has {train_set.length}-bp ones (--fine-tune)",
    )
    if n_out == train_set.n_targets:
        return model
    last = model.layers[-1]
    require(
        isinstance(last, keras.layers.Dense),
        f"{path}: its last layer is a {type(last).__name__}, not the Dense "
        f"layer --fine-tune replaces for {train_set.n_targets} targets",
    )
    print(
        f"note: {path} predicts {n_out} targets, the data has {train_set.n_targets}: its last layer starts "
        "anew for them (transfer learning); every other layer starts from the file",
        file=sys.stderr,
        flush=True,
    )
    head = keras.layers.Dense(
        train_set.n_targets,
        activation="sigmoid",
        dtype="float32",
        name="targets_new",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
    )
    return keras.Model(model.inputs, head(last.input), name=f"{model.name}-fine-tuned")
