"""Which backend runs: the user's choice (``KERAS_BACKEND``, keras.json) or a command's preference, checked."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

from dlbio.backend.tensorflow_start import keep_tensorflow_out

BACKENDS = ("tensorflow", "jax", "torch")
# What to install for each backend (the extras of pyproject.toml).
EXTRAS = {
    "tensorflow": "pip install 'dlbio[cpu]' (or 'dlbio[gpu]' on a GPU node)",
    "jax": "pip install 'dlbio[jax]' (or 'dlbio[jax-cuda]' on a GPU node)",
    "torch": "pip install 'dlbio[torch]' (or 'dlbio[torch-cuda]' on a GPU node)",
}


def requested() -> str:
    """The backend Keras will use, or uses once imported.

    Returns
    -------
    str
        KERAS_BACKEND, else keras.json's, else 'tensorflow'; Keras's own once it is imported.
    """
    if sys.modules.get("keras") is not None:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "").strip() or _keras_json_backend() or "tensorflow"


def installed(backend: str) -> bool:
    """Whether a backend's module can be imported here (without importing it).

    Parameters
    ----------
    backend : str
        'tensorflow', 'jax' or 'torch'.

    Returns
    -------
    bool
    """
    if backend in sys.modules:
        return sys.modules[backend] is not None
    try:
        return importlib.util.find_spec(backend) is not None
    except (ImportError, ValueError):
        return False


def select(preferred: str | None = None, onednn: bool | None = None) -> str:
    """Choose the backend before keras is imported, and check it.

    The user's choice (KERAS_BACKEND, or a keras.json naming another installed backend than the
    tensorflow Keras writes there by itself) stands.  Without one: *preferred* when it is
    installed (the class examples prefer JAX: several times faster, docs/benchmarks.md), else
    TensorFlow, else whichever of JAX and PyTorch is installed (a GPU machine may have no
    TensorFlow).  With no choice and no backend installed, a command that needs none (a data
    command) still runs, and one that does names the extra when it imports keras.

    Parameters
    ----------
    preferred : str or None, optional
        The backend to take when the user chose none and it is installed.
    onednn : bool or None, optional
        False turns TensorFlow's oneDNN kernels off unless TF_ENABLE_ONEDNN_OPTS is set (the class
        examples' toy models run faster without them); None keeps TensorFlow's default.

    Returns
    -------
    str
        The backend's name.

    Raises
    ------
    DlbioError
        When the user's choice is not a backend dlbio runs on, or is not installed (naming the
        extra to install).
    """
    from dlbio.utils.errors import DlbioError

    if onednn is not None:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1" if onednn else "0")
    # Keras writes keras.json itself on first use, with "tensorflow": only another backend there,
    # and one that is installed, is a choice; KERAS_BACKEND is the user's, and stands (or fails).
    in_json = _keras_json_backend()
    chosen = os.environ.get("KERAS_BACKEND", "").strip() or (
        in_json if in_json != "tensorflow" and installed(in_json or "") else None
    )
    if sys.modules.get("keras") is None and not chosen:
        order = ([preferred] if preferred else []) + list(BACKENDS)
        found = next((b for b in order if installed(b)), None)
        if found not in (None, "tensorflow"):  # Keras's own default needs no setting
            os.environ["KERAS_BACKEND"] = found
        backend = found or "tensorflow"
    else:
        backend = requested()
        if backend not in BACKENDS:
            raise DlbioError(f"KERAS_BACKEND={backend!r} is not a backend dlbio runs on: use tensorflow, jax or torch")
        if not installed(backend):
            raise DlbioError(f"KERAS_BACKEND={backend}, but {backend} is not installed: {EXTRAS[backend]}")
    keep_tensorflow_out(backend)
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
    """The running Keras backend.

    Returns
    -------
    str
        'tensorflow', 'jax' or 'torch' (imports keras).
    """
    import keras

    return keras.backend.backend()


def module():
    """The running backend's own module.

    Returns
    -------
    module
        tensorflow, jax or torch.
    """
    return importlib.import_module(name())
