"""vgrad-rnn repeated over initialisations, in one process and in worker processes."""

from dlbio.cli.class2 import _spread
from dlbio.workflows.vgrad import vanishing_gradient

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


def test_spread_prints_median_and_range():
    assert _spread([0.9792]) == "97.92%"
    assert _spread([0.5, 0.9, 0.95]) == "90.00% [50.00-95.00]"
