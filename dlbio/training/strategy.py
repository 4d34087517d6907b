"""``-g N``: where a model trains, checked before any work starts, on each backend.

TensorFlow: ``tf.distribute.MirroredStrategy`` over N devices.  JAX: Keras's
``keras.distribution.DataParallel`` over N devices (set for the process).  PyTorch: one
device (Keras 3 has no distribution for torch).  What comes back has ``scope()`` and
``num_replicas_in_sync`` on every backend.
"""

from __future__ import annotations

import contextlib

from dlbio import backend
from dlbio.utils.errors import require


class SingleDevice:
    """One device, or JAX's DataParallel set for the whole process: nothing to enter.

    Under DataParallel each batch is split evenly over the devices: *split_rows* is how many
    of them this process feeds (a batch's rows must be a multiple of it), *processes* how
    many processes feed one model together (``--multi-worker`` on JAX), each its own
    ``1 / processes`` of every batch; process 0, the chief, writes the outputs.
    """

    def __init__(self, replicas: int = 1, split_rows: int = 1, processes: int = 1, process_index: int = 0):
        self.num_replicas_in_sync = replicas
        self.split_rows, self.processes, self.process_index = split_rows, processes, process_index

    @property
    def chief(self) -> bool:
        return self.process_index == 0

    def scope(self):
        """The scope a model is built in (nothing to set on one device, or under JAX's
        DataParallel, which is set with keras.distribution).

        Returns
        -------
        contextlib.nullcontext
        """
        return contextlib.nullcontext()


def make_strategy(n_replicas: int, batch_size: int, device_type: str = "GPU"):
    """The placement of ``-g N``.

    The global batch is split evenly, so it must be a multiple of N; N may not exceed the
    visible devices.

    Parameters
    ----------
    n_replicas : int
        1: the backend's default placement.  N > 1: data parallel over the first N devices.
    batch_size : int
        The global batch.
    device_type : str, optional
        'GPU'; 'CPU' in tests, over split host devices.

    Returns
    -------
    tf.distribute.Strategy or SingleDevice
        TensorFlow's MirroredStrategy, or on JAX and PyTorch an object with ``scope()`` (JAX:
        keras.distribution's DataParallel set).

    Raises
    ------
    DlbioError
        When the batch is not a multiple of N, or fewer devices are visible.
    """
    require(n_replicas >= 1, f"-g must be at least 1, got {n_replicas}")
    require(
        batch_size % n_replicas == 0,
        f"batch size {batch_size} is not a multiple of the {n_replicas} GPUs (-g): use e.g. "
        f"-b {batch_size - batch_size % n_replicas or n_replicas}",
    )
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
    require(
        name == "jax",
        f"-g {n_replicas}: several devices need KERAS_BACKEND=jax or tensorflow; Keras 3 "
        "has no distribution for torch (it trains on one GPU)",
    )
    import keras

    try:
        devices = keras.distribution.list_devices(device_type.lower())
    except RuntimeError:  # JAX has no such platform here (no GPU plugin): none visible
        devices = []
    _require_devices(n_replicas, device_type, len(devices))
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices[:n_replicas]))
    return SingleDevice(n_replicas, split_rows=n_replicas)


def make_multi_process_strategy():
    """``--multi-worker`` on JAX: this process joins the job's others (SLURM, or Keras's
    KERAS_DISTRIBUTION_* variables) and one DataParallel model spans every process's devices.

    Returns
    -------
    SingleDevice
        Spanning every process's devices (the distribution set); outside a SLURM job of
        several tasks and without Keras's variables, a cluster of one, as TensorFlow's
        MultiWorkerMirroredStrategy makes.

    Raises
    ------
    DlbioError
        In a SLURM allocation of several tasks but outside ``srun`` (:func:`check_slurm_step`).
    """
    from dlbio.backend import jax_only

    check_slurm_step()
    if jax_only.explicit_cluster() is None and not _slurm_tasks():
        return SingleDevice()  # a cluster of one, as TensorFlow's MultiWorkerMirroredStrategy makes
    index, count = jax_only.start_processes()
    replicas = jax_only.data_parallel_over_all_processes()
    return SingleDevice(replicas, split_rows=jax_only.local_device_count(), processes=count, process_index=index)


def check_slurm_step() -> None:
    """--multi-worker in a SLURM job of several tasks runs one process per task (srun), not in
    the batch shell itself."""
    import os

    require(
        _in_slurm_step_when_slurm_has_tasks(),
        f"--multi-worker: this SLURM job has {os.environ.get('SLURM_NTASKS')} tasks; start one danq-train per "
        "task with srun (srun danq-train ... --multi-worker)",
    )


def _slurm_tasks() -> bool:
    import os

    return int(os.environ.get("SLURM_NTASKS", "1")) > 1


def _in_slurm_step_when_slurm_has_tasks() -> bool:
    import os

    return not _slurm_tasks() or "SLURM_STEP_NUM_TASKS" in os.environ


def _require_devices(wanted: int, device_type: str, seen: int) -> None:
    require(
        seen >= wanted,
        f"-g {wanted} asks for {wanted} {device_type}s but {seen} are visible to "
        f"{backend.name()} (check --gres=gpu:N and CUDA_VISIBLE_DEVICES)",
    )
