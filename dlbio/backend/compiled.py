"""Compiled steps on every backend: the forward pass from base indices, and input gradients."""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from dlbio.backend.selection import name


def one_hot(idx):
    """Base indices -> one-hot, in keras.ops (inside a compiled model or function).

    Parameters
    ----------
    idx : tensor
        Base indices, any integer dtype, any shape (..., L); 4 is N.

    Returns
    -------
    tensor
        float32 (..., L, 4) in A,G,C,T order; an index outside 0-3 is an all-zero row
        (``keras.ops.one_hot`` fails on it under torch).
    """
    import keras

    idx = keras.ops.cast(idx, "int32")
    return keras.ops.cast(
        keras.ops.equal(keras.ops.expand_dims(idx, -1), keras.ops.arange(4, dtype="int32")), "float32"
    )


# One compiled function per model (weakly: the entry goes with the model).  A new one per call
# compiled DanQ again at every epoch's validation AUC and at every chunk of a VCF.
_PREDICT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def predict_function(model) -> "CompiledPrediction":
    """A compiled prediction for a model whose input is one-hot (b, L, 4); it reads the model's
    current weights at every call.

    Parameters
    ----------
    model : keras.Model
        The model.

    Returns
    -------
    CompiledPrediction
        ``idx uint8 (b, L) -> [output (b, ...) as numpy, ...]``, also in two halves
        (``launch``, ``fetch``); its ``compiled`` attribute is the tf.function or jax.jit
        function (None under torch).
    """
    fn = _PREDICT.get(model)
    if fn is None:
        fn = _PREDICT[model] = CompiledPrediction(*_make_launch(weakref.ref(model), name()))
    return fn


class CompiledPrediction:
    """A model's compiled forward pass from base indices.

    Calling it gives the outputs as numpy.  ``launch`` only starts the pass and ``fetch``
    waits for it: JAX, and TensorFlow and PyTorch on a GPU, compute while Python goes on, so a
    caller that launches the next batch before it fetches this one keeps the device busy while
    the host copies results and reads the next rows (dlbio.predict.batched.predict_index).
    """

    def __init__(self, launch: Callable, compiled):
        self._launch, self.compiled = launch, compiled

    def __call__(self, idx: np.ndarray) -> list[np.ndarray]:
        """The outputs on a batch.

        Parameters
        ----------
        idx : numpy.ndarray
            uint8 base indices (b, L).

        Returns
        -------
        list of numpy.ndarray
            The model's outputs, (b, ...) each.
        """
        return self.fetch(self.launch(idx))

    def launch(self, idx: np.ndarray) -> list:
        """Start the forward pass on a batch.

        Parameters
        ----------
        idx : numpy.ndarray
            uint8 base indices (b, L).

        Returns
        -------
        list
            The model's outputs as the backend's tensors, perhaps still being computed.
        """
        return _as_list(self._launch(idx))

    @staticmethod
    def fetch(outputs: list) -> list[np.ndarray]:
        """Wait for a launched pass and copy its outputs to the host.

        Parameters
        ----------
        outputs : list
            What :meth:`launch` returned.

        Returns
        -------
        list of numpy.ndarray
            The outputs, (b, ...) each.
        """
        import keras

        return [keras.ops.convert_to_numpy(o) for o in outputs]


def _make_launch(model_ref, backend: str):
    """(launch: idx -> the backend's outputs, the compiled function or None)."""
    if backend == "tensorflow":
        import tensorflow as tf

        from dlbio.backend.tensorflow_only import quiet_cross_model_retracing

        quiet_cross_model_retracing()

        @tf.function(reduce_retracing=True)
        def dlbio_predict(idx):  # the name _CrossModelRetracing knows
            return model_ref()(one_hot(idx), training=False)

        return dlbio_predict, dlbio_predict
    if backend == "jax":
        import jax

        def forward(trainable, non_trainable, idx):
            out, _ = model_ref().stateless_call(trainable, non_trainable, one_hot(idx), training=False)
            return out

        compiled = jax.jit(forward)

        def launch(idx):
            model = model_ref()
            return compiled(
                [v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables], idx
            )

        return launch, compiled
    import keras
    import torch

    def launch(idx):
        with torch.no_grad():
            return model_ref()(one_hot(keras.ops.convert_to_tensor(idx)), training=False)

    return launch, None


def gradient_function(
    model, objective: Callable, point: Callable | None = None, reduce: Callable | None = None
) -> Callable[..., np.ndarray]:
    """A compiled input gradient, where the backend compiles; the model's current weights are
    read at every call.

    Parameters
    ----------
    model : keras.Model
        The model.
    objective : callable
        ``objective(call, x)`` builds a scalar in keras.ops from ``call(x)``, the model's
        outputs (a list for a multi-output model, else one tensor) on x, e.g. the sum of one
        target's predictions; as sequences are independent in inference, the gradient of that
        sum is each sequence's own.
    point : callable, optional
        ``point(*inputs) -> x`` in keras.ops: where the gradient is taken, built on the
        device from the call's inputs (the points of a path, say). Default: the first input.
    reduce : callable, optional
        ``reduce(gradient, *inputs)`` in keras.ops: what is returned, computed on the device,
        so that only it comes back to the host. Default: the gradient.

    Returns
    -------
    callable
        ``*inputs (float32 arrays) -> reduce(d objective / d x, *inputs)`` as numpy; with the
        defaults, ``x (b, ...) -> d objective / d x`` of the shape of x.
    """
    point = point or (lambda x, *rest: x)
    reduce = reduce or (lambda gradient, *inputs: gradient)
    model_ref, backend = weakref.ref(model), name()
    if backend == "tensorflow":
        import tensorflow as tf

        from dlbio.backend.tensorflow_only import quiet_cross_model_retracing

        quiet_cross_model_retracing()

        @tf.function(reduce_retracing=True)
        def dlbio_gradient(*inputs):  # the name _CrossModelRetracing knows
            x = point(*inputs)
            with tf.GradientTape() as tape:
                tape.watch(x)
                value = objective(lambda inp: model_ref()(inp, training=False), x)
            return reduce(tape.gradient(value, x), *inputs)

        def run(*inputs):
            return dlbio_gradient(*[tf.convert_to_tensor(a, tf.float32) for a in inputs]).numpy()

        run.compiled = dlbio_gradient
        return run
    if backend == "jax":
        import jax

        def value(trainable, non_trainable, x):
            def call(inp):
                out, _ = model_ref().stateless_call(trainable, non_trainable, inp, training=False)
                return out

            return objective(call, x)

        gradient = jax.grad(value, argnums=2)

        @jax.jit
        def compiled(trainable, non_trainable, *inputs):
            return reduce(gradient(trainable, non_trainable, point(*inputs)), *inputs)

        def run(*inputs):
            m = model_ref()
            return np.asarray(
                compiled(
                    [v.value for v in m.trainable_variables],
                    [v.value for v in m.non_trainable_variables],
                    *[np.asarray(a, np.float32) for a in inputs],
                )
            )

        return run
    import keras
    import torch

    def run(*inputs):
        tensors = [keras.ops.convert_to_tensor(np.asarray(a, np.float32)) for a in inputs]
        x = point(*tensors).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(objective(lambda inp: model_ref()(inp, training=False), x), x)
        with torch.no_grad():
            return reduce(grad, *tensors).detach().cpu().numpy()

    return run


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
