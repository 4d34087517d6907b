"""MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1 (TF_CONFIG) vs one process."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from dlbio.resources import tiny_deepsea

ARGS = ["-d", str(tiny_deepsea()), "-f", "8", "-k", "9", "--lstm-units", "4", "--dense-units", "8",
        "-b", "40", "-n", "200", "-e", "3", "--multi-worker", "-q", "-o", "", "--seed", "3", "-O", "sgd", "-l", "2.0"]


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _env(tf_config=None):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    if tf_config:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def _log(path):
    rows = path.read_text().strip().splitlines()[1:]
    return np.array([[float(v) for v in r.split(",")[1:]] for r in rows])


@pytest.mark.slow
def test_two_workers_train_like_one(tmp_path):
    cmd = [sys.executable, "-m", "dlbio", "danq-train", *ARGS]
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = [subprocess.Popen(cmd + ["--out-dir", str(tmp_path / f"w{i}")],
                              env=_env({"cluster": cluster, "task": {"type": "worker", "index": i}}),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-1500:] for o in outs]
    one = subprocess.run(cmd + ["--out-dir", str(tmp_path / "single")], env=_env(), capture_output=True, text=True,
                         timeout=300)
    assert one.returncode == 0, one.stderr[-1500:]
    chief = tmp_path / "w0" / "checkpoints"
    assert (chief / "bestmodel.DanQ.keras").exists()               # the chief writes the model
    assert not (tmp_path / "w1" / "checkpoints" / "bestmodel.DanQ.keras").exists()
    two, single = _log(chief / "bestmodel.DanQ.log.csv"), _log(tmp_path / "single" / "checkpoints" / "bestmodel.DanQ.log.csv")
    assert two.shape == single.shape == (3, 2)
    assert single[-1, 0] < single[0, 0] - 0.005                     # it really trains
    # same data, same seed: the loss of the two-worker run matches the one-worker run
    # (dropout masks are drawn per replica, so to a tolerance, not bit for bit)
    assert np.allclose(two, single, rtol=0.02), (two, single)


def test_mixed_precision_trains_like_float32(tmp_path):
    """The custom loop scales the loss for the LossScaleOptimizer (else every step is 2^15 too small)."""
    cmd = [sys.executable, "-m", "dlbio", "danq-train", *ARGS]
    runs = {}
    for name, extra in (("fp32", []), ("mixed", ["--mixed-precision"])):
        res = subprocess.run(cmd + extra + ["--out-dir", str(tmp_path / name)], env=_env(), capture_output=True,
                             text=True, timeout=300)
        assert res.returncode == 0, res.stderr[-1500:]
        runs[name] = _log(tmp_path / name / "checkpoints" / "bestmodel.DanQ.log.csv")
    assert runs["mixed"][-1, 0] < runs["mixed"][0, 0] - 0.005        # it really trains
    assert np.allclose(runs["mixed"], runs["fp32"], rtol=0.02), runs  # float16 compute, same steps
