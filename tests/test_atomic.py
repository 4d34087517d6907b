import pytest

from dlbio.atomic import atomic_path, write_text


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "result.tsv"
    write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.tsv"]


def test_atomic_keeps_compound_suffix(tmp_path):
    with atomic_path(tmp_path / "m.weights.h5") as tmp:
        assert tmp.name.endswith(".weights.h5")
        tmp.write_bytes(b"x")
    assert (tmp_path / "m.weights.h5").read_bytes() == b"x"
