"""No command writes over its own inputs (dlbio/utils/guard.py).

The property test runs every command with each of its output options pointed at each of its
input paths, in turn, and asserts a refusal (non-zero exit, one error line that names the
input) with every input unchanged, byte for byte.  The commands and their options come from
the click commands themselves, so a new command or option is covered as soon as it exists.
"""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dlbio.cli import main
from dlbio.utils.guard import Output
from dlbio.utils.resources import data_dir, tiny_deepsea

G = data_dir() / "genome_tiny"

# One invocation per command whose every path input is given (names relative to the fixture
# folder); the outputs are filled in by the test.  None of these runs: the check comes first.
INVOCATIONS = {
    "mdet-conv1d": ["-e", "1", "--load-weights", "model.keras"],
    "mdet-simplernn": ["-e", "1", "--load-weights", "model.keras"],
    "mdisc-conv1d": ["--weights", "model.keras"],
    "mdisc-simplernn": ["--weights", "model.keras"],
    "train": ["-d", "data", "-w", "model.keras", "-e", "1"],
    "predict": [
        "-d",
        "data",
        "-w",
        "model.keras",
        "--fasta",
        "seqs.fa",
        "--bed",
        "peaks.bed",
        "--genome",
        "genome.fa",
    ],
    "visualize": [
        "-t",
        "1",
        "-p",
        "preds.h5",
        "-d",
        "data",
        "-w",
        "model.keras",
        "-L",
        "log.csv",
        "-C",
        "a.metrics.tsv",
        "-C",
        "b.metrics.tsv",
    ],
    "import": ["published.hdf5"],
    "convert": ["-d", "data"],
    "prepare": ["-g", "genome.fa", "--sheet", "sheet.tsv"],
    "variants": ["--vcf", "variants.vcf", "-g", "genome.fa", "-w", "model.keras", "-d", "data"],
    "mutagenesis": [
        "-w",
        "model.keras",
        "--fasta",
        "seqs.fa",
        "--bed",
        "peaks.bed",
        "-g",
        "genome.fa",
        "-t",
        "1",
        "-d",
        "data",
    ],
    "track": ["-w", "model.keras", "-g", "genome.fa", "-r", "chr1:0-5000", "--peaks", "peaks.bed", "-d", "data"],
    "motifs": ["-w", "model.keras", "-d", "data"],
    "insert-motif": ["-w", "model.keras", "-m", "CTCF", "--background", "seqs.fa", "-d", "data"],
    "attribute": [
        "-w",
        "model.keras",
        "--fasta",
        "seqs.fa",
        "--bed",
        "peaks.bed",
        "-g",
        "genome.fa",
        "-d",
        "data",
        "-t",
        "1",
    ],
    "modisco": ["-s", "ohe.npz", "-a", "hyp.npz"],
    "fimo": ["m.meme", "--fasta", "seqs.fa", "--bed", "peaks.bed", "-g", "genome.fa"],
}
# Writing beside an input folder is what these folders are for: danq-train's --out-dir holds
# checkpoints/ and predictions/ (the data can sit in the same folder), and vgrad-rnn reads nothing.
SHARED = {("train", "--out-dir")}


def _input_values(command, args: list[str]) -> list[str]:
    """The paths that *args* give to *command*'s input options and arguments."""
    options = {o: p for p in command.params for o in p.opts if not isinstance(p.type, Output)}
    values, i = [], 0
    while i < len(args):
        param = options.get(args[i])
        if param is not None and getattr(param, "is_flag", False) is False and args[i].startswith("-"):
            if param.type.name in ("path", "directory", "file"):
                values.append(args[i + 1])
            i += 2
        else:
            if not args[i].startswith("-"):
                values.append(args[i])  # an argument (danq-import's source)
            i += 1
    return list(dict.fromkeys(values))


def _outputs(command) -> list[str]:
    return [max(p.opts, key=len) for p in command.params if isinstance(p.type, Output)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("guard")
    shutil.copytree(tiny_deepsea(), d / "data")
    for name in ("genome.fa", "example.fa", "variants.vcf", "CTCF.narrowPeak", "targets.tsv"):
        shutil.copy(G / name, d / name)
    (d / "seqs.fa").write_text((G / "example.fa").read_text())
    (d / "peaks.bed").write_text((G / "CTCF.narrowPeak").read_text())
    (d / "sheet.tsv").write_text(f"CTCF\t{G / 'CTCF.narrowPeak'}\n")
    for name in (
        "model.keras",
        "preds.h5",
        "log.csv",
        "a.metrics.tsv",
        "b.metrics.tsv",
        "published.hdf5",
        "ohe.npz",
        "hyp.npz",
        "m.meme",
    ):
        (d / name).write_bytes(np.random.default_rng(len(name)).bytes(64))  # read only after the check
    return d


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted([path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def _cases():
    cases = []
    for name, command in sorted(main.commands.items()):
        paths = [p for p in command.params if getattr(p.type, "name", "") in ("path", "directory", "file")]
        if not _outputs(command) or all(isinstance(p.type, Output) for p in paths):
            continue  # writes nothing, or reads no file
        assert name in INVOCATIONS, f"{name}: add an invocation with its inputs to INVOCATIONS"
        for out in _outputs(command):
            for value in _input_values(command, INVOCATIONS[name]):
                if (name, out) not in SHARED or value != "data":
                    cases.append((name, out, value))
    return cases


def test_every_command_with_an_output_and_an_input_is_covered():
    cases = _cases()
    assert {c for c, _, _ in cases} == set(INVOCATIONS)
    assert {(c, o) for c, o, _ in cases} >= {
        ("predict", "--output"),
        ("mutagenesis", "--out"),
        ("convert", "--out"),
        ("motifs", "--out-dir"),
    }
    assert len(cases) > 40


@pytest.mark.parametrize("name,out,value", _cases(), ids=["|".join(c) for c in _cases()])
def test_an_output_pointed_at_an_input_is_refused_and_the_input_is_unchanged(folder, monkeypatch, name, out, value):
    monkeypatch.chdir(folder)
    before = {p: _digest(folder / p) for p in dict.fromkeys(v for _, _, v in _cases())}
    res = CliRunner().invoke(main, [name, *INVOCATIONS[name], out, value], catch_exceptions=False)
    lines = [line for line in res.output.strip().splitlines() if not line.startswith(("note:", "warning:"))]
    assert res.exit_code not in (0, None), res.output
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in res.output, res.output
    assert value in lines[0] and ("input" in lines[0] or "is a file" in lines[0] or "is a directory" in lines[0])
    assert {p: _digest(folder / p) for p in before} == before


def test_outputs_named_late_are_refused_when_written(tmp_path, monkeypatch):
    """A summary beside the main output, and the genome's index: refused at write time, before any
    prediction is written, with the input intact."""
    from dlbio.models import deepsea

    monkeypatch.chdir(tmp_path)
    deepsea.build("DanQ", 3, 1000, filters=4, kernel_size=9, lstm_units=2, dense_units=4).save("m.keras")
    shutil.copy(G / "genome.fa", "g.fa")
    shutil.copy(G / "variants.vcf", "v.summary.tsv")
    shutil.copy(G / "CTCF.narrowPeak", "r.bed")
    for args in (
        ["variants", "--vcf", "v.summary.tsv", "-g", "g.fa", "-w", "m.keras", "-o", "v.tsv"],
        ["danq-predict", "-w", "m.keras", "--bed", "r.bed", "--genome", "g.fa", "-o", "g.fa.fai"],
    ):
        kept = {p: Path(p).read_bytes() for p in ("v.summary.tsv", "g.fa", "r.bed")}
        res = CliRunner().invoke(main, args, catch_exceptions=False)
        assert res.exit_code == 2 and "it is an input of this command" in res.output, res.output
        assert {p: Path(p).read_bytes() for p in kept} == kept
        assert not Path("v.tsv").exists() and not list(tmp_path.glob(".*tmp*"))
    index = Path("g.fa.fai").read_text()
    assert index.startswith("chr1\t")  # still the genome's index, not a prediction table


def test_danq_train_refuses_to_overwrite_the_model_it_starts_from(tmp_path, monkeypatch):
    from dlbio.models import deepsea

    monkeypatch.chdir(tmp_path)
    (tmp_path / "checkpoints").mkdir()
    start = tmp_path / "checkpoints" / "bestmodel.DanQ.keras"
    deepsea.build("DanQ", 8, 200, filters=8, kernel_size=9, lstm_units=4, dense_units=8).save(start)
    before = start.read_bytes()
    res = CliRunner().invoke(
        main,
        [
            "danq-train",
            "-d",
            str(tiny_deepsea()),
            "-w",
            str(start),
            "-f",
            "8",
            "-k",
            "9",
            "--lstm-units",
            "4",
            "--dense-units",
            "8",
            "-e",
            "1",
            "-q",
        ],
        catch_exceptions=False,
    )
    assert res.exit_code == 2 and "would overwrite the input --weights" in res.output, res.output
    assert start.read_bytes() == before and not (tmp_path / "checkpoints" / "bestmodel.DanQ.log.csv").exists()


def test_a_link_to_an_input_is_the_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(G / "example.fa", "x.fa")
    Path("alias.fa").symlink_to("x.fa")
    res = CliRunner().invoke(main, ["danq-predict", "-w", "m.keras", "--fasta", "alias.fa", "-o", "x.fa"])
    assert res.exit_code == 2 and "would overwrite the input --fasta alias.fa" in res.output
    assert Path("x.fa").read_text() == (G / "example.fa").read_text()
