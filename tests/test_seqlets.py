"""Seqlets: stretches of bases whose importance is improbably high together."""

import numpy as np
import pytest
from genomic_helpers import motif_model


def _noise(n=20, length=300, seed=0):
    return np.random.default_rng(seed).normal(0, 0.05, (n, length))


def test_planted_blocks_are_found_where_they_are_and_nowhere_else():
    from dlbio.interpret.seqlets import call_seqlets

    scores = _noise()
    scores[:10, 100:110] += 1.0  # a site the prediction needs in half the records
    scores[3, 200:206] -= 1.0  # and one that works against it
    found = call_seqlets(scores, 1e-5)
    positive = [s for s in found if s.score > 0]
    assert sorted(s.record for s in positive) == list(range(10))
    for s in positive:  # the block, not the noise beside it (every 4-span with one block base passes)
        assert (s.start, s.end) == (100, 110)
        assert s.score == pytest.approx(scores[s.record, s.start : s.end].sum()) and s.p < 1e-5
    [neg] = [s for s in found if s.score < 0]
    assert (neg.record, neg.start, neg.end) == (3, 200, 206) and neg.score == pytest.approx(scores[3, 200:206].sum())
    # negative ones only when asked for
    assert all(s.score > 0 for s in call_seqlets(scores, 1e-5, negative=False))


def test_noise_alone_gives_next_to_none():
    from dlbio.interpret.seqlets import call_seqlets

    assert len(call_seqlets(_noise(50, 1000, seed=2), 1e-5)) <= 1
    assert call_seqlets(np.zeros((3, 50))) == []  # nothing varies: nothing to call


def test_a_seqlet_does_not_reach_across_a_gap():
    """Every span inside a seqlet must pass too, so two blocks with unimportant bases
    between them stay two seqlets, and no seqlet overlaps another."""
    from dlbio.interpret.seqlets import call_seqlets

    scores = _noise(40, 200, seed=1)
    scores[:5, 50:56] += 1.0
    scores[:5, 62:68] += 1.0
    found = call_seqlets(scores, 1e-5, negative=False)
    for r in range(5):
        mine = sorted((s.start, s.end) for s in found if s.record == r)
        # each block (50-55, 62-67) its own, at most a base or two of noise beyond (a 3-sd one)
        assert len(mine) == 2 and mine[0][0] <= 55 < mine[0][1] <= 58 and 59 <= mine[1][0] <= 62 < mine[1][1], mine
    longer = call_seqlets(scores, 1e-5, max_len=40, negative=False)
    assert all(s.end - s.start <= 40 and not (s.start < 56 and s.end > 62) for s in longer)


def test_bad_scores_are_refused():
    from dlbio.interpret.seqlets import call_seqlets

    with pytest.raises(ValueError, match="finite"):
        call_seqlets(np.full((2, 10), np.nan))
    with pytest.raises(ValueError, match="L >= 4"):
        call_seqlets(np.zeros((2, 3)))


def test_mutagenesis_writes_the_seqlets_of_every_record(tmp_path):
    from dlbio.utils.errors import DlbioError
    from dlbio.workflows.mutagenesis import mutagenesis

    rows = ["A" * 30 + "GATAAG" + "T" * 24, "T" * 60, "C" * 20 + "CTTATC" + "A" * 34]
    (tmp_path / "r.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(rows)))
    res = mutagenesis(
        motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m", all_records=True, png=False, seqlet_p=1e-3
    )
    lines = [r.split("\t") for r in res[0]["seqlets"].read_text().splitlines()]
    assert res[0]["seqlets"] == tmp_path / "m.seqlets.tsv"
    assert lines[0] == [
        "id",
        "sign",
        "first",
        "last",
        "length",
        "sequence",
        "importance",
        "p",
        "motif",
        "motif_id",
        "motif_q",
        "motif_first",
        "motif_strand",
        "pattern",
    ]
    # the GATA site of s0 and the reverse-complement site of s2, 1-based, nothing in s1
    assert [row[:6] for row in lines[1:]] == [
        ["s0", "+", "31", "36", "6", "GATAAG"],
        ["s2", "+", "21", "26", "6", "CTTATC"],
    ]
    assert res[0]["n_seqlets"] == (2, 0) and float(lines[1][6]) > 5 and float(lines[1][7]) < 1e-3
    # GATAAG alone in poly-A/T fits no JASPAR motif better than chance; inside Mecom's
    # AGATAAGATAA it is named, placed where that motif starts in the record
    assert [row[8:10] + row[11:] for row in lines[1:]] == [["-", "-", "-", "-", "-"]] * 2  # 2 seqlets: no pattern
    assert all(float(row[10]) >= 0.05 for row in lines[1:])
    (tmp_path / "m.fa").write_text(">mecom\n" + "C" * 20 + "AGATAAGATAA" + "C" * 29 + "\n")
    [mecom] = mutagenesis(motif_model(), tmp_path / "m.fa", None, 1, tmp_path / "e", png=False, seqlet_p=1e-2)
    row = mecom["seqlets"].read_text().splitlines()[1].split("\t")
    assert row[:6] == ["mecom", "+", "22", "27", "6", "GATAAG"] and row[8:10] == ["Mecom", "MA0029.2"]
    assert float(row[10]) < 0.05 and row[11:] == ["21", "+", "-"] and mecom["motifs"] == {("+", "Mecom"): 1}
    # --positions: the positions stay those of the record
    [one] = mutagenesis(
        motif_model(), tmp_path / "r.fa", ["s0"], 1, tmp_path / "c", png=False, seqlet_p=1e-2, positions="21-50"
    )
    assert one["seqlets"].read_text().splitlines()[1].split("\t")[:6] == ["s0", "+", "31", "36", "6", "GATAAG"]
    with pytest.raises(DlbioError, match="--seqlet-p must be a p-value between 0 and 1"):
        mutagenesis(motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m", seqlet_p=1.5)
    with pytest.raises(DlbioError, match="at least 4 positions"):
        mutagenesis(motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m", seqlet_p=1e-3, positions="31-33")


def test_seqlets_alike_make_a_pattern_whichever_strand_they_read(tmp_path, run_cli, monkeypatch):
    from dlbio.cli.mutagenesis import mutagenesis_cmd
    from dlbio.motifs.meme import read_meme
    from dlbio.workflows.mutagenesis import mutagenesis

    # the model's site on either strand, at 8 places: 8 seqlets, one pattern
    rows = ["A" * (10 + 5 * i) + ("GATAAG" if i % 2 == 0 else "CTTATC") + "T" * (44 - 5 * i) for i in range(8)]
    (tmp_path / "r.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(rows)))
    [res, *_] = mutagenesis(
        motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m", all_records=True, png=False, seqlet_p=1e-3
    )
    seqlets = [r.split("\t") for r in res["seqlets"].read_text().splitlines()[1:]]
    assert [(r[0], r[5], r[-1]) for r in seqlets] == [
        (f"s{i}", "GATAAG" if i % 2 == 0 else "CTTATC", "pos1") for i in range(8)
    ]
    table = [r.split("\t") for r in res["patterns"].read_text().splitlines()]
    assert table[0][:6] == ["pattern", "sign", "seqlets", "records", "width", "consensus"]
    assert table[1][:6] == ["pos1", "+", "8", "8", "6", "GATAAG"] and len(table) == 2
    [(name, consensus, prob)] = read_meme(tmp_path / "m.patterns.meme")
    assert (name, consensus) == ("pos1", "GATAAG") and np.allclose(prob.max(axis=1), 1)
    assert res["pattern_list"][0][:3] == ("pos1", 8, "GATAAG")
    assert "<h1>Patterns" in res["patterns_html"].read_text() and res["patterns_html"].name == "m.patterns.html"
    # what the command says of them
    motif_model().save(tmp_path / "motif.keras")
    out = run_cli(
        mutagenesis_cmd,
        [
            "-w",
            "motif.keras",
            "--fasta",
            "r.fa",
            "--all-records",
            "-t",
            1,
            "--no-png",
            "--seqlets",
            "--seqlet-p",
            1e-3,
            "-q",
            "-o",
            "cli",
        ],
    ).output.splitlines()
    assert out[-2] == "seqlets (p < 0.001): 8 that the prediction needs; 0 that work against it -> cli.seqlets.tsv"
    assert out[-1] == "patterns of alike seqlets: 1: pos1 GATAAG (8 seqlets) -> cli.patterns.tsv, cli.patterns.html"
    # without memelite (the motifs extra) the seqlets and patterns are found all the same, but not named
    from dlbio.motifs import tomtom
    from dlbio.workflows.seqlet_report import describe

    monkeypatch.setattr(tomtom, "available", lambda: False)
    [res, *_] = mutagenesis(
        motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "bare", all_records=True, png=False, seqlet_p=1e-3
    )
    assert res["pattern_list"] == [("pos1", 8, "GATAAG", None)] and res["patterns_html"] is None
    assert res["patterns"].read_text().splitlines()[1].split("\t")[6:] == ["-"] * 5
    assert describe(res, 1e-3)[-1] == (
        "(seqlets and patterns unnamed: matching them to JASPAR needs memelite: pip install 'dlbio[motifs]')"
    )
    seqlet_rows = [r.split("\t") for r in (tmp_path / "bare.seqlets.tsv").read_text().splitlines()[1:]]
    assert len(seqlet_rows) == 8 and all(r[8] == "-" for r in seqlet_rows)
