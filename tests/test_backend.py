"""One code base on TensorFlow, JAX and PyTorch (dlbio/backend/).

Each check starts processes on the other backends (a process cannot switch backend), so
these tests run in the TensorFlow run of the suite only; the JAX and PyTorch runs of the
suite cover everything else on their backend.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlbio.utils.resources import data_dir, tiny_deepsea

pytestmark = pytest.mark.tf_only
G = data_dir() / "genome_tiny"
INSTALLED = [b for b in ("tensorflow", "jax", "torch") if __import__("importlib").util.find_spec(b)]
SMALL = ["-f", "8", "-k", "9", "--lstm-units", "4", "--dense-units", "8", "-b", "50", "-n", "200", "-q"]


def _run(backend: str, args: list[str], cwd: Path, hide=(), env=None, timeout=600):
    """A dlbio command on *backend* in a process of its own; *hide* makes those modules
    unimportable there (a GPU machine with JAX and PyTorch but no TensorFlow)."""
    code = (
        "import sys\n"
        + "".join(f"sys.modules[{m!r}] = None\n" for m in hide)
        + "from dlbio.cli import program\nsys.argv = ['dlbio', *sys.argv[1:]]\nprogram()\n"
    )
    full_env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _others():
    return [b for b in INSTALLED if b != "tensorflow"]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_main_job_runs_without_tensorflow(tmp_path, backend):
    """danq-train, danq-predict (test set, FASTA), mutagenesis (ISM and gradient) and the class
    examples on JAX or PyTorch, in a process where TensorFlow cannot be imported."""
    if backend not in INSTALLED:
        pytest.skip(f"{backend} is not installed")
    hide = ["tensorflow"]
    res = _run(
        backend, ["danq-train", "-d", tiny_deepsea(), "-e", "2", "-O", "adam", "-l", "1e-2", *SMALL], tmp_path, hide
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "checkpoints" / "bestmodel.DanQ.keras").is_file()
    record = json.loads((tmp_path / "checkpoints" / "bestmodel.DanQ.run.json").read_text())
    assert record["backend"] == backend and record[backend] and record["devices"]
    res = _run(backend, ["danq-predict", "-d", tiny_deepsea(), "-q", "-o", "p.h5"], tmp_path, hide)
    assert res.returncode == 0 and "median ROC AUC" in res.stdout, res.stderr[-2000:]
    (tmp_path / "s.fa").write_text(">a\n" + "ACGT" * 50 + "\n>b\n" + "GATA" * 50 + "\n")
    for method in ("ism", "gradient"):
        res = _run(
            backend,
            [
                "mutagenesis",
                "--fasta",
                "s.fa",
                "--all-records",
                "-t",
                "1",
                "--method",
                method,
                "--no-png",
                "-o",
                method,
                "-q",
            ],
            tmp_path,
            hide,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        theirs = np.loadtxt(tmp_path / f"{method}.a.tsv", skiprows=1, usecols=(2, 3, 4, 5))
        res = _run(
            "tensorflow",
            [
                "mutagenesis",
                "--fasta",
                "s.fa",
                "--all-records",
                "-t",
                "1",
                "--method",
                method,
                "--no-png",
                "-o",
                f"tf_{method}",
                "-q",
            ],
            tmp_path,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        ours = np.loadtxt(tmp_path / f"tf_{method}.a.tsv", skiprows=1, usecols=(2, 3, 4, 5))
        assert theirs.shape == (200, 4) and np.abs(theirs - ours).max() < 1e-4, method  # the same on TensorFlow
    res = _run(backend, ["mdet-conv1d", "-e", "3", "-q"], tmp_path, hide)
    assert res.returncode == 0 and "test accuracy" in res.stdout, res.stderr[-2000:]
    res = _run(backend, ["mdisc-conv1d", "--weights", data_dir() / "mdet_conv1d.keras"], tmp_path, hide)  # from TF
    assert res.returncode == 0 and res.stdout.strip().endswith("motif= 111NNNN"), res.stdout + res.stderr[-2000:]


def test_a_model_file_written_on_one_backend_predicts_the_same_on_the_others(tmp_path):
    """A .keras file of DanQ trained here (TensorFlow) and the published DanQ layout imported by
    danq-import: the other backends load them and predict the same to 1e-4."""
    from dlbio.models import deepsea
    from dlbio.predict import predict_index

    model = deepsea.build("DanQ", 8, 200, filters=8, kernel_size=9, lstm_units=4, dense_units=8, seed=3)
    model.save(tmp_path / "m.keras")
    idx = np.random.default_rng(1).integers(0, 5, (16, 200)).astype(np.uint8)  # N included
    np.save(tmp_path / "idx.npy", idx)
    here = predict_index(model, idx)
    code = (
        "import numpy as np, sys\nfrom dlbio.models.files import load_dna_model\nfrom dlbio.predict import "
        "predict_index\nm = load_dna_model(sys.argv[1])\nnp.save(sys.argv[2], predict_index(m, np.load(sys.argv[3])))\n"
    )
    for backend in _others():
        out = tmp_path / f"{backend}.npy"
        res = subprocess.run(
            [sys.executable, "-c", code, tmp_path / "m.keras", out, tmp_path / "idx.npy"],
            env={**os.environ, "KERAS_BACKEND": backend},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        assert np.abs(np.load(out) - here).max() < 1e-4, backend


def test_the_published_danq_imported_here_predicts_the_same_elsewhere(tmp_path):
    from test_keras02 import LENGTH, write_keras02_danq

    from dlbio.models.files import load_dna_model
    from dlbio.predict import predict_index
    from dlbio.workflows.published import import_danq

    source = tmp_path / "DanQ_bestmodel.hdf5"
    write_keras02_danq(source, np.random.default_rng(3))
    out, _ = import_danq(source, tmp_path / "danq.keras", LENGTH, None)
    idx = np.random.default_rng(2).integers(0, 4, (4, LENGTH)).astype(np.uint8)
    np.save(tmp_path / "idx.npy", idx)
    here = predict_index(load_dna_model(out), idx)
    code = (
        "import numpy as np, sys\nfrom dlbio.models.files import load_dna_model\nfrom dlbio.predict import "
        "predict_index\nnp.save(sys.argv[2], predict_index(load_dna_model(sys.argv[1]), np.load(sys.argv[3])))\n"
    )
    for backend in _others():
        res = subprocess.run(
            [sys.executable, "-c", code, out, tmp_path / f"{backend}.npy", tmp_path / "idx.npy"],
            env={**os.environ, "KERAS_BACKEND": backend},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        assert np.abs(np.load(tmp_path / f"{backend}.npy") - here).max() < 1e-4, backend


def test_a_resume_on_another_backend_is_refused(tmp_path, run_cli):
    if "jax" not in INSTALLED:
        pytest.skip("jax is not installed")
    from dlbio.cli.train import danq_train

    res = _run("jax", ["danq-train", "-d", tiny_deepsea(), "-e", "1", *SMALL, "-o", ""], tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    res = run_cli(danq_train, ["-d", tiny_deepsea(), "-e", 2, *SMALL, "-o", "", "--resume"], ok=False)
    assert res.exit_code == 2
    assert "written on jax, and this run is on tensorflow: resume it with KERAS_BACKEND=jax" in res.output


def test_backend_errors_are_one_line(tmp_path):
    res = _run("cntk", ["danq-predict", "-d", tiny_deepsea()], tmp_path)
    assert res.returncode == 2 and res.stderr.strip() == (
        "error: KERAS_BACKEND='cntk' is not a backend dlbio runs on: use tensorflow, jax or torch"
    )
    res = _run("jax", ["danq-predict", "-d", tiny_deepsea()], tmp_path, hide=["jax"])
    assert res.returncode == 2 and res.stderr.strip() == (
        "error: KERAS_BACKEND=jax, but jax is not installed: pip install 'dlbio[jax]' (or 'dlbio[jax-cuda]' on a "
        "GPU node)"
    )
    if "torch" in INSTALLED:
        res = _run("torch", ["danq-train", "-d", tiny_deepsea(), "-g", "2", "-b", "100"], tmp_path)
        assert res.returncode == 2 and "-g 2 asks for 2 GPUs but 0 are visible to torch" in res.stderr, res.stderr
        res = _run("torch", ["danq-train", "-d", tiny_deepsea(), "--multi-worker"], tmp_path)
        assert res.returncode == 2 and "--multi-worker runs on KERAS_BACKEND=jax or tensorflow" in res.stderr
    if "jax" in INSTALLED:
        res = _run("jax", ["danq-train", "-d", tiny_deepsea(), "-g", "4", "-b", "100"], tmp_path)
        assert res.returncode == 2 and "-g 4 asks for 4 GPUs but 0 are visible to jax" in res.stderr, res.stderr


def test_jax_data_parallel_over_two_devices_trains_like_one(tmp_path):
    """-g 2 on JAX: keras.distribution.DataParallel, here over 2 host devices (XLA's split CPU)."""
    if "jax" not in INSTALLED:
        pytest.skip("jax is not installed")
    code = (
        "import sys\nfrom dlbio.workflows import danq\n"
        "real = danq.make_strategy\n"
        "danq.make_strategy = lambda n, b, device_type='GPU': real(n, b, 'CPU')\n"
        "from dlbio.cli.train import danq_train\n"
        "danq_train.main(sys.argv[1:], standalone_mode=True)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    losses, val_losses = {}, {}
    for g in ("1", "2"):
        out = tmp_path / f"g{g}"
        res = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                "-d",
                str(tiny_deepsea()),
                "-e",
                "1",
                *SMALL,
                "-b",
                "100",
                "-g",
                g,
                "-o",
                "",
                "--out-dir",
                str(out),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        log = (out / "checkpoints" / "bestmodel.DanQ.log.csv").read_text().splitlines()
        row = dict(zip(log[0].split(","), log[1].split(",")))
        losses[g], val_losses[g] = float(row["loss"]), float(row["val_loss"])
    assert losses["1"] == pytest.approx(losses["2"], rel=1e-3)
    # -g 2's validation loss, from predictions, equals Keras's own (-g 1) after the same epoch
    assert val_losses["2"] == pytest.approx(val_losses["1"], rel=1e-5)
    # 201 sequences in batches of 100: the last batch, 1 sequence, cannot be split over 2 devices
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "-d",
            str(tiny_deepsea()),
            "-e",
            "1",
            *SMALL,
            "-b",
            "100",
            "-n",
            "201",
            "-g",
            "2",
            "-o",
            "",
            "--out-dir",
            str(tmp_path / "odd"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "1 of 201 sequences left out of each epoch" in res.stderr


def _imports_tensorflow(code: str, backend: str, *args: str) -> bool:
    """Run *code* (ending in ``print('tensorflow' in sys.modules)``) on *backend* in a process
    of its own; whether TensorFlow got imported."""
    res = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return {"True": True, "False": False}[res.stdout.split()[-1]]


def test_seeding_on_jax_and_torch_seeds_without_importing_tensorflow():
    """keras.utils.set_random_seed imports TensorFlow whenever it is installed; seed_everything
    seeds the same without it on the other backends (2-3 s and 0.4 GB a run), also where
    keras was imported first (a job called from Python)."""
    code = (
        "import sys\nimport keras\nimport numpy as np\nfrom dlbio.backend import seed_everything\n"
        "seed_everything(5)\na = np.random.rand()\nseed_everything(5)\nassert a == np.random.rand()\n"
        "print('tensorflow' in sys.modules)\n"
    )
    for backend in INSTALLED:
        assert _imports_tensorflow(code, backend) == (backend == "tensorflow"), backend


def test_a_job_on_jax_or_torch_builds_saves_and_loads_danq_without_tensorflow(tmp_path):
    """Keras asks whether each object it serializes is a TensorFlow shape, importing TensorFlow
    wherever it is installed: every Bidirectional layer built and every model saved or loaded.
    After select(), as every command runs it, Keras takes TensorFlow for absent on JAX and
    PyTorch (danq-predict on the tiny set: 10.9 -> 6.6 s, 913 -> 496 MB on JAX)."""
    code = (
        "import sys\nfrom dlbio.backend import select\nselect()\n"
        "import keras\nfrom dlbio.models.deepsea import danq\n"
        "model = danq(12, 100, filters=8, kernel_size=9, pool=4, lstm_units=4, dense_units=8)\n"
        "model.save(sys.argv[1])\nagain = keras.models.load_model(sys.argv[1])\n"
        "assert len(again.layers) == len(model.layers)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    for backend in INSTALLED:
        assert _imports_tensorflow(code, backend, str(tmp_path / f"{backend}.keras")) == (backend == "tensorflow")


def test_tensorflow_starts_quietly_unless_its_log_level_asks_for_its_logs():
    """TensorFlow 2.21 prints its oneDNN notice through absl whatever TF_CPP_MIN_LOG_LEVEL says
    (tensorflow#100442); the commands start it quietly, and TF_CPP_MIN_LOG_LEVEL=0 shows it."""
    code = "import dlbio.cli.common\nimport tensorflow as tf\nprint(int(tf.constant(2) + 1))\n"
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "DLBIO_DEBUG")}
    env.update(KERAS_BACKEND="tensorflow", TF_ENABLE_ONEDNN_OPTS="1")
    quiet = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "3\n", "")
    env["TF_CPP_MIN_LOG_LEVEL"] = "0"
    told = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert told.returncode == 0 and "oneDNN custom operations are on" in told.stderr
