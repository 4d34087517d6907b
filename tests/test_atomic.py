import pytest

from dlbio.utils.atomic import atomic_path, write_text


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
    assert "/missing/" in err.value.filename  # about another file: left as it was
    with pytest.raises(IsADirectoryError) as err:
        with atomic_path(tmp_path / "y.tsv") as tmp:
            tmp.mkdir()
            open(tmp, "w")
    assert err.value.filename == str(tmp_path / "y.tsv") and not list(tmp_path.glob(".y.tsv*"))


def _limited(limit: int):
    """preexec_fn for a child process whose files cannot grow past *limit* bytes (a full disk, as
    the writers see it: EFBIG where a disk gives ENOSPC).  Run the child without writing bytecode
    (-B): Python's .pyc writer does not notice a short write and would leave truncated files."""
    import resource
    import signal

    def set_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def test_a_full_disk_is_one_line_and_the_previous_file_stays(tmp_path):
    """HDF5 and text outputs, in a process whose files cannot pass 20 kB: exit 2, one line naming
    the output, no traceback and no crash (h5py segfaulted here), the old file intact, no
    temporary file left."""
    import os
    import subprocess
    import sys

    from dlbio.models import deepsea
    from dlbio.utils.resources import data_dir

    g = data_dir() / "genome_tiny"
    deepsea.build("DanQ", 40, 1000, filters=4, kernel_size=9, lstm_units=2, dense_units=4).save(tmp_path / "m.keras")
    bed = ["--bed", str(g / "CTCF.narrowPeak"), "--genome", str(g / "genome.fa")]
    runs = {
        "p.h5": ["danq-predict", "-w", "m.keras", *bed, "-o", "p.h5"],
        "p.tsv": ["danq-predict", "-w", "m.keras", *bed, "-o", "p.tsv"],
        "ism.h5": [
            "mutagenesis",
            "-w",
            "m.keras",
            "--fasta",
            str(g / "example.fa"),
            "--all-records",
            "-t",
            "1",
            "--method",
            "gradient",
            "--no-png",
            "-o",
            "ism.h5",
        ],
    }
    # no bytecode written under the limit: Python would leave truncated .pyc files behind
    env = {**os.environ, "DLBIO_CACHE": str(tmp_path / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
    for out, args in runs.items():
        (tmp_path / out).write_text("the previous run's\n")
        res = subprocess.run(
            [sys.executable, "-m", "dlbio", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=_limited(20_000),
            timeout=300,
        )
        assert res.returncode == 2, (out, res.returncode, res.stderr[-2000:])
        assert res.stderr.strip() == f"error: {out}: cannot write (File too large); nothing was replaced", res.stderr
        assert (tmp_path / out).read_text() == "the previous run's\n"
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_hdf5_writer_raises_the_write_error_and_leaves_no_file(tmp_path):
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from dlbio.utils.atomic import hdf5_file\n"
        "from dlbio.utils.errors import DlbioError\n"
        "try:\n"
        "    with hdf5_file('x.h5') as f:\n"
        "        d = f.create_dataset('a', (2000, 50), 'f4', chunks=True)\n"
        "        for i in range(0, 2000, 100):\n"
        "            d[i:i + 100] = np.random.rand(100, 50)\n"
        "except DlbioError as exc:\n"
        "    print(exc)\n"
    )
    for limit in (3_000, 30_000, 300_000):  # failing on the first write, mid-way, at the final flush
        res = subprocess.run(
            [sys.executable, "-B", "-c", code],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            preexec_fn=_limited(limit),
            timeout=120,
        )
        assert res.returncode == 0 and res.stdout.strip() == "x.h5: cannot write (File too large); nothing was replaced"
        assert list(tmp_path.iterdir()) == []


def test_folders_are_swapped_in_one_step(tmp_path):
    from dlbio.utils.atomic import _exchange

    target = tmp_path / "set"
    target.mkdir()
    (target / "old").write_text("1")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new").write_text("2")
    assert [p.name for p in target.iterdir()] == ["new"] and [p.name for p in tmp_path.iterdir()] == ["set"]
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    assert _exchange(a, b)  # Linux: renameat2(RENAME_EXCHANGE)
    assert (b / "x").read_text() == "a" and not list(a.iterdir())


def test_written_behind_returns_at_once_and_writes_everything_in_order():
    import threading

    from dlbio.utils.write_behind import written_behind

    done, release = [], threading.Event()

    def slow_write(k):
        release.wait(10)
        done.append(k)

    with written_behind(slow_write) as write:
        write(0)
        write(1)  # both returned while the first write waits: the caller goes on
        assert done == []
        release.set()
    assert done == [0, 1]  # leaving the block waits for every write


def test_written_behind_raises_a_write_error_in_the_caller_and_stops_writing():
    from dlbio.utils.write_behind import written_behind

    done = []

    def write_or_fail(k):
        if k == 1:
            raise OSError(28, "No space left on device")
        done.append(k)

    with pytest.raises(OSError, match="No space left"):
        with written_behind(write_or_fail, depth=1) as write:
            for k in range(50):
                write(k)
    assert done == [0]  # nothing written after the failure


def test_a_prediction_table_whose_write_fails_in_its_thread_leaves_the_old_file(tmp_path):
    """HDF5 tables are written in a thread: its error reaches the caller, and the file there
    before stays as it was."""
    import numpy as np

    from dlbio.predict.tables import prediction_writer

    out = tmp_path / "pred.h5"
    out.write_bytes(b"the user's file")
    with pytest.raises(TypeError):
        with prediction_writer(out, 4, {"id": str}, ["a", "b"]) as write:
            write(0, [("r0",), ("r1",)], np.zeros((2, 2), np.float32))
            write(2, [("r2",), ("r3",)], np.zeros((2, 3), np.float32))  # 3 targets, not 2
    assert out.read_bytes() == b"the user's file"
    assert [p.name for p in tmp_path.iterdir()] == ["pred.h5"]
