"""dlbio check, and the warning when a job's GPUs are not seen by TensorFlow."""

import re
import sys
from types import SimpleNamespace

import pytest

from dlbio.cli.data import check_cmd
from dlbio.utils import environment
from dlbio.utils.resources import tiny_deepsea

GPU_VARS = ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_GPUS", "SLURM_STEP_GPUS", "SLURM_GPUS_ON_NODE")


def _fake_tf(cuda_build: bool, gpus=()):
    return SimpleNamespace(
        __version__="2.21.0",
        config=SimpleNamespace(list_physical_devices=lambda kind: list(gpus)),
        sysconfig=SimpleNamespace(get_build_info=lambda: {"is_cuda_build": cuda_build}),
    )


@pytest.fixture
def no_gpu_env(monkeypatch):
    for var in GPU_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(environment.glob, "glob", lambda pattern: [])  # no /dev/nvidia*


def test_job_gpus_from_the_scheduler_the_driver_or_none(no_gpu_env, monkeypatch):
    assert environment.job_gpus() is None
    monkeypatch.setenv("SLURM_GPUS_ON_NODE", "0")  # a count: none
    assert environment.job_gpus() is None
    monkeypatch.setenv("SLURM_JOB_GPUS", "0")  # GPU numbers: GPU 0
    assert environment.job_gpus() == "SLURM_JOB_GPUS=0"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # hidden on purpose wins over the job's GPUs
    assert environment.job_gpus() is None
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    assert environment.job_gpus() == "CUDA_VISIBLE_DEVICES=0,1"
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    monkeypatch.delenv("SLURM_JOB_GPUS")
    monkeypatch.setattr(environment.glob, "glob", lambda pattern: ["/dev/nvidia0", "/dev/nvidia1"])
    assert environment.job_gpus() == "2 NVIDIA devices in /dev"


def test_gpu_problem_names_the_cause_and_the_fix(no_gpu_env, monkeypatch):
    assert environment.gpu_problem(_fake_tf(False)) is None  # no GPU anywhere: nothing to say
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    cpu_build = environment.gpu_problem(_fake_tf(False))
    assert "CUDA_VISIBLE_DEVICES=0" in cpu_build and "CPU-only build" in cpu_build and "dlbio[gpu]" in cpu_build
    assert "nvidia-smi" in environment.gpu_problem(_fake_tf(True))  # CUDA build, no usable GPU
    assert environment.gpu_problem(_fake_tf(True, gpus=["GPU:0"])) is None


def test_danq_predict_warns_once_when_the_jobs_gpus_are_unseen(no_gpu_env, monkeypatch, run_cli, tmp_path, capsys):
    """This TensorFlow is the CPU build (tensorflow-cpu), so a job with GPUs gets the warning,
    on stderr, once a process (danq-train predicts at every epoch)."""
    import keras

    from dlbio.cli.danq import danq_predict
    from dlbio.models import deepsea

    deepsea.build("DanQ", 8, 200, filters=4, kernel_size=9, lstm_units=2, dense_units=4).save(tmp_path / "m.keras")
    monkeypatch.setattr(environment, "_warned", False)
    monkeypatch.setenv("SLURM_JOB_GPUS", "0")
    res = run_cli(
        danq_predict, ["-d", tiny_deepsea(), "-w", "m.keras", "-n", 100, "-o", "p.h5", "-q", "--both-strands"]
    )
    err = res.stderr
    from dlbio.backend import display_name

    assert err.count(f"warning: this job has GPUs (SLURM_JOB_GPUS=0) but {display_name()} sees none") == 1
    assert "running on the CPU" in err
    environment.warn_if_gpus_unseen()
    assert capsys.readouterr().err == ""
    keras.backend.clear_session()


def test_check_prints_every_part_and_gpu_exits_1_without_one(run_cli):
    res = run_cli(check_cmd, [])
    from dlbio.backend import display_name, module

    lines = dict(line.split(None, 1) for line in res.output.splitlines() if not line.startswith(("bundled", "GPUs")))
    ran = lines[display_name()]
    assert ran.startswith(module().__version__) and "Keras 3" in ran and f"KERAS_BACKEND={module().__name__}" in ran
    assert lines["logos"].startswith("PNG logos drawn (Ghostscript")  # a real logo was drawn
    assert "memelite" in lines and "pyjaspar" in lines
    assert lines["modisco-lite"].split()[0][0].isdigit() and "TF-MoDISco" in lines["modisco-lite"]  # the extra is in
    assert "bigWig" in lines["pyBigWig"]
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in lines["dlbio"]
    assert re.search(r"^GPUs seen +none", res.output, re.M)  # the tests hide GPUs (conftest)
    res = run_cli(check_cmd, ["--gpu"], ok=False)
    assert res.exit_code == 1 and f"{display_name()} sees no GPU" in res.output
