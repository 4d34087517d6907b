"""danq-import: a Keras 0.2 DanQ_bestmodel.hdf5 layout -> a Keras 3 model that predicts what the original did.

The reference below runs the original computation in numpy from the file's arrays as
Keras 0.2 / Theano / seya defined it (scipy's true convolution, hard-sigmoid gates in
the stored i, c, f, o order, seya's batch-axis reversal), independently of the import.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from scipy.signal import convolve

from dlbio.cli import main
from dlbio.data.encoding import encode
from dlbio.data.encoding import index_to_onehot as one_hot
from dlbio.utils.resources import tiny_deepsea

FILTERS, KERNEL, UNITS, STEPS, HIDDEN, TARGETS = 6, 5, 4, 12, 7, 3
LENGTH = 13 * STEPS + KERNEL - 1  # pooled by 13 (the only size giving 12 steps): 160 bp; DanQ: 1000 bp, 75 steps


def write_keras02_danq(
    path,
    rng,
    steps=STEPS,
    filters=FILTERS,
    kernel=KERNEL,
    units=UNITS,
    hidden=HIDDEN,
    targets=TARGETS,
    jaspar_layout=False,
) -> list[list[np.ndarray]]:
    """A DanQ_train.py weights file as Keras 0.2's Sequential.save_weights wrote it; returns the params per layer
    (10 layers; with *jaspar_layout* 8, DanQ-JASPAR_train.py's Dense layers holding their activations).

    Random weights at scales that keep the outputs away from 0 and 1 (DanQ size: 26, 320, 75, 925, 919).
    """
    lstm = []
    for _ in range(2):  # forward, then seya's "backward" LSTM
        for _gate in "icfo":
            lstm += [
                rng.normal(0, 1 / np.sqrt(filters), (filters, units)),
                rng.normal(0, 1 / np.sqrt(units), (units, units)),
                rng.normal(0, 0.5, units),
            ]
    layers = [
        [rng.normal(0, 0.5, (filters, 4, kernel, 1)), rng.normal(0, 0.1, filters)],
        [],
        [],
        lstm,
        [],
        [],
        [rng.normal(0, 1.4 / np.sqrt(steps * units), (steps * 2 * units, hidden)), rng.normal(0, 0.1, hidden)],
        [],
        [rng.normal(0, 1.5 * np.sqrt(7 / hidden), (hidden, targets)), rng.normal(0, 0.1, targets)],
        [],
    ]
    layers = [[np.asarray(a, np.float32) for a in ps] for ps in layers]
    if jaspar_layout:
        layers = layers[:7] + [layers[8]]
    with h5py.File(path, "w") as f:
        f.attrs["nb_layers"] = len(layers)
        for k, params in enumerate(layers):
            g = f.create_group(f"layer_{k}")
            g.attrs["nb_params"] = len(params)
            for n, a in enumerate(params):
                g.create_dataset(f"param_{n}", data=a)
    return layers


def _hard_sigmoid(z):
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _keras02_lstm(x, p, gate=_hard_sigmoid):
    """x (batch, time, in) -> (batch, time, units), Keras 0.2 LSTM with p = [W_i, U_i, b_i, W_c, U_c, b_c, ...]."""
    (wi, ui, bi), (wc, uc, bc), (wf, uf, bf), (wo, uo, bo) = (p[0:3], p[3:6], p[6:9], p[9:12])
    h = np.zeros((x.shape[0], ui.shape[0]))
    c = np.zeros_like(h)
    out = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        i, f = gate(xt @ wi + h @ ui + bi), gate(xt @ wf + h @ uf + bf)
        c = f * c + i * np.tanh(xt @ wc + h @ uc + bc)
        h = gate(xt @ wo + h @ uo + bo) * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)


def keras02_danq_forward(layers, x, flip=True, gate=_hard_sigmoid, reverse_axis=0, gate_order="icfo"):
    """The original model on one-hot x (batch, L, 4): probabilities (batch, targets).

    The defaults are what Keras 0.2 + Theano + seya did; the options are the plausible
    mistakes (cross-correlation, sigmoid gates, a time-reversed backward LSTM, the Keras 3
    gate order), for test_each_convention_matters.
    """
    w, b = layers[0]
    k = w[:, :, :, 0] if flip else w[:, :, ::-1, 0]  # scipy's convolve flips, as Theano's conv2d did
    conv = np.stack(
        [
            [sum(convolve(x[s, :, ch], k[f, ch], mode="valid") for ch in range(4)) for f in range(len(b))]
            for s in range(len(x))
        ]
    )
    conv = np.maximum(conv.transpose(0, 2, 1) + b, 0.0)  # (batch, L-K+1, F)
    steps = conv.shape[1] // 13
    pooled = conv[:, : steps * 13].reshape(len(x), steps, 13, -1).max(axis=2)
    order = ["icfo".index(g) for g in gate_order]
    lstm = [[a for g in order for a in layers[3][12 * d + 3 * g : 12 * d + 3 * g + 3]] for d in range(2)]
    forward = _keras02_lstm(pooled, lstm[0], gate)
    # seya: X[::-1] on the backward LSTM's input and output, axis 0 of (batch, time, features)
    backward = np.flip(_keras02_lstm(np.flip(pooled, reverse_axis), lstm[1], gate), reverse_axis)
    h = np.concatenate([forward, backward], axis=-1).reshape(len(x), -1)
    (w1, b1), (w2, b2) = [ps for ps in layers[4:] if ps]
    return _sigmoid(np.maximum(h @ w1 + b1, 0.0) @ w2 + b2)


@pytest.fixture()
def keras02_file(tmp_path):
    path = tmp_path / "DanQ_bestmodel.hdf5"
    return path, write_keras02_danq(path, np.random.default_rng(3))


@pytest.mark.parametrize("jaspar_layout", [False, True], ids=["DanQ", "DanQ-JASPAR layout"])
def test_imported_model_predicts_what_the_keras02_model_did(tmp_path, jaspar_layout):
    from dlbio.models import keras02

    path = tmp_path / "bestmodel.hdf5"
    layers = write_keras02_danq(path, np.random.default_rng(3), jaspar_layout=jaspar_layout)
    assert len(layers) == (8 if jaspar_layout else 10)
    model = keras02.build_model(keras02.read_danq_weights(path), LENGTH)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, (16, LENGTH)).astype(np.uint8)
    expected = keras02_danq_forward(layers, one_hot(idx).astype(np.float64))
    got = np.asarray(model(one_hot(idx), training=False))
    assert got.shape == (16, TARGETS)
    assert expected.std() > 0.05  # the outputs are not all saturated
    np.testing.assert_allclose(got, expected, atol=2e-5)
    assert model.get_layer("pool").pool_size[0] == 13


def test_each_convention_matters(keras02_file):
    """Each of the four conventions changes the predictions, so the test above tells a right import from
    one that gets any of them wrong."""
    path, layers = keras02_file
    x = one_hot(np.random.default_rng(1).integers(0, 4, (16, LENGTH)).astype(np.uint8)).astype(np.float64)
    right = keras02_danq_forward(layers, x)
    for wrong in ({"flip": False}, {"gate": _sigmoid}, {"reverse_axis": 1}, {"gate_order": "ifco"}):
        assert np.abs(keras02_danq_forward(layers, x, **wrong) - right).max() > 1e-3, wrong


def test_danq_import_cli_writes_a_model_danq_predict_reads(keras02_file, tmp_path, run_cli):
    path, layers = keras02_file
    out = tmp_path / "danq.keras"
    res = run_cli(main, ["danq-import", str(path), "-o", str(out), "--length", str(LENGTH)])
    assert res.exit_code == 0, res.output
    assert f"-> {out}" in res.output and "pool 13" in res.output and f"{TARGETS} targets" in res.output
    seqs = ["".join(np.random.default_rng(s).choice(list("ACGT"), LENGTH)) for s in range(3)]
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    res = run_cli(main, ["danq-predict", "-w", str(out), "--fasta", str(fasta), "-o", str(tmp_path / "p.tsv"), "-q"])
    assert res.exit_code == 0, res.output
    rows = [line.split("\t") for line in (tmp_path / "p.tsv").read_text().splitlines()]
    expected = keras02_danq_forward(layers, one_hot(np.stack([encode(s) for s in seqs])).astype(np.float64))
    got = np.array([[float(v) for v in r[-TARGETS:]] for r in rows[1:]])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_danq_size_file_gives_danq_geometry(tmp_path):
    """At 1000 bp a 26-wide kernel and 75 steps need pool 13 (DanQ); 30 wide and 64 steps, pool 15 (DanQ-JASPAR)."""
    from dlbio.models.keras02 import DanQWeights, pool_for

    def weights(kernel, steps, units):
        return DanQWeights(
            (np.zeros((kernel, 4, 1)), np.zeros(1)),
            ((None, np.zeros((units, 4 * units)), None),) * 2,
            (np.zeros((steps * 2 * units, 1)), np.zeros(1)),
            (np.zeros((1, 1)), np.zeros(1)),
        )

    assert pool_for(weights(26, 75, 320), 1000) == 13
    assert pool_for(weights(30, 64, 512), 1000) == 15


def test_ambiguous_pool_needs_pool_option(tmp_path, run_cli):
    """3 steps from 39 convolution outputs fit pools 10 to 13: the file cannot say which."""
    path = tmp_path / "small.hdf5"
    write_keras02_danq(path, np.random.default_rng(4), steps=3)
    res = run_cli(main, ["danq-import", path, "--length", 43], ok=False)
    assert res.exit_code != 0 and "pools 10 to 13 all give 3 steps at 43 bp" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "small.keras").exists()
    res = run_cli(main, ["danq-import", path, "--length", 43, "--pool", 12, "-o", tmp_path / "m.keras"])
    assert "pool 12" in res.output


def test_danq_train_refuses_the_published_model_as_starting_weights(keras02_file, tmp_path, run_cli):
    """Its weights have DanQ's shapes (set_weights would take them) but not DanQ's layers."""
    path, _ = keras02_file
    run_cli(main, ["danq-import", path, "-o", tmp_path / "pub.keras", "--length", LENGTH])
    res = run_cli(
        main,
        [
            "danq-train",
            "-d",
            tiny_deepsea(),
            "-f",
            FILTERS,
            "-k",
            KERNEL,
            "--lstm-units",
            UNITS,
            "--dense-units",
            HIDDEN,
            "-e",
            1,
            "-n",
            50,
            "-q",
            "-w",
            tmp_path / "pub.keras",
        ],
        ok=False,
    )
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "LSTM[hard_sigmoid], LSTM[hard_sigmoid]" in res.output and "Bidirectional[sigmoid]" in res.output
    assert not (tmp_path / "checkpoints" / "bestmodel.DanQ.keras").exists()


def test_fine_tune_the_published_model_on_other_targets(keras02_file, tmp_path, run_cli):
    """danq-train --fine-tune: every layer starts from the imported file; the 3-target head is replaced
    for the data's 2 targets."""
    import keras

    from dlbio.cli.data import simulate_cmd

    path, _ = keras02_file
    run_cli(main, ["danq-import", path, "-o", tmp_path / "pub.keras", "--length", LENGTH])
    run_cli(
        simulate_cmd,
        [
            "-o",
            "sim",
            "--motifs",
            "CTCF,MA0035",
            "--n-train",
            64,
            "--n-valid",
            32,
            "--n-test",
            32,
            "--length",
            LENGTH,
            "-q",
        ],
    )
    res = run_cli(
        main, ["danq-train", "-d", "sim", "--fine-tune", tmp_path / "pub.keras", "-e", 1, "-b", 32, "-l", 1e-9, "-q"]
    )
    assert "predicts 3 targets, the data has 2: its last layer starts anew" in res.output
    tuned = keras.models.load_model(tmp_path / "checkpoints" / "bestmodel.pub.keras", compile=False)
    published = keras.models.load_model(tmp_path / "pub.keras", compile=False)
    assert tuned.outputs[0].shape[-1] == 2
    for name in ("motif_conv", "lstm_1", "lstm_2", "dense"):  # a learning rate of 1e-9 leaves them as loaded
        for a, b in zip(tuned.get_layer(name).get_weights(), published.get_layer(name).get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-6)
    assert (tmp_path / "predictions" / "bestmodel.pub.test_results.h5").is_file()

    other = run_cli(
        main,
        ["danq-train", "-d", tiny_deepsea(), "--fine-tune", tmp_path / "pub.keras", "-e", 1, "-q", "--prefix", "other"],
        ok=False,
    )
    assert other.exit_code == 2 and f"reads {LENGTH}-bp sequences, the data has 200-bp ones" in other.output
    both = run_cli(
        main,
        ["danq-train", "-d", "sim", "--fine-tune", tmp_path / "pub.keras", "-w", tmp_path / "pub.keras", "-q"],
        ok=False,
    )
    assert both.exit_code == 2 and "give one of them" in both.output
