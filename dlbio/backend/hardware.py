"""The devices a backend computes on, its build, and why it sees no GPU."""

from __future__ import annotations

import importlib

from dlbio.backend.selection import module as backend_module
from dlbio.backend.selection import name


def describe() -> dict:
    """What ran, for run.json, dlbio check and the logs.

    Returns
    -------
    dict
        {'backend': name, 'version': the module's version, 'devices': :func:`devices`}.
    """
    mod = backend_module()
    return {"backend": name(), "version": getattr(mod, "__version__", "?"), "devices": devices()}


def devices() -> list[str]:
    """The devices the backend computes on, GPUs first.

    Returns
    -------
    list of str
        e.g. ['cuda:0', 'cpu'] (PyTorch), ['gpu:0'] (JAX), ['cpu:0', 'gpu:0'] (TensorFlow).
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return [
            d.name.replace("/physical_device:", "").lower()
            for d in tf.config.list_physical_devices()
            if d.device_type in ("GPU", "CPU")
        ]
    if backend == "jax":
        import jax

        return [f"{d.platform}:{d.id}" for d in jax.devices()]
    import torch

    return [f"cuda:{i}" for i in range(torch.cuda.device_count())] + ["cpu"]


def gpus(module=None) -> list[str]:
    """The GPUs the backend sees.

    Parameters
    ----------
    module : module, optional
        A TensorFlow-like module to ask instead (a stand-in in a test).

    Returns
    -------
    list
        Device names (TensorFlow: its PhysicalDevice objects).
    """
    if _is_tensorflow(module):
        return list(module.config.list_physical_devices("GPU"))
    return [d for d in devices() if d.startswith(("gpu", "cuda"))]


def _is_tensorflow(module) -> bool:
    return module is not None and hasattr(module, "sysconfig")


_DISPLAY = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def display_name(module=None) -> str:
    """The backend's name as people write it.

    Parameters
    ----------
    module : module, optional
        A backend module to name instead of the running backend.

    Returns
    -------
    str
        'TensorFlow', 'JAX' or 'PyTorch'.
    """
    if _is_tensorflow(module):
        return "TensorFlow"
    return _DISPLAY[getattr(module, "__name__", None) or name()]


def build_info() -> str:
    """What the running backend's build offers.

    Returns
    -------
    str
        e.g. 'CUDA 12.5, cuDNN 9', 'CUDA' (JAX) or 'CPU-only build'.
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        build = tf.sysconfig.get_build_info()
        return (
            f"CUDA {build.get('cuda_version')}, cuDNN {build.get('cudnn_version')}"
            if build.get("is_cuda_build")
            else "CPU-only build"
        )
    if backend == "jax":
        import jax

        platforms = sorted({d.platform for d in jax.devices()})
        return "CUDA" if "gpu" in platforms or "cuda" in platforms else "CPU"
    import torch

    return f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"


def why_no_gpu(module=None) -> str:
    """Why the backend sees no GPU where the job has some, and the fix.

    Parameters
    ----------
    module : module, optional
        The backend module to ask (default: the running backend's).

    Returns
    -------
    str
        A clause for a one-line warning, naming the build to install.
    """
    module = module or importlib.import_module(name())
    if _is_tensorflow(module):
        if not module.sysconfig.get_build_info().get("is_cuda_build"):
            return (
                f"this TensorFlow {module.__version__} is a CPU-only build (tensorflow-cpu); install the GPU one: "
                "pip install 'dlbio[gpu]'"
            )
        return (
            "this TensorFlow is built for CUDA but found no usable GPU; check nvidia-smi, and that the nvidia-* "
            "libraries of tensorflow[and-cuda] are installed (TF_CPP_MIN_LOG_LEVEL=0 shows TensorFlow's reason)"
        )
    extra = "dlbio[jax-cuda]" if module.__name__ == "jax" else "dlbio[torch-cuda]"
    return (
        f"this {display_name(module)} {module.__version__} has no usable CUDA build or driver; check nvidia-smi, "
        f"and install the GPU build: pip install '{extra}'"
    )


def gpu_details() -> list[tuple[str, str]]:
    """Each GPU the backend sees, described.

    Returns
    -------
    list of tuple of (str, str)
        (device, description); TensorFlow's description carries the compute capability.
    """
    if name() != "tensorflow":
        return [(d, "GPU") for d in gpus()]
    from dlbio.backend.tensorflow_only import gpu_details as tf_details

    return tf_details()
