"""The one package that knows TensorFlow, JAX and PyTorch; everything else speaks keras and keras.ops.

The backend is Keras's, fixed when keras is first imported: ``KERAS_BACKEND`` (tensorflow,
the default, jax or torch).  This package holds what has no backend-neutral form in Keras 3,
and the rest of dlbio imports it from here:

* :mod:`~dlbio.backend.selection`: :func:`select`, the backend for a command, and a one-line
  error for an unknown or missing one; :func:`name`, the one running;
* :mod:`~dlbio.backend.hardware`: :func:`gpus`, :func:`describe`, the devices the backend
  sees and its version, and :func:`why_no_gpu` where it sees none;
* :mod:`~dlbio.backend.settings`: :func:`seed_everything`, :func:`single_thread`,
  :func:`seeded_dropout`: seeds, op determinism, threads, and dropout masks a resume repeats;
* :mod:`~dlbio.backend.compiled`: :func:`predict_function`, a compiled forward pass from base
  indices uint8 (b, L) to the model's outputs (:func:`one_hot` on the device, N an all-zero
  row), in two halves too (launch, fetch) so that a caller keeps the device busy between
  batches, and :func:`gradient_function`, the gradient of a scalar built from a model's outputs
  with respect to its input (ISM's gradient estimate, vgrad's input gradients, attributions).

What exists on one backend alone is in :mod:`~dlbio.backend.tensorflow_only` (tf.data,
tf.distribute, its logs), :mod:`~dlbio.backend.tensorflow_multiworker`,
:mod:`~dlbio.backend.jax_only` and :mod:`~dlbio.backend.torch_only` (with
:mod:`~dlbio.backend.torch_processes`); the distribution set-up of ``-g N``
(dlbio.training.strategy) asks for them.
"""

from __future__ import annotations

from dlbio.backend.compiled import gradient_function, one_hot, predict_function
from dlbio.backend.hardware import build_info, describe, devices, display_name, gpu_details, gpus, why_no_gpu
from dlbio.backend.selection import BACKENDS, EXTRAS, installed, module, name, requested, select
from dlbio.backend.settings import (
    prepare_environment,
    seed_everything,
    seeded_dropout,
    single_thread,
    steps_per_execution,
)

__all__ = [
    "BACKENDS",
    "EXTRAS",
    "build_info",
    "describe",
    "devices",
    "display_name",
    "gpu_details",
    "gpus",
    "gradient_function",
    "installed",
    "module",
    "name",
    "one_hot",
    "predict_function",
    "prepare_environment",
    "requested",
    "seed_everything",
    "seeded_dropout",
    "select",
    "single_thread",
    "steps_per_execution",
    "why_no_gpu",
]
