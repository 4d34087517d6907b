"""TensorFlow's start: quiet where it is the backend, and none where it is not.

TensorFlow 2.21 logs its oneDNN notice through absl before absl's logging is set up, whatever
``TF_CPP_MIN_LOG_LEVEL`` says (tensorflow/tensorflow#100442): four lines on stderr each time
it starts with oneDNN on, dlbio's default for DanQ on a CPU.  Where ``TF_CPP_MIN_LOG_LEVEL``
asks for quiet (1 or more; the commands set 3 unless the user set it), TensorFlow's first
import runs with file descriptor 2 on /dev/null.  A failed import still raises its exception;
``DLBIO_DEBUG`` or ``TF_CPP_MIN_LOG_LEVEL=0`` shows everything.

On JAX and PyTorch, Keras imports TensorFlow wherever it is installed (a cluster module with
all three backends, the CI): to seed it, and to ask whether an object it serializes is a
TensorFlow shape, which every Bidirectional layer and every saved model does.  That cost a
DanQ job 0.4 GB and 1.5-4 s a process (docs/benchmarks.md), for nothing:
:func:`keep_tensorflow_out` tells Keras that TensorFlow is absent there.  The user's own
``import tensorflow`` still works.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Callable

# Keras's handle on TensorFlow, a LazyModule that imports it on first question
_KERAS_MODULE_UTILS = "keras.src.utils.module_utils"


def quiet_tensorflow_start() -> None:
    """Make TensorFlow's first import in this process quiet, where its log level asks for quiet
    (a no-op once TensorFlow is imported)."""
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0").strip()
    if (
        "tensorflow" in sys.modules
        or os.environ.get("DLBIO_DEBUG")
        or not level.isdigit()
        or int(level) < 1
        or _waiting_for("tensorflow")
    ):
        return
    sys.meta_path.insert(0, _FirstImport("tensorflow", _with_stderr_silenced))


def keep_tensorflow_out(backend: str) -> None:
    """On JAX and PyTorch, Keras takes TensorFlow for absent in this process (a no-op on
    TensorFlow, or once TensorFlow is imported).

    Parameters
    ----------
    backend : str
        The backend Keras runs or will run on: 'tensorflow', 'jax' or 'torch'.
    """
    if backend == "tensorflow" or "tensorflow" in sys.modules:
        return
    if _KERAS_MODULE_UTILS in sys.modules:
        _tensorflow_absent_for_keras(sys.modules[_KERAS_MODULE_UTILS])
    elif not _waiting_for(_KERAS_MODULE_UTILS):
        sys.meta_path.insert(0, _FirstImport(_KERAS_MODULE_UTILS, _then_tensorflow_absent))


def _tensorflow_absent_for_keras(module_utils) -> None:
    lazy = getattr(module_utils, "tensorflow", None)
    if lazy is not None and getattr(lazy, "module", None) is None and hasattr(lazy, "_available"):
        lazy._available = False  # what LazyModule.available caches after a failed import


def _then_tensorflow_absent(run, module) -> None:
    run(module)
    _tensorflow_absent_for_keras(module)


def _with_stderr_silenced(run, module) -> None:
    with _stderr_silenced():
        run(module)


def _waiting_for(name: str) -> bool:
    return any(isinstance(f, _FirstImport) and f.name == name for f in sys.meta_path)


class _FirstImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: hands back the normal spec of *name*, whose module then runs
    through ``around(run, module)``.  It stays in place until that module runs: a look-up alone
    (``importlib.util.find_spec``, which dlbio.backend.installed makes) imports nothing."""

    def __init__(self, name: str, around: Callable):
        self.name, self.around = name, around
        self._finding = False

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name or self._finding:
            return None
        self._finding = True
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._finding = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            self.around(run, module)

        spec.loader.exec_module = exec_module
        return spec


@contextlib.contextmanager
def _stderr_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
