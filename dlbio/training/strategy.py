"""``-g N``: where a model trains, checked before any work starts, on each backend.

TensorFlow: ``tf.distribute.MirroredStrategy`` over N devices.  JAX: Keras's
``keras.distribution.DataParallel`` over N devices (set for the process).  PyTorch (Keras 3
has no distribution for torch): N processes, one per GPU, as DistributedDataParallel runs
(dlbio.backend.torch_only).  What comes back has ``scope()`` and ``num_replicas_in_sync`` on
every backend.
"""

from __future__ import annotations

import contextlib

from dlbio import backend
from dlbio.utils.errors import require


class SingleDevice:
    """One device, JAX's DataParallel set for the whole process, or one of PyTorch's processes
    of ``-g N``: nothing to enter.

    Under DataParallel each batch is split evenly over the devices: *split_rows* is how many
    of them this process feeds (a batch's rows must be a multiple of it), *processes* how
    many processes feed one model together (``--multi-worker`` on JAX, ``-g N`` on PyTorch),
    each its own ``1 / processes`` of every batch; process 0, the chief, writes the outputs.
    *collectives* is the backend's module of operations over the processes
    (dlbio.backend.jax_only or torch_only).
    """

    def __init__(
        self,
        replicas: int = 1,
        split_rows: int = 1,
        processes: int = 1,
        process_index: int = 0,
        collectives=None,
    ):
        self.num_replicas_in_sync = replicas
        self.split_rows, self.processes, self.process_index = split_rows, processes, process_index
        self.collectives = collectives

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


class ProcessesToStart:
    """``-g N`` on PyTorch in the process the user started: the run is made in N new
    processes, one per device (:meth:`run`), each of which gets a :class:`SingleDevice` of
    N processes from :func:`make_strategy`.
    """

    def __init__(self, processes: int, on_gpus: bool):
        self.num_replicas_in_sync = self.processes = processes
        self.on_gpus = on_gpus

    def run(self, fn, *args):
        """``fn(*args)`` in every process; what the chief (process 0) returned.

        Parameters
        ----------
        fn : callable
            Module level, with picklable arguments: it calls :func:`make_strategy` with the
            same N.
        *args
            Its arguments.

        Returns
        -------
        object
            Process 0's result.
        """
        from dlbio.backend import torch_processes

        return torch_processes.run_in_processes(fn, args, self.processes, on_gpus=self.on_gpus)[0]


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
    tf.distribute.Strategy or SingleDevice or ProcessesToStart
        TensorFlow's MirroredStrategy, or on JAX and PyTorch an object with ``scope()`` (JAX:
        keras.distribution's DataParallel set; PyTorch: this process joined to the others).
        On PyTorch with N > 1, outside the processes of the run: the processes to start.

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
    if name == "torch":
        return _torch_processes(n_replicas, device_type)
    import keras

    try:
        devices = keras.distribution.list_devices(device_type.lower())
    except RuntimeError:  # JAX has no such platform here (no GPU plugin): none visible
        devices = []
    _require_devices(n_replicas, device_type, len(devices))
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices[:n_replicas]))
    return SingleDevice(n_replicas, split_rows=n_replicas)


def _torch_processes(n_replicas: int, device_type: str):
    from dlbio.backend import torch_only

    joined = torch_only.this_process()
    if joined is None:
        _require_devices(n_replicas, device_type, torch_only.device_count(device_type))
        return ProcessesToStart(n_replicas, on_gpus=device_type == "GPU")
    index, count = torch_only.start_processes()
    return SingleDevice(count, processes=count, process_index=index, collectives=torch_only)


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
    return SingleDevice(
        replicas, split_rows=jax_only.local_device_count(), processes=count, process_index=index, collectives=jax_only
    )


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
