"""Saturation mutagenesis: importance, zoom, figure and table, several records."""

import numpy as np
import pytest
from genomic_helpers import motif_model

from dlbio.utils.errors import DlbioError


def test_mutagenesis_finds_the_motif():
    from dlbio.data.encoding import encode, index_to_onehot
    from dlbio.interpret.ism import importance, saturation_mutagenesis
    from dlbio.interpret.ism_outputs import zoom_window

    seq = "A" * 20 + "GATAAG" + "T" * 34
    idx = encode(seq)
    eff = saturation_mutagenesis(motif_model(), idx, target=0)
    assert eff.shape == (60, 4)
    assert np.all(eff[20:26].min(axis=1) < -0.9)  # every motif base matters
    assert np.abs(eff[:18]).max() < 1e-3 and np.abs(eff[28:]).max() < 1e-3
    assert eff[20, 3] < -0.9 and eff[20, 2] == 0.0  # G->T hurts; G->G is no change
    imp = importance(eff, idx)
    # the mean over the 3 substitutions, not over 4 columns with the reference's 0
    np.testing.assert_allclose(imp[20], -(eff[20, 0] + eff[20, 1] + eff[20, 3]) / 3, rtol=1e-6)
    assert np.all(imp[20:26] > 0.9) and np.abs(imp[:18]).max() < 1e-3
    start, stop = zoom_window(imp, 10)
    assert stop - start == 10 and start <= 20 and stop >= 26  # the zoom holds the motif
    assert zoom_window(imp, 500) == (0, 60)  # never wider than the sequence
    assert zoom_window(np.r_[5.0, np.zeros(59)], 10) == (0, 10)  # and never before its start
    assert zoom_window(np.r_[np.zeros(59), -5.0], 10) == (50, 60)
    assert zoom_window(np.zeros(60), 10) == (25, 35)  # nothing to show: the middle
    # log-odds: logit(mutant) - logit(reference), checked against the model's own predictions
    lo = saturation_mutagenesis(motif_model(), idx, target=0, log_odds=True)
    mutant = seq[:20] + "T" + seq[21:]
    p_ref, p_mut = (
        float(motif_model().predict(index_to_onehot(encode(s))[None], verbose=0)[0, 0]) for s in (seq, mutant)
    )
    np.testing.assert_allclose(lo[20, 3], np.log(p_mut / (1 - p_mut)) - np.log(p_ref / (1 - p_ref)), rtol=1e-4)
    assert lo[20, 2] == 0.0 and np.abs(lo[:18]).max() < 1e-3


def test_mutagenesis_figure_and_table(tmp_path):
    import matplotlib.image

    from dlbio.workflows.mutagenesis import mutagenesis

    seq = "A" * 30 + "GATAAG" + "NT" * 12
    (tmp_path / "one.fa").write_text(">other\n" + "C" * 60 + "\n>s\n" + seq + "\n")
    [res] = mutagenesis(
        motif_model(), tmp_path / "one.fa", ["s"], 1, tmp_path / "ism", names=["GATA", "POLYC"], zoom=20
    )
    assert res["id"] == "s" and res["target_name"] == "GATA" and res["tsv"] == tmp_path / "ism.tsv"
    assert res["zoom"] == (24, 43)  # 1-based, centred on the motif
    assert res["strongest"][0] in range(31, 37) and res["strongest"][3] < -0.9
    rows = [r.split("\t") for r in (tmp_path / "ism.tsv").read_text().splitlines()]
    assert rows[0] == ["position", "ref", "A", "C", "G", "T", "importance"] and len(rows) == 61
    assert rows[31][:2] == ["31", "G"] and float(rows[31][4]) == 0.0 and float(rows[31][6]) > 0.9
    assert rows[37][1] == "N" and float(rows[37][6]) == 0.0  # an N: every base is a substitution
    image = matplotlib.image.imread(tmp_path / "ism.png")
    assert image.ndim == 3 and image.shape[0] > 600 and image.shape[1] > 900


def test_mutagenesis_of_several_records(tmp_path):
    from dlbio.workflows.mutagenesis import mutagenesis

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


def _linear_logit_model(length=40, seed=3):
    """Conv1D without activation -> Flatten -> Dense(2, sigmoid): each logit is linear in the one-hot input."""
    import keras

    keras.utils.set_random_seed(seed)
    x = keras.Input((length, 4))
    h = keras.layers.Flatten()(keras.layers.Conv1D(3, 5)(x))
    return keras.Model(x, keras.layers.Dense(2, activation="sigmoid")(h))


def test_gradient_estimate_is_exact_for_a_linear_logit():
    from dlbio.data.encoding import encode
    from dlbio.interpret.ism import gradient_effects, saturation_mutagenesis

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(3)]
    seqs[1] = seqs[1][:7] + "N" + seqs[1][8:]  # an N: every base is a substitution
    idx = np.stack([encode(s) for s in seqs])
    model = _linear_logit_model()
    est = gradient_effects(model, idx, target=1, log_odds=True)
    assert est.shape == (3, 40, 4) and est.dtype == np.float32
    for i in range(3):
        exact = saturation_mutagenesis(model, idx[i], target=1, log_odds=True)
        np.testing.assert_allclose(est[i], exact, atol=2e-4)
        assert np.abs(exact).max() > 0.05  # not a vacuous comparison
    # in probability the tangent is only an estimate, of the right sign where the change is large
    prob = gradient_effects(model, idx[:1], target=1)[0]
    exact = saturation_mutagenesis(model, idx[0], target=1)
    big = np.abs(exact) > 0.02
    assert big.any() and np.all(np.sign(prob[big]) == np.sign(exact[big]))
    # one sequence alone gives what it gives in a batch
    np.testing.assert_allclose(gradient_effects(model, idx[2:], target=1, log_odds=True)[0], est[2], atol=1e-6)


def test_record_effects_yields_each_records_effects_in_order():
    from dlbio.data.encoding import encode
    from dlbio.interpret.ism import gradient_effects, record_effects, saturation_mutagenesis

    rng = np.random.default_rng(1)
    idx = [encode("".join(rng.choice(list("ACGT"), 40))) for _ in range(5)]
    model = _linear_logit_model()
    span = (10, 30)
    by_ism = list(record_effects(model, idx, 1, "ism", log_odds=True, span=span))
    assert len(by_ism) == 5 and all(e.shape == (20, 4) for e in by_ism)
    for x, eff in zip(idx, by_ism):
        np.testing.assert_allclose(eff, saturation_mutagenesis(model, x, 1, log_odds=True, span=span), atol=1e-6)
    assert not np.allclose(by_ism[0], by_ism[1])  # each record its own, not the first repeated
    # gradients in batches of 2 (the last one short): the same as all 5 at once, cut to the span
    by_grad = list(record_effects(model, idx, 1, "gradient", log_odds=True, span=span, batch=2))
    whole = gradient_effects(model, np.stack(idx), 1, log_odds=True)[:, 10:30]
    assert len(by_grad) == 5
    np.testing.assert_allclose(np.stack(by_grad), whole, atol=1e-6)
    # a reference given is not predicted again: every effect is measured from it
    shifted = next(record_effects(model, idx[:1], 1, "ism", span=span, references=np.array([0.0])))
    plain = next(record_effects(model, idx[:1], 1, "ism", span=span))
    reference = float(model.predict(np.eye(4, dtype=np.float32)[idx[0]][None], verbose=0)[0, 1])
    changed = plain != 0
    np.testing.assert_allclose(shifted[changed], plain[changed] + reference, atol=1e-5)
    with pytest.raises(ValueError, match="method"):
        next(record_effects(model, idx, 1, "shap"))


def test_gradient_estimate_marks_the_motif():
    from dlbio.data.encoding import encode
    from dlbio.interpret.ism import gradient_effects, importance

    seq = "A" * 20 + "GATAAG" + "T" * 34
    idx = encode(seq)
    est = gradient_effects(motif_model(), idx[None], target=0, log_odds=True)[0]
    # the motif's logit is 8 x (conv filter), so changing a matched base (+1) to any other (-1): 8 x -2
    np.testing.assert_allclose(est[20:26][est[20:26] != 0], -16.0, rtol=1e-5)
    assert np.count_nonzero(est[20:26]) == 18 and not est[:20].any() and not est[26:].any()
    imp = importance(est, idx)
    assert np.all(imp[20:26] > 15) and not imp[:20].any()


def test_mutagenesis_by_gradient_for_many_records(tmp_path):
    from dlbio.workflows.mutagenesis import mutagenesis

    motif = "A" * 30 + "GATAAG" + "T" * 24
    rows = [motif, "T" * 60, "C" * 20 + "CTTATC" + "A" * 34]
    (tmp_path / "r.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(rows)))
    res = mutagenesis(
        motif_model(),
        tmp_path / "r.fa",
        None,
        1,
        tmp_path / "g",
        all_records=True,
        png=False,
        method="gradient",
        log_odds=True,
    )
    assert [r["tsv"].name for r in res] == ["g.s0.tsv", "g.s1.tsv", "g.s2.tsv"]
    # each record's own prediction, and one summary row per record to rank them by
    from dlbio.data.encoding import encode
    from dlbio.predict import predict_index

    own = predict_index(motif_model(), np.stack([encode(s) for s in rows]))[:, 0]
    assert [r["prediction"] for r in res] == pytest.approx(own.tolist()) and own[0] > 0.9 > 0.1 > own[1]
    summary = [line.split("\t") for line in res[0]["summary"].read_text().splitlines()]
    assert (
        res[0]["summary"] == tmp_path / "g.summary.tsv"
        and summary[0]
        == [
            "id",
            "prediction",
            "strongest_position",
            "ref",
            "alt",
            "strongest_change",
            "max_importance",
            "important_first",
            "important_last",
        ]
        and [r[0] for r in summary[1:]] == ["s0", "s1", "s2"]
    )
    assert 31 <= int(summary[1][2]) <= 36 and float(summary[1][5]) < -15 and float(summary[1][6]) > 15
    assert float(summary[2][1]) < 0.1 and float(summary[2][6]) == 0.0
    assert res[0]["importance"][30:36].min() > 15 and res[2]["importance"][20:26].min() > 15  # both strands' sites
    assert not res[1]["effects"].any()  # no motif, no slope (the ReLU is off)
    assert res[0]["zoom"][0] <= 31 and res[0]["zoom"][1] >= 36
    # what the command asks for: the summaries only, the same ones
    light = mutagenesis(
        motif_model(),
        tmp_path / "r.fa",
        None,
        1,
        tmp_path / "g",
        all_records=True,
        png=False,
        method="gradient",
        log_odds=True,
        keep_arrays=False,
    )
    assert all(r["effects"] is None and r["importance"] is None and r["length"] == 60 for r in light)
    assert [(r["zoom"], r["strongest"]) for r in light] == [(r["zoom"], r["strongest"]) for r in res]
    with pytest.raises(DlbioError, match="method must be one of ism, gradient"):
        mutagenesis(motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "g", method="deeplift")


def test_mutagenesis_of_many_records_to_one_hdf5(tmp_path, monkeypatch):
    import h5py

    from dlbio.workflows.mutagenesis import mutagenesis

    rows = ["A" * 30 + "GATAAG" + "T" * 24, "T" * 60, "C" * 20 + "CTTATC" + "A" * 34]
    (tmp_path / "r.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(rows)))
    (tmp_path / "m.h5").write_text("an older file")
    res = mutagenesis(
        motif_model(),
        tmp_path / "r.fa",
        None,
        1,
        tmp_path / "m.h5",
        all_records=True,
        names=["GATA", "POLYC"],
        method="gradient",
        log_odds=True,
    )
    assert all(r["tsv"] is None for r in res) and [p.name for p in tmp_path.glob("*.tsv")] == ["m.summary.tsv"]
    assert [r["png"].name for r in res] == ["m.s0.png", "m.s1.png", "m.s2.png"]  # figures named without .h5
    with h5py.File(tmp_path / "m.h5") as f:
        assert f["effects"].shape == (3, 60, 4) and f["importance"].shape == (3, 60)
        assert [x.decode() for x in f["ids"][:]] == ["s0", "s1", "s2"] and f["sequences"][2].decode() == rows[2]
        np.testing.assert_array_equal(f["prediction"][:], np.float32([r["prediction"] for r in res]))
        assert dict(f.attrs) == {
            "target": 1,
            "target_name": "GATA",
            "method": "gradient",
            "unit": "log-odds",
            "both_strands": False,
            "columns": "ACGT",
            "first_position": 1,
            "last_position": 60,
        }
        for k in range(3):
            np.testing.assert_array_equal(f["effects"][k], res[k]["effects"])
            np.testing.assert_array_equal(f["importance"][k], res[k]["importance"])
    # a run that fails half-way leaves the earlier file as it was, and no temporary file
    (tmp_path / "m.h5").write_text("an older file")
    import dlbio.interpret.ism

    calls = []

    def failing(eff, idx):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return np.zeros(len(idx), np.float32)

    monkeypatch.setattr(dlbio.interpret.ism, "importance", failing)
    with pytest.raises(OSError, match="disk full"):
        mutagenesis(
            motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m.h5", all_records=True, png=False, method="gradient"
        )
    assert (tmp_path / "m.h5").read_text() == "an older file" and sorted(p.name for p in tmp_path.iterdir()) == [
        "m.h5",
        "m.s0.png",
        "m.s1.png",
        "m.s2.png",
        "m.summary.tsv",
        "r.fa",
    ]


def test_mutagenesis_of_some_positions(tmp_path):
    """--positions: only those positions change (the rest stays as context), every output is
    numbered in the whole sequence's positions, and the effects equal the whole scan's there."""
    import h5py

    from dlbio.workflows.mutagenesis import mutagenesis, position_span

    rows = ["A" * 30 + "GATAAG" + "T" * 24, "C" * 20 + "CTTATC" + "A" * 34]
    (tmp_path / "r.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(rows)))
    parts = {}
    for method in ("ism", "gradient"):
        whole = mutagenesis(
            motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "w", all_records=True, png=False, method=method
        )
        part = mutagenesis(
            motif_model(),
            tmp_path / "r.fa",
            None,
            1,
            tmp_path / "p",
            all_records=True,
            method=method,
            positions="26-45",
            zoom=8,
        )
        parts[method] = part
        for w, p in zip(whole, part):
            assert p["length"] == 20 and p["effects"].shape == (20, 4)
            np.testing.assert_allclose(p["effects"], w["effects"][25:45], atol=1e-6)
            np.testing.assert_allclose(p["importance"], w["importance"][25:45], atol=1e-6)
        assert part[0]["strongest"][:2] == whole[0]["strongest"][:2] and 31 <= part[0]["strongest"][0] <= 36
        assert part[0]["zoom"] == (30, 37)  # the motif, in the whole record's positions
        assert part[1]["strongest"][0] in range(26, 46)  # s1's site (21-26) is mostly outside
        rows_p = [r.split("\t") for r in (tmp_path / "p.s0.tsv").read_text().splitlines()]
        assert len(rows_p) == 21 and rows_p[1][:2] == ["26", "A"] and rows_p[6][:2] == ["31", "G"]
        assert rows_p[20][0] == "45"
        assert (tmp_path / "p.s0.png").stat().st_size > 10_000
    mutagenesis(
        motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "p.h5", all_records=True, png=False, positions="26-45"
    )
    with h5py.File(tmp_path / "p.h5") as f:
        assert f["effects"].shape == (2, 20, 4) and f["sequences"][0].decode() == rows[0]
        assert (f.attrs["first_position"], f.attrs["last_position"]) == (26, 45)
        np.testing.assert_allclose(f["effects"][0], parts["ism"][0]["effects"], atol=1e-6)
    assert position_span(None, 60) == (0, 60) and position_span("1-60", 60) == (0, 60)
    assert position_span(" 1,001-1,200", 2000) == (1000, 1200) and position_span("7-7", 60) == (6, 7)
    for bad in ("0-10", "10-61", "20-10", "abc", "10", "-5-10"):
        with pytest.raises(DlbioError, match="--positions"):
            position_span(bad, 60)


def test_both_strands_average_the_two_strands_effects():
    """On both strands, a substitution at i to b is, on the other strand, one at L-1-i to the
    complement of b: the effects are the mean of the forward ones and the reverse
    complement's, mapped back (positions and A,C,G,T columns reversed), for ISM exactly and
    for the gradient estimate too (the gradient of a mean is the mean of the gradients)."""
    from dlbio.data.encoding import encode, reverse_complement
    from dlbio.interpret.ism import gradient_effects, saturation_mutagenesis

    rng = np.random.default_rng(4)
    idx = encode("".join(rng.choice(list("ACGT"), 40)))
    rc = reverse_complement(idx)
    model = _linear_logit_model()
    forward, other = (saturation_mutagenesis(model, x, target=0) for x in (idx, rc))
    both = saturation_mutagenesis(model, idx, target=0, both_strands=True)
    np.testing.assert_allclose(both, (forward + other[::-1, ::-1]) / 2, atol=1e-6)
    assert np.abs(forward - other[::-1, ::-1]).max() > 0.01  # the strands do differ for this model
    g_forward, g_other = (gradient_effects(model, x[None], target=0)[0] for x in (idx, rc))
    g_both = gradient_effects(model, idx[None], target=0, both_strands=True)[0]
    np.testing.assert_allclose(g_both, (g_forward + g_other[::-1, ::-1]) / 2, atol=1e-6)
