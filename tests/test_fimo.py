"""FIMO hits (memelite, p-values as FIMO defines them) and the dlbio fimo command."""

import itertools

import numpy as np
import pytest

from dlbio.utils.errors import DlbioError


def test_fimo_finds_a_planted_site_on_its_strand():
    from dlbio.motifs import jaspar
    from dlbio.motifs.fimo import motifs_from, scan

    ctcf = jaspar.find("CTCF")
    site = "".join("ACGT"[i] for i in ctcf.probabilities().argmax(axis=1))
    rc = site.translate(str.maketrans("ACGT", "TGCA"))[::-1]
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 120)) for _ in range(3)]
    seqs[1] = seqs[1][:30] + site + seqs[1][30 + len(site) :]
    seqs[2] = seqs[2][:70] + rc + seqs[2][70 + len(rc) :] + "NNNN"  # another length, with N
    hits = scan(motifs_from("CTCF,GATA1", "JASPAR2024"), ["a", "b", "c"], seqs)
    best = [h for h in hits if h["motif_alt_id"] == "CTCF" and h["p-value"] < 1e-8]
    assert {(h["sequence_name"], h["start"], h["stop"], h["strand"]) for h in best} == {
        ("b", 31, 30 + len(site), "+"),
        ("c", 71, 70 + len(site), "-"),
    }
    assert all(h["matched_sequence"] == site for h in best)  # read on the motif's strand
    ps = [h["p-value"] for h in hits]
    assert ps == sorted(ps) and all(p < 1e-4 for p in ps)
    qs = [h["q-value"] for h in hits]
    assert qs == sorted(qs) and all(q >= p for p, q in zip(ps, qs))


def test_fimo_p_values_are_p_of_a_score_at_least_as_high():
    """For a 5-column motif every 5-mer's p-value is countable: P(score >= s) over all 4^5.
    memelite 0.5 reports P(score > s), 0 for the best site, which dlbio corrects."""
    from dlbio.motifs import jaspar
    from dlbio.motifs.fimo import Motif, _PValue, scan

    m = jaspar.find("MA0006")  # Ahr::Arnt, 5 columns
    assert m.length == 5
    pvalue = _PValue(m.probabilities())
    kmers = ["".join(k) for k in itertools.product("ACGT", repeat=5)]
    steps = np.array([sum(pvalue.steps[j, "ACGT".index(c)] for j, c in enumerate(k)) for k in kmers])
    for k, s in zip(kmers[::37], steps[::37]):
        assert pvalue(k) == pytest.approx(np.mean(steps >= s))
    best = "".join("ACGT"[i] for i in m.probabilities().argmax(axis=1))
    assert pvalue(best) == pytest.approx(np.mean(steps >= steps.max()))
    seq = "A" * 40 + best + "A" * 40
    motif = Motif(m.matrix_id, m.name, m.probabilities())
    assert scan([motif], ["s"], [seq], threshold=1e-4) == []  # its best p is 1/1024 or more
    [hit] = [h for h in scan([motif], ["s"], [seq], threshold=0.01) if h["start"] == 41]
    assert hit["p-value"] == pytest.approx(pvalue(best)) and hit["p-value"] > 0


def test_fimo_command_reads_meme_files_and_writes_fimo_columns(tmp_path, run_cli):
    from dlbio.cli.interpret import fimo_cmd
    from dlbio.motifs import jaspar
    from dlbio.motifs.meme import write_meme

    gata = jaspar.find("GATA1")
    write_meme(tmp_path / "m.meme", [("pattern_0", "GATA", gata.counts, 20)])
    site = "".join("ACGT"[i] for i in gata.probabilities().argmax(axis=1))
    (tmp_path / "s.fa").write_text(">x\n" + "C" * 50 + site + "C" * 50 + "\n>y\n" + "C" * 80 + "\n")
    res = run_cli(fimo_cmd, ["m.meme", "--fasta", "s.fa", "-o", "hits.tsv"])
    assert "of 1 motifs in 2 sequences" in res.output
    rows = [r.split("\t") for r in (tmp_path / "hits.tsv").read_text().splitlines()]
    assert rows[0] == ["motif_id", "motif_alt_id", "sequence_name", "start", "stop", "strand", "score",
                       "p-value", "q-value", "matched_sequence"]  # fmt: skip
    assert rows[1][:6] == ["pattern_0", "GATA", "x", "51", str(50 + len(site)), "+"] and rows[1][9] == site


def test_fimo_bad_input(tmp_path, monkeypatch):
    from dlbio.workflows.fimo import fimo

    (tmp_path / "s.fa").write_text(">x\nACGT\n")
    (tmp_path / "empty.meme").write_text("MEME version 4\n")
    with pytest.raises(DlbioError, match="empty.meme: no MOTIF"):
        fimo(str(tmp_path / "empty.meme"), tmp_path / "s.fa", tmp_path / "o.tsv")
    with pytest.raises(DlbioError, match="missing.meme: motif file not found"):
        fimo(str(tmp_path / "missing.meme"), tmp_path / "s.fa", tmp_path / "o.tsv")
    with pytest.raises(DlbioError, match="'NOT_A_TF': no motif"):
        fimo("NOT_A_TF", tmp_path / "s.fa", tmp_path / "o.tsv")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "memelite" else real(n, *a))
    with pytest.raises(DlbioError, match=r"needs memelite, which is not installed: pip install 'dlbio\[motifs\]'"):
        fimo("CTCF", tmp_path / "s.fa", tmp_path / "o.tsv")
    assert not (tmp_path / "o.tsv").exists()
