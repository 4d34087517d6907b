"""An installed dlbio (a wheel, not the source tree) carries and finds its bundled data, and a
package left out at install time is named in one line with the pip command that adds it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DLBIO_DATA", "PYTHONPATH", "KERAS_BACKEND")}
    return {**env, **extra}


def _build_wheel(tmp_path: Path) -> Path:
    # Build from a copy, so the test writes nothing (build/, egg-info) into the source tree.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "dlbio", src / "dlbio", ignore=shutil.ignore_patterns("__pycache__", "bundled"))
    shutil.copytree(ROOT / "data", src / "data", ignore=shutil.ignore_patterns("__pycache__"))
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("dlbio-*.whl")
    return wheel


def test_wheel_carries_the_bundled_data_and_the_installed_package_finds_it(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [
        p.relative_to(ROOT / "data").as_posix()
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert "danq/data/train.mat" in shipped and "mdet_conv1d.keras" in shipped
    missing = [rel for rel in shipped if f"dlbio/bundled/{rel}" not in names]
    assert not missing, missing

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # what pip install does with a pure-Python wheel
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    probe = (
        "import dlbio, dlbio.utils.resources as r; print(dlbio.__file__); print(r.data_dir()); "
        "print(r.tiny_deepsea()); print(r.default_input('mdet_conv1d.keras'))"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe], cwd=elsewhere, capture_output=True, text=True, env=_env(PYTHONPATH=str(site))
    )
    assert res.returncode == 0, res.stderr[-2000:]
    package, data, tiny, weights = (Path(line) for line in res.stdout.split())
    assert package.parent == site / "dlbio"
    assert data == site / "dlbio" / "bundled"
    assert (tiny / "train.mat").is_file()
    assert weights == data / "mdet_conv1d.keras" and weights.is_file()


def test_data_dir_is_dlbio_data_when_set_else_the_source_tree(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "dlbio", "data-dir"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(DLBIO_DATA=str(tmp_path)),
    )
    assert res.returncode == 0 and res.stdout.strip() == str(tmp_path)
    res = subprocess.run(
        [sys.executable, "-m", "dlbio", "data-dir"], cwd=tmp_path, capture_output=True, text=True, env=_env()
    )
    assert res.returncode == 0 and Path(res.stdout.strip()) == ROOT / "data"
    res = subprocess.run(
        [sys.executable, "-m", "dlbio", "data-dir"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(DLBIO_DATA=str(tmp_path / "nowhere")),
    )
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"error: {tmp_path / 'nowhere'}: bundled data folder not found")


def test_a_missing_tensorflow_names_the_extra_to_install(tmp_path):
    # None in sys.modules makes "import keras" raise ModuleNotFoundError, as in an
    # environment where dlbio was installed without any backend's extra.
    code = (
        "import sys; sys.modules['keras'] = sys.modules['tensorflow'] = None; "
        "sys.modules['jax'] = sys.modules['torch'] = None; "
        "from dlbio.cli.class2 import mdisc_conv1d; mdisc_conv1d()"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=_env())
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"error: keras is not installed in {sys.prefix}: pip install 'dlbio[cpu]'")


def test_data_and_plot_commands_need_no_tensorflow(tmp_path):
    """danq-prepare, danq-convert, simulate and danq-visualize's ROC and training curves run
    where only the base package is installed (a data-preparation node, a login node); they do
    not start TensorFlow (5 s) either."""
    import h5py
    import numpy as np

    from dlbio.utils.resources import data_dir

    genome = data_dir() / "genome_tiny"
    rng = np.random.default_rng(0)
    with h5py.File(tmp_path / "p.h5", "w") as f:
        f["pred"], f["labels"] = (
            rng.random((20, 2)).astype(np.float32),
            np.tile([[0, 1], [1, 0]], (10, 1)).astype(np.uint8),
        )
    (tmp_path / "run.log.csv").write_text("epoch,loss,val_auc_median,val_loss\n0,0.7,0.6,0.69\n1,0.6,0.7,0.62\n")
    block = (
        "import sys; sys.modules['keras'] = sys.modules['tensorflow'] = None; from dlbio.cli import program; "
        "sys.argv[0] = 'dlbio'; program()"
    )
    for args in (
        [
            "danq-prepare",
            "-g",
            genome / "genome.fa",
            "--sheet",
            genome / "targets.tsv",
            "--test-chroms",
            "chr3",
            "--valid-chroms",
            "chr2",
            "-o",
            tmp_path / "prepared",
            "-q",
        ],
        ["danq-convert", "-d", data_dir() / "danq" / "data", "-o", tmp_path / "store"],
        ["simulate", "-o", tmp_path / "sim", "--motifs", "CTCF"],
        ["danq-visualize", "-t", "2", "-p", tmp_path / "p.h5", "-o", tmp_path / "roc.png"],
        ["danq-visualize", "-L", tmp_path / "run.log.csv", "-o", tmp_path / "curves.png"],
    ):
        res = subprocess.run(
            [sys.executable, "-c", block, *map(str, args)], cwd=tmp_path, capture_output=True, text=True, env=_env()
        )
        assert res.returncode == 0, (args[0], res.stderr)
    assert (tmp_path / "prepared" / "train.dlbio" / "manifest.json").is_file()
    assert (tmp_path / "store" / "train.dlbio" / "manifest.json").is_file()
    assert (tmp_path / "sim" / "train.mat").is_file()
    assert (tmp_path / "roc.png").is_file() and (tmp_path / "curves.png").is_file()


def test_every_command_has_help_with_an_example():
    from click.testing import CliRunner

    from dlbio.cli import main

    assert len(main.commands) >= 16
    runner = CliRunner()
    for name in sorted(main.commands):
        res = runner.invoke(main, [name, "--help"])
        assert res.exit_code == 0, name
        assert "Example" in res.output, name
