"""What exists on JAX alone: its distributed runtime, for training on several nodes.

One process per node (``srun --ntasks-per-node=1``) joins the others through
``jax.distributed.initialize`` -- JAX's own coordinator, no home-made protocol -- and then
every process sees every node's devices: ``keras.distribution.DataParallel`` over
``jax.devices()`` trains one model on all of them, each process feeding its own share of
each batch.  The cluster comes from SLURM (JAX reads the step's node list, task id and
count) or, anywhere else, from Keras's variables ``KERAS_DISTRIBUTION_JOB_ADDRESSES``
(the coordinator's host:port first), ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and
``KERAS_DISTRIBUTION_PROCESS_ID``.
"""

from __future__ import annotations

import os
import socket
import time

from dlbio.utils.errors import DlbioError

# How long a process waits for the others (``DLBIO_CLUSTER_TIMEOUT_S``): nodes of one job
# start within seconds of each other, and a missing coordinator must not hang the job.
DEFAULT_TIMEOUT_S = 120
# Saving a model gathers its variables from every process: the processes that write
# nothing save too (dlbio.training.callbacks.save_and_discard).
SAVING_IS_COLLECTIVE = True


def explicit_cluster() -> tuple[str, int, int] | None:
    """The cluster Keras's KERAS_DISTRIBUTION_* variables describe.

    Returns
    -------
    tuple of (str, int, int) or None
        (coordinator host:port, processes, this process), or None when they are not set.

    Raises
    ------
    DlbioError
        When they are set but malformed.
    """
    addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES", "").strip()
    if not addresses:
        return None
    try:
        count = int(os.environ["KERAS_DISTRIBUTION_NUM_PROCESSES"])
        index = int(os.environ["KERAS_DISTRIBUTION_PROCESS_ID"])
    except (KeyError, ValueError):
        raise DlbioError(
            "KERAS_DISTRIBUTION_JOB_ADDRESSES is set: set KERAS_DISTRIBUTION_NUM_PROCESSES and "
            "KERAS_DISTRIBUTION_PROCESS_ID (integers) too"
        ) from None
    if not 0 <= index < count:
        raise DlbioError(f"KERAS_DISTRIBUTION_PROCESS_ID={index} is not in 0..{count - 1}")
    return addresses.split(",")[0], count, index


def start_processes(timeout_s: int | None = None) -> tuple[int, int]:
    """Join this process to the job's others (jax.distributed).

    Each process uses all the GPUs it sees (``local_device_ids``: JAX's SLURM detection would
    give a one-task-per-node process one GPU).  A process that is not the coordinator first
    waits for the coordinator's port, so that a coordinator that never comes is a one-line
    error after *timeout_s*, not JAX's abort.

    Parameters
    ----------
    timeout_s : int or None, optional
        How long to wait for the coordinator.

    Returns
    -------
    tuple of (int, int)
        (this process's index, the process count).
    """
    import jax

    timeout_s = timeout_s or int(os.environ.get("DLBIO_CLUSTER_TIMEOUT_S", DEFAULT_TIMEOUT_S))
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # collectives between CPU processes
    # JAX's preemption service takes SIGTERM for itself when it starts, racing the training
    # loop's handler (dlbio.training.preemption.Preemption), which also stops on SIGINT and agrees
    # on the batch to stop after through :func:`any_process`.
    jax.config.update("jax_enable_preemption_service", False)
    coordinator, count, index = explicit_cluster() or _slurm_cluster(timeout_s)
    if index != 0:
        _wait_for_coordinator(coordinator, timeout_s)
    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=count,
        process_id=index,
        local_device_ids=_local_gpu_ids(),
        initialization_timeout=timeout_s,
    )
    return jax.process_index(), jax.process_count()


def _slurm_cluster(timeout_s: int) -> tuple[str, int, int]:
    """JAX's own reading of the SLURM step: the first node's host and a port from the job id."""
    from jax._src.clusters.slurm_cluster import SlurmCluster

    if not SlurmCluster.is_env_present():
        raise DlbioError(
            "--multi-worker on JAX: not inside a SLURM step (srun) and KERAS_DISTRIBUTION_JOB_ADDRESSES "
            "is not set: start one danq-train per node with srun"
        )
    try:
        coordinator = SlurmCluster.get_coordinator_address(timeout_s, None)
    except TypeError:  # JAX before the port override
        coordinator = SlurmCluster.get_coordinator_address(timeout_s)
    return coordinator, SlurmCluster.get_process_count(), SlurmCluster.get_process_id()


def _local_gpu_ids() -> list[int] | None:
    """Every GPU this process may use (CUDA_VISIBLE_DEVICES counts them), or None: JAX's choice."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None or visible.strip() in ("", "-1"):
        return None
    return list(range(len([v for v in visible.split(",") if v.strip()])))


def _wait_for_coordinator(address: str, timeout_s: int) -> None:
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise DlbioError(
                    f"--multi-worker: no coordinator at {address} (process 0) after {timeout_s} s; start "
                    "one danq-train per node with srun, process 0 included (DLBIO_CLUSTER_TIMEOUT_S "
                    "sets the wait)"
                ) from None
            time.sleep(0.5)


def stop_processes() -> None:
    """Leave the cluster once training is over (every process, together): the chief then
    predicts on its own devices (models made from now on are this process's alone), and the
    others may exit without JAX's shutdown barrier timing out on it."""
    import jax

    jax.distributed.shutdown()
    end_data_parallel()


def prepare_model(model) -> None:
    """Nothing: under DataParallel over every process's devices the model is already one.

    Parameters
    ----------
    model : keras.Model
        Compiled.
    """


def local_device_count() -> int:
    """The devices of this process.

    Returns
    -------
    int
    """
    import jax

    return jax.local_device_count()


def data_parallel_over_all_processes():
    """Set keras.distribution.DataParallel over every process's devices, for the whole process;
    each process feeds its own rows (no tf.data sharding).

    Returns
    -------
    int
        The device count.
    """
    import jax
    import keras

    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=jax.devices(), auto_shard_dataset=False)
    )
    return len(jax.devices())


def end_data_parallel() -> None:
    """Models made from now on live on this process's devices only."""
    import keras

    keras.distribution.set_distribution(None)


def any_process(flag: bool) -> bool:
    """Whether a flag is set in any process (a collective: every process must call it).

    Parameters
    ----------
    flag : bool
        This process's.

    Returns
    -------
    bool
        The same in every process.
    """
    import numpy as np
    from jax.experimental import multihost_utils

    return bool(np.asarray(multihost_utils.process_allgather(np.array([int(flag)], np.int32))).any())


def mean_over_processes(values: list[float]) -> list[float]:
    """The mean of each value over the processes, the same in every process (a collective).

    Parameters
    ----------
    values : list of float
        This process's, as many in each process.

    Returns
    -------
    list of float
    """
    import numpy as np
    from jax.experimental import multihost_utils

    gathered = np.asarray(multihost_utils.process_allgather(np.asarray(values, np.float64)))
    return [float(v) for v in gathered.reshape(-1, len(values)).mean(axis=0)]


def same_in_every_process(values) -> bool:
    """Whether every process holds the same values (a collective).

    Parameters
    ----------
    values : sequence of int
        A short sequence.

    Returns
    -------
    bool
    """
    import numpy as np
    from jax.experimental import multihost_utils

    gathered = np.asarray(multihost_utils.process_allgather(np.asarray(values, np.int64)))
    return bool((gathered == gathered[0]).all())
