"""The training progress bar: batches for DanQ/DeepSEA (an epoch can take an hour), epochs for the toys;
and progress lines instead of the bar in a batch job's log."""

import re

import numpy as np
import pytest

from dlbio.training.callbacks import AtomicCheckpoint
from dlbio.training.progress_callbacks import EpochProgress, ProgressLines, as_numbers


def _fit(progress, n, epochs, initial_epoch=0, before=(), y=0.0):
    import keras

    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Dense(1)(x))
    model.compile(loss="mse", optimizer="sgd")
    data = np.ones((n, 3), np.float32), np.full((n, 1), y, np.float32)
    model.fit(
        *data,
        batch_size=2,
        epochs=epochs,
        initial_epoch=initial_epoch,
        verbose=0,
        callbacks=[*before, progress],
        validation_data=data,
    )


def test_bar_counts_batches_and_shows_the_epoch(capsys):
    bar = EpochProgress(3, steps_per_epoch=3)
    _fit(bar, 6, 3)
    assert (bar._bar.n, bar._bar.total) == (9, 9)
    assert "epoch=3/3" in capsys.readouterr().err and bar.done == 3


def test_resumed_bar_starts_where_the_run_stopped():
    # stopped after batch 2 of epoch 2 (of 3 per epoch); a resumed run does 1 + 3 more batches
    bar = EpochProgress(3, initial_epoch=1, steps_per_epoch=3, initial_step=2)
    _fit(bar, 2, 2, initial_epoch=1)  # the rest of the interrupted epoch: 1 batch
    assert bar._bar.n == 6
    _fit(bar, 6, 3, initial_epoch=2)  # the next fit call: one more epoch
    assert (bar._bar.n, bar._bar.total) == (9, 9)


def test_toy_bar_counts_epochs():
    bar = EpochProgress(4)
    _fit(bar, 6, 4)
    assert (bar._bar.n, bar._bar.total, bar._bar.unit) == (4, 4, "epoch")


def test_simulate_shows_planting_and_writing(tmp_path, capsys):
    from dlbio.data.simulate import simulate, write_planted

    planted = simulate(["CTCF", "MA0035"], {"train": 20, "valid": 5, "test": 5}, length=40, seed=1, progress=True)
    write_planted(planted, tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "planting" in err and "60/60" in err and "writing .mat" in err and "3/3" in err
    write_planted(simulate(["CTCF"], {"train": 4}, length=40, seed=1), tmp_path / "q")  # progress off: silent
    assert capsys.readouterr().err == ""


def test_progress_lines_give_each_epoch_and_mark_the_kept_models(tmp_path, capsys):
    ckpt = AtomicCheckpoint(tmp_path / "m.keras", monitor="val_loss")
    ckpt.best = 1e-12  # nothing beats it: no epoch is kept
    _fit(ProgressLines(2, "toy", checkpoint=ckpt), 4, 2, before=[ckpt], y=1.0)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"toy epoch 1/2: loss \d+\.\d{4}, val_loss \d+\.\d{4}; \d+\.\d s", lines[0])
    assert lines[1].startswith("toy epoch 2/2: loss ")
    ckpt = AtomicCheckpoint(tmp_path / "m.keras", monitor="val_loss")  # every epoch improves on inf
    _fit(ProgressLines(2, "toy", checkpoint=ckpt), 4, 2, before=[ckpt], y=1.0)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.endswith("; best so far, saved") for line in lines)


def test_progress_lines_within_long_epochs_count_batches_from_where_a_resume_starts(capsys):
    # interval 0: a line after every batch; resumed after batch 2 of epoch 2 (3 batches per epoch)
    lines = ProgressLines(3, "DanQ", interval_s=0, steps_per_epoch=3, initial_step=2)
    _fit(lines, 2, 2, initial_epoch=1)  # the rest of the interrupted epoch: 1 batch
    _fit(lines, 6, 3, initial_epoch=2)  # then a whole epoch
    got = [line.split(":")[0] for line in capsys.readouterr().err.splitlines()]
    assert got == [
        "DanQ epoch 2/3, batch 3/3",
        "DanQ epoch 2/3",
        "DanQ epoch 3/3, batch 1/3",
        "DanQ epoch 3/3, batch 2/3",
        "DanQ epoch 3/3, batch 3/3",
        "DanQ epoch 3/3",
    ]


def test_progress_lines_for_short_epochs_only_when_the_interval_has_passed(capsys):
    _fit(ProgressLines(5, "vgrad-lstm init 7", every_epoch=False, interval_s=3600), 4, 5)
    assert capsys.readouterr().err == ""
    _fit(ProgressLines(3, "vgrad-lstm init 7", every_epoch=False, interval_s=0), 4, 3)
    assert [line.split(":")[0] for line in capsys.readouterr().err.splitlines()] == [
        f"vgrad-lstm init 7 epoch {e}/3" for e in (1, 2, 3)
    ]


def test_danq_train_in_a_batch_job_logs_each_epoch_and_quiet_silences_it(tmp_path):
    from click.testing import CliRunner

    from dlbio.cli.train import danq_train
    from dlbio.utils.resources import tiny_deepsea

    args = [
        "-d",
        tiny_deepsea(),
        "-e",
        2,
        "-f",
        8,
        "-k",
        9,
        "--lstm-units",
        4,
        "--dense-units",
        8,
        "-b",
        50,
        "-n",
        100,
        "--out-dir",
        tmp_path,
        "-o",
        "",
    ]
    res = CliRunner().invoke(danq_train, [str(a) for a in args], catch_exceptions=False)  # stderr: not a TTY
    assert res.exit_code == 0, res.output
    import keras

    params = keras.models.load_model(tmp_path / "checkpoints" / "bestmodel.DanQ.keras").count_params()
    assert res.stderr.splitlines()[0] == (
        f"DanQ: {params:,} parameters, 8 targets; 100 training sequences of 200 bp "
        "(2 batches of 50 per epoch, up to 2 epochs), 100 for validation; on the CPU"
    )
    epochs = [line for line in res.stderr.splitlines() if line.startswith("DanQ epoch")]
    assert [line.split(":")[0] for line in epochs] == ["DanQ epoch 1/2", "DanQ epoch 2/2"]
    assert "val_auc_median" in epochs[0] and epochs[0].endswith("; best so far, saved")
    res = CliRunner().invoke(danq_train, [str(a) for a in args] + ["--prefix", "q", "-q"], catch_exceptions=False)
    assert res.exit_code == 0 and res.stderr == ""


def test_line_counter_reports_count_share_and_time_left_then_done(monkeypatch, capsys):
    from dlbio.utils import progress

    clock = iter([0.0, 600.0, 900.0, 1200.0, 1500.0])  # start, then one reading per call
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    with progress.counter(400_000, "predict", "seq", progress.LINES) as count:
        count.update(100_000)  # 600 s: a line, 300,000 to go at 100,000 per 600 s
        count.update(100_000)  # 900 s: only 300 s since the last line
        count.update(200_000)  # 1200 s: finished, no progress line
    assert capsys.readouterr().err.splitlines() == [
        "predict: 100,000/400,000 seq (25 %) in 10 min, about 30 min left",
        "predict: 400,000 seq done in 25 min",
    ]


def test_line_counter_stays_silent_for_short_work_and_after_an_error(monkeypatch, capsys):
    from dlbio.utils import progress

    with progress.counter(10, "variants", "variant", progress.LINES) as count:
        count.update(10)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)
    try:
        for _ in progress.iterate([1, 2, 3], "mutagenesis", "record", progress.LINES):
            raise KeyError("bad record")
    except KeyError:
        pass
    err = capsys.readouterr().err
    assert "done" not in err


def test_progress_mode_follows_quiet_and_the_terminal(monkeypatch):
    from dlbio.utils import progress

    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True)
    assert (progress.progress_mode(False), progress.progress_mode(True)) == (progress.BAR, progress.OFF)
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: False)
    assert (progress.progress_mode(False), progress.progress_mode(True)) == (progress.LINES, progress.OFF)
    assert (progress.normalise(True), progress.normalise(False), progress.normalise(None)) == (
        progress.BAR,
        progress.OFF,
        progress.OFF,
    )


def test_danq_predict_in_a_batch_job_logs_its_progress_and_quiet_silences_it(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dlbio.cli.danq import danq_predict
    from dlbio.models.deepsea import build
    from dlbio.utils import progress
    from dlbio.utils.resources import tiny_deepsea

    model = build("DanQ", 8, 200, filters=4, kernel_size=9, lstm_units=2, dense_units=4)
    model.save(tmp_path / "m.keras")
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)  # a line at every chunk, as after 10 minutes each
    args = ["-w", tmp_path / "m.keras", "-d", tiny_deepsea(), "-n", 300, "-b", 100, "-o", tmp_path / "t.h5"]
    res = CliRunner().invoke(danq_predict, [str(a) for a in args], catch_exceptions=False)  # stderr: not a TTY
    assert res.exit_code == 0, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("predict: ")]
    assert [line.split(" in ")[0] for line in lines] == [
        "predict: 100/300 seq (33 %)",
        "predict: 200/300 seq (67 %)",
        "predict: 300 seq done",
    ]
    assert "left" in lines[0]
    res = CliRunner().invoke(danq_predict, [str(a) for a in args] + ["-q"], catch_exceptions=False)
    assert res.exit_code == 0 and "predict:" not in res.stderr


def test_danq_prepare_in_a_batch_job_logs_peak_files_and_chromosomes(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dlbio.cli.prepare import build_dataset
    from dlbio.utils import progress
    from dlbio.utils.resources import data_dir

    g = data_dir() / "genome_tiny"
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)
    args = [
        "-g",
        g / "genome.fa",
        "--sheet",
        g / "targets.tsv",
        "--test-chroms",
        "chr3",
        "--valid-chroms",
        "chr2",
        "-o",
        tmp_path / "d",
    ]
    res = CliRunner().invoke(build_dataset, [str(a) for a in args], catch_exceptions=False)  # stderr: not a TTY
    assert res.exit_code == 0, res.output
    done = [line.split(" in ")[0] for line in res.stderr.splitlines() if " done in " in line]
    assert done[:2] == ["peak files: 3 files done", "bins: 3 chroms done"], res.stderr
    res = CliRunner().invoke(build_dataset, [str(a) for a in args] + ["-q", "--force"], catch_exceptions=False)
    assert res.exit_code == 0 and " done in " not in res.stderr


def test_batch_logs_reach_dlbios_callbacks_as_tensors_and_others_as_floats():
    """A float of a step's loss waits for the step; dlbio's batch-end callbacks get the tensors
    (and read them when they show them), so the device need not idle between steps."""
    import keras

    from dlbio.training.progress_callbacks import BatchLogsAsTensors

    seen = {"ours": [], "theirs": [], "epochs": 0}

    class Ours(keras.callbacks.Callback):
        batch_logs_as_tensors = True

        def on_train_batch_end(self, batch, logs=None):
            seen["ours"].append(logs["loss"])

    class Theirs(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen["theirs"].append(logs["loss"])

    class EpochOnly(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["epochs"] += 1

    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Dense(1)(x))
    model.compile(loss="mse", optimizer="sgd")
    data = np.ones((6, 3), np.float32), np.full((6, 1), 2.0, np.float32)
    calls = BatchLogsAsTensors(
        [Ours(), Theirs(), EpochOnly()], add_history=True, model=model, verbose=0, epochs=2, steps=3
    )
    history = model.fit(*data, batch_size=2, epochs=2, verbose=0, callbacks=calls)
    assert len(seen["ours"]) == len(seen["theirs"]) == 6 and seen["epochs"] == 2
    assert all(keras.ops.is_tensor(v) for v in seen["ours"])
    assert all(type(v) is float for v in seen["theirs"])
    assert [as_numbers({"loss": v})["loss"] for v in seen["ours"]] == pytest.approx(seen["theirs"])
    assert len(history.history["loss"]) == 2  # fit's history, as with a plain list


def test_as_numbers_keeps_the_scalars_of_any_kind():
    import keras

    logs = {
        "loss": keras.ops.convert_to_tensor(0.25),
        "auc": np.float32(0.5),
        "epochs": 3,
        "per_target": keras.ops.convert_to_tensor([0.1, 0.2]),
        "name": "DanQ",
        "stopped": True,
    }
    assert as_numbers(logs) == {"loss": 0.25, "auc": 0.5, "epochs": 3.0}
    assert as_numbers(None) == {}
