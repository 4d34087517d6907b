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


def seeded_dropout(model, seeds_on_host: bool = False) -> None:
    """Make *model*'s dropout draw its masks from its Keras seed generators on PyTorch too.

    Keras's torch backend gives a layer made without a seed (``Dropout(0.5)``) a fast path
    whose masks come from torch's global generator.  No resume state holds that generator, so
    a resumed run drew other masks than an uninterrupted one, and every process of ``-g N``
    seeds it alike, so they all drew the same masks.  Marked as seeded, such a layer draws
    from its seed generator's state instead, as on TensorFlow and JAX: the state a resume saves
    (dlbio.training.resume) and ``-g N`` sets apart per process (torch_only.SEED_STRIDE).  That
    path reads the seed on the host, one read per dropout layer and step: on a GPU each read
    waits for the work queued before it, unless the state is kept on the host
    (*seeds_on_host*), as torch keeps its own CUDA generators' seed and offset.  The seeds, and
    so the masks, are the same either way.  A no-op on the other backends.

    Parameters
    ----------
    model : keras.Model
        Built; call before training.
    seeds_on_host : bool, optional
        Keep the generators' states in host memory and advance them there (True), or leave
        them on the model's device as Keras does (False, which also undoes an earlier True).
    """
    import keras

    if name() != "torch":
        return
    for layer in model._flatten_layers(include_self=False):
        for generator in layer._seed_generators:
            if generator._initial_seed is None:  # what the torch backend checks for its fast path
                generator._initial_seed = int(keras.ops.convert_to_numpy(generator.state)[0])
            _place_seed_state(generator, seeds_on_host)


def _place_seed_state(generator, on_host: bool) -> None:
    import keras
    import torch

    parameter = generator.state._value  # moved through .data, as torch.nn.Module.to moves parameters
    if not on_host:
        generator.__dict__.pop("next", None)  # Keras's own SeedGenerator.next again
        parameter.data = parameter.data.to(keras.ops.convert_to_tensor(0).device)
        return
    parameter.data = parameter.data.cpu()
    increment = torch.tensor([0, 1], dtype=parameter.dtype)

    def next_on_host(ordered: bool = True):
        """SeedGenerator.next, on the host copy: the seed now, then the state advanced."""
        state = parameter.data
        if state.device.type != "cpu":  # moved back to a device since (Module.to): Keras's own
            return type(generator).next(generator, ordered)
        seed = state.clone()
        if ordered:
            state.add_(increment)
        else:
            state.copy_((state + 1) * 5387 % 933199)
        return seed

    generator.next = next_on_host


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
