"""Build hook (the project itself is described in pyproject.toml).

A wheel carries the bundled data: ``data/`` (toy weights, the planted-motif DeepSEA set, the
tiny genome) is copied to ``dlbio/bundled/``, where ``dlbio.utils.resources.data_dir`` finds it,
so ``pip install`` from the source tree or an sdist gives working ``mdisc-*`` and DanQ
defaults.  An editable install reads ``data/`` in place instead.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = Path(__file__).resolve().parent / "data"


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib, "dlbio", "bundled")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildPyWithData})
