"""MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1 (TF_CONFIG) vs one process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from danq_runs import danq_args, free_ports, read_losses

pytestmark = pytest.mark.tf_only

ARGS = danq_args(40, 200, 3, "--multi-worker", "-q")


def _env(tf_config=None):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    if tf_config:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


@pytest.mark.slow
def test_two_workers_train_like_one(tmp_path):
    cmd = [sys.executable, "-m", "dlbio", "danq-train", *(a for a in ARGS if a != "-q")]  # with progress lines
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = [
        subprocess.Popen(
            cmd + ["--out-dir", str(tmp_path / f"w{i}"), "--resume"],  # nothing to resume: "no state"
            env=_env({"cluster": cluster, "task": {"type": "worker", "index": i}}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-1500:] for o in outs]
    one = subprocess.run(
        cmd + ["--out-dir", str(tmp_path / "single")], env=_env(), capture_output=True, text=True, timeout=300
    )
    assert one.returncode == 0, one.stderr[-1500:]
    chief = tmp_path / "w0" / "checkpoints"
    assert (chief / "bestmodel.DanQ.keras").exists()  # the chief writes the model
    assert not (tmp_path / "w1" / "checkpoints" / "bestmodel.DanQ.keras").exists()
    two, single = (
        read_losses(chief / "bestmodel.DanQ.log.csv"),
        read_losses(tmp_path / "single" / "checkpoints" / "bestmodel.DanQ.log.csv"),
    )
    assert two.shape == single.shape == (3, 2)
    assert single[-1, 0] < single[0, 0] - 0.005  # it really trains
    # same data, same seed: the loss of the two-worker run matches the one-worker run
    # (dropout masks are drawn per replica, so to a tolerance, not bit for bit)
    assert np.allclose(two, single, rtol=0.02), (two, single)
    # in a log (stderr not a terminal) the chief, and only it, writes a line per epoch with the logged numbers
    lines = [line for line in outs[0][1].splitlines() if line.startswith("DanQ epoch")]
    assert [line.split(":")[0] for line in lines] == [f"DanQ epoch {e}/3" for e in (1, 2, 3)]
    assert lines[-1].split(": ")[1].startswith(f"loss {two[-1, 0]:.4f}, val_loss {two[-1, 1]:.4f};")
    assert "DanQ epoch" not in outs[1][1]
    assert "; on 2 replicas (--multi-worker)" in outs[0][1] and "parameters" not in outs[1][1]
    for line in ("no state at", "model -> ", "log -> "):  # said once in a job's log, by the chief
        assert line in outs[0][0] and line not in outs[1][0], (line, outs)


def test_mixed_precision_trains_like_float32(tmp_path):
    """The custom loop scales the loss for the LossScaleOptimizer (else every step is 2^15 too small)."""
    cmd = [sys.executable, "-m", "dlbio", "danq-train", *ARGS]
    runs = {}
    for name, extra in (("fp32", []), ("mixed", ["--mixed-precision"])):
        res = subprocess.run(
            cmd + extra + ["--out-dir", str(tmp_path / name)], env=_env(), capture_output=True, text=True, timeout=300
        )
        assert res.returncode == 0, res.stderr[-1500:]
        runs[name] = read_losses(tmp_path / name / "checkpoints" / "bestmodel.DanQ.log.csv")
    assert runs["mixed"][-1, 0] < runs["mixed"][0, 0] - 0.005  # it really trains
    assert np.allclose(runs["mixed"], runs["fp32"], rtol=0.02), runs  # float16 compute, same steps


def _weights(path):
    import keras

    return keras.models.load_model(path, compile=False).get_weights()


def _wait_for(path, procs, seconds=240):
    import time

    deadline = time.time() + seconds
    while not path.exists() and time.time() < deadline and all(p.poll() is None for p in procs):
        time.sleep(0.05)
    assert path.exists(), [p.communicate() for p in procs]


LONG = danq_args(40, 2000, 5, "--multi-worker", "-q", "--patience", "10")


@pytest.mark.slow
def test_sigterm_then_resume_equals_uninterrupted(tmp_path):
    """One worker: stopped mid-epoch, then --resume, ends where a straight run ends, with the same log."""
    import signal

    cmd = [sys.executable, "-m", "dlbio", "danq-train", *LONG]
    straight = subprocess.run(
        cmd + ["--out-dir", str(tmp_path / "straight")], env=_env(), capture_output=True, text=True, timeout=300
    )
    assert straight.returncode == 0, straight.stderr[-1500:]
    state = tmp_path / "broken" / "checkpoints" / "bestmodel.DanQ.state.keras"
    proc = subprocess.Popen(
        cmd + ["--out-dir", str(tmp_path / "broken")],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(state, [proc])
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 75 and "rerun with --resume" in err, err[-1500:]
    import zipfile

    with zipfile.ZipFile(state) as z:
        saved = json.loads(z.read("dlbio_state.json"))
    # Nearly always it stops mid-epoch, after the batch in hand (step > 0); on a busy machine the
    # signal may be taken at an epoch boundary (step 0), as test_resume says. Any stop before
    # the last epoch must resume alike.
    assert 1 <= saved["epoch"] < 5
    # the resumed run without -q and with a zero line interval: a progress line after every batch,
    # as a batch job's log gets every 10 minutes
    every_batch = [
        sys.executable,
        "-c",
        "import runpy, dlbio.utils.progress as p; p.INTERVAL_S = 0.0; runpy.run_module('dlbio', run_name='__main__')",
        "danq-train",
        *(a for a in LONG if a != "-q"),
    ]
    res = subprocess.run(
        every_batch + ["--out-dir", str(tmp_path / "broken"), "--resume"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0 and f"batch {saved['step']}" in res.stdout, res.stderr[-1500:]
    batches = [line.split(":")[0] for line in res.stderr.splitlines() if ", batch " in line]
    # 2000 sequences in batches of 40: 50 per epoch; the lines count on from the saved batch
    assert batches[:2] == [f"DanQ epoch {saved['epoch'] + 1}/5, batch {saved['step'] + k}/50" for k in (1, 2)], batches
    assert batches[-1] == "DanQ epoch 5/5, batch 50/50"
    assert len(batches) == 5 * 50 - (saved["epoch"] * 50 + saved["step"])  # each batch left, once
    a = _weights(tmp_path / "straight" / "checkpoints" / "bestmodel.DanQ.state.keras")
    b = _weights(state)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    logs = [(tmp_path / d / "checkpoints" / "bestmodel.DanQ.log.csv").read_text() for d in ("straight", "broken")]
    assert logs[0] == logs[1]  # every epoch once, its loss over all its batches


@pytest.mark.slow
def test_a_signal_to_one_worker_stops_both_and_both_resume(tmp_path):
    import signal

    cmd = [sys.executable, "-m", "dlbio", "danq-train", *LONG, "--out-dir", str(tmp_path)]  # a shared --out-dir
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}

    def start(extra=()):
        return [
            subprocess.Popen(
                cmd + list(extra),
                env=_env({"cluster": cluster, "task": {"type": "worker", "index": i}}),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]

    procs = start()
    _wait_for(tmp_path / "checkpoints" / "bestmodel.DanQ.state.keras", procs)
    procs[1].send_signal(signal.SIGTERM)  # only the second worker hears it
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [75, 75], [o[1][-800:] for o in outs]
    # the chief, which saved the state, says so; the job's log has it once
    assert "rerun with --resume" in outs[0][1] and "preempted" not in outs[1][1], outs
    procs = start(["--resume"])
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-800:] for o in outs]
    assert "resuming from" in outs[0][0] and "resuming from" not in outs[1][0], outs
    log = read_losses(tmp_path / "checkpoints" / "bestmodel.DanQ.log.csv")
    assert log.shape == (5, 2)  # every epoch once: the interrupted one is logged when it ends


def test_resume_across_single_and_multi_worker_is_refused(tmp_path):
    """Their logs and loss bookkeeping differ: a state continues only in the mode that wrote it."""
    cmd = [
        sys.executable,
        "-m",
        "dlbio",
        "danq-train",
        *danq_args(40, 200, 1, "--multi-worker", "-q"),
        "--out-dir",
        str(tmp_path),
    ]
    cmd.remove("--multi-worker")
    one = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300)
    assert one.returncode == 0, one.stderr[-1500:]
    res = subprocess.run(
        cmd + ["-e", "2", "--resume", "--multi-worker"], env=_env(), capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 2 and "different options (multi_worker)" in res.stderr + res.stdout, res.stderr[-800:]


def test_resume_needs_the_state_on_every_worker(tmp_path):
    """A worker that cannot see the chief's state must not start from scratch beside it."""
    cmd = [
        sys.executable,
        "-m",
        "dlbio",
        "danq-train",
        *danq_args(40, 200, 1, "--multi-worker", "-q"),
    ]
    one = subprocess.run(
        cmd + ["--out-dir", str(tmp_path / "w0")], env=_env(), capture_output=True, text=True, timeout=300
    )
    assert one.returncode == 0, one.stderr[-1500:]
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = [
        subprocess.Popen(
            cmd + ["--out-dir", str(tmp_path / f"w{i}"), "-e", "2", "--resume"],
            env=_env({"cluster": cluster, "task": {"type": "worker", "index": i}}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [2, 2], [o[1][-800:] for o in outs]
    assert all("must see the chief's state file" in o[1] for o in outs)


SLURM_STEP = {
    "SLURM_NTASKS": "2",
    "SLURM_STEP_NUM_TASKS": "2",
    "SLURM_PROCID": "1",
    "SLURM_STEP_NODELIST": "cn[0858-0859]",
    "SLURM_STEP_TASKS_PER_NODE": "1(x2)",
}


def test_slurm_cluster_on_nodes_without_gpus(monkeypatch):
    """SlurmClusterResolver on CPU nodes: by itself it runs the missing nvidia-smi, and with
    0 GPUs it fails on range(0, 0, 0); slurm_gpu_options gives each task a port and leaves
    CUDA_VISIBLE_DEVICES alone.  (Checked with real srun: 2 tasks, 2 replicas in sync.)"""
    import shutil

    import tensorflow as tf

    from dlbio.backend.tensorflow_multiworker import slurm_gpu_options

    for k, v in SLURM_STEP.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no nvidia-smi on this node
    with pytest.raises((FileNotFoundError, RuntimeError)):
        tf.distribute.cluster_resolver.SlurmClusterResolver()
    with pytest.raises(ValueError):
        tf.distribute.cluster_resolver.SlurmClusterResolver(gpus_per_node=0).cluster_spec()
    resolver = tf.distribute.cluster_resolver.SlurmClusterResolver(**slurm_gpu_options())
    assert resolver.cluster_spec().as_dict() == {"worker": ["cn0858:8888", "cn0859:8888"]}
    assert resolver.task_id == 1 and "CUDA_VISIBLE_DEVICES" not in os.environ
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # GPUs hidden: the resolver counts one
    monkeypatch.setenv("SLURM_STEP_TASKS_PER_NODE", "2")
    monkeypatch.setenv("SLURM_STEP_NODELIST", "cn0858")
    with pytest.raises(ValueError):
        tf.distribute.cluster_resolver.SlurmClusterResolver().cluster_spec()
    resolver = tf.distribute.cluster_resolver.SlurmClusterResolver(**slurm_gpu_options())
    assert resolver.cluster_spec().as_dict() == {"worker": ["cn0858:8888", "cn0858:8889"]}
    assert os.environ["CUDA_VISIBLE_DEVICES"] == ""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")  # a GPU node: the resolver's own sharing
    assert slurm_gpu_options() == {}
