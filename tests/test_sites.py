import numpy as np
import pytest

from dlbio.motifs import sites
from dlbio.utils.errors import DlbioError


def test_window_starts_anchor():
    assert sites.window_starts(np.array([0, 5]), 3, "start").tolist() == [0, 5]
    assert sites.window_starts(np.array([2, 5]), 3, "end").tolist() == [0, 3]


def test_cut_windows_drops_out_of_range():
    codes = np.arange(20).reshape(2, 10)
    keep, win = sites.cut_windows(codes, np.array([8, 2]), 3)
    assert keep.tolist() == [1]
    assert win.tolist() == [[12, 13, 14]]
    keep, _ = sites.cut_windows(codes, np.array([-1, 7]), 3)
    assert keep.tolist() == [1]
    with pytest.raises(DlbioError):
        sites.cut_windows(codes, np.array([0, 0]), 11)


def test_counts_and_consensus_by_hand():
    win = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 1], [1, 1, 1, 0]])
    counts = sites.count_matrix(win, 2)
    assert counts[:, 1].tolist() == [5, 5, 4, 2]
    motif = sites.to_bio_motif(counts, "01")
    # P(1) = 1, 1, 0.8 (not > 0.8 -> N), 0.4
    assert sites.call_consensus(motif, 0.8) == "11NN"
    assert sites.call_consensus(motif, 0.75) == "111N"


def test_consensus_calls_zero_columns():
    counts = sites.count_matrix(np.array([[0, 1], [0, 1], [0, 1]]), 2)
    assert sites.call_consensus(sites.to_bio_motif(counts, "01"), 0.8) == "01"


def test_information_content():
    assert sites.information_content(np.array([[4, 0, 0, 0], [1, 1, 1, 1]])) == pytest.approx(2.0)
