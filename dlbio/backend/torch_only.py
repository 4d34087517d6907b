"""What exists on PyTorch alone: ``-g N`` as one process per device over ``torch.distributed``.

Keras 3 has no distribution for torch, so ``-g N`` on PyTorch trains as PyTorch's
DistributedDataParallel does: N processes, each with the whole model on its own GPU and its
own share of every batch, whose gradients are averaged (an all-reduce, NCCL between GPUs,
gloo between CPU processes) before every update, so that every process holds the same
weights after every step.  dlbio.backend.torch_processes starts them from the command the
user ran; process 0, the chief, writes the outputs.  This module is what they do together.
"""

from __future__ import annotations

import os
from datetime import timedelta

from dlbio.backend import torch_processes

# How long a collective waits for a silent process (``DLBIO_CLUSTER_TIMEOUT_S``).
DEFAULT_TIMEOUT_S = 600
# Other seeds for each process's dropout masks: process r's generators run 2**24 draws
# apart from process 0's (380 DeepSEA epochs in batches of 100; the states are int32 on torch).
SEED_STRIDE = 2**24

# Each process holds the whole model: the chief saves alone.
SAVING_IS_COLLECTIVE = False


def device_count(device_type: str = "GPU") -> int:
    """How many processes ``-g N`` may start: the GPUs torch sees, or on the CPU (tests) its cores.

    Parameters
    ----------
    device_type : str, optional
        'GPU', or 'CPU': processes that share the CPU.

    Returns
    -------
    int
    """
    import torch

    return torch.cuda.device_count() if device_type == "GPU" else os.cpu_count() or 1


def this_process() -> tuple[int, int] | None:
    """Inside a process dlbio.backend.torch_processes started: (its rank, the process count).

    Returns
    -------
    tuple of (int, int) or None
    """
    started = torch_processes.THIS_PROCESS
    return None if started is None else started[:2]


def start_processes() -> tuple[int, int]:
    """Join this process to the others (``torch.distributed``, NCCL on GPUs, gloo on the CPU).

    Returns
    -------
    tuple of (int, int)
        (this process's rank, the process count).
    """
    import torch.distributed as dist

    rank, count, port, on_gpus = torch_processes.THIS_PROCESS
    if not dist.is_initialized():
        dist.init_process_group(
            "nccl" if on_gpus else "gloo",
            init_method=f"tcp://127.0.0.1:{port}",
            rank=rank,
            world_size=count,
            timeout=timedelta(seconds=int(os.environ.get("DLBIO_CLUSTER_TIMEOUT_S", DEFAULT_TIMEOUT_S))),
        )
    return rank, count


def stop_processes() -> None:
    """Leave the process group, once training is over (every process, together)."""
    import torch
    import torch.distributed as dist

    if dist.is_initialized():
        on_gpus = dist.get_backend() == "nccl"
        dist.barrier(device_ids=[torch.cuda.current_device()] if on_gpus else None)
        dist.destroy_process_group()


def prepare_model(model) -> None:
    """Make *model* one replica of the processes' model: process 0's weights, optimizer and
    seeds everywhere, dropout seeds of its own, and gradients averaged over the processes
    before each update.

    Call it in every process, after the model is built, compiled and (on ``--resume``)
    loaded.  An optimizer that has not made its variables yet makes the same zeros in every
    process.

    Parameters
    ----------
    model : keras.Model
        Compiled.
    """
    import torch.distributed as dist

    rank = dist.get_rank()
    for v in model.variables + list(model.optimizer.variables if model.optimizer else []):
        _broadcast_from_chief(v.value.data)
    for v in model.non_trainable_variables:
        if "seed_generator" in v.path:
            v.assign(v.value + _seed_offset(v, rank))
    if not getattr(model, "_dlbio_gradients_averaged", False):
        for v in model.trainable_variables:
            v.value.register_post_accumulate_grad_hook(_average_gradient)
        model._dlbio_gradients_averaged = True


def _broadcast_from_chief(tensor) -> None:
    import torch.distributed as dist

    if dist.get_backend() == "nccl" and tensor.device.type == "cpu":  # seeds kept on the host
        on_gpu = tensor.cuda()
        dist.broadcast(on_gpu, src=0)
        tensor.copy_(on_gpu)
    else:
        dist.broadcast(tensor, src=0)


def _seed_offset(variable, rank: int):
    import torch

    return torch.tensor([rank * SEED_STRIDE, 0], dtype=variable.value.dtype, device=variable.value.device)


def _average_gradient(param) -> None:
    import torch.distributed as dist

    dist.all_reduce(param.grad, op=dist.ReduceOp.SUM)
    param.grad.div_(dist.get_world_size())


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
    import torch
    import torch.distributed as dist

    t = torch.tensor([int(flag)], device=_collective_device())
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


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
    import torch
    import torch.distributed as dist

    mine = torch.tensor(list(values), dtype=torch.int64, device=_collective_device())
    low, high = mine.clone(), mine.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    return bool(torch.equal(low, high))


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
    import torch
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=_collective_device())
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return (t / dist.get_world_size()).tolist()


def _collective_device() -> str:
    import torch

    started = torch_processes.THIS_PROCESS
    return f"cuda:{torch.cuda.current_device()}" if started and started[3] else "cpu"
