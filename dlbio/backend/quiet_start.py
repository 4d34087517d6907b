"""TensorFlow's start, without the lines its log level cannot silence.

TensorFlow 2.21 logs its oneDNN notice through absl before absl's logging is set up, whatever
``TF_CPP_MIN_LOG_LEVEL`` says (tensorflow/tensorflow#100442): four lines on stderr each time
it starts with oneDNN on, dlbio's default for DanQ on a CPU.  Where ``TF_CPP_MIN_LOG_LEVEL``
asks for quiet (1 or more; the commands set 3 unless the user set it), TensorFlow's first
import runs with file descriptor 2 on /dev/null.  A failed import still raises its exception;
``DLBIO_DEBUG`` or ``TF_CPP_MIN_LOG_LEVEL=0`` shows everything.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import sys


def quiet_tensorflow_start() -> None:
    """Make TensorFlow's first import in this process quiet, where its log level asks for quiet
    (a no-op once TensorFlow is imported)."""
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0").strip()
    if (
        "tensorflow" in sys.modules
        or os.environ.get("DLBIO_DEBUG")
        or not level.isdigit()
        or int(level) < 1
        or any(isinstance(f, _QuietFirstImport) for f in sys.meta_path)
    ):
        return
    sys.meta_path.insert(0, _QuietFirstImport("tensorflow"))


class _QuietFirstImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: hands back the normal spec of *name*, whose module then runs
    with stderr silenced.  It stays in place until that module runs: a look-up alone
    (``importlib.util.find_spec``, which dlbio.backend.installed makes) imports nothing."""

    def __init__(self, name: str):
        self.name = name
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
            with _stderr_silenced():
                run(module)

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
