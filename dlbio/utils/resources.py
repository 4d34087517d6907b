"""Where the bundled data lives ($DLBIO_DATA, set by the Lmod modules; the copy inside an
installed wheel; or the repo's data/), and where dlbio keeps what it can rebuild
($DLBIO_CACHE, default ~/.cache/dlbio)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The folder of bundled data (toy weights, the planted-motif set, the tiny genome).

    Returns
    -------
    pathlib.Path
        $DLBIO_DATA, else the copy a wheel install carries (``dlbio/bundled``, see setup.py),
        else ``data/`` of the source tree (a checkout or an editable install).
    """
    env = os.environ.get("DLBIO_DATA")
    if env:
        return Path(env)
    installed = Path(__file__).resolve().parents[1] / "bundled"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[2] / "data"


def default_input(name: str) -> Path:
    """A file in the working directory when present, else the bundled copy.

    Parameters
    ----------
    name : str
        The file's name.

    Returns
    -------
    pathlib.Path
    """
    here = Path(name)
    return here if here.exists() else data_dir() / name


def tiny_deepsea() -> Path:
    """The bundled planted-motif set in the DeepSEA layout.

    Returns
    -------
    pathlib.Path
        ``$DANQ_DATA/data``.
    """
    return data_dir() / "danq" / "data"


def cache_root() -> Path:
    """The cache folder (not created).

    Returns
    -------
    pathlib.Path
        $DLBIO_CACHE, default ~/.cache/dlbio.
    """
    return Path(os.environ.get("DLBIO_CACHE") or Path.home() / ".cache" / "dlbio")


def cache_dir(*parts: str) -> Path:
    """A folder under :func:`cache_root`, created: compiled Tomtom code, FASTA indexes of genomes
    in read-only folders.

    Parameters
    ----------
    *parts : str
        The path under the cache root.

    Returns
    -------
    pathlib.Path
    """
    path = Path(cache_root(), *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
