"""What this machine gives dlbio: the Keras backend and the devices it sees, the job, the optional parts.

``dlbio check`` prints :func:`report`; danq-train and every prediction warn
(:func:`warn_if_gpus_unseen`) when a job has GPUs that the backend does not see (a CPU-only
build, missing CUDA libraries), which would otherwise only show as a job running many
times slower.
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata

_HIDDEN = ("", "-1", "NoDevFiles")  # CUDA_VISIBLE_DEVICES values that hide every GPU on purpose


def job_gpus() -> str | None:
    """The GPUs this job or machine has, as the scheduler or the driver says
    ('CUDA_VISIBLE_DEVICES=0,1', 'SLURM_JOB_GPUS=3', '2 NVIDIA devices in /dev'), or None."""
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
    """Why the Keras backend (its module, e.g. tensorflow; default the running one) sees no GPU
    on a machine or job that has some, with the fix, in one line; None when it sees a GPU or
    there is none to see."""
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


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _gpu_lines() -> list[tuple[str, str]]:
    from dlbio import backend

    details = backend.gpu_details()
    if not details:
        problem = gpu_problem()
        return [("GPUs seen", f"none ({problem or 'the CPU is used'})")]
    return details


def _logo_line() -> str:
    gs = shutil.which("gs")
    if gs is None:
        return "missing Ghostscript: PNG/PDF logos fail (apt-get install ghostscript fonts-urw-base35; .svg/.eps work)"
    try:
        import numpy as np

        from dlbio.logos import render_logo

        render_logo(np.array([[8, 0], [0, 8]]), "01", "png")
    except Exception as exc:  # noqa: BLE001 - report whatever stops a logo, and go on
        return f"Ghostscript {gs} cannot draw a PNG logo: {str(exc).splitlines()[0][:160]}"
    version = subprocess.run([gs, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return f"PNG logos drawn (Ghostscript {version}, {gs})"


def report() -> list[tuple[str, str]]:
    """(what, state) lines: versions, devices, the job, and the optional parts each command needs."""
    from dlbio import backend
    from dlbio.resources import cache_root, data_dir

    module = backend.module()
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    onednn = backend.name() == "tensorflow" and os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "1"
    lines = [("dlbio", f"{_version('dlbio')}, Python {platform.python_version()}"),
             (backend.display_name(module), f"{module.__version__} ({backend.build_info()}), Keras "
                                            f"{_version('keras')} (KERAS_BACKEND={backend.name()})"),
             ("CPU cores", f"{threads} usable by this process{', oneDNN on' if onednn else ''}")]
    lines += _gpu_lines()
    if os.environ.get("SLURM_JOB_ID"):
        gpus = job_gpus()
        lines.append(("SLURM job", f"{os.environ['SLURM_JOB_ID']} on {os.environ.get('SLURM_JOB_NODELIST', '?')}, "
                                   f"{os.environ.get('SLURM_NTASKS', '1')} task(s)" + (f", GPUs {gpus}" if gpus else "")))
    lines.append(("logos", _logo_line()))
    memelite = _version("memelite")
    lines.append(("memelite", f"{memelite} (Tomtom: dlbio motifs)" if memelite else
                  "missing: dlbio motifs cannot match filters to JASPAR; pip install 'dlbio[motifs]'"))
    lines.append(("pyjaspar", f"{_version('pyjaspar')} (JASPAR, bundled: motifs, insert-motif, mutagenesis --seqlets, simulate, DanQ-JASPAR)"))
    lines.append(("bundled data", str(data_dir())))
    lines.append(("cache", f"{cache_root()} (Tomtom's compiled code, indexes of genomes in read-only folders)"))
    return lines
