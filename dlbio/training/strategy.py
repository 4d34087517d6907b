"""``-g N``: where a model trains, checked before any work starts, on each backend.

TensorFlow: ``tf.distribute.MirroredStrategy`` over N devices.  JAX: Keras's
``keras.distribution.DataParallel`` over N devices (set for the process).  PyTorch: one
device (Keras 3 has no distribution for torch).  What comes back has ``scope()`` and
``num_replicas_in_sync`` on every backend.
"""

from __future__ import annotations

import contextlib

from dlbio import backend
from dlbio.errors import require


class SingleDevice:
    """One device, or JAX's DataParallel set for the whole process: nothing to enter."""

    def __init__(self, replicas: int = 1):
        self.num_replicas_in_sync = replicas

    def scope(self):
        return contextlib.nullcontext()


def make_strategy(n_replicas: int, batch_size: int, device_type: str = "GPU"):
    """1 replica: the backend's default placement.  N > 1: data parallel over the first N
    devices of *device_type* (GPU; CPU in tests, over split host devices).

    The global batch is split evenly, so it must be a multiple of N; N may not exceed the
    visible devices.
    """
    require(n_replicas >= 1, f"-g must be at least 1, got {n_replicas}")
    require(batch_size % n_replicas == 0,
            f"batch size {batch_size} is not a multiple of the {n_replicas} GPUs (-g): use e.g. "
            f"-b {batch_size - batch_size % n_replicas or n_replicas}")
    name = backend.name()
    if name == "tensorflow":
        from dlbio.backend.tensorflow_only import tf_logical_devices, tf_strategy

        if n_replicas == 1:
            return tf_strategy()
        devices = tf_logical_devices(device_type)
        _require_devices(n_replicas, device_type, len(devices))
        return tf_strategy(devices[:n_replicas])
    if n_replicas == 1:
        return SingleDevice()
    require(name == "jax", f"-g {n_replicas}: several devices need KERAS_BACKEND=jax or tensorflow; Keras 3 "
                           "has no distribution for torch (it trains on one GPU)")
    import keras

    try:
        devices = keras.distribution.list_devices(device_type.lower())
    except RuntimeError:  # JAX has no such platform here (no GPU plugin): none visible
        devices = []
    _require_devices(n_replicas, device_type, len(devices))
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices[:n_replicas]))
    return SingleDevice(n_replicas)


def _require_devices(wanted: int, device_type: str, seen: int) -> None:
    require(seen >= wanted, f"-g {wanted} asks for {wanted} {device_type}s but {seen} are visible to "
                            f"{backend.name()} (check --gres=gpu:N and CUDA_VISIBLE_DEVICES)")
