"""Readers against files in the published DeepSEA layout, the pipeline, and encodings."""

import h5py
import numpy as np
import pytest
from scipy.io import savemat

from dlbio.data import deepsea_mat, encoding, pipeline, sources
from dlbio.data.simulate import simulate, write_planted
from dlbio.utils.errors import DlbioError


def _random_set(n=37, length=30, targets=5, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, size=(n, length)).astype(np.uint8)
    idx[0, :3] = encoding.N_CODE
    return idx, rng.integers(0, 2, size=(n, targets)).astype(np.uint8)


def test_encoding_agct_order_and_n():
    idx = encoding.encode("AGCTNacgtR", "s")
    assert idx.tolist() == [0, 1, 2, 3, 4, 0, 2, 1, 3, 4]
    onehot = encoding.index_to_onehot(idx)
    assert onehot[1].tolist() == [0, 1, 0, 0] and onehot[4].tolist() == [0, 0, 0, 0]
    assert encoding.decode(encoding.reverse_complement(encoding.encode("AACGTN"))) == "NACGTT"
    with pytest.raises(DlbioError, match="position 3"):
        encoding.encode("AC-T", "s")


def test_one_hot_is_the_table_row_of_every_index_in_any_shape():
    """index_to_onehot (np.take over the 5-row table) against the identity matrix row by row."""
    rng = np.random.default_rng(3)
    for shape in [(), (7,), (3, 11), (2, 3, 5)]:
        idx = rng.integers(0, 5, shape).astype(np.uint8)
        for dtype in (np.float32, np.uint8):
            onehot = encoding.index_to_onehot(idx, dtype)
            assert onehot.shape == (*shape, 4) and onehot.dtype == dtype
            expected = np.array([np.eye(4)[i] if i < 4 else np.zeros(4) for i in idx.ravel()]).reshape(*shape, 4)
            assert np.array_equal(onehot, expected)
    assert encoding.reverse_complement(np.array([[0, 1, 2, 3, 4]], np.uint8)).tolist() == [[4, 0, 1, 2, 3]]
    assert encoding.encode_lenient("aGu-N").tolist() == [0, 1, 3, encoding.NOT_DNA, 4]


def test_v73_with_user_block_matches_written_arrays(tmp_path):
    idx, y = _random_set()
    path = deepsea_mat.write_split(tmp_path / "train.mat", "train", idx, y, "7.3")
    raw = path.read_bytes()
    assert raw[:10] == b"MATLAB 7.3" and raw[512:520] == b"\x89HDF\r\n\x1a\n"
    with h5py.File(path, "r") as f:  # the published on-disk shapes
        assert f["trainxdata"].shape == (30, 4, 37) and f["traindata"].shape == (5, 37)
        # A,G,C,T rows: base index 1 (G) is row 1
        assert f["trainxdata"][5, :, 1].tolist() == encoding.index_to_onehot(idx[1, 5], np.uint8).tolist()
    s = deepsea_mat.MatSet(path, "train")
    assert (s.n, s.length, s.n_targets, s.layout) == (37, 30, 5, "v7.3")
    x, labels = s.read(3, 20)
    assert np.array_equal(x, idx[3:20]) and np.array_equal(labels, y[3:20])


def test_v73_written_a_chunk_at_a_time_holds_every_row_in_order(tmp_path):
    idx, y = _random_set()
    for compress in (True, False):
        path = deepsea_mat.write_source(
            tmp_path / f"train{compress}.mat", "train", sources.ArraySource(idx, y), "7.3", compress=compress, chunk=8
        )  # 37 rows: 5 chunks, the last short
        assert path.read_bytes()[:10] == b"MATLAB 7.3"
        with h5py.File(path, "r") as f:
            assert f["trainxdata"].shape == (30, 4, 37) and (f["trainxdata"].compression == "gzip") == compress
        x, labels = deepsea_mat.MatSet(path, "train").read(0, 37)
        assert np.array_equal(x, idx) and np.array_equal(labels, y)


def test_v5_written_a_block_at_a_time_is_what_savemat_writes(tmp_path, monkeypatch):
    """valid/test.mat come from dlbio's own streaming v5 writer: scipy reads the same arrays
    as from a savemat file, with MATLAB's types and shapes, and so does dlbio's reader."""
    from scipy.io import loadmat, whosmat

    idx, y = _random_set(n=41, length=23, targets=11)
    idx[5, 7] = encoding.N_CODE
    ref = tmp_path / "ref.mat"
    savemat(
        ref,
        {"testxdata": encoding.index_to_onehot(idx, np.uint8).transpose(0, 2, 1), "testdata": y},
        do_compression=True,
    )
    path = deepsea_mat.write_source(tmp_path / "test.mat", "test", sources.ArraySource(idx, y), "5", chunk=8)
    assert path.read_bytes()[:10] == b"MATLAB 5.0" and path.read_bytes()[126:128] == b"IM"
    assert whosmat(path) == whosmat(ref) == [("testxdata", (41, 4, 23), "uint8"), ("testdata", (41, 11), "uint8")]
    ours, theirs = loadmat(path), loadmat(ref)
    for key in ("testxdata", "testdata"):
        assert ours[key].dtype == np.uint8 and np.array_equal(ours[key], theirs[key])
    monkeypatch.setattr(deepsea_mat, "_V5_BLOCK", 400)  # the reader's blocks: 23 positions in 12, 11 targets in 2
    x, labels = deepsea_mat.MatSet(path, "test").read(0, 41)
    assert np.array_equal(x, idx) and np.array_equal(labels, y)


@pytest.mark.parametrize("compress", [True, False])
def test_v5_streamed_values_are_loadmats(tmp_path, compress):
    """dlbio reads v5 files as a stream (mat5.iter_values) instead of scipy's whole arrays:
    the same values, in column-major order, from compressed (v7) and uncompressed (v6)
    variables, short names and tiny arrays (v5's 'small data element') included."""
    from scipy.io import loadmat

    from dlbio.data import mat5

    rng = np.random.default_rng(3)
    arrays = {
        "testxdata": rng.integers(0, 2, (7, 4, 9)).astype(np.uint8),
        "x": np.arange(3, dtype=np.uint8),
        "lab": rng.integers(0, 2, (7, 5)).astype(bool),
        "f": rng.normal(size=(3, 2)),
        "i16": rng.integers(-300, 300, (5, 2)).astype(np.int16),
    }
    path = tmp_path / "a.mat"
    savemat(path, {**arrays, "words": "hello", "cells": np.array([[1, "a"]], dtype=object)}, do_compression=compress)
    found, theirs = mat5.variables(path), loadmat(path)
    assert list(found) == ["testxdata", "x", "lab", "f", "i16", "words", "cells"]
    assert (found["words"].dtype, found["words"].kind, found["cells"].kind) == (None, "char array", "cell array")
    for key in arrays:
        var = found[key]
        assert var.shape == theirs[key].shape and var.compressed == compress
        blocks = list(mat5.iter_values(path, var, 4))
        assert all(len(b) == 4 for b in blocks[:-1]) and 1 <= len(blocks[-1]) <= 4
        assert np.array_equal(np.concatenate(blocks).reshape(var.shape, order="F"), theirs[key])
    with pytest.raises(DlbioError, match="words is a char array, expected numbers"):
        next(mat5.iter_values(path, found["words"], 4))


def test_v5_big_endian_file_reads_as_loadmat_reads_it(tmp_path):
    """A v5 file written on a big-endian machine ('MI'): tags and multi-byte values swapped."""
    import struct

    from scipy.io import loadmat

    def element(mi_type, payload):
        return struct.pack(">II", mi_type, len(payload)) + payload + b"\0" * (-len(payload) % 8)

    def matrix(name, array, mx_class, mi_type):
        return element(
            14,
            element(6, struct.pack(">II", mx_class, 0))
            + element(5, struct.pack(f">{array.ndim}i", *array.shape))
            + element(1, name.encode())
            + element(mi_type, array.tobytes(order="F")),
        )

    idx, y = _random_set(n=9, length=12, targets=4)
    onehot = encoding.index_to_onehot(idx, np.uint8).transpose(0, 2, 1)  # (N, 4, L)
    path = tmp_path / "test.mat"
    path.write_bytes(
        b"MATLAB 5.0 MAT-file, big-endian".ljust(116)
        + b"\0" * 8
        + struct.pack(">H", 0x0100)
        + b"MI"
        + matrix("testxdata", onehot, 9, 2)
        + matrix("testdata", y.astype(">f8"), 6, 9)
    )  # uint8; double
    assert np.array_equal(loadmat(path)["testdata"], y)  # scipy agrees on what the file holds
    x, labels = deepsea_mat.MatSet(path, "test").read(0, 9)
    assert np.array_equal(x, idx) and np.array_equal(labels, y)


def test_v5_truncated_or_not_numeric_is_one_line_naming_the_file(tmp_path):
    idx, y = _random_set()
    whole = deepsea_mat.write_split(tmp_path / "whole.mat", "test", idx, y, "5").read_bytes()
    for cut in (100, 200, len(whole) // 2, len(whole) - 3):
        (tmp_path / "test.mat").write_bytes(whole[:cut])
        with pytest.raises(DlbioError, match=r"test\.mat: .*(truncated|not a MATLAB)") as err:
            deepsea_mat.MatSet(tmp_path / "test.mat", "test")
        assert "\n" not in str(err.value)
    savemat(tmp_path / "test.mat", {"testxdata": "ACGT", "testdata": y})
    with pytest.raises(DlbioError, match="test.mat: testxdata is a char array, expected numbers"):
        deepsea_mat.MatSet(tmp_path / "test.mat", "test")
    onehot = encoding.index_to_onehot(idx, np.uint8).transpose(0, 2, 1).copy()
    onehot[4, :, 9] = 1
    savemat(tmp_path / "test.mat", {"testxdata": onehot, "testdata": y})
    with pytest.raises(DlbioError, match="test.mat: one-hot data has more than one base set"):
        deepsea_mat.MatSet(tmp_path / "test.mat", "test")
    onehot[4, :, 9] = 0
    onehot[2, 1, 5] = 255  # a damaged byte, not a base: once read as code 254 (0 + 1 + 255 wraps to 1)
    savemat(tmp_path / "test.mat", {"testxdata": onehot, "testdata": y})
    with pytest.raises(DlbioError, match=r"test.mat: one-hot data holds a value other than 0 and 1 \(255\)"):
        deepsea_mat.MatSet(tmp_path / "test.mat", "test")


def test_v5_refuses_a_variable_over_4_gb(tmp_path):
    from dlbio.data import mat5

    with open(tmp_path / "big.mat", "wb") as fh, pytest.raises(DlbioError, match="over MATLAB v5's 4 GB"):
        mat5.write_uint8(fh, "testxdata", (1_100_000, 4, 1000), iter(()))


def test_v5_reader_handles_float_one_hot(tmp_path):
    idx, y = _random_set(targets=3)
    onehot = encoding.index_to_onehot(idx, np.float64).transpose(0, 2, 1)  # (N, 4, L)
    savemat(tmp_path / "valid.mat", {"validxdata": onehot, "validdata": y.astype(np.float64)})
    s = deepsea_mat.MatSet(tmp_path / "valid.mat", "valid", limit=10)
    assert s.n == 10
    x, labels = s.read(0, 100)
    assert np.array_equal(x, idx[:10]) and np.array_equal(labels, y[:10])


def test_pipeline_covers_every_sample_once_and_shuffles_by_seed(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK", 8)
    idx, y = _random_set(n=53)
    src = sources.ArraySource(idx, y)
    plain = list(pipeline.iter_batches(src, 10))
    assert [len(b[0]) for b in plain] == [10, 10, 10, 10, 10, 3]
    assert np.array_equal(np.concatenate([b[0] for b in plain]), idx)
    a = np.concatenate([b[0] for b in pipeline.iter_batches(src, 10, shuffle=True, seed=1)])
    b = np.concatenate([b[0] for b in pipeline.iter_batches(src, 10, shuffle=True, seed=1)])
    c = np.concatenate([b[0] for b in pipeline.iter_batches(src, 10, shuffle=True, seed=1, epoch=1)])
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, idx)
    assert sorted(map(bytes, a)) == sorted(map(bytes, idx))
    # labels travel with their sequences
    ya = np.concatenate([b[1] for b in pipeline.iter_batches(src, 10, shuffle=True, seed=1)])
    lookup = {bytes(s): lab.tolist() for s, lab in zip(idx, y)}
    assert all(lookup[bytes(s)] == lab.tolist() for s, lab in zip(a, ya))


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch", [3, 8, 10, 40])
def test_skipped_batches_are_the_same_batches_left_out_and_not_read(monkeypatch, shuffle, batch):
    """A resumed epoch (skip=k) gives exactly batches k, k+1, ... of the full epoch, and does
    not read the chunks that lie wholly inside the skipped batches."""
    monkeypatch.setattr(pipeline, "CHUNK", 7)
    monkeypatch.setattr(pipeline, "MIX_CHUNKS", 2)
    idx, y = _random_set(n=61)

    class Counting(sources.ArraySource):
        reads = 0

        def read(self, start, stop):
            Counting.reads += 1
            return super().read(start, stop)

    src = Counting(idx, y)
    full = list(pipeline.iter_batches(src, batch, shuffle, seed=2, epoch=3))
    assert Counting.reads == 9  # 61 samples in chunks of 7
    steps = pipeline.steps_per_epoch(src, batch)
    assert len(full) == steps
    for skip in range(steps + 2):
        Counting.reads = 0
        rest = list(pipeline.iter_batches(src, batch, shuffle, seed=2, epoch=3, skip=skip))
        assert len(rest) == max(steps - skip, 0)
        assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(rest, full[skip:]))
        if skip * batch >= 7 * (2 if shuffle else 1):  # the first group of chunks lies in the skipped batches
            assert Counting.reads < 9, (skip, Counting.reads)


@pytest.mark.parametrize("multiple", [1, 2, 3, 4, 8])
def test_the_last_batch_is_cut_to_a_multiple_of_the_devices(monkeypatch, multiple):
    """JAX's DataParallel splits a batch evenly over its devices: 53 rows in batches of 10
    end in a batch of 3, cut to 3 - 3 % multiple rows (none for 4 and 8)."""
    monkeypatch.setattr(pipeline, "CHUNK", 8)
    idx, y = _random_set(n=53)
    src = sources.ArraySource(idx, y)
    full = list(pipeline.iter_batches(src, 10, shuffle=True, seed=4))
    cut = list(pipeline.iter_batches(src, 10, shuffle=True, seed=4, multiple_of=multiple))
    last = 3 - 3 % multiple
    assert [len(b[0]) for b in cut] == [10] * 5 + ([last] if last else [])
    assert len(cut) == pipeline.steps_per_epoch(src, 10, multiple)
    assert pipeline.left_out_per_epoch(src, 10, multiple) == 3 % multiple
    assert all(np.array_equal(a[0], b[0][: len(a[0])]) for a, b in zip(cut, full))  # the same rows, in order


def test_prefetched_keeps_order_passes_errors_on_and_stops_when_the_consumer_goes():
    import threading

    assert list(pipeline.prefetched(iter(range(50)), 3)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("damaged row")

    got = pipeline.prefetched(failing(), 2)
    assert next(got) == 1
    with pytest.raises(ValueError, match="damaged row"):
        next(got)

    produced = []

    def endless():
        while True:
            produced.append(len(produced))
            yield produced[-1]

    before = set(threading.enumerate())
    consumer = pipeline.prefetched(endless(), 2)
    assert [next(consumer) for _ in range(3)] == [0, 1, 2]
    filler = [t for t in set(threading.enumerate()) - before if t.name == "dlbio-prefetch"]
    assert len(filler) == 1
    consumer.close()  # a model that failed, a preempted fit: nobody reads on
    for thread in filler:
        thread.join(timeout=5)
    assert not any(t.is_alive() for t in filler)
    assert len(produced) <= 3 + 2 + 2  # consumed, queued, and the one being put


def test_shards_are_disjoint_equal_and_read_only_their_rows():
    """--multi-worker on JAX: process i of k reads rows i*m .. (i+1)*m - 1, m = n // k."""
    idx, y = _random_set(n=53)
    reads = []

    class Counting(sources.ArraySource):
        def read(self, start, stop):
            reads.append((start, stop))
            return super().read(start, stop)

    src = Counting(idx, y)
    shards = [sources.ShardSource(src, i, 4) for i in range(4)]
    assert [s.n for s in shards] == [13] * 4 and shards[2].length == src.length
    rows = []
    for i, shard in enumerate(shards):
        reads.clear()
        rows.append(sources.read_all(shard))
        assert reads and all(13 * i <= start and stop <= 13 * (i + 1) for start, stop in reads)  # its own rows only
    assert np.array_equal(np.concatenate([r[0] for r in rows]), idx[:52])  # disjoint, in order; 1 row left out
    assert np.array_equal(rows[3][1], y[39:52])


@pytest.mark.tf_only
def test_tf_dataset_one_hot_and_n_rows():
    idx, y = _random_set(n=12)
    ds = pipeline.make_dataset(sources.ArraySource(idx, y), 5)
    xs, ys = zip(*[(x.numpy(), t.numpy()) for x, t in ds])
    x = np.concatenate(xs)
    assert x.shape == (12, 30, 4) and x[0, 0].tolist() == [0, 0, 0, 0]
    assert np.array_equal(x, encoding.index_to_onehot(idx)) and np.array_equal(np.concatenate(ys), y)


def test_simulated_set_plants_labelled_motifs(tmp_path):
    p = simulate(["CTCF", "MA0035"], {"train": 40, "valid": 10, "test": 10}, length=60, motifs_per_seq=1.0, seed=3)
    write_planted(p, tmp_path)
    sets = sources.open_data_dir(tmp_path)
    assert sets["train"].target_names == ["CTCF_MA0139.2", "GATA1_MA0035.5"]
    truth = [ln.split("\t") for ln in (tmp_path / "truth.tsv").read_text().splitlines()[1:]]
    idx, labels = sources.read_all(sets["train"])
    for split, row, _mid, name, _start, _strand in truth:
        if split == "train":
            assert labels[int(row), 0 if name == "CTCF" else 1] == 1
    assert labels.sum() == sum(t[0] == "train" for t in truth)


@pytest.mark.parametrize("case", ["missing", "not_mat", "bad_shape", "labels_2", "wrong_keys", "mismatch"])
def test_bad_data_files(tmp_path, case):
    idx, y = _random_set()
    for s in ("train", "valid", "test"):
        deepsea_mat.write_split(tmp_path / f"{s}.mat", s, idx, y, "7.3" if s == "train" else "5")
    if case == "missing":
        (tmp_path / "valid.mat").unlink()
    elif case == "not_mat":
        (tmp_path / "test.mat").write_text("hello")
    elif case == "bad_shape":
        savemat(tmp_path / "test.mat", {"testxdata": np.zeros((3, 5, 30)), "testdata": np.zeros((3, 5))})
    elif case == "labels_2":
        savemat(tmp_path / "test.mat", {"testxdata": np.zeros((3, 4, 30)), "testdata": np.full((3, 5), 2.0)})
    elif case == "wrong_keys":
        savemat(tmp_path / "test.mat", {"foo": np.zeros((3, 4, 30))})
    elif case == "mismatch":
        deepsea_mat.write_split(tmp_path / "test.mat", "test", idx[:, :20], y, "5")
    with pytest.raises(DlbioError) as err:
        sources.open_data_dir(tmp_path)
    assert ".mat" in str(err.value) and "\n" not in str(err.value)


def test_deepsea_sets_without_targets_tsv_get_deepseas_names(tmp_path):
    """The DeepSEA download has no targets.tsv: a set (and a model) of 919 targets is named by
    the bundled list, in the published column order; other sizes keep target_N."""
    import keras

    from dlbio.data.targets import deepsea_names, parse_targets, target_names_for
    from dlbio.evaluation.metrics import category_of
    from dlbio.utils.resources import data_dir

    rows = [line.split("\t") for line in (data_dir() / "deepsea" / "targets.tsv").read_text().splitlines()[1:]]
    names = deepsea_names(919)
    assert len(names) == 919 and names == [r[0] for r in rows] and deepsea_names(918) is None
    # DNase 1-125, TF 126-815, histone 816-919, as dlbio.evaluation.metrics splits them, and the assay agrees
    assert [r[4] for r in rows] == [category_of(t, 919) for t in range(919)]
    assert all((r[2] == "DNase") == (r[4] == "DNase") for r in rows)
    assert all(r[2].startswith(("H2A", "H2B", "H3K", "H4K")) == (r[4] == "Histone") for r in rows)
    assert (
        names[0] == "8988T|DNase|None" and names[576] == "HepG2|SREBP1|NA" and names[-1] == "Osteoblasts|H3K9me3|None"
    )
    assert parse_targets("K562|GATA-1|None,HepG2|FOXA2", 919, names) == [623, 305]
    with pytest.raises(DlbioError, match=r"'K562\|CTCF\|None' names 5 targets \(150, 339, 619, 747, 805\)"):
        parse_targets("K562|CTCF|None", 919, names)

    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, (6, 20), dtype=np.uint8)
    for s in ("train", "valid", "test"):
        deepsea_mat.write_split(
            tmp_path / "ds" / f"{s}.mat",
            s,
            idx,
            rng.integers(0, 2, (6, 919), dtype=np.uint8),
            "7.3" if s == "train" else "5",
        )
        deepsea_mat.write_split(
            tmp_path / "other" / f"{s}.mat", s, idx, rng.integers(0, 2, (6, 3), dtype=np.uint8), "5"
        )
    assert sources.open_data_dir(tmp_path / "ds")["test"].target_names == names
    assert sources.open_data_dir(tmp_path / "other")["test"].target_names is None
    (tmp_path / "ds" / "targets.tsv").write_text("".join(f"mine{t}\n" for t in range(919)))
    assert sources.open_data_dir(tmp_path / "ds")["valid"].target_names[0] == "mine0"  # a targets.tsv wins
    x = keras.Input((20, 4))
    wide, narrow = (keras.Model(x, keras.layers.Dense(n)(keras.layers.Flatten()(x))) for n in (919, 3))
    assert target_names_for(wide, None) == names and target_names_for(narrow, None)[2] == "target_3"
