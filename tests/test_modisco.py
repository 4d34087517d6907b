"""TF-MoDISco (modisco-lite) on dlbio's arrays, named by Tomtom: report, MEME, bad input."""

import numpy as np
import pytest

from dlbio.utils.errors import DlbioError


def planted_attributions(n=300, length=120, seed=0):
    """One-hot (n, L, 4) with JASPAR's CTCF consensus at a random place and strand in each
    sequence, and hypothetical contributions that credit its bases (plus noise elsewhere)."""
    from dlbio.motifs import jaspar

    rng = np.random.default_rng(seed)
    ppm = jaspar.find("CTCF").probabilities()
    idx = rng.integers(0, 4, (n, length))
    hyp = rng.normal(0, 0.02, (n, length, 4)).astype(np.float32)
    w = len(ppm)
    for r in range(n):
        site = np.array([rng.choice(4, p=col) for col in ppm])
        weights = ppm
        if rng.random() < 0.5:  # the minus strand: reverse complement (A,C,G,T reversed)
            site, weights = 3 - site[::-1], ppm[::-1, ::-1]
        at = int(rng.integers(10, length - w - 10))
        idx[r, at : at + w] = site
        hyp[r, at : at + w] += weights - 0.25
    return np.eye(4, dtype=np.float32)[idx], hyp


@pytest.fixture(scope="module")
def modisco_run(tmp_path_factory):
    from dlbio.interpret.files import write_npz
    from dlbio.workflows.modisco import modisco

    tmp = tmp_path_factory.mktemp("modisco")
    ohe, hyp = planted_attributions()
    write_npz(tmp / "ohe.npz", ohe)
    write_npz(tmp / "hyp.npz", hyp)
    return tmp, modisco(tmp / "ohe.npz", tmp / "hyp.npz", tmp / "m", max_seqlets=500)


def test_modisco_recovers_the_planted_motif_and_names_it(modisco_run):
    tmp, result = modisco_run
    top = result.patterns[0]
    assert top["pattern"] == "pos_patterns.pattern_0" and top["sign"] == "+"
    assert top["jaspar"] == "CTCF" and top["jaspar_q"] < 1e-3 and top["matched"] == "yes"
    assert top["seqlets"] >= 100 and top["sequences"] == top["seqlets"]  # one site a sequence
    assert all(r["jaspar"] == "CTCF" for r in result.patterns)  # nothing but the planted motif
    rows = [r.split("\t") for r in result.tsv.read_text().splitlines()]
    assert rows[0] == ["pattern", "sign", "seqlets", "sequences", "width", "consensus", "jaspar", "jaspar_id",
                       "jaspar_q", "strand", "matched"]  # fmt: skip
    assert rows[1][6] == "CTCF" and rows[1][10] == "yes"
    page = result.html.read_text()
    assert page.count("<img src='data:image/png;base64,") >= 2 and "CTCF" in page
    assert "MOTIF pos_patterns.pattern_0" in result.meme.read_text()


def test_modisco_results_are_modisco_lites_own_file(modisco_run):
    """The .h5 is modisco-lite's layout: the report of it alone (--report-only) is the same."""
    import h5py

    from dlbio.workflows.modisco import report

    tmp, result = modisco_run
    with h5py.File(result.h5) as f:
        assert "pos_patterns" in f and f["pos_patterns/pattern_0/sequence"].shape[1] == 4
    again = report(result.h5, tmp / "again")
    assert again.patterns == result.patterns


def test_modisco_patterns_find_their_sites_with_fimo(modisco_run):
    from dlbio.motifs import jaspar
    from dlbio.motifs.fimo import motifs_from, scan

    tmp, result = modisco_run
    site = "".join("ACGT"[i] for i in jaspar.find("CTCF").probabilities().argmax(axis=1))
    hits = scan(motifs_from(str(result.meme), "JASPAR2024")[:1], ["s"], ["A" * 30 + site + "A" * 30])
    assert hits and hits[0]["start"] <= 31 + 5 and hits[0]["stop"] >= 30 + len(site) - 5


def test_modisco_bad_input(tmp_path, monkeypatch):
    from dlbio.interpret.files import write_npz
    from dlbio.workflows.modisco import modisco

    ohe, hyp = planted_attributions(n=4, length=60)
    write_npz(tmp_path / "ohe.npz", ohe)
    write_npz(tmp_path / "hyp.npz", hyp[:, :50])
    with pytest.raises(DlbioError, match=r"hyp.npz: attributions have shape \(4, 4, 50\) but .*ohe.npz has"):
        modisco(tmp_path / "ohe.npz", tmp_path / "hyp.npz", tmp_path / "m")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "modiscolite" else real(n, *a))
    with pytest.raises(DlbioError, match=r"needs modisco-lite, which is not installed: pip install 'dlbio\[motifs\]'"):
        modisco(tmp_path / "ohe.npz", tmp_path / "ohe.npz", tmp_path / "m")
    assert not list(tmp_path.glob("m.*"))


def test_a_report_that_fails_half_way_leaves_no_page_under_its_name(modisco_run, tmp_path, monkeypatch):
    """The HTML page is written whole or not at all; what was there before stays."""
    import dlbio.motifs.logos as logos
    from dlbio.workflows.modisco import report

    _, result = modisco_run
    (tmp_path / "r.html").write_text("the page of an earlier run")

    def fail(*_a, **_k):
        raise RuntimeError("disk trouble while drawing")

    monkeypatch.setattr(logos, "contribution_logo_data_uri", fail)
    with pytest.raises(RuntimeError):
        report(result.h5, tmp_path / "r")
    assert (tmp_path / "r.html").read_text() == "the page of an earlier run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.meme", "r.tsv"]  # whole, and no temp file


def test_no_pattern_found_says_why_and_what_to_do(tmp_path, run_cli):
    """Too few sequences with nothing in common: the command still writes its reports, and a
    note says why they are empty, before dlbio fimo trips over the motif-less MEME file."""
    from dlbio.cli.interpret import modisco_cmd
    from dlbio.interpret.files import write_npz

    rng = np.random.default_rng(1)
    ohe = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (20, 80))]
    write_npz(tmp_path / "ohe.npz", ohe)
    write_npz(tmp_path / "hyp.npz", rng.normal(0, 0.01, ohe.shape).astype(np.float32))
    res = run_cli(modisco_cmd, ["-s", "ohe.npz", "-a", "hyp.npz", "-o", "m", "-q"])
    assert "TF-MoDISco: 0 patterns" in res.stdout
    assert "note: TF-MoDISco found no recurring pattern among 20 sequences, so m.meme holds no motif" in res.stderr
    assert "MOTIF" not in (tmp_path / "m.meme").read_text()
