"""The compact store: same batches as the .mat files, safe writes, clear errors."""

import json
import os

import numpy as np
import pytest

from dlbio.data import checksums, deepsea_mat, pipeline, sources, store
from dlbio.utils.errors import DlbioError


@pytest.fixture
def mat_dir(tmp_path):
    rng = np.random.default_rng(5)
    d = tmp_path / "mat"
    d.mkdir()
    for split, n in (("train", 101), ("valid", 17), ("test", 23)):
        idx = rng.integers(0, 4, size=(n, 40)).astype(np.uint8)
        idx[:, 7] = 4  # an N column
        labels = rng.integers(0, 2, size=(n, 11)).astype(np.uint8)
        deepsea_mat.write_split(d / f"{split}.mat", split, idx, labels, "7.3" if split == "train" else "5")
    (d / "targets.tsv").write_text("".join(f"t{i}\n" for i in range(11)))
    return d


def test_store_gives_exactly_the_mat_batches(mat_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK", 16)
    sources.convert(mat_dir, tmp_path / "store")
    mats = sources.open_data_dir(mat_dir)
    stores = sources.open_data_dir(tmp_path / "store")
    assert stores["train"].layout == "store" and stores["train"].target_names == [f"t{i}" for i in range(11)]
    for split in ("train", "valid", "test"):
        for shuffle in (False, True):
            a = list(pipeline.iter_batches(mats[split], 10, shuffle=shuffle, seed=3, epoch=2))
            b = list(pipeline.iter_batches(stores[split], 10, shuffle=shuffle, seed=3, epoch=2))
            assert len(a) == len(b)
            for (xa, ya), (xb, yb) in zip(a, b):
                assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    # and through the backend's loader (tf.data, or a keras PyDataset), one-hot included
    da, db = (_loaded(pipeline.make_dataset(s["valid"], 8)) for s in (mats, stores))
    assert len(da) == 3 and all(np.array_equal(p, q) for p, q in zip(da, db))
    assert np.array_equal(da[0][:, 7], np.zeros((8, 4), np.float32))  # N: an all-zero row


def _loaded(batches) -> list:
    """The one-hot arrays of make_dataset's batches: a tf.data.Dataset, or a keras PyDataset."""
    if hasattr(batches, "__len__") and hasattr(batches, "__getitem__"):
        return [np.asarray(batches[i][0]) for i in range(len(batches))]
    return [np.asarray(x) for x, _ in batches]


def test_limit_and_verify(mat_dir, tmp_path):
    sources.convert(mat_dir, tmp_path / "s", ("valid",))
    s = store.StoreSet(tmp_path / "s" / "valid.dlbio", limit=5, verify=True)
    x, y = s.read(0, 100)
    assert x.shape == (5, 40) and y.shape == (5, 11)


def _damage(path, how):
    m = json.loads((path / "manifest.json").read_text())
    if how == "truncated":
        data = (path / "seq.u8").read_bytes()
        (path / "seq.u8").write_bytes(data[:-40])
    elif how == "order":
        m["bases"] = "ACGT"
    elif how == "count":
        m["n"] += 1
    elif how == "json":
        (path / "manifest.json").write_text("{not json")
        return
    elif how == "checksum":
        data = bytearray((path / "seq.u8").read_bytes())
        data[0] ^= 1
        (path / "seq.u8").write_bytes(bytes(data))
    (path / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("how", ["truncated", "order", "count", "json", "checksum"])
def test_damaged_store_is_refused(mat_dir, tmp_path, how):
    sources.convert(mat_dir, tmp_path / "s", ("valid",))
    path = tmp_path / "s" / "valid.dlbio"
    _damage(path, how)
    with pytest.raises(DlbioError) as err:
        store.StoreSet(path, verify=True)
    assert "valid.dlbio" in str(err.value)


def test_failed_conversion_leaves_no_store(mat_dir, tmp_path):
    data = (mat_dir / "train.mat").read_bytes()
    (mat_dir / "train.mat").write_bytes(data[: len(data) // 2])  # truncated download
    with pytest.raises(DlbioError, match="train.mat"):
        sources.convert(mat_dir, tmp_path / "out", ("train",))
    assert not (tmp_path / "out" / "train.dlbio").exists()
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []  # inputs are checked before anything is written


def test_convert_cli_and_train_from_store(mat_dir, tmp_path, run_cli):
    from dlbio.cli.data import danq_convert

    res = run_cli(danq_convert, ["-d", mat_dir, "-o", tmp_path / "st", "-q"])
    assert "MB/s" in res.output
    assert (tmp_path / "st" / "train.dlbio" / "manifest.json").exists()
    foreign = tmp_path / "foreign.mat"
    foreign.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    (tmp_path / "f").mkdir()
    foreign.rename(tmp_path / "f" / "train.mat")
    bad = run_cli(danq_convert, ["-d", tmp_path / "f", "-o", tmp_path / "st2", "--splits", "train"], ok=False)
    assert bad.exit_code == 2 and "train.mat" in bad.output


def test_a_store_is_checked_once_per_file_version(mat_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("DLBIO_CACHE", str(tmp_path / "cache"))
    sources.convert(mat_dir, tmp_path / "s", ("valid",))
    path = tmp_path / "s" / "valid.dlbio"
    hashed = []
    real = checksums._part_sha256
    monkeypatch.setattr(checksums, "_part_sha256", lambda p, *span: hashed.append(p.name) or real(p, *span))
    assert store.StoreSet(path).verified and sorted(hashed) == ["labels.bits", "seq.u8"]
    assert store.StoreSet(path).verified and len(hashed) == 2  # remembered: not read again
    assert not store.StoreSet(path, verify=False).verified and len(hashed) == 2
    data = bytearray((path / "seq.u8").read_bytes())
    data[3] = (data[3] + 1) % 4  # a valid base code, the wrong one
    mtime = (path / "seq.u8").stat().st_mtime_ns
    (path / "seq.u8").write_bytes(bytes(data))
    # the kernel's clock ticks every few ms: a write this soon after the check could keep its mtime
    os.utime(path / "seq.u8", ns=(mtime + 10**7, mtime + 10**7))
    with pytest.raises(DlbioError, match=r"seq.u8: its SHA-256 differs from the manifest's"):
        store.StoreSet(path)
    assert len(hashed) == 4  # the change was noticed and checked
    assert store.StoreSet(path, verify=False).read(0, 1)[0][0, 3] == data[3]  # --no-verify reads it as it is


def test_base_codes_out_of_range_are_refused_at_every_read(mat_dir, tmp_path):
    sources.convert(mat_dir, tmp_path / "s", ("train",))
    path = tmp_path / "s" / "train.dlbio"
    data = bytearray((path / "seq.u8").read_bytes())
    data[40 * 50 + 6 :: 7] = bytes([9]) * len(data[40 * 50 + 6 :: 7])  # the byte 9 in every 7th place from row 51
    (path / "seq.u8").write_bytes(bytes(data))
    s = store.StoreSet(path, verify=False)
    assert s.read(0, 50)[0].max() <= 4  # rows before the damage read as ever
    with pytest.raises(DlbioError, match=r"seq.u8: base code 9 in row 51, position 7 \(codes are 0-4"):
        s.read(0, 100)


def test_the_run_record_has_the_verified_checksums(tmp_path, run_cli):
    from dlbio.cli.data import danq_convert
    from dlbio.cli.train import danq_train
    from dlbio.utils.resources import tiny_deepsea

    run_cli(danq_convert, ["-d", tiny_deepsea(), "-o", tmp_path / "st", "-q"])
    run_cli(
        danq_train,
        [
            "-d",
            tmp_path / "st",
            "-e",
            1,
            "-f",
            4,
            "-k",
            9,
            "--lstm-units",
            2,
            "--dense-units",
            4,
            "-b",
            100,
            "-n",
            200,
            "-o",
            "",
            "-q",
        ],
    )
    record = json.loads((tmp_path / "checkpoints" / "bestmodel.DanQ.run.json").read_text())["data"]
    manifest = json.loads((tmp_path / "st" / "train.dlbio" / "manifest.json").read_text())
    assert record["train"]["verified"] is True and record["train"]["seq_sha256"] == manifest["seq_sha256"]
    assert record["train"]["build_id"] == manifest["build_id"]


def test_stores_without_part_checksums_are_checked_whole(mat_dir, tmp_path, monkeypatch):
    """Stores written before the per-part checksums: the whole-file SHA-256 still decides."""
    monkeypatch.setenv("DLBIO_CACHE", str(tmp_path / "cache"))
    sources.convert(mat_dir, tmp_path / "s", ("valid",))
    path = tmp_path / "s" / "valid.dlbio"
    m = json.loads((path / "manifest.json").read_text())
    for key in ("part_bytes", "seq_part_sha256", "labels_part_sha256", "build_id"):
        del m[key]
    (path / "manifest.json").write_text(json.dumps(m))
    assert store.StoreSet(path).verified
    m["seq_sha256"] = "0" * 64
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(DlbioError, match="SHA-256 differs"):
        store.StoreSet(path)


def test_part_checksums_cover_every_byte(monkeypatch):
    monkeypatch.setattr(checksums, "PART_BYTES", 10)
    h = checksums.PartedHash()
    data = bytes(range(37))
    for piece in (data[:3], data[3:25], data[25:]):
        h.update(piece)
    import hashlib

    assert h.hexdigest() == hashlib.sha256(data).hexdigest()
    assert h.parts == [hashlib.sha256(data[i : i + 10]).hexdigest() for i in range(0, 37, 10)]
