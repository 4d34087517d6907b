"""Optimizers and dtype policies shared by every trainer (seeds: dlbio.backend.seed_everything)."""

from __future__ import annotations

import contextlib

import keras

from dlbio.utils.errors import require

OPTIMIZERS = ("sgd", "adam", "rmsprop")


def make_optimizer(
    name: str, learning_rate: float | None = None, momentum: float = 0.0, nesterov: bool = False
) -> keras.optimizers.Optimizer:
    """An optimizer by name, with Keras's defaults unless a learning rate is given.

    Parameters
    ----------
    name : {'sgd', 'adam', 'rmsprop'}
        The optimizer.
    learning_rate : float or None, optional
        None: Keras's default.
    momentum : float, optional
        SGD's (and RMSprop's).
    nesterov : bool, optional
        Nesterov momentum (SGD).

    Returns
    -------
    keras.optimizers.Optimizer
    """
    name = name.lower()
    require(name in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    require(learning_rate is None or learning_rate > 0, f"learning rate must be positive, got {learning_rate}")
    require(0.0 <= momentum < 1.0, f"momentum must be in [0, 1), got {momentum}")
    kw = {} if learning_rate is None else {"learning_rate": learning_rate}
    if name == "sgd":
        return keras.optimizers.SGD(momentum=momentum, nesterov=nesterov, **kw)
    if name == "adam":
        return keras.optimizers.Adam(**kw)
    return keras.optimizers.RMSprop(momentum=momentum, **kw)


@contextlib.contextmanager
def dtype_policy(name: str | None):
    """Layers built inside take a dtype policy (a context manager).  Keras reads the global
    policy when a layer is made, and compile() wraps the optimizer in a LossScaleOptimizer from
    the model's own policy, so the global setting is only needed while building; restoring it
    keeps it from leaking into the caller's process.

    Parameters
    ----------
    name : str or None
        e.g. "mixed_float16"; None changes nothing.

    Yields
    ------
    None
    """
    previous = keras.mixed_precision.global_policy()
    if name:
        keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
