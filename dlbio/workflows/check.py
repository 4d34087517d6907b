"""dlbio check: the machine as dlbio sees it."""

from __future__ import annotations


def check() -> tuple[list[tuple[str, str]], bool]:
    """(environment.report()'s (what, state) lines, whether TensorFlow sees a GPU)."""
    import tensorflow as tf

    from dlbio.environment import report

    return report(), bool(tf.config.list_physical_devices("GPU"))
