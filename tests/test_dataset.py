"""Data sets are written whole or not at all, and one build at a time (dlbio/data/dataset.py)."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbio.cli import main
from dlbio.data.sources import open_data_dir
from dlbio.utils.errors import DlbioError
from dlbio.utils.resources import data_dir, tiny_deepsea

G = data_dir() / "genome_tiny"
PREPARE = [
    "danq-prepare",
    "-g",
    str(G / "genome.fa"),
    "--sheet",
    str(G / "targets.tsv"),
    "--test-chroms",
    "chr3",
    "--valid-chroms",
    "chr2",
    "-q",
]


def _tree(folder: Path) -> dict:
    """Every file under *folder* (hidden ones too) and its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_a_rerun_needs_force_and_replaces_the_set_whole(tmp_path):
    out = tmp_path / "set"
    assert _run([*PREPARE, "-o", out]).exit_code == 0
    first = _tree(out)
    build = json.loads((out / "dataset.json").read_text())["build_id"]
    assert {
        json.loads((out / f"{s}.dlbio" / "manifest.json").read_text())["build_id"] for s in ("train", "valid", "test")
    } == {build}
    res = _run([*PREPARE, "-o", out, "--neg-fraction", "0.2"])
    assert res.exit_code == 2 and "holds a data set already; --force replaces it" in res.output
    assert _tree(out) == first
    assert _run([*PREPARE, "-o", out, "--neg-fraction", "0.2", "--force"]).exit_code == 0
    assert _tree(out) != first and json.loads((out / "dataset.json").read_text())["build_id"] != build
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]  # no temporary or old folder left


def test_a_folder_holding_the_users_files_is_never_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--force"]):
        res = _run([*PREPARE, "-o", out, *extra])
        assert res.exit_code == 2 and "holds notes.txt, which dlbio did not write" in res.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_the_sheet_or_peaks_inside_the_output_folder_are_refused_before_any_work(tmp_path):
    out = tmp_path / "mydata"
    out.mkdir()
    for name in ("CTCF.narrowPeak", "GATA1.narrowPeak", "CEBPB.narrowPeak", "targets.tsv"):
        shutil.copy(G / name, out / name)
    before = _tree(out)
    res = _run(
        [
            "danq-prepare",
            "-g",
            G / "genome.fa",
            "--sheet",
            out / "targets.tsv",
            "--test-chroms",
            "chr3",
            "--valid-chroms",
            "chr2",
            "-o",
            out,
        ]
    )
    assert res.exit_code == 2 and "holds the input --sheet" in res.output, res.output
    res = _run(
        [
            "danq-prepare",
            "-g",
            G / "genome.fa",
            "--peaks",
            f"CTCF={out / 'CTCF.narrowPeak'}",
            "--test-chroms",
            "chr3",
            "--valid-chroms",
            "chr2",
            "-o",
            out,
        ]
    )
    assert res.exit_code == 2 and "holds the input the peaks of CTCF" in res.output, res.output
    assert _tree(out) == before


def test_convert_into_its_own_data_folder_is_refused(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_deepsea(), data)
    before = _tree(data)
    res = _run(["danq-convert", "-d", data, "-o", data])
    assert res.exit_code == 2 and "holds the input --data" in res.output, res.output
    assert _tree(data) == before
    assert _run(["danq-convert", "-d", data, "-o", tmp_path / "store", "-q"]).exit_code == 0
    assert _run(["danq-convert", "-d", data, "-o", tmp_path / "store", "-q"]).exit_code == 2


def test_readers_refuse_splits_of_different_builds(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(["danq-convert", "-d", tiny_deepsea(), "-o", a, "-q"]).exit_code == 0
    assert _run(["danq-convert", "-d", tiny_deepsea(), "-o", b, "-q"]).exit_code == 0
    assert len(open_data_dir(a)) == 3
    shutil.rmtree(a / "test.dlbio")
    shutil.copytree(b / "test.dlbio", a / "test.dlbio")  # a split copied in from another build
    with pytest.raises(DlbioError, match="test.dlbio: from another build than"):
        open_data_dir(a)
    (a / "dataset.json").unlink()  # no record: the stores still disagree
    with pytest.raises(DlbioError, match="come from different builds"):
        open_data_dir(a)
    assert open_data_dir(a, splits=("train", "valid"))["train"].n > 0


def test_a_mat_file_changed_since_the_build_is_refused(tmp_path):
    out = tmp_path / "set"
    assert _run([*PREPARE, "-o", out, "--mat"]).exit_code == 0
    shutil.rmtree(out / "test.dlbio")  # the .mat files are read now
    assert open_data_dir(out)["test"].n == 206
    assert _run([*PREPARE, "-o", tmp_path / "other", "--mat", "--neg-fraction", "0.3"]).exit_code == 0
    shutil.copy(tmp_path / "other" / "test.mat", out / "test.mat")  # same layout, another build's rows
    with pytest.raises(DlbioError, match="test.mat: .* but the set was built with"):
        open_data_dir(out)


def _slow_build(tmp_path, args):
    """danq-prepare in a process of its own whose store writer waits 1 s after each split, so
    that a signal can be sent while the set is half written."""
    code = (
        "import sys, time\n"
        "from dlbio.data import store\n"
        "write = store.write_store\n"
        "def slow(*a, **k):\n"
        "    out = write(*a, **k)\n"
        "    print('wrote', out.name, flush=True)\n"
        "    time.sleep(1)\n"
        "    return out\n"
        "store.write_store = slow\n"
        "from dlbio.cli import main\n"
        f"main.main({[str(x) for x in args]!r})\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_build_stopped_half_way_leaves_the_previous_set_as_it_was(tmp_path, sig):
    out = tmp_path / "set"
    assert _run([*PREPARE, "-o", out]).exit_code == 0
    before = _tree(out)
    proc = _slow_build(tmp_path, [*PREPARE, "-o", out, "--neg-fraction", "0.3", "--force"])
    assert proc.stdout.readline().startswith("wrote train.dlbio")  # one split written, two to go
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert _tree(out) == before and len(open_data_dir(out)) == 3
    left = [p.name for p in tmp_path.iterdir() if p.name != "set"]
    if sig == signal.SIGKILL:  # nothing can clean up after a SIGKILL
        assert all(name.startswith(".set.") for name in left)
    else:
        assert left == [] and err.strip().count("\n") == 0 and err.startswith("error:"), err
        assert "Traceback" not in err


def test_a_finished_build_is_the_new_set_at_once(tmp_path):
    out = tmp_path / "set"
    assert _run([*PREPARE, "-o", out]).exit_code == 0
    proc = _slow_build(tmp_path, [*PREPARE, "-o", out, "--neg-fraction", "0.3", "--force"])
    t0 = time.time()
    assert proc.wait(timeout=60) == 0 and time.time() - t0 >= 3
    sets = open_data_dir(out)
    assert sets["train"].n > 844  # the negatives are in it
