"""Where the bundled data lives ($DLBIO_DATA, set by the Lmod modules; the copy inside an
installed wheel; or the repo's data/), and where dlbio keeps what it can rebuild
($DLBIO_CACHE, default ~/.cache/dlbio)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Folder of bundled data (toy weights, the tiny DeepSEA-layout set, example peaks):
    $DLBIO_DATA, else the copy a wheel install carries (``dlbio/bundled``, see setup.py),
    else ``data/`` of the source tree (a checkout or an editable install)."""
    env = os.environ.get("DLBIO_DATA")
    if env:
        return Path(env)
    installed = Path(__file__).resolve().parents[1] / "bundled"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[2] / "data"


def default_input(name: str) -> Path:
    """*name* in the working directory when present, else the bundled copy."""
    here = Path(name)
    return here if here.exists() else data_dir() / name


def tiny_deepsea() -> Path:
    """The bundled planted-motif set in the DeepSEA layout (``$DANQ_DATA/data``)."""
    return data_dir() / "danq" / "data"


def cache_root() -> Path:
    """$DLBIO_CACHE, default ~/.cache/dlbio (not created)."""
    return Path(os.environ.get("DLBIO_CACHE") or Path.home() / ".cache" / "dlbio")


def cache_dir(*parts: str) -> Path:
    """A folder under cache_root(), created: compiled Tomtom code, FASTA indexes of genomes in
    read-only folders."""
    path = Path(cache_root(), *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
