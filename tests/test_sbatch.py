"""The sbatch examples: USR1 before the time limit -> danq-train saves and exits 75 -> requeue;
TERM (scancel) -> danq-train saves and exits 75, and the job is not requeued.

SLURM is not here, so `module`, `srun`, `scancel`, `danq-train`, `danq-visualize` and
`scontrol` are stubs on PATH; the batch shell itself, its traps and its exit-status logic are
the real ones.  (On a real slurmctld/slurmd 22.05: the time-limit USR1 and `scancel --batch
--signal=USR1` requeue, a plain `scancel` stays cancelled, and the multi-node scripts'
workers, TensorFlow's and JAX's, save and requeue; docs/danq.md.)
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

STUB_TRAIN = """#!/bin/bash
echo "$@" > "$STUBS/train.args"
echo "${KERAS_BACKEND:-}" > "$STUBS/train.backend"
echo $$ > "$STUBS/train.pid"
trap 'echo saved > "$STUBS/train.state"; exit 75' TERM
touch "$STUBS/train.started"
for i in $(seq 600); do sleep 0.1; done
exit 0
"""


def _stubs(d: Path, train: str) -> dict:
    d.mkdir()
    for name, body in {
        "module": "#!/bin/bash\nexit 0\n",
        "danq-train": train,
        "dlbio": '#!/bin/bash\necho "$@" > "$STUBS/dlbio.args"\nexit "${CHECK_STATUS:-0}"\n',
        "danq-visualize": '#!/bin/bash\necho "$@" > "$STUBS/visualized"\n',
        "scontrol": '#!/bin/bash\necho "$@" > "$STUBS/scontrol.args"\n',
        "srun": '#!/bin/bash\nexec "$@"\n',  # one task
        # scancel --signal=TERM <job> signals the job's steps, not the batch shell
        "scancel": '#!/bin/bash\necho "$@" > "$STUBS/scancel.args"\nkill -TERM "$(cat "$STUBS/train.pid")"\n',
    }.items():
        (d / name).write_text(body)
        (d / name).chmod(0o755)
    return {**os.environ, "PATH": f"{d}:{os.environ['PATH']}", "STUBS": str(d), "SLURM_JOB_ID": "4242"}


def _signalled_run(tmp_path, script: str, sig: int):
    """Run *script* with the stubs; once danq-train runs, send *sig* to the batch shell (and,
    for TERM, to danq-train too: scancel signals every process of the job)."""
    env = _stubs(tmp_path / "stubs", STUB_TRAIN)
    (tmp_path / "data").mkdir()
    proc = subprocess.Popen(
        ["bash", str(SCRIPTS / script)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = tmp_path / "stubs" / "train.started"
    deadline = time.time() + 30
    while not started.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert started.exists()
    proc.send_signal(sig)
    if sig == signal.SIGTERM:
        os.kill(int((tmp_path / "stubs" / "train.pid").read_text()), signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert (tmp_path / "stubs" / "train.state").read_text().strip() == "saved"  # danq-train got a TERM
    assert "--resume" in (tmp_path / "stubs" / "train.args").read_text()
    assert not (tmp_path / "stubs" / "visualized").exists()
    return proc.returncode, out, tmp_path / "stubs" / "scontrol.args"


ALL = [
    "danq_1gpu.sbatch",
    "danq_4gpu.sbatch",
    "danq_multinode.sbatch",
    "danq_multinode_jax.sbatch",
    "danq_4gpu_torch.sbatch",
]


@pytest.mark.parametrize("script", ALL)
def test_time_limit_signal_saves_and_requeues(tmp_path, script):
    status, out, scontrol = _signalled_run(tmp_path, script, signal.SIGUSR1)  # --signal=B:USR1@300
    assert scontrol.read_text().split() == ["requeue", "4242"], out
    assert status == 0 and "requeueing 4242" in out
    backend = {"danq_multinode_jax.sbatch": "jax", "danq_4gpu_torch.sbatch": "torch"}.get(
        script, os.environ["KERAS_BACKEND"]
    )
    assert (tmp_path / "stubs" / "train.backend").read_text().strip() == backend
    if "multinode" in script:  # the workers get TERM through scancel, not through srun
        assert (tmp_path / "stubs" / "scancel.args").read_text().split() == ["--signal=TERM", "4242"]
        assert "--multi-worker" in (tmp_path / "stubs" / "train.args").read_text()


@pytest.mark.parametrize("script", ALL)
def test_scancel_saves_and_does_not_requeue(tmp_path, script):
    # scancel sends TERM; requeueing on it brought a cancelled job back two minutes later
    status, out, scontrol = _signalled_run(tmp_path, script, signal.SIGTERM)
    assert not scontrol.exists(), out
    assert status == 75 and "stopped by TERM: state saved" in out


def test_finished_run_draws_and_does_not_requeue(tmp_path):
    # an older DanQ run's predictions lie beside the ones this (DeepSEA) run writes
    (tmp_path / "predictions").mkdir()
    (tmp_path / "predictions" / "test_results.h5").write_text("older run")
    time.sleep(0.05)
    env = _stubs(tmp_path / "stubs", "#!/bin/bash\ntouch predictions/bestmodel.DeepSEA.test_results.h5\nexit 0\n")
    (tmp_path / "data").mkdir()
    res = subprocess.run(
        ["bash", str(SCRIPTS / "danq_1gpu.sbatch"), "-m", "DeepSEA"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    drawn = (tmp_path / "stubs" / "visualized").read_text().split()
    assert drawn == ["-t", "1", "-p", "predictions/bestmodel.DeepSEA.test_results.h5"]  # this run's
    assert not (tmp_path / "stubs" / "scontrol.args").exists()


@pytest.mark.parametrize("script", ALL)
def test_a_job_whose_backend_sees_no_gpu_stops_before_training(tmp_path, script):
    env = {**_stubs(tmp_path / "stubs", '#!/bin/bash\ntouch "$STUBS/train.started"\n'), "CHECK_STATUS": "1"}
    (tmp_path / "data").mkdir()
    res = subprocess.run(
        ["bash", str(SCRIPTS / script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30
    )
    assert res.returncode == 1 and (tmp_path / "stubs" / "dlbio.args").read_text().split() == ["check", "--gpu"]
    assert not (tmp_path / "stubs" / "train.started").exists()


@pytest.mark.parametrize("body,status", [("exit 2", 2), ("kill -KILL $$", 137)])  # bad input; OOM killer
def test_failed_run_keeps_its_status(tmp_path, body, status):
    env = _stubs(tmp_path / "stubs", f"#!/bin/bash\n{body}\n")
    (tmp_path / "data").mkdir()
    res = subprocess.run(
        ["bash", str(SCRIPTS / "danq_1gpu.sbatch")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30
    )
    assert res.returncode == status and not (tmp_path / "stubs" / "scontrol.args").exists()
