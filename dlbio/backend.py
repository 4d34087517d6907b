"""The one module that knows TensorFlow, JAX and PyTorch; everything else speaks keras and keras.ops.

The backend is Keras's, fixed when keras is first imported: ``KERAS_BACKEND`` (tensorflow,
the default, jax or torch).  This module holds what has no backend-neutral form in Keras 3:

* :func:`predict_function`: a compiled forward pass from base indices uint8 (b, L) to the
  model's outputs (one-hot on the device, N an all-zero row);
* :func:`gradient_function`: the gradient of a scalar built from a model's outputs with
  respect to its input (ISM's gradient estimate, vgrad's input gradients, attributions);
* :func:`seed_everything`, :func:`single_thread`: seeds, op determinism and threads;
* :func:`gpus`, :func:`describe`: the devices the backend sees, and its version;
* :func:`check_backend`: a one-line error for an unknown or missing backend.

The distribution set-up (``-g N``) lives in dlbio.training.strategy and asks :func:`name`.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import weakref
from collections.abc import Callable

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
# What to install for each backend (the extras of pyproject.toml).
EXTRAS = {"tensorflow": "pip install 'dlbio[cpu]' (or 'dlbio[gpu]' on a GPU node)",
          "jax": "pip install 'dlbio[jax]' (or 'dlbio[jax-cuda]' on a GPU node)",
          "torch": "pip install 'dlbio[torch]' (or 'dlbio[torch-cuda]' on a GPU node)"}


def requested() -> str:
    """The backend Keras will use or uses: KERAS_BACKEND, else keras.json's, else tensorflow."""
    import sys

    if sys.modules.get("keras") is not None:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "").strip() or _keras_json_backend() or "tensorflow"


def installed(backend: str) -> bool:
    """Can *backend*'s module be imported here?"""
    import sys

    if backend in sys.modules:
        return sys.modules[backend] is not None
    try:
        return importlib.util.find_spec(backend) is not None
    except (ImportError, ValueError):
        return False


def select(preferred: str | None = None) -> str:
    """Choose the backend before keras is imported, and check it; returns its name.

    The user's choice (KERAS_BACKEND, or keras.json's when installed) stands.  Without one: *preferred* when it
    is installed (the class examples prefer JAX: several times faster, docs/benchmarks.md),
    else TensorFlow, else whichever of JAX and PyTorch is installed (a GPU machine may have
    no TensorFlow).  The user's choice, when unknown or not installed, is a one-line DlbioError
    naming the extra; with no choice and no backend installed, a command that needs none (a
    data command) still runs, and one that does names the extra when it imports keras.
    """
    import sys

    from dlbio.errors import DlbioError

    # keras.json is written by Keras itself on first use, so it is a choice only for a backend
    # that is there; KERAS_BACKEND is the user's, and stands (or fails) as given.
    chosen = os.environ.get("KERAS_BACKEND", "").strip() or (
        _keras_json_backend() if installed(_keras_json_backend() or "") else None)
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
    """The running Keras backend."""
    import keras

    return keras.backend.backend()


def module():
    """The backend's own module (tensorflow, jax or torch)."""
    return importlib.import_module(name())


def describe() -> dict:
    """{'backend', 'version', 'devices'}: what ran, for run.json, dlbio check and the logs."""
    mod = module()
    return {"backend": name(), "version": getattr(mod, "__version__", "?"), "devices": devices()}


def devices() -> list[str]:
    """The devices the backend computes on, GPUs first (e.g. ['cuda:0', 'cpu'])."""
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name.replace("/physical_device:", "").lower() for d in tf.config.list_physical_devices()
                if d.device_type in ("GPU", "CPU")]
    if backend == "jax":
        import jax

        return [f"{d.platform}:{d.id}" for d in jax.devices()]
    import torch

    return [f"cuda:{i}" for i in range(torch.cuda.device_count())] + ["cpu"]


def gpus(module=None) -> list[str]:
    """The GPUs the backend sees (or TensorFlow-like *module* sees: a stand-in in a test)."""
    if _is_tensorflow(module):
        return list(module.config.list_physical_devices("GPU"))
    return [d for d in devices() if d.startswith(("gpu", "cuda"))]


def _is_tensorflow(module) -> bool:
    return module is not None and hasattr(module, "sysconfig")


_DISPLAY = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def display_name(module=None) -> str:
    """'TensorFlow', 'JAX' or 'PyTorch': the running backend, or *module*'s."""
    if _is_tensorflow(module):
        return "TensorFlow"
    return _DISPLAY[getattr(module, "__name__", None) or name()]


def build_info() -> str:
    """What the backend's build offers: 'CUDA 12.5, cuDNN 9' or 'CPU-only build'."""
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        build = tf.sysconfig.get_build_info()
        return (f"CUDA {build.get('cuda_version')}, cuDNN {build.get('cudnn_version')}"
                if build.get("is_cuda_build") else "CPU-only build")
    if backend == "jax":
        import jax

        platforms = sorted({d.platform for d in jax.devices()})
        return "CUDA" if "gpu" in platforms or "cuda" in platforms else "CPU"
    import torch

    return f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"


def why_no_gpu(module=None) -> str:
    """Why the backend sees no GPU where the job has some, and the fix, in a clause."""
    module = module or importlib.import_module(name())
    if _is_tensorflow(module):
        if not module.sysconfig.get_build_info().get("is_cuda_build"):
            return (f"this TensorFlow {module.__version__} is a CPU-only build (tensorflow-cpu); install the GPU one: "
                    "pip install 'dlbio[gpu]'")
        return ("this TensorFlow is built for CUDA but found no usable GPU; check nvidia-smi, and that the nvidia-* "
                "libraries of tensorflow[and-cuda] are installed (TF_CPP_MIN_LOG_LEVEL=0 shows TensorFlow's reason)")
    extra = "dlbio[jax-cuda]" if module.__name__ == "jax" else "dlbio[torch-cuda]"
    return (f"this {display_name(module)} {module.__version__} has no usable CUDA build or driver; check nvidia-smi, "
            f"and install the GPU build: pip install '{extra}'")


def gpu_details() -> list[tuple[str, str]]:
    """(device, description) of each GPU the backend sees; TensorFlow's with compute capability."""
    if name() != "tensorflow":
        return [(d, "GPU") for d in gpus()]
    import tensorflow as tf

    lines = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        cc = details.get("compute_capability")
        fast16 = cc is not None and cc >= (7, 0)
        lines.append((gpu.name.replace("/physical_device:", ""),
                      f"{details.get('device_name', 'GPU')}, compute capability "
                      f"{'.'.join(map(str, cc)) if cc else '?'} (--mixed-precision {'fast' if fast16 else 'no faster'})"))
    return lines


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the backend; with *deterministic*, deterministic kernels too.

    On a CPU every backend repeats a run bit for bit; on a GPU determinism costs speed.
    JAX on a GPU reads its flag (``--xla_gpu_deterministic_ops``) when it starts, so that
    one is set in the environment before jax is imported (see :func:`prepare_environment`).
    """
    import keras

    keras.utils.set_random_seed(seed)
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
    """Settings a backend reads only when it starts: call before keras is imported."""
    if deterministic and requested() == "jax":
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_gpu_deterministic_ops" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " --xla_gpu_deterministic_ops=true").strip()


def single_thread() -> None:
    """One compute thread in this process (vgrad's worker processes run side by side).

    JAX takes its thread count from XLA_FLAGS when it starts, so a spawned worker sets it
    before keras (and jax) is imported: :func:`dlbio.processes` workers call this first.
    """
    backend = requested()
    if backend == "jax":
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1").strip()
        return
    if backend == "torch":
        import torch

        torch.set_num_threads(1)
        return
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def steps_per_execution(steps: int) -> int:
    """*steps* training steps per compiled call where the backend can (TensorFlow, JAX), else 1
    (PyTorch runs one step at a time)."""
    return 1 if name() == "torch" else steps


def one_hot(idx):
    """Base indices (any integer dtype, any shape) -> float32 one-hot (..., 4) in keras.ops; an
    index outside 0-3 (N = 4) is an all-zero row (``keras.ops.one_hot`` fails on it under torch)."""
    import keras

    idx = keras.ops.cast(idx, "int32")
    return keras.ops.cast(keras.ops.equal(keras.ops.expand_dims(idx, -1), keras.ops.arange(4, dtype="int32")),
                          "float32")


# One compiled function per model (weakly: the entry goes with the model).  A new one per call
# compiled DanQ again at every epoch's validation AUC and at every chunk of a VCF.
_PREDICT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def predict_function(model) -> Callable[[np.ndarray], list[np.ndarray]]:
    """A compiled ``idx uint8 (b, L) -> [output (b, ...) as numpy, ...]`` for *model*, whose
    input is one-hot (b, L, 4); it reads the model's current weights at every call.  Its
    ``compiled`` attribute is the tf.function or jax.jit function (none under torch)."""
    fn = _PREDICT.get(model)
    if fn is None:
        fn = _PREDICT[model] = _make_predict(weakref.ref(model), name())
    return fn


def _make_predict(model_ref, backend: str):
    if backend == "tensorflow":
        import tensorflow as tf

        _quiet_cross_model_retracing()

        @tf.function(reduce_retracing=True)
        def dlbio_predict(idx):  # the name _CrossModelRetracing knows
            return model_ref()(one_hot(idx), training=False)

        def run(idx):
            return [np.asarray(o) for o in _as_list(dlbio_predict(idx))]

        run.compiled = dlbio_predict
        return run
    if backend == "jax":
        import jax

        def forward(trainable, non_trainable, idx):
            out, _ = model_ref().stateless_call(trainable, non_trainable, one_hot(idx), training=False)
            return out

        compiled = jax.jit(forward)

        def run(idx):
            model = model_ref()
            out = compiled([v.value for v in model.trainable_variables],
                           [v.value for v in model.non_trainable_variables], idx)
            return [np.asarray(o) for o in _as_list(out)]

        run.compiled = compiled
        return run
    import keras
    import torch

    def run(idx):
        with torch.no_grad():
            out = model_ref()(one_hot(keras.ops.convert_to_tensor(idx)), training=False)
        return [keras.ops.convert_to_numpy(o) for o in _as_list(out)]

    return run


def gradient_function(model, objective: Callable) -> Callable[[np.ndarray], np.ndarray]:
    """``x float32 (b, ...) -> d objective / d x`` (numpy, the shape of x), compiled where the
    backend compiles.

    *objective(call, x)* builds a scalar in keras.ops from ``call(x)``, the model's outputs
    (a list for a multi-output model, else one tensor) on x, e.g. the sum of one target's
    predictions; as sequences are independent in inference, the gradient of that sum is each
    sequence's own.  The model's current weights are read at every call.
    """
    model_ref, backend = weakref.ref(model), name()
    if backend == "tensorflow":
        import tensorflow as tf

        _quiet_cross_model_retracing()

        @tf.function(reduce_retracing=True)
        def dlbio_gradient(x):  # the name _CrossModelRetracing knows
            with tf.GradientTape() as tape:
                tape.watch(x)
                value = objective(lambda inp: model_ref()(inp, training=False), x)
            return tape.gradient(value, x)

        def run(x):
            return dlbio_gradient(tf.convert_to_tensor(x, tf.float32)).numpy()

        run.compiled = dlbio_gradient
        return run
    if backend == "jax":
        import jax

        def value(trainable, non_trainable, x):
            def call(inp):
                out, _ = model_ref().stateless_call(trainable, non_trainable, inp, training=False)
                return out

            return objective(call, x)

        compiled = jax.jit(jax.grad(value, argnums=2))

        def run(x):
            m = model_ref()
            return np.asarray(compiled([v.value for v in m.trainable_variables],
                                       [v.value for v in m.non_trainable_variables], np.asarray(x, np.float32)))

        return run
    import keras
    import torch

    def run(x):
        xt = keras.ops.convert_to_tensor(np.asarray(x, np.float32)).requires_grad_(True)
        (grad,) = torch.autograd.grad(objective(lambda inp: model_ref()(inp, training=False), xt), xt)
        return grad.detach().cpu().numpy()

    return run


def tf_dataset(source, batch_size: int, shuffle: bool = False, seed: int = 0, labels: bool = True,
               first_epoch: int = 0, skip_batches: int = 0, epochs: int = 1):
    """A tf.data.Dataset of (one-hot float32 (b, L, 4), labels float32 (b, T)) batches.

    The batches of *epochs* epochs, first_epoch, first_epoch + 1, ..., each shuffled by
    its own number; *skip_batches* drops the first batches of the first one (resuming an
    interrupted epoch: the rest is exactly what an uninterrupted run sees).  Train on
    several epochs with ``fit(..., steps_per_epoch=...)``.  Every iteration of the
    dataset yields the same batches: the epoch comes from the data, not from counting
    iterations, because Keras opens an extra iterator to build a distributed model (-g N).
    Python touches whole batches only; one-hot runs in the graph, and the next
    batches are prefetched while the model works.
    """
    import tensorflow as tf

    from dlbio.data.pipeline import PREFETCH_BATCHES, iter_batches, steps_per_epoch

    def gen(epoch):
        e = int(epoch)
        yield from iter_batches(source, batch_size, shuffle, seed, e, skip=skip_batches if e == first_epoch else 0)

    sig = (tf.TensorSpec((None, source.length), tf.uint8), tf.TensorSpec((None, source.n_targets), tf.uint8))
    ds = tf.data.Dataset.range(first_epoch, first_epoch + epochs).flat_map(
        lambda e: tf.data.Dataset.from_generator(gen, args=(e,), output_signature=sig))
    # Known length: Keras shows epoch progress and does not warn about running out of data.
    ds = ds.apply(tf.data.experimental.assert_cardinality(epochs * steps_per_epoch(source, batch_size) - skip_batches))

    def encode(x, y):
        onehot = tf.one_hot(tf.cast(x, tf.int32), 4, dtype=tf.float32)
        return (onehot, tf.cast(y, tf.float32)) if labels else onehot

    ds = ds.map(encode, num_parallel_calls=2)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = True
    # A fixed, small prefetch: AUTOTUNE grows its buffers with throughput, and host
    # memory must stay flat however large the data set is.
    return ds.with_options(options).prefetch(PREFETCH_BATCHES)


def tf_logical_devices(device_type: str = "GPU") -> list[str]:
    """TensorFlow's logical devices of *device_type*, by name."""
    import tensorflow as tf

    return [d.name for d in tf.config.list_logical_devices(device_type)]


def tf_strategy(devices: list[str] | None = None):
    """TensorFlow's default strategy, or a MirroredStrategy over *devices*."""
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(devices) if devices else tf.distribute.get_strategy()


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class _CrossModelRetracing(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning about dlbio's own traced
    functions.  TensorFlow counts traces by the Python code object, so dlbio_predict and
    dlbio_gradient, traced once or twice by each model they serve (the model, then the
    sub-models of motif activations and filter means), look to it like one function retraced
    again and again; `dlbio motifs --influence` printed two such warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and ".dlbio_" in message)


_RETRACING_FILTER = _CrossModelRetracing()


def _quiet_cross_model_retracing() -> None:
    logger = logging.getLogger("tensorflow")
    if _RETRACING_FILTER not in logger.filters:
        logger.addFilter(_RETRACING_FILTER)
