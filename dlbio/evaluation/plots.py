"""Matplotlib without a display, and figures saved atomically as PNG."""

from __future__ import annotations

from pathlib import Path

from dlbio.utils.atomic import atomic_path


def pyplot():
    """matplotlib.pyplot on the Agg backend (batch nodes have no display).

    Returns
    -------
    module
        matplotlib.pyplot.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path: str | Path, dpi: int = 120, layout: bool = True) -> Path:
    """Save a figure as a PNG, atomically, and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or pathlib.Path
        The PNG.
    dpi : int, optional
        Resolution.
    layout : bool, optional
        Call tight_layout first (off for a figure made with its own layout engine).

    Returns
    -------
    pathlib.Path
        *path*.
    """
    if layout:
        fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    pyplot().close(fig)
    return Path(path)
