"""dlbio check: the machine as dlbio sees it."""

from __future__ import annotations


def check() -> tuple[list[tuple[str, str]], bool]:
    """(environment.report()'s (what, state) lines, whether the Keras backend sees a GPU)."""
    from dlbio import backend
    from dlbio.environment import report

    return report(), bool(backend.gpus())
