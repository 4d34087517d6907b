"""Seeds, determinism and threads: what each backend sets in its own way."""

from __future__ import annotations

import os

from dlbio.backend.selection import name, requested
from dlbio.backend.tensorflow_start import keep_tensorflow_out


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

    # Keras seeds TensorFlow too wherever it is installed, importing it: 2-3 s and 0.4 GB in
    # each process of a JAX or PyTorch job, for nothing.
    keep_tensorflow_out(name())
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


def seeded_dropout(model) -> None:
    """Make *model*'s dropout draw its masks from its Keras seed generators on PyTorch too.

    Keras's torch backend gives a layer made without a seed (``Dropout(0.5)``) a fast path
    whose masks come from torch's global generator.  No resume state holds that generator, so
    a resumed run drew other masks than an uninterrupted one, and every process of ``-g N``
    seeds it alike, so they all drew the same masks.  Marked as seeded, such a layer draws
    from its seed generator's state instead, as on TensorFlow and JAX: the state a resume saves
    (dlbio.training.resume) and ``-g N`` sets apart per process (torch_only.SEED_STRIDE).  That
    path reads the seed on the host, one read per dropout layer and step.  A no-op on the other
    backends.

    Parameters
    ----------
    model : keras.Model
        Built; call before training.
    """
    import keras

    if name() != "torch":
        return
    for layer in model._flatten_layers(include_self=False):
        for generator in layer._seed_generators:
            if generator._initial_seed is None:  # what the torch backend checks for its fast path
                generator._initial_seed = int(keras.ops.convert_to_numpy(generator.state)[0])


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
