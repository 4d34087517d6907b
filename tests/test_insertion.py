"""In-silico motif insertion: words, JASPAR consensus, backgrounds, the table, the command."""

import numpy as np
import pytest
from genomic_helpers import motif_model

from dlbio.utils.errors import DlbioError


def test_inserting_the_motif_switches_on_its_target_only(tmp_path):
    from dlbio.workflows.insertion import insert_motifs

    res = insert_motifs(
        motif_model(), ["GATAAG", "cttatc", "TTTTTT"], tmp_path / "ins.tsv", ["GATA", "POLYC"], n=50, seed=3
    )
    assert res["backgrounds"] == "50 random sequences (41% GC)"
    gata, rc, plain = res["motifs"]
    assert gata["word"] == "GATAAG" and rc["word"] == "CTTATC" and gata["start"] == 28  # centred in 60 bp
    s = gata["summary"]
    assert s["with_motif"][0] > 0.98 and s["background"][0] < 0.2 and s["rose"][0] > 0.8  # the motif's target
    assert abs(s["diff"][1]) < 0.01  # not the other one
    assert rc["summary"]["with_motif"][0] > 0.98  # the other strand's filter
    assert abs(plain["summary"]["diff"]).max() < 0.05 and list(gata["order"]) == [0, 1]
    rows = [r.split("\t") for r in (tmp_path / "ins.tsv").read_text().splitlines()]
    assert (
        rows[0]
        == ["motif", "word", "start", "target", "name", "background", "with_motif", "diff", "log_odds_diff", "rose"]
        and len(rows) == 1 + 3 * 2
    )
    assert rows[1][:5] == ["GATAAG", "GATAAG", "28", "1", "GATA"] and float(rows[1][7]) > 0.7
    # the same seed, the same backgrounds; another seed, others
    again = insert_motifs(motif_model(), ["GATAAG"], tmp_path / "b.tsv", n=50, seed=3)
    other = insert_motifs(motif_model(), ["GATAAG"], tmp_path / "c.tsv", n=50, seed=4)
    assert again["motifs"][0]["summary"]["background"][0] == s["background"][0]
    assert other["motifs"][0]["summary"]["background"][0] != s["background"][0]


def test_insertion_effects_by_hand():
    from dlbio.data.encoding import encode
    from dlbio.interpret.insertion import Word, insertion_effects, summarize, with_sites

    bg = np.stack([encode("A" * 60), encode("A" * 10 + "GATAAG" + "A" * 44)])
    placed = with_sites(bg, encode("GATAAG"), 0)
    assert (placed[:, :6] == encode("GATAAG")).all() and (bg[0] == encode("A" * 60)).all()  # a copy
    base, [ins], starts = insertion_effects(motif_model(), bg, [Word("g", "GATAAG")], start=0)
    assert starts == [0] and base.shape == ins.shape == (2, 2)
    # the first background gains the site; the second had one already: no change
    assert ins[0, 0] > 0.98 > 0.02 > base[0, 0] and ins[1, 0] == pytest.approx(base[1, 0])
    s = summarize(base, ins)
    assert s["rose"][0] == 0.5 and s["diff"][0] == pytest.approx((ins[0, 0] - base[0, 0]) / 2)
    with pytest.raises(DlbioError, match="6 bp from position 56 do not fit in 60 bp"):
        insertion_effects(motif_model(), bg, [Word("g", "GATAAG")], start=55)


def test_jaspar_motifs_go_in_as_their_consensus():
    from dlbio.interpret.insertion import motif_word
    from dlbio.motifs import jaspar

    w = motif_word("CTCF")
    m = jaspar.find("CTCF")
    assert w.label == f"{m.matrix_id} CTCF" and len(w.word) == m.length
    probs = m.probabilities()
    assert all(probs[i, "ACGT".index(b)] == probs[i].max() for i, b in enumerate(w.word))
    assert motif_word(m.matrix_id.split(".")[0]) == w  # by id too
    with pytest.raises(DlbioError, match="no motif with this id or name in JASPAR2024 CORE vertebrates"):
        motif_word("GATAXG")


def test_backgrounds_from_a_fasta(tmp_path):
    from dlbio.workflows.insertion import backgrounds_for, insert_motifs

    (tmp_path / "bg.fa").write_text("".join(f">b{i}\n{'ACGT' * 15}\n" for i in range(5)))
    idx, what = backgrounds_for(60, 3, tmp_path / "bg.fa")
    assert idx.shape == (3, 60) and what == f"3 sequences of {tmp_path / 'bg.fa'}"
    res = insert_motifs(motif_model(), ["GATAAG"], tmp_path / "i.tsv", fasta=tmp_path / "bg.fa", position=1)
    assert res["motifs"][0]["start"] == 1 and res["motifs"][0]["summary"]["rose"][0] == 1.0
    (tmp_path / "short.fa").write_text(">s\nACGT\n")
    with pytest.raises(DlbioError, match="record 's' is 4 bp, the model needs 60 bp"):
        backgrounds_for(60, 3, tmp_path / "short.fa")


def test_insert_motif_command(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dlbio.cli import main

    monkeypatch.chdir(tmp_path)
    motif_model().save(tmp_path / "m.keras")
    res = CliRunner().invoke(
        main,
        ["insert-motif", "-w", "m.keras", "-m", "GATAAG", "-m", "CCCCCC", "-n", "20", "-q", "-o", "out.tsv"],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith(
        "GATAAG (GATAAG, from position 28) in 20 random sequences (41% GC): by mean change: target_1 +"
    )
    assert lines[1].startswith(
        "CCCCCC (CCCCCC, from position 28) in 20 random sequences (41% GC): by mean change: target_2 +"
    )
    assert lines[-1] == "table -> out.tsv" and len((tmp_path / "out.tsv").read_text().splitlines()) == 5


def test_sampled_sites_vary_like_the_matrix(tmp_path):
    """--sample: a JASPAR motif's sites are drawn from its matrix, one per background: they
    differ between backgrounds, their base frequencies follow the matrix, the same seed gives
    the same sites, and the backgrounds are those of the run without --sample."""
    from dlbio.data.encoding import BASES
    from dlbio.interpret.insertion import motif_word
    from dlbio.motifs import jaspar
    from dlbio.workflows.insertion import insert_motifs

    w = motif_word("GATA1")
    sites = w.sites(4000, np.random.default_rng(0))
    m = jaspar.find("GATA1")
    freq = np.stack([(sites == BASES.index(b)).mean(axis=0) for b in "ACGT"], axis=1)  # (k, 4) A,C,G,T
    np.testing.assert_allclose(freq, m.probabilities(), atol=0.03)
    assert len({s.tobytes() for s in sites[:50]}) > 5  # not one word
    assert (w.sites(3) == w.sites(1)[0]).all()  # without a generator: the consensus
    plain = insert_motifs(motif_model(), ["GATA1"], tmp_path / "a.tsv", n=30, seed=2)
    sampled = insert_motifs(motif_model(), ["GATA1"], tmp_path / "b.tsv", n=30, seed=2, sample=True)
    insert_motifs(motif_model(), ["GATA1"], tmp_path / "c.tsv", n=30, seed=2, sample=True)
    assert plain["motifs"][0]["summary"]["background"][0] == sampled["motifs"][0]["summary"]["background"][0]
    assert sampled["motifs"][0]["sampled"] and not plain["motifs"][0]["sampled"]
    assert (tmp_path / "b.tsv").read_text() == (tmp_path / "c.tsv").read_text()
    assert (tmp_path / "b.tsv").read_text().splitlines()[1].split("\t")[1] == f"sampled from {m.matrix_id}"
    # the motif model's target 1 reads CTTATC: the consensus CTAATCT misses it by one base, the
    # sampled sites (T at the 3rd base 29 % of the time) often have it
    assert sampled["motifs"][0]["summary"]["diff"][0] > plain["motifs"][0]["summary"]["diff"][0] + 0.1
