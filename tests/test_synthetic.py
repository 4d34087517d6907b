import numpy as np
import pytest

from dlbio.data import synthetic
from dlbio.utils.errors import DlbioError


def test_motif_labels_follow_regex():
    assert synthetic.motif_labels(["0111", "0101", "1110"], "111").tolist() == [1, 0, 1]


def test_motif_set_is_seeded_and_shaped():
    a = synthetic.motif_detection_set(50, 10, 10, "111", seed=3)
    b = synthetic.motif_detection_set(50, 10, 10, "111", seed=3)
    c = synthetic.motif_detection_set(50, 10, 10, "111", seed=4)
    assert a.x_train.shape == (50, 10, 1) and a.x_test.shape == (10, 10, 1)
    assert np.array_equal(a.x_train, b.x_train) and not np.array_equal(a.x_train, c.x_train)
    # labels agree with the strings
    assert all(("111" in s) == bool(y) for s, y in zip(a.train_strings, a.y_train))
    assert np.array_equal(a.x_train[0, :, 0], [int(ch) for ch in a.train_strings[0]])


@pytest.mark.parametrize("motif", ["", "12", "1a1", "11111111111"])
def test_bad_motif_rejected(motif):
    with pytest.raises(DlbioError):
        synthetic.motif_detection_set(5, 5, 10, motif, seed=0)


def test_deterministic_windows_by_hand():
    # As in the slides the scan starts at j = window with no previous char, so the
    # first 0->1 switch it sees is at j=4; after it, '1's and the first '0' after a '1' count.
    x, y = synthetic.deterministic_windows("01001101", window=2)
    assert y.tolist() == [1, 0, 1]  # j = 5, 6, 7 (j=4 is the switch itself)
    assert x.tolist() == [[0, 1], [1, 1], [1, 0]]


def test_next_char_set_matches_slides_size():
    d = synthetic.next_char_set()
    # the slides: about 73k training windows (74 batches of 1000), majority class ~ 90.9 %
    assert 70_000 < len(d.x_train) < 76_000
    assert d.x_train.shape[1:] == (100, 1)
    assert 0.88 < d.y_test.mean() < 0.94


def _slide_vgrad_data():
    """The data part of the slides' vgrad_rnn.py, as printed (numpy's global legacy seed)."""
    n_seq, seq_len, n_train, pred_len, max_len_pattern = 200, 1000, 150, 100, 20
    data, x_train, y_train, x_test, y_test = [], [], [], [], []
    saved = np.random.get_state()
    np.random.seed(7)
    try:
        for i in range(n_seq):
            seq = []
            while len(seq) < seq_len:
                n = np.random.randint(1, high=max_len_pattern)
                seq += ["0"] * n + ["1"] * n
            data.append("".join(seq[:seq_len]))
            start, prev_char = False, ""
            for j in range(pred_len, seq_len):
                seq_in, c_out = data[i][(j - pred_len) : j], data[i][j]
                if start and (c_out == "1" or (c_out == "0" and prev_char == "1")):
                    if i < n_train:
                        x_train.append([int(c) for c in seq_in])
                        y_train.append(int(c_out))
                    else:
                        x_test.append([int(c) for c in seq_in])
                        y_test.append(int(c_out))
                if prev_char == "0" and c_out == "1":
                    start = True
                prev_char = c_out
    finally:
        np.random.set_state(saved)
    return np.array(x_train), np.array(y_train), np.array(x_test), np.array(y_test)


def test_next_char_set_is_the_slides_data_at_seed_7():
    x_train, y_train, x_test, y_test = _slide_vgrad_data()
    d = synthetic.next_char_set(seed=7)
    np.testing.assert_array_equal(d.x_train[..., 0], x_train)
    np.testing.assert_array_equal(d.y_train, y_train)
    np.testing.assert_array_equal(d.x_test[..., 0], x_test)
    np.testing.assert_array_equal(d.y_test, y_test)
    assert not np.array_equal(synthetic.next_char_set(seed=8).y_test[:500], y_test[:500])
