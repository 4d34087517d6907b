"""Load the Lmod modulefiles with real Lmod and run a command through them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LMOD_INIT = next(iter(sorted(Path("/usr/share/lmod").glob("*/init/bash"))), None)

needs_lmod = pytest.mark.skipif(
    LMOD_INIT is None and not os.environ.get("CI"), reason="Lmod not installed (make test installs it as root)"
)


def _module_shell(script: str) -> subprocess.CompletedProcess:
    assert LMOD_INIT is not None, "Lmod is required in CI (Debian package lmod)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLBIO_", "DANQ_"))}
    env["DLBIO_PREFIX"] = str(Path(sys.executable).parent.parent)
    return subprocess.run(
        ["bash", "-c", f"source {LMOD_INIT}; module use {ROOT / 'modulefiles'}; {script}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@needs_lmod
def test_class2_module_loads_and_runs_script():
    res = _module_shell('module load DLBio/class2 && echo "BIN=$DLBIO_BIN DATA=$DLBIO_DATA" && mdet_conv1d.py --help')
    assert res.returncode == 0, res.stderr
    assert "[+] Loading DLByExample class2 ..." in res.stderr
    assert f"BIN={ROOT / 'scripts'} DATA={ROOT / 'data'}" in res.stdout
    assert "mdet_conv1d.py" in res.stdout and "Example:" in res.stdout


@needs_lmod
def test_modulefiles_syntax():
    res = _module_shell("module --terse avail 2>&1")
    assert "DLBio/class2" in res.stdout + res.stderr


@needs_lmod
def test_danq_module_sets_biowulf_variables():
    res = _module_shell(
        'module load danq && echo "H=$DANQ_HOME S=$DANQ_SRC D=$DANQ_DATA" && ls $DANQ_SRC && train.py --help'
    )
    assert res.returncode == 0, res.stderr
    assert "[+] Loading danq" in res.stderr
    assert f"S={ROOT / 'scripts'}" in res.stdout and "predict.py" in res.stdout and "visualize.py" in res.stdout
    assert "-g, --gpus" in res.stdout
