"""Saturation mutagenesis: importance, zoom, figure and table, several records."""

import numpy as np
import pytest

from dlbio.errors import DlbioError
from genomic_helpers import motif_model


def test_mutagenesis_finds_the_motif():
    from dlbio.data.encoding import encode, index_to_onehot
    from dlbio.ism import importance, saturation_mutagenesis, zoom_window

    seq = "A" * 20 + "GATAAG" + "T" * 34
    idx = encode(seq)
    eff = saturation_mutagenesis(motif_model(), idx, target=0)
    assert eff.shape == (60, 4)
    assert np.all(eff[20:26].min(axis=1) < -0.9)               # every motif base matters
    assert np.abs(eff[:18]).max() < 1e-3 and np.abs(eff[28:]).max() < 1e-3
    assert eff[20, 3] < -0.9 and eff[20, 2] == 0.0             # G->T hurts; G->G is no change
    imp = importance(eff, idx)
    # the mean over the 3 substitutions, not over 4 columns with the reference's 0
    np.testing.assert_allclose(imp[20], -(eff[20, 0] + eff[20, 1] + eff[20, 3]) / 3, rtol=1e-6)
    assert np.all(imp[20:26] > 0.9) and np.abs(imp[:18]).max() < 1e-3
    start, stop = zoom_window(imp, 10)
    assert stop - start == 10 and start <= 20 and stop >= 26   # the zoom holds the motif
    assert zoom_window(imp, 500) == (0, 60)                   # never wider than the sequence
    assert zoom_window(np.r_[5.0, np.zeros(59)], 10) == (0, 10)  # and never before its start
    assert zoom_window(np.r_[np.zeros(59), -5.0], 10) == (50, 60)
    assert zoom_window(np.zeros(60), 10) == (25, 35)             # nothing to show: the middle
    # log-odds: logit(mutant) - logit(reference), checked against the model's own predictions
    lo = saturation_mutagenesis(motif_model(), idx, target=0, log_odds=True)
    mutant = seq[:20] + "T" + seq[21:]
    p_ref, p_mut = (float(motif_model().predict(index_to_onehot(encode(s))[None], verbose=0)[0, 0]) for s in (seq, mutant))
    np.testing.assert_allclose(lo[20, 3], np.log(p_mut / (1 - p_mut)) - np.log(p_ref / (1 - p_ref)), rtol=1e-4)
    assert lo[20, 2] == 0.0 and np.abs(lo[:18]).max() < 1e-3


def test_mutagenesis_figure_and_table(tmp_path):
    import matplotlib.image

    from dlbio.workflows.genomics import mutagenesis

    seq = "A" * 30 + "GATAAG" + "NT" * 12
    (tmp_path / "one.fa").write_text(">other\n" + "C" * 60 + "\n>s\n" + seq + "\n")
    [res] = mutagenesis(motif_model(), tmp_path / "one.fa", ["s"], 1, tmp_path / "ism", names=["GATA", "POLYC"],
                        zoom=20)
    assert res["id"] == "s" and res["target_name"] == "GATA" and res["tsv"] == tmp_path / "ism.tsv"
    assert res["zoom"] == (24, 43)                             # 1-based, centred on the motif
    assert res["strongest"][0] in range(31, 37) and res["strongest"][3] < -0.9
    rows = [r.split("\t") for r in (tmp_path / "ism.tsv").read_text().splitlines()]
    assert rows[0] == ["position", "ref", "A", "C", "G", "T", "importance"] and len(rows) == 61
    assert rows[31][:2] == ["31", "G"] and float(rows[31][4]) == 0.0 and float(rows[31][6]) > 0.9
    assert rows[37][1] == "N" and float(rows[37][6]) == 0.0    # an N: every base is a substitution
    image = matplotlib.image.imread(tmp_path / "ism.png")
    assert image.ndim == 3 and image.shape[0] > 600 and image.shape[1] > 900


def test_mutagenesis_of_several_records(tmp_path):
    from dlbio.workflows.genomics import mutagenesis

    motif = "A" * 30 + "GATAAG" + "T" * 24
    (tmp_path / "r.fa").write_text(f">chr1:10-70\n{motif}\n>plain\n{'T' * 60}\n>chr1:10-70\n{'C' * 60}\n")
    res = mutagenesis(motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m", all_records=True, png=False)
    # ids made file-name safe, a repeated id kept apart; each record its own effects
    assert [r["tsv"].name for r in res] == ["m.chr1_10-70.tsv", "m.plain.tsv", "m.chr1_10-70.3.tsv"]
    assert res[0]["importance"][30:36].min() > 0.9 and np.abs(res[1]["effects"]).max() < 1e-3
    assert res[2]["png"] is None and not list(tmp_path.glob("*.png"))
    [one] = mutagenesis(motif_model(), tmp_path / "r.fa", ["plain"], 1, tmp_path / "p", png=False)
    np.testing.assert_array_equal(one["effects"], res[1]["effects"])
    with pytest.raises(DlbioError, match="no record 'nope'"):
        mutagenesis(motif_model(), tmp_path / "r.fa", ["plain", "nope"], 1, tmp_path / "p")

