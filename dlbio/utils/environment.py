"""Whether the job's GPUs are seen: the GPUs a SLURM job was given, and why the backend does not see them.

``dlbio check`` (dlbio.workflows.check) reports them; danq-train and every prediction warn
(:func:`warn_if_gpus_unseen`) when a job has GPUs that the backend does not see (a CPU-only
build, missing CUDA libraries), which would otherwise only show as a job running many
times slower.
"""

from __future__ import annotations

import glob
import os
import sys

_HIDDEN = ("", "-1", "NoDevFiles")  # CUDA_VISIBLE_DEVICES values that hide every GPU on purpose


def job_gpus() -> str | None:
    """The GPUs this job or machine has, as the scheduler or the driver says.

    Returns
    -------
    str or None
        e.g. 'CUDA_VISIBLE_DEVICES=0,1', 'SLURM_JOB_GPUS=3', '2 NVIDIA devices in /dev'; None
        when there are none.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return None if visible.strip() in _HIDDEN else f"CUDA_VISIBLE_DEVICES={visible.strip()}"
    for var, none in (("SLURM_JOB_GPUS", ""), ("SLURM_STEP_GPUS", ""), ("SLURM_GPUS_ON_NODE", "0")):
        value = os.environ.get(var, "").strip()  # GPU numbers, or for the last a count
        if value not in ("", none):
            return f"{var}={value}"
    devices = glob.glob("/dev/nvidia[0-9]*")
    if devices:
        return f"{len(devices)} NVIDIA device{'s' if len(devices) > 1 else ''} in /dev"
    return None


def gpu_problem(module=None) -> str | None:
    """Why the Keras backend sees no GPU on a machine or job that has some, with the fix.

    Parameters
    ----------
    module : module, optional
        The backend's module (e.g. tensorflow); default the running one.

    Returns
    -------
    str or None
        One line; None when it sees a GPU or there is none to see.
    """
    from dlbio import backend

    module = module or backend.module()
    if backend.gpus(module):
        return None
    where = job_gpus()
    if where is None:
        return None
    return f"this job has GPUs ({where}) but {backend.display_name(module)} sees none: {backend.why_no_gpu(module)}"


_warned = False


def warn_if_gpus_unseen() -> None:
    """Print gpu_problem as a warning on stderr, once a process: called where work starts on
    whatever devices TensorFlow has (danq-train, and the one prediction function)."""
    global _warned
    if _warned:
        return
    _warned = True
    problem = gpu_problem()
    if problem:
        print(f"warning: {problem}; running on the CPU", file=sys.stderr, flush=True)
