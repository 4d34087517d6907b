"""vgrad-rnn repeated over initialisations, in one process and in worker processes."""

import os
import signal
import subprocess
import sys
import time

import pytest

from dlbio.cli.vgrad import _beside_slides, _spread
from dlbio.models import toy
from dlbio.workflows.vgrad import vanishing_gradient
from dlbio.workflows.vgrad_results import input_gradient

TINY = {"epochs": 2, "eval_at": [1, 2], "n_seq": 12, "n_train": 8, "quiet": True}


def test_repeats_in_worker_processes_match_one_process(tmp_path):
    par = vanishing_gradient(["lstm"], repeats=2, jobs=2, checkpoint_dir=tmp_path, **TINY)
    seq = vanishing_gradient(["lstm"], repeats=2, jobs=1, checkpoint_dir=None, **TINY)
    assert [r.init_seed for r in par.runs] == [7, 8]
    # Same seeds, same numbers, whichever process trained them ...
    assert [r.accuracy for r in par.runs] == [r.accuracy for r in seq.runs]
    assert [r.losses for r in par.runs] == [r.losses for r in seq.runs]
    # ... and the two initialisations really are different runs.
    assert par.runs[0].losses != par.runs[1].losses
    assert par.accuracies("lstm", 2) == sorted(r.accuracy[2] for r in seq.runs)
    assert sorted(p.name for p in tmp_path.glob("*.keras")) == ["vgrad_lstm_init7.keras", "vgrad_lstm_init8.keras"]


def test_input_gradient_by_hand():
    """SimpleRNN with no recurrence: h_t = tanh(0.5 x_t).  On x = 0, y = 1 the output is
    sigmoid(0) = 0.5, so d loss/d x_t = 2 (0.5 - 1) * 0.25 * w_t * 0.5 and d h_5/d x_1 = 0."""
    import numpy as np

    model = toy.next_char_predictor("simplernn", window=5)
    model.get_layer("recurrent").set_weights([np.array([[0.5]]), np.array([[0.0]]), np.zeros(1)])
    model.layers[-1].set_weights([np.array([[0.1], [0.0], [0.0], [0.0], [0.3]]), np.zeros(1)])
    g = input_gradient(model, np.zeros((3, 5, 1), "float32"), np.ones(3, "uint8"))
    assert g.first == 0.0 and g.last == pytest.approx(0.5)
    assert g.loss_first == pytest.approx(0.25 * 0.1 * 0.5) and g.loss_last == pytest.approx(0.25 * 0.3 * 0.5)


def test_slides_figures_beside_ours():
    from dlbio.workflows.vgrad_results import VanishingResult, VgradRun

    def result(lstm_acc_100):
        return VanishingResult(
            [VgradRun("simplernn", 7, {100: 0.9128, 150: 0.913}), VgradRun("lstm", 7, {100: lstm_acc_100, 150: 0.99})]
        )

    lines = _beside_slides(result(0.9412), ["simplernn", "lstm"], repeats=1)
    assert lines[0] == "slides (one run each): 100: 91.81% 97.92%"
    assert lines[1].startswith("lstm after 100 epochs is below the slides' run") and "--repeats 8" in lines[1]
    assert len(_beside_slides(result(0.98), ["simplernn", "lstm"], repeats=1)) == 1  # close enough: no hint
    assert _beside_slides(VanishingResult([VgradRun("lstm", 7, {3: 0.9})]), ["lstm"], 1) == []
    low_rnn = VanishingResult([VgradRun("simplernn", 7, {500: 0.9108})])
    assert _beside_slides(low_rnn, ["simplernn"], 1) == ["slides (one run each): 500: 92.90%"]


def test_spread_prints_median_and_range():
    assert _spread([0.9792]) == "97.92%"
    assert _spread([0.5, 0.9, 0.95]) == "90.00% [50.00-95.00]"


def _running_vgrad_with_workers(tmp_path):
    """A vgrad-rnn -j 2 run, returned once both workers have trained an epoch."""
    cmd = [
        sys.executable,
        "-m",
        "dlbio",
        "vgrad-rnn",
        "--cell",
        "lstm",
        "-e",
        "100000",
        "--eval-at",
        "1,100000",
        "--n-seq",
        "12",
        "--n-train",
        "8",
        "-r",
        "2",
        "-j",
        "2",
        "-q",
        "--checkpoint-dir",
        str(tmp_path),
    ]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    ckpts = [tmp_path / "vgrad_lstm_init7.keras", tmp_path / "vgrad_lstm_init8.keras"]
    deadline = time.time() + 240
    while not all(p.exists() for p in ckpts) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert all(p.exists() for p in ckpts), proc.communicate()
    return proc


def _alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
# preexec_fn makes subprocess fork, and JAX (imported in a JAX run's test process) warns at every
# fork; the child only resets SIGINT and execs, so none of JAX's threads is used there.
@pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupt_stops_the_workers_with_one_line(tmp_path, how):
    proc = _running_vgrad_with_workers(tmp_path)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # a terminal sends it to the whole job
    else:
        proc.send_signal(signal.SIGTERM)  # kill/scancel of the main process only
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "error: interrupted\n"
    deadline = time.time() + 10
    while _alive(proc.pid) and time.time() < deadline:  # the workers go with it
        time.sleep(0.1)
    assert not _alive(proc.pid)
