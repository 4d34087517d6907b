"""Filter -> sites -> PWM on hand-made cases, both strands, and Tomtom against JASPAR."""

import keras
import numpy as np
import pytest

from dlbio.data.encoding import decode, encode
from dlbio.motifs import jaspar, tomtom
from dlbio.motifs.activations import first_conv_layer
from dlbio.motifs.filters import filter_motifs
from dlbio.utils.errors import DlbioError


def _detector(length=20):
    """Filter 0 fires (value 1) only on 'AGC'; filter 1 only on 'TTT'."""
    x = keras.Input((length, 4))
    conv = keras.layers.Conv1D(2, 3, activation="relu", name="motif_conv")
    h = conv(x)
    model = keras.Model(x, keras.layers.Dense(1)(keras.layers.GlobalMaxPooling1D()(h)))
    kernel = np.full((3, 4, 2), -1.0, dtype=np.float32)
    for pos, base in enumerate("AGC"):
        kernel[pos, "AGCT".index(base), 0] = 1.0
    for pos in range(3):
        kernel[pos, 3, 1] = 1.0
    conv.set_weights([kernel, np.array([-2.0, -2.0], np.float32)])
    return model


def test_sites_on_both_strands_by_hand():
    seqs = [
        "CCCCCAGCCCCCCCCCCCCC",  # AGC on the + strand at 5
        "CCCCCCCCCCGCTCCCCCCC",  # GCT = reverse complement of AGC: found on the - strand
        "CCCCCCCCCCCCCCCCCCCC",
    ]  # nothing: max activation 0 -> no site
    fm = filter_motifs(_detector(), np.stack([encode(s) for s in seqs]))
    assert fm.n_sites[0] == 2
    # both windows read AGC in A,G,C,T columns
    assert fm.counts[0].argmax(axis=1).tolist() == [0, 1, 2] and fm.counts[0].sum() == 6
    # TTT never occurs, AAA (its reverse complement) neither
    assert fm.n_sites[1] == 0


def test_first_conv_layer_required():
    x = keras.Input((10, 4))
    model = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    with pytest.raises(DlbioError, match="no Conv1D"):
        first_conv_layer(model)


def test_bh_qvalues():
    q = tomtom.bh_qvalues(np.array([0.01, 0.04, 0.03, np.nan, 0.5]))
    # sorted p 0.01, 0.03, 0.04, 0.5 -> p*n/rank 0.04, 0.06, 0.0533, 0.5 -> running min from the top
    assert np.allclose(q[[0, 1, 2, 4]], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert np.isnan(q[3])


def test_planted_matrix_matches_itself_on_both_strands():
    targets = jaspar.load_collection()
    ctcf, gata = jaspar.find("CTCF"), jaspar.find("MA0035")
    queries = [ctcf.probabilities(), gata.probabilities(), ctcf.probabilities()[::-1, ::-1].copy()]
    m = tomtom.best_matches(queries, targets)
    assert (m[0].matrix_id, m[0].strand) == (ctcf.matrix_id, "+") and m[0].q < 1e-10
    assert m[1].matrix_id == gata.matrix_id and m[1].q < 1e-5
    assert (m[2].matrix_id, m[2].strand) == (ctcf.matrix_id, "-")
    # After a call the compiled code is in the cache, so `dlbio motifs` no longer warns of a compile.
    assert tomtom.compiled(tomtom.numba_cache_dir())


def test_column_shuffles_tell_real_motifs_from_weak_noise():
    """Tomtom alone calls near-uniform random motifs matches (p ~ 1e-12); their column-shuffled copies
    match as well, so the shuffle control rejects them, while JASPAR's own CTCF and GATA1 beat all 99."""
    targets = jaspar.load_collection()
    rng = np.random.default_rng(0)
    noise = [rng.dirichlet([8.0] * 4, size=26) for _ in range(40)]  # about 0.07 bits a column
    real = [jaspar.find("CTCF").probabilities(), jaspar.find("MA0035").probabilities()]
    m = tomtom.best_matches(real + noise, targets, shuffles=99, seed=0)
    assert [x.shuffled_p for x in m[:2]] == [0.01, 0.01]
    assert all(x.q < 0.05 for x in m[2:])  # what Tomtom alone would report
    assert sum(x.shuffled_p < 0.05 for x in m[2:]) <= 4  # the control: about 5 % expected
    # the fitted tail goes below 1/100, so that a correction over the 42 queries can keep the real ones
    tails = np.array([x.shuffled_tail_p for x in m])
    assert np.all(tails[:2] < 1e-6) and np.all(tails[2:] > 0.01)
    assert np.flatnonzero(tomtom.bh_qvalues(tails) < 0.05).tolist() == [0, 1]
    assert tomtom.best_matches(real[:1], targets)[0].shuffled_p is None
    again = tomtom.best_matches(real + noise, targets, shuffles=99, seed=0)
    assert [x.shuffled_p for x in again] == [x.shuffled_p for x in m]


def test_empty_cache_is_not_compiled(tmp_path):
    assert not tomtom.compiled(tmp_path)


def test_jaspar_lookup_errors():
    assert jaspar.find("ctcf").name == "CTCF"
    with pytest.raises(DlbioError, match="NOPE"):
        jaspar.find("NOPE")


def test_decode_roundtrip():
    assert decode(encode("AGCTN")) == "AGCTN"


def test_filter_report_decides_in_one_column_controlled_across_filters():
    """matched: Tomtom's q, then the shuffle control's tail p made a BH q over the filters; a
    near-uniform motif is 'low information' whatever Tomtom says; too few sites are said so."""
    from dlbio.motifs.filter_matches import FilterReport, decide

    def match(q, tail):
        return tomtom.Match("MA0139.2", "CTCF", q / 10, q, "+", 0, 0.01, tail)

    reports = [
        FilterReport(0, 50, 14.0, np.ones((10, 4)), match(1e-8, 1e-30)),  # a real motif
        FilterReport(1, 50, 12.0, np.ones((10, 4)), match(1e-6, 0.01)),  # beats its shuffles, alone
        FilterReport(2, 50, 4.3, np.ones((19, 4)), match(1e-4, 0.04)),  # the vague 4.3-bit filter
        FilterReport(3, 3, 14.0, np.ones((10, 4)), None),
        *[FilterReport(4 + k, 50, 9.0, np.ones((10, 4)), match(1e-3, 0.3 + k / 100)) for k in range(30)],
    ]
    decide(reports, q_threshold=0.05, fdr=0.05, min_bits=6.0, min_sites=10)
    assert [r.matched for r in reports[:4]] == ["yes", "no", "low information", "too few sites"]
    # 0.01 alone would pass at 0.05; among 33 filters compared its BH q is 0.01 x 33 / 2 = 0.165
    assert reports[1].shuffled_q == pytest.approx(0.01 * 33 / 2) and reports[0].shuffled_q < 1e-25
    assert all(r.matched == "no" for r in reports[4:])
    assert reports[0].matches() and not reports[1].matches()
