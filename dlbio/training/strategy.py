"""Choose the tf.distribute strategy for ``-g N`` and check it before any work starts."""

from __future__ import annotations

import tensorflow as tf

from dlbio.errors import require


def make_strategy(n_replicas: int, batch_size: int, device_type: str = "GPU") -> tf.distribute.Strategy:
    """1 replica: the default strategy.  N > 1: MirroredStrategy over the first N devices.

    The global batch is split evenly, so it must be a multiple of N; N may not
    exceed the visible devices of *device_type*.
    """
    require(n_replicas >= 1, f"-g must be at least 1, got {n_replicas}")
    require(batch_size % n_replicas == 0,
            f"batch size {batch_size} is not a multiple of the {n_replicas} GPUs (-g): use e.g. -b {batch_size - batch_size % n_replicas or n_replicas}")
    if n_replicas == 1:
        return tf.distribute.get_strategy()
    devices = tf.config.list_logical_devices(device_type)
    require(len(devices) >= n_replicas,
            f"-g {n_replicas} asks for {n_replicas} {device_type}s but {len(devices)} are visible "
            "(check --gres=gpu:N and CUDA_VISIBLE_DEVICES)")
    return tf.distribute.MirroredStrategy([d.name for d in devices[:n_replicas]])
