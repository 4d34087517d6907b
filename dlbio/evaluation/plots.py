"""Matplotlib without a display, and figures saved atomically as PNG."""

from __future__ import annotations

from pathlib import Path

from dlbio.utils.atomic import atomic_path


def pyplot():
    """matplotlib.pyplot on the Agg backend (batch nodes have no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path: str | Path, dpi: int = 120, layout: bool = True) -> Path:
    """Lay out (*layout*: tight_layout; off for a figure made with its own layout engine), write
    under a temporary name, rename, close; return the path."""
    if layout:
        fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    pyplot().close(fig)
    return Path(path)
