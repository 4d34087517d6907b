"""Input rows left out or changed are counted and named (dlbio/utils/notes.py); --strict stops at them."""

from click.testing import CliRunner

from dlbio.cli import main
from dlbio.utils.notes import Notes
from dlbio.utils.resources import data_dir

G = data_dir() / "genome_tiny"


def test_notes_count_and_name_the_first_rows():
    notes = Notes()
    for i in range(5):
        notes.add("chromosome not in genome, skipped", f"chrX:{i}-{i + 1}")
    notes.add("unsorted (sorted in memory)", changes=False)
    assert notes.lines() == [
        "chromosome not in genome, skipped: 5 (chrX:0-1, chrX:1-2, chrX:2-3, ...)",
        "unsorted (sorted in memory): 1",
    ]
    merged = Notes()
    merged.merge(notes, "a.bed: ")
    assert merged["a.bed: chromosome not in genome, skipped"] == 5 and merged.changing == {
        "a.bed: chromosome not in genome, skipped"
    }
    merged.refuse_if(False, "a.bed")
    only_told = Notes()
    only_told.add("chromosome renamed (chr1/1 style)", changes=False)
    only_told.refuse_if(True, "a.bed")  # a rename changes no row: not refused


def _model(tmp_path):
    from dlbio.models import deepsea

    path = tmp_path / "m.keras"
    deepsea.build("DanQ", 3, 1000, filters=4, kernel_size=9, lstm_units=2, dense_units=4).save(path)
    return path


def test_predict_says_which_regions_it_left_out_and_strict_stops(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = _model(tmp_path)
    lines = (G / "CTCF.narrowPeak").read_text().splitlines()[:4]
    (tmp_path / "r.bed").write_text("\n".join(lines + ["chrUn\t10\t900\tlost1", "chrM\t5\t50\tlost2"]) + "\n")
    args = ["danq-predict", "-w", str(model), "--bed", "r.bed", "--genome", str(G / "genome.fa"), "-q"]
    res = CliRunner().invoke(main, [*args, "-o", "p.tsv"])
    assert res.exit_code == 0
    assert "note: chromosome not in genome, skipped: 2 (chrUn:10-900, chrM:5-50)" in res.output
    assert "4 regions -> p.tsv" in res.output and len((tmp_path / "p.tsv").read_text().splitlines()) == 5
    res = CliRunner().invoke(main, [*args, "-o", "strict.tsv", "--strict"])
    assert (
        res.exit_code == 2
        and "r.bed: chromosome not in genome, skipped: 2 rows (chrUn:10-900, chrM:5-50)" in res.output
        and not (tmp_path / "strict.tsv").exists()
    )


def test_mutagenesis_and_prepare_notes_and_strict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = _model(tmp_path)
    first = (G / "CEBPB.narrowPeak").read_text().splitlines()[0]
    (tmp_path / "r.bed").write_text(first + "\nchrUn\t10\t900\tgone\n")
    args = [
        "mutagenesis",
        "-w",
        str(model),
        "--bed",
        "r.bed",
        "-g",
        str(G / "genome.fa"),
        "-t",
        "1",
        "--method",
        "gradient",
        "--no-png",
        "-q",
    ]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0 and "note: chromosome not in genome, skipped: 1 (chrUn:10-900)" in res.output
    res = CliRunner().invoke(main, [*args, "--strict", "-o", "s"])
    assert res.exit_code == 2 and "--strict" in res.output and not list(tmp_path.glob("s.*"))
    prepare = [
        "danq-prepare",
        "-g",
        str(G / "genome.fa"),
        "--peaks",
        "T=r.bed",
        "--test-chroms",
        "chr3",
        "--valid-chroms",
        "chr2",
        "-q",
    ]
    res = CliRunner().invoke(main, [*prepare, "-o", "d", "--neg-fraction", "0.5"])
    assert res.exit_code == 0 and "note: r.bed: chromosome not in genome, skipped: 1 (chrUn:10-900)" in res.output
    res = CliRunner().invoke(main, [*prepare, "-o", "d2", "--neg-fraction", "0.5", "--strict"])
    assert res.exit_code == 2 and "r.bed: chromosome not in genome" in res.output and not (tmp_path / "d2").exists()


def test_disjoint_test_and_validation_regions_on_one_chromosome(tmp_path):
    from dlbio.data.sources import open_data_dir

    args = [
        "danq-prepare",
        "-g",
        str(G / "genome.fa"),
        "--sheet",
        str(G / "targets.tsv"),
        "--test-chroms",
        "chr3:0-40000,chr3:110000-150000",
        "--valid-chroms",
        "chr3:40000-100000",
        "-o",
        str(tmp_path / "d"),
        "-q",
    ]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    beds = {s: (tmp_path / "d" / f"{s}.windows.bed").read_text().splitlines() for s in ("train", "valid", "test")}
    bins = {
        s: [int(line.split("\t")[3].split(":")[1].split("-")[0]) for line in rows if line.startswith("chr3")]
        for s, rows in beds.items()
    }
    assert bins["test"] and all(b < 40000 or 110000 <= b for b in bins["test"])
    assert any(b >= 110000 for b in bins["test"])  # both test regions are used
    assert bins["valid"] and all(40000 <= b < 100000 for b in bins["valid"])
    assert bins["train"] and all(100000 <= b < 110000 for b in bins["train"])  # chr3's stretch held out of neither
    assert open_data_dir(tmp_path / "d")["valid"].n == len(beds["valid"])
