"""The training progress bar: batches for DanQ/DeepSEA (an epoch can take an hour), epochs for the toys."""

import numpy as np

from dlbio.training.callbacks import EpochProgress


def _fit(progress, n, epochs, initial_epoch=0):
    import keras

    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Dense(1)(x))
    model.compile(loss="mse", optimizer="sgd")
    data = np.zeros((n, 3), np.float32), np.zeros((n, 1), np.float32)
    model.fit(*data, batch_size=2, epochs=epochs, initial_epoch=initial_epoch, verbose=0, callbacks=[progress])


def test_bar_counts_batches_and_shows_the_epoch(capsys):
    bar = EpochProgress(3, steps_per_epoch=3)
    _fit(bar, 6, 3)
    assert (bar._bar.n, bar._bar.total) == (9, 9)
    assert "epoch=3/3" in capsys.readouterr().err and bar.done == 3


def test_resumed_bar_starts_where_the_run_stopped():
    # stopped after batch 2 of epoch 2 (of 3 per epoch); a resumed run does 1 + 3 more batches
    bar = EpochProgress(3, initial_epoch=1, steps_per_epoch=3, initial_step=2)
    _fit(bar, 2, 2, initial_epoch=1)       # the rest of the interrupted epoch: 1 batch
    assert bar._bar.n == 6
    _fit(bar, 6, 3, initial_epoch=2)       # the next fit call: one more epoch
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
