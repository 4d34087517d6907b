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


def test_errors_name_the_output_not_its_temporary(tmp_path):
    # a folder where no file can be made (procfs): the error names the file asked for
    with pytest.raises(OSError) as err:
        with atomic_path("/proc/out.h5"):
            pass
    assert err.value.filename == "/proc/out.h5" and err.value.errno is not None
    # a writer's error about the temporary file is reported as about the output
    with pytest.raises(FileNotFoundError) as err:
        with atomic_path(tmp_path / "x.tsv") as tmp:
            open(tmp.parent / "missing" / tmp.name)
    assert "/missing/" in err.value.filename                   # about another file: left as it was
    with pytest.raises(IsADirectoryError) as err:
        with atomic_path(tmp_path / "y.tsv") as tmp:
            tmp.mkdir()
            open(tmp, "w")
    assert err.value.filename == str(tmp_path / "y.tsv") and not list(tmp_path.glob(".y.tsv*"))
