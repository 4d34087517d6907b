"""One danq-train per output prefix: a second run is refused, a dead run's lock is free."""

import errno
import os
import signal
import subprocess
import sys

import pytest

from dlbio.training.run_lock import run_lock
from dlbio.utils.errors import DlbioError
from dlbio.utils.resources import tiny_deepsea


def test_a_held_lock_refuses_a_second_run_and_is_released_after(tmp_path):
    lock = tmp_path / "checkpoints" / "bestmodel.DanQ.lock"
    with run_lock(lock) as locked:
        assert locked and f"pid {os.getpid()} on " in lock.read_text()
        with pytest.raises(
            DlbioError,
            match=f"bestmodel.DanQ.lock: another danq-train is writing these outputs "
            f"\\(pid {os.getpid()} on .*\\); wait for it to end, or give this run "
            "its own --prefix or --out-dir",
        ):
            with run_lock(lock):
                pass
        with run_lock(tmp_path / "checkpoints" / "sweep1.DanQ.lock"):  # another prefix: no conflict
            pass
    with run_lock(lock) as locked:  # released at the end of the block
        assert locked


def test_a_killed_run_leaves_no_lock_behind(tmp_path):
    """A job killed at its time limit (SIGKILL, no clean-up) must not lock out its requeued self."""
    lock = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom dlbio.training.run_lock import run_lock\n"
            f"with run_lock({str(lock)!r}):\n    print('held', flush=True)\n    time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DlbioError, match=f"pid {holder.pid} on "):
            with run_lock(lock):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with run_lock(lock) as locked:
        assert locked


def test_a_file_system_without_locks_trains_unprotected(tmp_path, monkeypatch):
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with run_lock(tmp_path / "x.lock") as locked:
        assert locked is False


def test_danq_train_refuses_outputs_another_run_writes(run_cli, tmp_path):
    from dlbio.cli.train import danq_train

    (tmp_path / "checkpoints").mkdir()
    best = tmp_path / "checkpoints" / "bestmodel.DanQ.keras"
    best.write_text("the other run's best model")
    with run_lock(tmp_path / "checkpoints" / "bestmodel.DanQ.lock"):
        res = run_cli(danq_train, ["-d", tiny_deepsea(), "-e", 1, "-n", 100, "-q"], ok=False)
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: checkpoints/bestmodel.DanQ.lock: another danq-train")
    assert best.read_text() == "the other run's best model"
