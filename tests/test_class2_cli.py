"""End-to-end tests of the class-2 commands on tiny settings."""

import subprocess
import sys

import numpy as np
from PIL import Image

from dlbio.cli.class2 import mdet_conv1d, mdet_simplernn, mdisc_conv1d, mdisc_simplernn
from dlbio.cli.vgrad import vgrad_rnn
from dlbio.utils.resources import data_dir


def test_mdet_conv1d_learns_and_checkpoints(run_cli, tmp_path):
    """The default seed on every backend (its start is the same on all three)."""
    args = ["--epochs", 40, "--optimizer", "adam", "--learning-rate", 0.05, "-q", "--plot", "loss.png"]
    res = run_cli(mdet_conv1d, args)
    assert Image.open(tmp_path / "loss.png").format == "PNG"
    lines = res.output.strip().splitlines()
    assert sum(line.startswith("y, y_test= ") for line in lines) == 40
    acc = float(next(ln for ln in lines if ln.startswith("test accuracy: ")).split("test accuracy: ")[1].split("%")[0])
    assert acc >= 90.0
    assert (tmp_path / "mdet_conv1d.keras").stat().st_size > 1000
    assert "note:" not in res.stderr


def test_mdet_conv1d_says_when_its_filters_start_dead(run_cli):
    """Seed 25 starts both ReLU filters with every weight <= 0, on every backend: the model
    cannot learn, and the command says why."""
    res = run_cli(mdet_conv1d, ["--epochs", 2, "-q", "--seed", 25])
    assert "note: --seed 25 starts every filter dead" in res.stderr and "try another --seed" in res.stderr


def test_mdet_conv1d_kernel_size(run_cli, tmp_path):
    import keras

    run_cli(mdet_conv1d, ["--epochs", 1, "--n-train", 50, "-q", "--kernel-size", 4, "--motif", "1101"])
    conv = keras.models.load_model(tmp_path / "mdet_conv1d.keras").get_layer("motif_layer")
    assert conv.kernel_size == (4,)
    res = run_cli(mdet_simplernn, ["--kernel-size", 4], ok=False)  # a SimpleRNN has no kernel
    assert res.exit_code == 2 and "--kernel-size" in res.output


def test_mdet_is_reproducible_with_seed(run_cli, tmp_path):
    import keras

    args = ["--epochs", 3, "--n-train", 200, "-q", "--seed", 11]
    run_cli(mdet_simplernn, args + ["--checkpoint", "a.keras"])
    run_cli(mdet_simplernn, args + ["--checkpoint", "b.keras"])
    wa = keras.models.load_model(tmp_path / "a.keras").get_weights()
    wb = keras.models.load_model(tmp_path / "b.keras").get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb))


def test_mdet_continues_from_load_weights(run_cli, tmp_path):
    bundled = data_dir() / "mdet_conv1d.keras"
    res = run_cli(mdet_conv1d, ["--epochs", 1, "-q", "--load-weights", bundled])
    acc = float(res.output.strip().splitlines()[-1].split("test accuracy: ")[1].split("%")[0])
    assert acc >= 95.0  # one epoch from random weights could not get there


def test_mdisc_on_shipped_weights(run_cli, tmp_path):
    for cmd, cell in ((mdisc_conv1d, "conv1d"), (mdisc_simplernn, "simplernn")):
        res = run_cli(cmd, [])
        motif = res.output.strip().splitlines()[-1]
        assert motif.startswith("motif= ") and "111" in motif, res.output
        fasta = (tmp_path / f"01_{cell}.fa").read_text().split()
        seqs = fasta[1::2]
        assert seqs and all(len(s) == 7 and set(s) <= {"0", "1"} for s in seqs)
        img = Image.open(tmp_path / f"01_{cell}.png")
        assert img.format == "PNG" and img.size[0] > 200
        # a real logo: green (1) pixels drawn
        px = np.asarray(img.convert("RGB")).reshape(-1, 3)
        assert ((px[:, 1] > 100) & (px[:, 0] < 60) & (px[:, 2] < 60)).sum() > 1000


def test_mdisc_simplernn_window_ends_at_the_first_111(run_cli, tmp_path):
    """On enough strings only what the detector implies is called: the first 111, the 0
    before it (docs/class2.md), and nothing earlier."""
    res = run_cli(mdisc_simplernn, ["--n-seq", 400, "--fasta", "big.fa", "--logo", "big.png"])
    assert res.output.strip().splitlines()[-1] == "motif= NNN0111", res.output
    seqs = (tmp_path / "big.fa").read_text().split()[1::2]
    assert len(seqs) > 40 and all(s.endswith("0111") for s in seqs)
    positive = int(res.output.split(" of 400 strings predicted positive")[0].split()[-1])
    assert f"{len(seqs)} windows aligned (channel 0, {positive - len(seqs)} would run off the string)" in res.output
    # the printed PWM is the frequency of each symbol in the FASTA's columns
    lines = res.output.splitlines()
    at = lines.index(f"PWM of the {len(seqs)} sites (frequency of 0 and 1 at each window position):")
    printed = np.array([[float(v) for v in lines[at + 2 + k].split()[1:]] for k in (0, 1)])
    ones = np.array([[c == "1" for c in s] for s in seqs]).mean(axis=0)
    np.testing.assert_allclose(printed, np.round([1 - ones, ones], 2), atol=1e-9)
    assert list(printed[1, -3:]) == [1.0, 1.0, 1.0] and printed[0, -4] == 1.0


def test_mdisc_says_why_there_is_no_logo(run_cli, tmp_path):
    res = run_cli(mdisc_simplernn, ["--n-seq", 1])  # the one string (seed 1) has no 111
    assert "no string predicted positive" in res.output and res.output.strip().endswith("motif= NNNNNNN")
    res = run_cli(mdisc_simplernn, ["--channel", 1])  # that channel peaks before position 7
    assert "no window of 7 fits" in res.output and "try a smaller --window" in res.output
    assert not (tmp_path / "01_simplernn.png").exists()


def test_mdisc_conv1d_consensus_starts_with_motif(run_cli):
    res = run_cli(mdisc_conv1d, ["--n-seq", 200])
    assert res.output.strip().splitlines()[-1].startswith("motif= 111")


def test_vgrad_tiny_run_writes_table(run_cli, tmp_path):
    res = run_cli(
        vgrad_rnn,
        ["--cell", "both", "--epochs", 2, "--eval-at", "1,2", "--n-seq", 12, "--n-train", 8, "--plot", "v.png", "-q"],
    )
    assert "simplernn\tlstm" in res.output and "t=1:" in res.output and "|dloss/dx_t|" in res.output
    rows = (tmp_path / "vgrad_rnn.tsv").read_text().strip().splitlines()
    assert rows[0].split("\t") == [
        "cell",
        "init_seed",
        "epoch",
        "test_accuracy",
        "grad_first_step",
        "grad_last_step",
        "loss_grad_first_step",
        "loss_grad_last_step",
    ]
    assert len(rows) == 5 and all(0.0 <= float(r.split("\t")[3]) <= 1.0 for r in rows[1:])
    assert {r.split("\t")[1] for r in rows[1:]} == {"7"}
    assert Image.open(tmp_path / "v.png").format == "PNG"
    assert (tmp_path / "vgrad_lstm.keras").exists()


def test_bad_inputs_one_line_errors(run_cli, tmp_path):
    (tmp_path / "junk.keras").write_text("not a model")
    cases = [
        (mdet_conv1d, ["--motif", "1a1", "--epochs", 1]),
        (mdet_conv1d, ["--motif", "1111111111111", "--epochs", 1]),
        (mdet_conv1d, ["--n-train", 0]),
        (mdisc_conv1d, ["--weights", "missing.keras"]),
        (mdisc_conv1d, ["--weights", "junk.keras"]),
        (mdisc_conv1d, ["--window", 11]),
        (mdisc_simplernn, ["--weights", data_dir() / "mdet_conv1d.keras"]),
        (vgrad_rnn, ["--epochs", 5, "--eval-at", "10"]),
        (mdet_conv1d, ["--epochs", 1, "--load-weights", "junk.keras"]),
    ]
    for cmd, args in cases:
        res = run_cli(cmd, args, ok=False)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
        err = [ln for ln in res.output.strip().splitlines() if ln.startswith("error:") or ln.startswith("Error:")]
        assert len(err) == 1, (args, res.output)
    assert not (tmp_path / "mdet_conv1d.keras").exists()


def test_entry_points_and_help():
    for argv in (["-m", "dlbio", "mdet-conv1d", "--help"], ["scripts/vgrad_rnn.py", "--help"]):
        out = subprocess.run([sys.executable, *argv], capture_output=True, text=True, check=True).stdout
        assert "Example:" in out
