"""dlbio check: what this machine gives dlbio: the Keras backend and the devices it sees, the
job, and the optional parts each command needs."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata

from dlbio.utils.environment import gpu_problem, job_gpus


def check() -> tuple[list[tuple[str, str]], bool]:
    """dlbio check.

    Returns
    -------
    tuple
        (:func:`report`'s (what, state) lines, whether the Keras backend sees a GPU).
    """
    from dlbio import backend

    return report(), bool(backend.gpus())


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

        from dlbio.motifs.logos import render_logo

        render_logo(np.array([[8, 0], [0, 8]]), "01", "png")
    except Exception as exc:  # noqa: BLE001 - report whatever stops a logo, and go on
        return f"Ghostscript {gs} cannot draw a PNG logo: {str(exc).splitlines()[0][:160]}"
    version = subprocess.run([gs, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return f"PNG logos drawn (Ghostscript {version}, {gs})"


def report() -> list[tuple[str, str]]:
    """What this installation and job have: versions, devices, the job, and the optional parts
    each command needs.

    Returns
    -------
    list of tuple of (str, str)
        (what, state) lines.
    """
    from dlbio import backend
    from dlbio.utils.resources import cache_root, data_dir

    module = backend.module()
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    onednn = backend.name() == "tensorflow" and os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "1"
    lines = [
        ("dlbio", f"{_version('dlbio')}, Python {platform.python_version()}"),
        (
            backend.display_name(module),
            f"{module.__version__} ({backend.build_info()}), Keras "
            f"{_version('keras')} (KERAS_BACKEND={backend.name()})",
        ),
        ("CPU cores", f"{threads} usable by this process{', oneDNN on' if onednn else ''}"),
    ]
    lines += _gpu_lines()
    if os.environ.get("SLURM_JOB_ID"):
        gpus = job_gpus()
        lines.append(
            (
                "SLURM job",
                f"{os.environ['SLURM_JOB_ID']} on {os.environ.get('SLURM_JOB_NODELIST', '?')}, "
                f"{os.environ.get('SLURM_NTASKS', '1')} task(s)" + (f", GPUs {gpus}" if gpus else ""),
            )
        )
    lines.append(("logos", _logo_line()))
    memelite = _version("memelite")
    lines.append(
        (
            "memelite",
            f"{memelite} (Tomtom and FIMO: dlbio motifs, modisco, fimo)"
            if memelite
            else "missing: dlbio motifs, modisco and fimo cannot match motifs; pip install 'dlbio[motifs]'",
        )
    )
    modisco = _version("modisco-lite")
    lines.append(
        (
            "modisco-lite",
            f"{modisco} (TF-MoDISco: dlbio modisco, attribute --modisco)"
            if modisco
            else "missing: dlbio modisco cannot run; pip install 'dlbio[motifs]'",
        )
    )
    bigwig = _version("pyBigWig")
    lines.append(
        ("pyBigWig", f"{bigwig} (bigWig tracks: dlbio attribute --bed)" if bigwig else "missing: bedGraph only")
    )
    lines.append(
        (
            "pyjaspar",
            f"{_version('pyjaspar')} (JASPAR, bundled: motifs, insert-motif, mutagenesis --seqlets, simulate, "
            "DanQ-JASPAR)",
        )
    )
    lines.append(("bundled data", str(data_dir())))
    lines.append(("cache", f"{cache_root()} (Tomtom's compiled code, indexes of genomes in read-only folders)"))
    return lines
