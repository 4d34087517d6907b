"""danq-train / danq-predict / danq-visualize end to end on the bundled planted-motif set."""

import csv

import h5py
import numpy as np
import pytest
from PIL import Image

from dlbio.cli.danq import danq_predict, danq_visualize
from dlbio.cli.data import simulate_cmd
from dlbio.cli.train import danq_train
from dlbio.utils.resources import tiny_deepsea

TINY = tiny_deepsea()
SMALL = ["-f", 8, "-k", 9, "--lstm-units", 4, "--dense-units", 8, "-b", 50, "-n", 300, "-q"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("danq")
    res = CliRunner().invoke(
        danq_train,
        ["-d", TINY, "-e", 2, "--out-dir", out, "-O", "adam", "-l", "1e-2", *map(str, SMALL)],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    return out, res.output


def test_train_writes_model_log_predictions(trained):
    out, text = trained
    ckpt = out / "checkpoints" / "bestmodel.DanQ.keras"
    import keras

    model = keras.models.load_model(ckpt)
    assert model.inputs[0].shape[1:] == (200, 4) and model.outputs[0].shape[-1] == 8
    log = (out / "checkpoints" / "bestmodel.DanQ.log.csv").read_text().splitlines()
    assert log[0].split(",") == ["epoch", "loss", "val_auc_median", "val_loss"] and len(log) == 3
    assert f"(curves: danq-visualize -L {out / 'checkpoints' / 'bestmodel.DanQ.log.csv'})" in text
    with h5py.File(out / "predictions" / "test_results.h5") as f:
        assert f["pred"].shape == (300, 8) and f["labels"].dtype == np.uint8
        assert f.attrs["target_names"][0] == b"CTCF_MA0139.2"
    rows = (out / "predictions" / "test_results.metrics.tsv").read_text().splitlines()
    assert rows[0].startswith("target\tname\tcategory\troc_auc") and len(rows) == 9
    assert "median ROC AUC" in text and (out / "checkpoints" / "bestmodel.DanQ.run.json").exists()


def test_predict_and_visualize(trained, run_cli, tmp_path):
    out, _ = trained
    model = out / "checkpoints" / "bestmodel.DanQ.keras"
    res = run_cli(danq_predict, ["-d", TINY, "-w", model, "-n", 200, "-o", "p.h5", "-q"])
    assert "median ROC AUC" in res.output
    with h5py.File(tmp_path / "p.h5") as f:
        assert f["pred"].shape == (200, 8) and np.all((f["pred"][...] >= 0) & (f["pred"][...] <= 1))
    run_cli(danq_visualize, ["-t", 1, "-p", "p.h5", "-o", "roc.png"])
    assert Image.open(tmp_path / "roc.png").size[0] > 500
    res = run_cli(danq_visualize, ["-t", "CTCF", "-p", "p.h5"])  # a name from the file's target_names
    assert (
        "roc_target1.png" in res.output
        and (tmp_path / "roc_target1.png").read_bytes() == (tmp_path / "roc.png").read_bytes()
    )
    res = run_cli(danq_visualize, ["-M", "-t", 2, "-d", TINY, "-w", model, "-o", "f2.png", "-q"])
    assert "sites" in res.output and Image.open(tmp_path / "f2.png").format == "PNG"
    meme = (tmp_path / "motifs.meme").read_text()
    assert meme.startswith("MEME version 4") and meme.count("MOTIF filter") >= 1
    res = run_cli(danq_visualize, ["-L", out / "checkpoints" / "bestmodel.DanQ.log.csv"])  # the run's own log
    assert "training curves -> training_curves.png" in res.output
    assert Image.open(tmp_path / "training_curves.png").format == "PNG"


def test_predict_fasta(trained, run_cli, tmp_path):
    out, _ = trained
    model = out / "checkpoints" / "bestmodel.DanQ.keras"
    (tmp_path / "s.fa").write_text(">a\n" + "ACGT" * 50 + "\n>b\n" + "acgn" * 50 + "\n")
    run_cli(danq_predict, ["-w", model, "--fasta", "s.fa", "-d", TINY, "-o", "s.tsv"])
    rows = (tmp_path / "s.tsv").read_text().splitlines()
    assert rows[0].split("\t")[:2] == ["id", "CTCF_MA0139.2"] and len(rows) == 3
    import gzip

    with gzip.open(tmp_path / "s.fa.gz", "wt") as fh:
        fh.write((tmp_path / "s.fa").read_text())
    run_cli(danq_predict, ["-w", model, "--fasta", "s.fa.gz", "-d", TINY, "-o", "gz.tsv"])
    assert (tmp_path / "gz.tsv").read_text() == (tmp_path / "s.tsv").read_text()
    (tmp_path / "bad.fa").write_text(">short\nACGT\n")
    res = run_cli(danq_predict, ["-w", model, "--fasta", "bad.fa"], ok=False)
    assert res.exit_code == 2 and "'short'" in res.output and "200 bp" in res.output and "--resize" in res.output
    # --resize: a short record padded with N around it, a long one centre-cropped, = predicting those by hand
    core, flank = "ACGTTGCA" * 10, "G" * 30
    (tmp_path / "odd.fa").write_text(f">short\n{core}\n>long\n{flank}{'ACGT' * 50}{flank}\n")
    (tmp_path / "exact.fa").write_text(f">short\n{'N' * 60}{core}{'N' * 60}\n>long\n{'ACGT' * 50}\n")
    res = run_cli(danq_predict, ["-w", model, "--fasta", "odd.fa", "--resize", "-o", "odd.tsv"])
    assert "padded with N: 1 (short)" in res.output and "centre-cropped: 1 (long)" in res.output
    run_cli(danq_predict, ["-w", model, "--fasta", "exact.fa", "-o", "exact.tsv"])
    assert (tmp_path / "odd.tsv").read_text() == (tmp_path / "exact.tsv").read_text()


def test_predict_both_strands(trained, run_cli, tmp_path):
    from dlbio.data.encoding import BASES, encode, reverse_complement

    out, _ = trained
    model = out / "checkpoints" / "bestmodel.DanQ.keras"
    rng = np.random.default_rng(3)
    fwd = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(3)]
    rev = ["".join(BASES[i] for i in reverse_complement(encode(s))) for s in fwd]

    def predict(seqs, name, *extra):
        (tmp_path / f"{name}.fa").write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(seqs)))
        run_cli(danq_predict, ["-w", model, "--fasta", f"{name}.fa", "-o", f"{name}.tsv", "-q", *extra])
        return np.loadtxt(tmp_path / f"{name}.tsv", skiprows=1, usecols=range(1, 9))

    one, other, both = predict(fwd, "f"), predict(rev, "r"), predict(fwd, "fb", "--both-strands")
    assert np.abs(one - other).max() > 1e-3  # the strands do differ for this model
    np.testing.assert_allclose(both, (one + other) / 2, atol=2e-5)
    np.testing.assert_allclose(predict(rev, "rb", "--both-strands"), both, atol=2e-5)
    run_cli(danq_predict, ["-d", TINY, "-w", model, "-n", 50, "-o", "b.h5", "-q", "--both-strands"])
    with h5py.File(tmp_path / "b.h5") as f:
        assert bool(f.attrs["both_strands"]) and f["pred"].shape == (50, 8)


def test_runs_of_other_prefixes_and_models_keep_their_predictions(trained, run_cli, tmp_path):
    out, _ = trained
    first = (out / "predictions" / "test_results.h5").read_bytes()
    res = run_cli(danq_train, ["-d", TINY, "-e", 1, "--out-dir", out, "--prefix", "small", *SMALL])
    assert "predictions/small.DanQ.test_results.h5" in res.output
    assert (out / "predictions" / "test_results.h5").read_bytes() == first  # the first run's are intact
    run_cli(danq_visualize, ["-t", 1, "-p", out / "predictions" / "small.DanQ.test_results.h5", "-o", "s.png"])
    res = run_cli(danq_visualize, ["-t", 1, "-m", "DeepSEA"], ok=False)  # -m picks the default file
    assert res.exit_code == 2 and "predictions/bestmodel.DeepSEA.test_results.h5" in res.output
    res = run_cli(danq_predict, ["-d", TINY, "-m", "DeepSEA"], ok=False)
    assert res.exit_code == 2 and "checkpoints/bestmodel.DeepSEA.keras" in res.output
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "bestmodel.DeepSEA.keras").write_bytes(  # any DNA model serves here
        (out / "checkpoints" / "small.DanQ.keras").read_bytes()
    )
    res = run_cli(danq_predict, ["-d", TINY, "-m", "DeepSEA", "-n", 100, "-q"])
    assert "predictions/bestmodel.DeepSEA.test_results.h5" in res.output
    run_cli(danq_visualize, ["-t", 1, "-m", "DeepSEA", "-o", "d.png"])


def test_bad_inputs_never_overwrite(trained, run_cli, tmp_path):
    out, _ = trained
    model = out / "checkpoints" / "bestmodel.DanQ.keras"
    before = model.read_bytes()
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk.keras").write_text("x")
    cases = [
        (danq_train, ["-d", "empty", "-e", 1]),
        (danq_train, ["-d", TINY, "-g", 2, "-b", 101]),
        (danq_train, ["-d", TINY, "-g", 2, "-b", 100]),
        (danq_train, ["-d", TINY, "-w", model, "-f", 16, "-k", 9, "-n", 100, "-e", 1, "--out-dir", out]),
        (danq_predict, ["-d", TINY, "-w", "junk.keras"]),
        (danq_predict, ["-d", TINY, "-w", "missing.keras"]),
        (danq_visualize, ["-t", 99, "-p", out / "predictions" / "test_results.h5"]),
        (danq_visualize, ["-M", "-t", 500, "-d", TINY, "-w", model]),
        (simulate_cmd, ["-o", "sim", "--motifs", "NOT_A_TF"]),
    ]
    for cmd, args in cases:
        res = run_cli(cmd, args, ok=False)
        assert res.exit_code == 2, (args, res.output)
        lines = res.output.strip().splitlines()
        assert "Traceback" not in res.output and len(lines) == 1 and lines[0].startswith("error: "), (args, res.output)
    assert model.read_bytes() == before


def test_motifs_report(trained, run_cli, tmp_path):
    from dlbio.cli.motifs import motifs_cmd

    out, _ = trained
    res = run_cli(
        motifs_cmd,
        [
            "-w",
            out / "checkpoints" / "bestmodel.DanQ.keras",
            "-d",
            TINY,
            "-n",
            300,
            "--min-sites",
            5,
            "-o",
            "m",
            "-q",
            "--influence",
            50,
        ],
    )
    assert "positive sequences scanned" in res.output and "(mean over 50 sequences): filter " in res.output
    influence = [r.split("\t") for r in (tmp_path / "m" / "influence.tsv").read_text().splitlines()]
    names = (TINY / "targets.tsv").read_text().split()
    assert influence[0] == ["filter", "match", "strongest_target", "strongest_change", *names] and len(influence) == 9
    assert all(r[3] == min(r[4:], key=float) and r[2] == names[r[4:].index(r[3])] for r in influence[1:])
    rows = (tmp_path / "m" / "filters.tsv").read_text().splitlines()
    assert rows[0].split("\t")[:4] == ["filter", "sites", "information_bits", "match_id"] and len(rows) == 9
    assert rows[0].split("\t")[-3:] == ["shuffled_p", "shuffled_q", "matched"] and all(
        len(r.split("\t")) == 12 for r in rows
    )
    matched = [r.split("\t")[-1] for r in rows[1:]]
    assert set(matched) <= {"yes", "no", "low information", "too few sites"}
    assert (tmp_path / "m" / "filters.meme").read_text().startswith("MEME version 4")
    page = (tmp_path / "m" / "filters.html").read_text()
    assert page.startswith("<!doctype html>") and "JASPAR" in page
    bad = run_cli(
        motifs_cmd, ["-w", out / "checkpoints" / "bestmodel.DanQ.keras", "-d", TINY, "--targets", 99], ok=False
    )
    assert bad.exit_code == 2 and "targets must be between 1 and 8" in bad.output


def test_simulate_writes_mat_store_and_truth(run_cli, tmp_path):
    res = run_cli(
        simulate_cmd,
        [
            "-o",
            "sim",
            "--motifs",
            "CTCF,MA0035",
            "--n-train",
            30,
            "--n-valid",
            10,
            "--n-test",
            10,
            "--length",
            50,
            "--store",
            "--seed",
            2,
        ],
    )
    assert "2 targets (CTCF, GATA1)" in res.output
    from dlbio.data import sources

    mats = sources.open_data_dir(tmp_path / "sim")  # the stores are preferred
    assert mats["train"].layout == "store" and mats["train"].n == 30
    assert (tmp_path / "sim" / "train.mat").exists() and (tmp_path / "sim" / "truth.tsv").exists()


def test_danq_jaspar_with_step_decay(run_cli, tmp_path):
    res = run_cli(
        danq_train,
        [
            "-d",
            TINY,
            "-m",
            "DanQ-JASPAR",
            "-f",
            16,
            "--lstm-units",
            4,
            "--dense-units",
            8,
            "-b",
            50,
            "-n",
            100,
            "-e",
            2,
            "-s",
            "-l",
            0.01,
            "-O",
            "sgd",
            "-q",
            "-o",
            "",
        ],
    )
    assert "; best val_loss" in res.output
    import keras

    model = keras.models.load_model(tmp_path / "checkpoints" / "bestmodel.DanQ-JASPAR.keras")
    conv = model.get_layer("motif_conv")
    assert conv.kernel_size == (30,) and conv.filters == 16 and model.get_layer("pool").pool_size == (15,)
    with open(tmp_path / "checkpoints" / "bestmodel.DanQ-JASPAR.log.csv") as fh:
        rows = list(csv.DictReader(fh))
    # -s is in force: the scheduler sets (and logs) the rate each epoch; it first drops at epoch 10
    assert [float(r["learning_rate"]) for r in rows] == pytest.approx([0.01, 0.01])


def test_deepsea_trains_without_xla_warning(run_cli, tmp_path):
    import warnings

    import keras

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_cli(
            danq_train,
            [
                "-d",
                TINY,
                "-m",
                "DeepSEA",
                "-f",
                8,
                "-k",
                9,
                "--dense-units",
                8,
                "-b",
                50,
                "-n",
                100,
                "-e",
                1,
                "-q",
                "-o",
                "",
            ],
        )
    assert "; best val_loss" in res.output
    # op determinism (always on CPU) rules out XLA: asking for it only made Keras warn
    assert not [w for w in caught if "jit_compile" in str(w.message)]
    model = keras.models.load_model(tmp_path / "checkpoints" / "bestmodel.DeepSEA.keras", compile=False)
    convs = [la for la in model.layers if isinstance(la, keras.layers.Conv1D)]
    assert [c.filters for c in convs] == [8, 480, 960] and model.outputs[0].shape[-1] == 8


def test_mixed_precision_trains_in_float16_and_leaves_the_policy_alone(run_cli, tmp_path):
    import keras

    res = run_cli(danq_train, ["-d", TINY, *SMALL, "-e", 1, "-n", 100, "--mixed-precision", "-o", ""])
    assert "; best val_loss" in res.output
    from dlbio import backend

    no_gpu = not backend.gpus()
    assert ("--mixed-precision without a GPU" in res.output) == no_gpu
    assert keras.mixed_precision.global_policy().name == "float32"  # not leaked into this process
    model = keras.models.load_model(tmp_path / "checkpoints" / "bestmodel.DanQ.keras", compile=False)
    half = "float16" if backend.name() == "tensorflow" else "bfloat16"  # TF's cuDNN LSTM takes float16 only
    assert model.get_layer("motif_conv").compute_dtype == half
    assert model.get_layer("targets").compute_dtype == "float32"  # sigmoid outputs stay exact
    pred = model.predict(np.eye(4, dtype=np.float32)[np.zeros((3, 200), int)], verbose=0)
    assert pred.dtype == np.float32 and np.all((pred > 0) & (pred < 1))


def test_step_decay_halves_every_ten_epochs():
    from dlbio.training.callbacks import step_decay

    schedule = step_decay(0.01)
    assert [schedule(e) for e in (0, 9, 10, 19, 20, 35)] == pytest.approx([0.01, 0.01, 0.005, 0.005, 0.0025, 0.00125])


def test_roc_title_names_the_deepsea_category(tmp_path, monkeypatch):
    import dlbio.workflows.visualize as vis

    rng = np.random.default_rng(0)
    with h5py.File(tmp_path / "p.h5", "w") as f:
        f["pred"] = rng.random((40, 919), dtype=np.float32)
        f["labels"] = (rng.random((40, 919)) < 0.5).astype(np.uint8)
    titles = []
    monkeypatch.setattr(vis, "plot_curves", lambda y, score, out, title: titles.append(title) or out)
    for t in (1, 200, 900, "K562|GATA-1"):
        vis.plot_target(tmp_path / "p.h5", t)
    # a file of 919 targets without names has DeepSEA's
    assert titles == [
        "target 1 (DNase): 8988T|DNase|None",
        "target 200 (TF): ECC-1|ERalpha|Estradiol_10nM",
        "target 900 (Histone): NHLF|H2AZ|None",
        "target 623 (TF): K562|GATA-1|None",
    ]


def test_compare_two_runs_target_by_target(run_cli, tmp_path):
    """-C: run B against run A from their metrics TSVs, counted per DeepSEA category."""
    from dlbio.data.targets import deepsea_names
    from dlbio.evaluation.metrics import write_metrics_tsv

    rng = np.random.default_rng(0)
    roc_a, pr_a = rng.uniform(0.8, 0.95, 919), rng.uniform(0.1, 0.5, 919)
    roc_b, pr_b = roc_a.copy(), pr_a - 0.01  # B: PR AUC lower everywhere
    roc_b[:125] += 0.01  # ROC AUC higher on every DNase target,
    roc_b[815:] -= 0.02  # lower on every histone one, TF unchanged
    roc_b[900] += 0.5  # but histone target 901 gains most
    roc_a[5] = np.nan  # a target without positives in one run
    for name, roc, pr in (("a", roc_a, pr_a), ("b", roc_b, pr_b)):
        write_metrics_tsv(
            {"roc_auc": roc, "pr_auc": pr, "positives": np.full(919, 9)},
            tmp_path / f"{name}.metrics.tsv",
            deepsea_names(919),
        )
    res = run_cli(danq_visualize, ["-C", "a.metrics.tsv", "-C", "b.metrics.tsv", "-o", "ab.png"])
    lines = res.output.splitlines()
    assert lines[0] == "b (y) against a (x), 919 targets:"
    assert lines[1].startswith("ROC AUC   higher on 125, lower on 103 of 918; median difference +0.0000")
    assert lines[2].startswith("  DNase   higher on 124, lower on 0 of 124; median difference +0.0100")
    assert lines[3].startswith("  TF      higher on 0, lower on 0 of 690")
    assert lines[4].startswith("  Histone higher on 1, lower on 103 of 104; median difference -0.0200")
    assert lines[5].startswith("PR AUC    higher on 0, lower on 919 of 919; median difference -0.0100")
    assert lines[9].startswith(f"largest ROC AUC gains: 901 {deepsea_names(919)[900]} (+0.480)")
    assert Image.open(tmp_path / "ab.png").format == "PNG"
    (tmp_path / "c.metrics.tsv").write_text((tmp_path / "b.metrics.tsv").read_text().replace("K562|CTCF", "K562|YY1"))
    res = run_cli(danq_visualize, ["-C", "a.metrics.tsv", "-C", "c.metrics.tsv"], ok=False)
    assert res.exit_code == 2 and "c.metrics.tsv: target 150 is 'K562|YY1|None' but 'K562|CTCF|None'" in res.output
