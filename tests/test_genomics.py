"""The users'-data path end to end on the bundled genome, and chunked prediction tables."""

import re

import numpy as np
from genomic_helpers import motif_model

from dlbio.data.genome import Genome


def test_cli_path_on_bundled_genome(run_cli, tmp_path):
    from dlbio.cli.danq import danq_predict
    from dlbio.cli.genomics import variants_cmd
    from dlbio.cli.mutagenesis import mutagenesis_cmd
    from dlbio.cli.prepare import build_dataset
    from dlbio.cli.train import danq_train
    from dlbio.utils.resources import data_dir

    g = data_dir() / "genome_tiny"
    res = run_cli(
        build_dataset,
        [
            "-g",
            g / "genome.fa",
            "--sheet",
            g / "targets.tsv",
            "--test-chroms",
            "chr3",
            "--valid-chroms",
            "chr2",
            "--neg-fraction",
            0.1,
            "-o",
            "d",
            "-q",
        ],
    )
    assert "train:" in res.output and (tmp_path / "d" / "summary.tsv").exists()
    run_cli(
        danq_train,
        ["-d", "d", "-f", 8, "-k", 9, "--lstm-units", 4, "--dense-units", 8, "-b", 100, "-e", 1, "-n", 200, "-q"],
    )
    model = tmp_path / "checkpoints" / "bestmodel.DanQ.keras"
    run_cli(danq_predict, ["-w", model, "--fasta", g / "example.fa", "-d", "d", "-o", "fa.tsv"])
    assert (tmp_path / "fa.tsv").read_text().splitlines()[0] == "id\tCTCF\tGATA1\tCEBPB"
    run_cli(
        danq_predict,
        ["-w", model, "--bed", g / "CTCF.narrowPeak", "--genome", g / "genome.fa", "-d", "d", "-o", "b.tsv"],
    )
    peaks = [line.split("\t") for line in (g / "CTCF.narrowPeak").read_text().splitlines()]
    regions = [line.split("\t") for line in (tmp_path / "b.tsv").read_text().splitlines()]
    assert regions[0][:6] == ["name", "chrom", "start", "end", "window_start", "CTCF"] and len(regions) == 1 + len(
        peaks
    )
    # 1000-bp windows centred on each peak's summit (narrowPeak column 10)
    assert [int(r[4]) for r in regions[1:]] == [int(p[1]) + int(p[9]) - 500 for p in peaks]
    run_cli(
        danq_predict,
        [
            "-w",
            model,
            "--bed",
            g / "CTCF.narrowPeak",
            "--genome",
            g / "genome.fa",
            "-d",
            "d",
            "-o",
            "b2.tsv",
            "--both-strands",
            "-q",
        ],
    )
    both = [line.split("\t") for line in (tmp_path / "b2.tsv").read_text().splitlines()]
    assert [r[:5] for r in both] == [r[:5] for r in regions] and both[1:] != regions[1:]
    run_cli(
        danq_predict,
        ["-w", model, "--bed", g / "CTCF.narrowPeak", "--genome", g / "genome.fa", "-d", "d", "-o", "b.h5", "-q"],
    )
    import h5py

    with h5py.File(tmp_path / "b.h5") as f:
        assert list(f["window_start"][...]) == [int(r[4]) for r in regions[1:]]
        np.testing.assert_allclose(f["pred"][...], np.array([r[5:] for r in regions[1:]], float), atol=1e-5)
    res = run_cli(
        variants_cmd,
        [
            "--vcf",
            g / "variants.vcf",
            "-g",
            g / "genome.fa",
            "-w",
            model,
            "-d",
            "d",
            "-o",
            "v.tsv",
            "--both-strands",
            "--quiet",
        ],
    )
    rows = (tmp_path / "v.tsv").read_text().splitlines()
    assert rows[0].split("\t")[-4:] == ["ref_prob", "alt_prob", "diff", "log_odds_diff"] and len(rows) == 1 + 20 * 3
    assert "largest effects: " in res.output and len((tmp_path / "v.summary.tsv").read_text().splitlines()) == 21
    run_cli(
        variants_cmd,
        [
            "--vcf",
            g / "variants.vcf",
            "-g",
            g / "genome.fa",
            "-d",
            "d",  # -w: danq-train's model
            "-o",
            "ctcf.tsv",
            "--both-strands",
            "--targets",
            "CTCF",
            "-b",
            7,  # batches that split the REF and ALT windows unevenly: the same predictions
            "-q",
        ],
    )
    assert (tmp_path / "ctcf.tsv").read_text().splitlines() == [
        r for r in rows if "\tGATA1\t" not in r and "\tCEBPB\t" not in r
    ]
    (tmp_path / "one.fa").write_text(">s\n" + (g / "example.fa").read_text().split("\n")[1] + "\n")
    run_cli(mutagenesis_cmd, ["-w", model, "--fasta", "one.fa", "-t", 1, "-o", "ism", "-q"])
    assert len((tmp_path / "ism.tsv").read_text().splitlines()) == 1001 and (tmp_path / "ism.png").exists()
    res = run_cli(
        mutagenesis_cmd, ["-w", model, "--fasta", "one.fa", "-t", "GATA1", "-d", "d", "-o", "g", "-q", "--log-odds"]
    )
    assert res.output.startswith("s, GATA1: prediction 0.") and "; 1000 positions x 3" in res.output
    assert "decrease (log-odds)" in res.output
    lines = (g / "example.fa").read_text().split("\n")
    (tmp_path / "two.fa").write_text("\n".join(lines[:4]) + "\n")
    res = run_cli(mutagenesis_cmd, ["-w", model, "--fasta", "two.fa", "--all-records", "-t", 1, "-o", "all", "-q"])
    ids = [line[1:] for line in lines[:4:2]]
    assert [line.split(",")[0] for line in res.output.splitlines()[:-1]] == ids
    assert res.output.splitlines()[-1].endswith("-> all.summary.tsv")
    assert all((tmp_path / f"all.{i}.tsv").exists() and (tmp_path / f"all.{i}.png").exists() for i in ids)
    # gradient estimates of many records: the files hold every record, the screen the first 20
    (tmp_path / "many.fa").write_text("".join(f">r{k}\n{lines[1]}\n" for k in range(23)))
    res = run_cli(
        mutagenesis_cmd,
        [
            "-w",
            model,
            "--fasta",
            "many.fa",
            "--all-records",
            "-t",
            1,
            "-o",
            "grad",
            "-q",
            "--method",
            "gradient",
            "--no-png",
        ],
    )
    out = res.output.splitlines()
    assert len(out) == 22 and "decrease (gradient estimate)" in out[0] and out[-2].startswith("... and 3 more records")
    assert (
        out[-1].endswith("-> grad.summary.tsv") and len((tmp_path / "grad.summary.tsv").read_text().splitlines()) == 24
    )
    assert len(list(tmp_path.glob("grad.r*.tsv"))) == 23 and not list(tmp_path.glob("grad.*.png"))
    res = run_cli(
        mutagenesis_cmd,
        [
            "-w",
            model,
            "--fasta",
            "many.fa",
            "--all-records",
            "-t",
            1,
            "-o",
            "many.h5",
            "-q",
            "--method",
            "gradient",
            "--no-png",
            "--seqlets",
        ],
    )
    out = res.output.splitlines()
    assert out[-4] == "one line per record (prediction, strongest change, most important stretch) -> many.summary.tsv"
    assert out[-1] == "effects and importance of 23 records -> many.h5"
    said = re.fullmatch(
        r"seqlets \(p < 1e-05\): (\d+) that the prediction needs(?: \(\d+ holds? a JASPAR motif: .+\))?; "
        r"(\d+) that work against it(?: \(.+\))? -> many.seqlets.tsv",
        out[-3],
    )
    rows = [line.split("\t") for line in (tmp_path / "many.seqlets.tsv").read_text().splitlines()]
    assert said and rows[0][:2] == ["id", "sign"]
    assert [int(n) for n in said.groups()] == [sum(r[1] == sign for r in rows[1:]) for sign in "+-"]
    # 23 copies of one record: each seqlet's 22 copies are alike, so every seqlet is in a pattern
    patterns = [line.split("\t") for line in (tmp_path / "many.patterns.tsv").read_text().splitlines()]
    assert out[-2].startswith(f"patterns of alike seqlets: {len(patterns) - 1}")
    assert out[-2].endswith(" -> many.patterns.tsv, many.patterns.html")
    assert sum(int(p[2]) for p in patterns[1:]) == len(rows) - 1 and all(r[-1] != "-" for r in rows[1:])
    assert " -> " not in res.output.splitlines()[0]  # no per-record files
    with h5py.File(tmp_path / "many.h5") as f:
        np.testing.assert_allclose(
            f["effects"][22], np.loadtxt(tmp_path / "grad.r22.tsv", skiprows=1, usecols=(2, 3, 4, 5)), atol=1e-5
        )
    # a narrowPeak region: the same effects as its summit-centred window given as FASTA
    peak = (g / "CTCF.narrowPeak").read_text().splitlines()[0].split("\t")
    (tmp_path / "one.narrowPeak").write_text("\t".join(peak) + "\n")
    first = int(peak[1]) + int(peak[9]) - 500
    (tmp_path / "w.fa").write_text(f">w\n{Genome(g / 'genome.fa').fetch(peak[0], first, first + 1000)}\n")
    res = run_cli(
        mutagenesis_cmd, ["-w", model, "--bed", "one.narrowPeak", "-g", g / "genome.fa", "-t", 1, "-o", "bed", "-q"]
    )
    assert res.output.startswith(f"{peak[3]}, target_1: prediction 0.")
    run_cli(mutagenesis_cmd, ["--fasta", "w.fa", "-t", 1, "-o", "win", "-q"])  # -w: danq-train's model
    assert (tmp_path / "bed.tsv").read_text() == (tmp_path / "win.tsv").read_text()


def test_prediction_table_chunks_and_hdf5(tmp_path):
    import h5py

    from dlbio.data.encoding import encode
    from dlbio.predict.tables import predict_table

    rng = np.random.default_rng(5)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(7)]
    seqs[2] = seqs[2][:10] + "GATAAG" + seqs[2][16:]
    idx = np.stack([encode(s) for s in seqs])
    rows = [(f"r{i}", 100 * i) for i in range(7)]
    keys = {"name": str, "pos": int}
    model = motif_model()
    whole = predict_table(model, idx, rows, keys, ["GATA", "POLYC"], tmp_path / "whole.tsv")
    # 3 sequences a chunk, 2 a batch: the same table as all at once, rows in order
    parts = predict_table(model, idx, rows, keys, ["GATA", "POLYC"], tmp_path / "parts.tsv", chunk=3, batch_size=2)
    text = whole.read_text()
    assert parts.read_text() == text and text.splitlines()[0] == "name\tpos\tGATA\tPOLYC"
    table = [line.split("\t") for line in text.splitlines()[1:]]
    assert [r[:2] for r in table] == [[n, str(p)] for n, p in rows] and float(table[2][2]) > 0.9
    h5 = predict_table(model, idx, rows, keys, ["GATA", "POLYC"], tmp_path / "p.h5", chunk=3)
    with h5py.File(h5) as f:
        assert f["pred"].shape == (7, 2) and list(f["name"].asstr()[...]) == [r[0] for r in rows]
        assert f["pos"].dtype == np.int64 and list(f["pos"][...]) == [r[1] for r in rows]
        np.testing.assert_allclose(f["pred"][...], np.array([r[2:] for r in table], float), atol=1e-5)
        assert [n.decode() for n in f.attrs["target_names"]] == ["GATA", "POLYC"]
