"""The one module that knows TensorFlow, JAX and PyTorch; everything else speaks keras and keras.ops.

The backend is Keras's, fixed when keras is first imported: ``KERAS_BACKEND`` (tensorflow,
the default, jax or torch).  This module holds what has no backend-neutral form in Keras 3:

* :func:`predict_function`: a compiled forward pass from base indices uint8 (b, L) to the
  model's outputs (one-hot on the device, N an all-zero row);
* :func:`gradient_function`: the gradient of a scalar built from a model's outputs with
  respect to its input (ISM's gradient estimate, vgrad's input gradients, attributions);
* :func:`seed_everything`, :func:`single_thread`: seeds, op determinism and threads;
* :func:`gpus`, :func:`describe`: the devices the backend sees, and its version;
* :func:`select`: the backend for a command, and a one-line error for an unknown or missing one.

The compiled steps are in :mod:`dlbio.backend.compiled`; what exists on TensorFlow alone
(tf.data, tf.distribute, its logs) in :mod:`dlbio.backend.tensorflow_only`.  The
distribution set-up of ``-g N`` (dlbio.training.strategy) asks for both.
"""

from __future__ import annotations

import importlib.util
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
# What to install for each backend (the extras of pyproject.toml).
EXTRAS = {
    "tensorflow": "pip install 'dlbio[cpu]' (or 'dlbio[gpu]' on a GPU node)",
    "jax": "pip install 'dlbio[jax]' (or 'dlbio[jax-cuda]' on a GPU node)",
    "torch": "pip install 'dlbio[torch]' (or 'dlbio[torch-cuda]' on a GPU node)",
}


def requested() -> str:
    """The backend Keras will use, or uses once imported.

    Returns
    -------
    str
        KERAS_BACKEND, else keras.json's, else 'tensorflow'; Keras's own once it is imported.
    """
    import sys

    if sys.modules.get("keras") is not None:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "").strip() or _keras_json_backend() or "tensorflow"


def installed(backend: str) -> bool:
    """Whether a backend's module can be imported here (without importing it).

    Parameters
    ----------
    backend : str
        'tensorflow', 'jax' or 'torch'.

    Returns
    -------
    bool
    """
    import sys

    if backend in sys.modules:
        return sys.modules[backend] is not None
    try:
        return importlib.util.find_spec(backend) is not None
    except (ImportError, ValueError):
        return False


def select(preferred: str | None = None, onednn: bool | None = None) -> str:
    """Choose the backend before keras is imported, and check it.

    The user's choice (KERAS_BACKEND, or a keras.json naming another installed backend than the
    tensorflow Keras writes there by itself) stands.  Without one: *preferred* when it is
    installed (the class examples prefer JAX: several times faster, docs/benchmarks.md), else
    TensorFlow, else whichever of JAX and PyTorch is installed (a GPU machine may have no
    TensorFlow).  With no choice and no backend installed, a command that needs none (a data
    command) still runs, and one that does names the extra when it imports keras.

    Parameters
    ----------
    preferred : str or None, optional
        The backend to take when the user chose none and it is installed.
    onednn : bool or None, optional
        False turns TensorFlow's oneDNN kernels off unless TF_ENABLE_ONEDNN_OPTS is set (the class
        examples' toy models run faster without them); None keeps TensorFlow's default.

    Returns
    -------
    str
        The backend's name.

    Raises
    ------
    DlbioError
        When the user's choice is not a backend dlbio runs on, or is not installed (naming the
        extra to install).
    """
    import sys

    from dlbio.utils.errors import DlbioError

    if onednn is not None:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1" if onednn else "0")
    # Keras writes keras.json itself on first use, with "tensorflow": only another backend there,
    # and one that is installed, is a choice; KERAS_BACKEND is the user's, and stands (or fails).
    in_json = _keras_json_backend()
    chosen = os.environ.get("KERAS_BACKEND", "").strip() or (
        in_json if in_json != "tensorflow" and installed(in_json or "") else None
    )
    if sys.modules.get("keras") is None and not chosen:
        order = ([preferred] if preferred else []) + list(BACKENDS)
        found = next((b for b in order if installed(b)), None)
        if found not in (None, "tensorflow"):  # Keras's own default needs no setting
            os.environ["KERAS_BACKEND"] = found
        return found or "tensorflow"
    backend = requested()
    if backend not in BACKENDS:
        raise DlbioError(f"KERAS_BACKEND={backend!r} is not a backend dlbio runs on: use tensorflow, jax or torch")
    if not installed(backend):
        raise DlbioError(f"KERAS_BACKEND={backend}, but {backend} is not installed: {EXTRAS[backend]}")
    return backend


def _keras_json_backend() -> str | None:
    import json
    from pathlib import Path

    path = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "keras.json"
    try:
        return json.loads(path.read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        return None


def name() -> str:
    """The running Keras backend.

    Returns
    -------
    str
        'tensorflow', 'jax' or 'torch' (imports keras).
    """
    import keras

    return keras.backend.backend()


def module():
    """The running backend's own module.

    Returns
    -------
    module
        tensorflow, jax or torch.
    """
    return importlib.import_module(name())


def describe() -> dict:
    """What ran, for run.json, dlbio check and the logs.

    Returns
    -------
    dict
        {'backend': name, 'version': the module's version, 'devices': :func:`devices`}.
    """
    mod = module()
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


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the backend; with *deterministic*, deterministic kernels too.

    On a CPU every backend repeats a run bit for bit; on a GPU determinism costs speed.
    JAX on a GPU reads its flag (``--xla_gpu_deterministic_ops``) when it starts, so that
    one is set in the environment before jax is imported (see :func:`prepare_environment`).

    Parameters
    ----------
    seed : int
        The seed.
    deterministic : bool, optional
        Ask the backend for deterministic kernels (TensorFlow's op determinism, PyTorch's
        deterministic algorithms).
    """
    import keras

    if name() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
    else:
        # Keras seeds TensorFlow too whenever it is installed, importing it: 2-3 s, 0.5 GB and
        # log lines that TF_CPP_MIN_LOG_LEVEL does not silence, in every run (and in each
        # process of -g N).  Nothing on JAX or PyTorch uses it: hidden from that import, it
        # stays absent for Keras in this process.
        sys.modules["tensorflow"] = None
        try:
            keras.utils.set_random_seed(seed)
        finally:
            del sys.modules["tensorflow"]
    if not deterministic:
        return
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)


def prepare_environment(deterministic: bool = False) -> None:
    """Settings a backend reads only when it starts: call before keras is imported.

    Parameters
    ----------
    deterministic : bool, optional
        Under JAX, add ``--xla_gpu_deterministic_ops=true`` to XLA_FLAGS.
    """
    if deterministic and requested() == "jax":
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_gpu_deterministic_ops" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " --xla_gpu_deterministic_ops=true").strip()


def single_thread() -> None:
    """One compute thread in this process (vgrad's worker processes run side by side).

    JAX takes its thread count from XLA_FLAGS when it starts, so a spawned worker sets it
    before keras (and jax) is imported: :func:`dlbio.utils.processes` workers call this first.
    """
    backend = requested()
    if backend == "jax":
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (
                flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
            ).strip()
        return
    if backend == "torch":
        import torch

        torch.set_num_threads(1)
        return
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def steps_per_execution(steps: int) -> int:
    """Training steps per compiled call where the backend can run several.

    Parameters
    ----------
    steps : int
        The steps asked for.

    Returns
    -------
    int
        *steps* on TensorFlow and JAX, 1 on PyTorch (it runs one step at a time).
    """
    return 1 if name() == "torch" else steps


def one_hot(idx):
    """Base indices -> one-hot, in keras.ops (inside a compiled model or function).

    Parameters
    ----------
    idx : tensor
        Base indices, any integer dtype, any shape (..., L); 4 is N.

    Returns
    -------
    tensor
        float32 (..., L, 4) in A,G,C,T order; an index outside 0-3 is an all-zero row
        (``keras.ops.one_hot`` fails on it under torch).
    """
    import keras

    idx = keras.ops.cast(idx, "int32")
    return keras.ops.cast(
        keras.ops.equal(keras.ops.expand_dims(idx, -1), keras.ops.arange(4, dtype="int32")), "float32"
    )


from dlbio.backend.compiled import gradient_function, predict_function  # noqa: E402  (after one_hot)

__all__ = [
    "BACKENDS",
    "EXTRAS",
    "build_info",
    "describe",
    "devices",
    "display_name",
    "gpu_details",
    "gpus",
    "gradient_function",
    "installed",
    "module",
    "name",
    "one_hot",
    "predict_function",
    "prepare_environment",
    "requested",
    "seed_everything",
    "select",
    "single_thread",
    "steps_per_execution",
    "why_no_gpu",
]
