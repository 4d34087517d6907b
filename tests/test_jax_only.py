"""--multi-worker on JAX: two processes on 127.0.0.1 (JAX's distributed runtime, gloo between
CPU processes), as two SLURM tasks would run; the JAX run of the suite runs these."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from conftest import BACKEND
from danq_runs import danq_args, free_ports, read_losses

from dlbio.utils.errors import DlbioError

pytestmark = pytest.mark.skipif(BACKEND != "jax", reason="JAX's distributed runtime: the JAX run of the suite")

ARGS = danq_args(40, 400, 3, "--multi-worker")
LONG = danq_args(40, 2000, 3, "--multi-worker", "--patience", "10")


def _env(index=None, port=None, processes=2):
    env = {**os.environ, "KERAS_BACKEND": "jax", "CUDA_VISIBLE_DEVICES": "", "DLBIO_CLUSTER_TIMEOUT_S": "60"}
    for k in ("XLA_FLAGS", "SLURM_NTASKS", "SLURM_JOB_ID"):
        env.pop(k, None)
    if index is not None:
        env.update(
            KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
            KERAS_DISTRIBUTION_NUM_PROCESSES=str(processes),
            KERAS_DISTRIBUTION_PROCESS_ID=str(index),
        )
    return env


def _start(args, out_dirs, extra=()):
    port = free_ports()[0]
    cmd = [sys.executable, "-m", "dlbio", "danq-train", *args, *extra]
    return [
        subprocess.Popen(
            cmd + ["--out-dir", str(d)], env=_env(i, port), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i, d in enumerate(out_dirs)
    ]


@pytest.mark.slow
def test_two_processes_train_one_model_and_the_chief_writes(tmp_path):
    procs = _start(ARGS, [tmp_path / "p0", tmp_path / "p1"], ["--resume"])  # --resume: it says "no state"
    outs = [p.communicate(timeout=400) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-1500:] for o in outs]
    one = subprocess.run(
        [sys.executable, "-m", "dlbio", "danq-train", *ARGS, "--out-dir", str(tmp_path / "single")],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert one.returncode == 0, one.stderr[-1500:]
    chief = tmp_path / "p0" / "checkpoints"
    assert (chief / "bestmodel.DanQ.keras").is_file() and (chief / "bestmodel.DanQ.run.json").is_file()
    assert not (tmp_path / "p1" / "checkpoints" / "bestmodel.DanQ.keras").exists()  # only the chief writes
    assert not (tmp_path / "p1" / "checkpoints" / "bestmodel.DanQ.log.csv").exists()
    two, single = (
        read_losses(chief / "bestmodel.DanQ.log.csv"),
        read_losses(tmp_path / "single" / "checkpoints" / "bestmodel.DanQ.log.csv"),
    )
    assert two.shape == single.shape == (3, 2)
    assert two[-1, 0] < two[0, 0] - 0.005  # it really trains
    # each process trains on its own half, so batches hold other sequences than one process's:
    # the same model and data, to a tolerance
    assert np.allclose(two, single, rtol=0.03), (two, single)
    record = json.loads((chief / "bestmodel.DanQ.run.json").read_text())
    assert record["config"]["processes"] == 2 and record["config"]["multi_worker"] is True
    assert "on 2 replicas (--multi-worker)" in outs[0][1] and "parameters" not in outs[1][1]
    # a job's log says once where the run starts and what was written: the chief says it
    for line in ("no state at", "model -> ", "log -> "):
        assert line in outs[0][0] and line not in outs[1][0], (line, outs)


@pytest.mark.slow
def test_a_signal_to_one_process_stops_both_and_both_resume(tmp_path):
    state = tmp_path / "checkpoints" / "bestmodel.DanQ.state.keras"
    procs = _start(LONG, [tmp_path, tmp_path])  # a shared --out-dir, as on a cluster file system
    deadline = time.time() + 300
    while not state.exists() and time.time() < deadline and all(p.poll() is None for p in procs):
        time.sleep(0.05)
    assert state.exists(), [p.communicate() for p in procs]
    procs[1].send_signal(signal.SIGTERM)  # only the second process hears it
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [75, 75], [o[1][-800:] for o in outs]
    # the chief, which saved the state, says so; the job's log has it once
    assert "rerun with --resume" in outs[0][1] and "preempted" not in outs[1][1], outs
    with zipfile.ZipFile(state) as z:
        saved = json.loads(z.read("dlbio_state.json"))
    assert saved["step"] % 20 == 0 or saved["step"] == 0  # they stop together at a batch they agree on
    procs = _start(LONG, [tmp_path, tmp_path], ["--resume"])
    outs = [p.communicate(timeout=400) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-800:] for o in outs]
    assert "resuming from" in outs[0][0] and "resuming from" not in outs[1][0], outs
    assert read_losses(tmp_path / "checkpoints" / "bestmodel.DanQ.log.csv").shape == (3, 2)  # every epoch once


def test_a_missing_coordinator_is_a_clear_error_not_a_hang(tmp_path):
    env = {**_env(1, free_ports()[0]), "DLBIO_CLUSTER_TIMEOUT_S": "2"}
    t0 = time.time()
    res = subprocess.run(
        [sys.executable, "-m", "dlbio", "danq-train", *ARGS, "--out-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr[-800:]
    assert res.stderr.strip().splitlines()[-1].startswith("error: --multi-worker: no coordinator at 127.0.0.1:")
    assert "Traceback" not in res.stderr and time.time() - t0 < 60


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_multi_worker_in_the_batch_shell_is_a_clear_error(tmp_path, backend):
    """The one check (strategy.check_slurm_step) on both backends' --multi-worker paths."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {**_env(), "KERAS_BACKEND": backend, "SLURM_NTASKS": "2", "SLURM_JOB_ID": "7"}
    env.pop("SLURM_STEP_NUM_TASKS", None)
    res = subprocess.run(
        [sys.executable, "-m", "dlbio", "danq-train", *ARGS, "--out-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr[-800:]
    assert res.stderr.strip().splitlines()[-1].startswith("error: --multi-worker: this SLURM job has 2 tasks")
    assert "Traceback" not in res.stderr


def test_a_slurm_step_is_read_as_jax_reads_it(monkeypatch):
    """Under srun: the coordinator is the step's first node, the port comes from the job id,
    and each process takes every GPU its node shows it (JAX alone would give it one)."""
    from dlbio.backend import jax_only

    step = {
        "SLURM_JOB_ID": "4242",
        "SLURM_STEP_NODELIST": "cn[0858-0859]",
        "SLURM_NTASKS": "2",
        "SLURM_PROCID": "1",
        "SLURM_LOCALID": "0",
    }
    for key, value in step.items():
        monkeypatch.setenv(key, value)
    assert jax_only._slurm_cluster(5) == ("cn0858:61586", 2, 1)  # 4242 % 4096 + 61440
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    assert jax_only._local_gpu_ids() == [0, 1, 2, 3]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert jax_only._local_gpu_ids() is None
    monkeypatch.delenv("SLURM_STEP_NODELIST")
    with pytest.raises(DlbioError, match="not inside a SLURM step"):
        jax_only._slurm_cluster(5)
