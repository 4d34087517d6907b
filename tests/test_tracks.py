"""dlbio track: windows tiled along a locus, each prediction on the bin at its window's centre."""

import numpy as np
import pytest
from genomic_helpers import motif_model
from PIL import Image

from dlbio.cli.genomics import track_cmd
from dlbio.data.encoding import encode
from dlbio.data.genome import Genome
from dlbio.predict.tracks import tile_windows
from dlbio.utils.errors import DlbioError

MOTIF_AT, CCCCCC_AT = 1000, 1500


@pytest.fixture
def locus(tmp_path):
    """2 kb of A with GATAAG (target 1 of motif_model) at 1000 and CCCCCC (target 2) at 1500."""
    seq = ["A"] * 2000
    seq[MOTIF_AT : MOTIF_AT + 6] = "GATAAG"
    seq[CCCCCC_AT : CCCCCC_AT + 6] = "CCCCCC"
    (tmp_path / "g.fa").write_text(">chrA\n" + "".join(seq) + "\n")
    motif_model(60).save(tmp_path / "motif.keras")
    return tmp_path


def test_windows_are_the_genome_around_each_bin(locus):
    genome = Genome(locus / "g.fa")
    text = genome.fetch("chrA", 0, 2000)
    bins, windows, skipped = tile_windows(genome, "chrA", 0, 2000, 60, 20)
    # bin b's window is [b - 20, b + 40); the first bin's and the last's run off the chromosome
    assert bins.tolist() == list(range(20, 1980, 20)) and skipped == 2
    assert all(np.array_equal(w, encode(text[b - 20 : b + 40])) for b, w in zip(bins, windows))
    bins, windows, skipped = tile_windows(genome, "chrA", 105, 400, 60, 50)  # a bin must lie wholly inside
    assert bins.tolist() == [105, 155, 205, 255, 305] and skipped == 0 and windows.shape == (5, 60)


def test_the_track_is_high_exactly_on_the_bins_whose_window_holds_the_motif(locus, run_cli):
    res = run_cli(track_cmd, ["-w", "motif.keras", "-g", "g.fa", "-r", "chrA:0-2,000", "--step", "20", "-o", "t", "-q"])
    assert "98 bins of 20 bp on chrA" in res.output and "target_1 0.982 at chrA:980-1,000" in res.output
    lines = (locus / "t.target_1.bedGraph").read_text().splitlines()
    assert lines[0].startswith('track type=bedGraph name="target_1"') and len(lines) == 99
    rows = [line.split("\t") for line in lines[1:]]
    assert all(r[0] == "chrA" and int(r[2]) - int(r[1]) == 20 for r in rows)
    high = [int(r[1]) for r in rows if float(r[3]) > 0.5]
    # a window [b - 20, b + 40) holds GATAAG at [1000, 1006) for b in [966, 1020]: the bins 980, 1000, 1020
    assert (
        high == [b for b in range(20, 1980, 20) if b - 20 <= MOTIF_AT and MOTIF_AT + 6 <= b + 40] == [980, 1000, 1020]
    )
    other = [
        int(line.split("\t")[1])
        for line in (locus / "t.target_2.bedGraph").read_text().splitlines()[1:]
        if float(line.split("\t")[3]) > 0.5
    ]
    assert other == [1480, 1500, 1520]
    assert Image.open(locus / "t.png").format == "PNG"
    (locus / "sites.bed").write_text(f"chrA\t{MOTIF_AT}\t{MOTIF_AT + 6}\nchrB\t0\t10\n")
    run_cli(
        track_cmd,
        [
            "-w",
            "motif.keras",
            "-g",
            "g.fa",
            "-r",
            "chrA:0-2000",
            "--step",
            "20",
            "-o",
            "one",
            "-t",
            "1",
            "--both-strands",
            "--peaks",
            "sites.bed",
        ],
    )
    run_cli(
        track_cmd, ["-w", "motif.keras", "-g", "g.fa", "-r", "chrA:0-2000", "--step", "20", "-o", "bare", "-t", "1"]
    )
    assert Image.open(locus / "one.png").size[1] > Image.open(locus / "bare.png").size[1]  # a row for the peaks
    assert not (locus / "one.target_2.bedGraph").exists()  # -t 1 writes target 1's track only
    # target 1 fires on GATAAG and on its reverse complement CTTATC: the same on both strands
    assert (locus / "one.target_1.bedGraph").read_text().splitlines()[1:] == (
        locus / "t.target_1.bedGraph"
    ).read_text().splitlines()[1:]


def test_a_model_of_many_targets_needs_t(locus, monkeypatch):
    import keras

    from dlbio.workflows.genomics import predict_track

    x = keras.Input((60, 4))
    model = keras.Model(x, keras.layers.Dense(17, activation="sigmoid")(keras.layers.Flatten()(x)))
    with pytest.raises(DlbioError, match="the model has 17 targets: choose the tracks with -t"):
        predict_track(model, locus / "g.fa", "chrA:0-2000", locus / "t")
    from dlbio.workflows import genomics

    full = predict_track(model, locus / "g.fa", "chrA:0-2000", locus / "all", targets=list(range(1, 18)))
    monkeypatch.setattr(genomics, "_MAX_PANELS", 1)  # the figure draws the first panels; every bedGraph is written
    few = predict_track(model, locus / "g.fa", "chrA:0-2000", locus / "few", targets=list(range(1, 18)))
    assert len(few["bedgraphs"]) == 17 and Image.open(few["png"]).size[1] < Image.open(full["png"]).size[1]
    res = predict_track(model, locus / "g.fa", "chrA:0-2000", locus / "t", targets=[17], png=False)
    # --step 200 with 60-bp windows: each window is the middle of its bin; 10 bins
    assert res["bins"].tolist() == list(range(0, 2000, 200)) and res["pred"].shape == (10, 1)
    assert res["names"] == ["target_17"] and res["png"] is None
