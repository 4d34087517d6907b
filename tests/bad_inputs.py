"""Malformed inputs, one per case: used by tests/test_bad_inputs.py and scripts/bad_input_table.py.

Each case: (what is wrong, command name, argument list).  Arguments are relative to a
folder made by ``make_fixtures``.
"""

from pathlib import Path

import numpy as np


def make_fixtures(d: Path) -> None:
    from scipy.io import savemat

    from dlbio.data import deepsea_mat
    from dlbio.data.sources import convert
    from dlbio.models import deepsea
    from dlbio.utils.resources import data_dir, tiny_deepsea

    tiny = tiny_deepsea()
    g = data_dir() / "genome_tiny"
    (d / "empty").mkdir()
    (d / "junk.keras").write_text("not a model")
    (d / "notes.txt").write_text("hello")
    model = deepsea.build("DanQ", 8, 200, filters=8, kernel_size=9, lstm_units=4, dense_units=8)
    model.save(d / "tiny.keras")
    deepsea.build("DanQ", 8, 300, filters=8, kernel_size=9, lstm_units=4, dense_units=8).save(d / "len300.keras")
    import keras

    x = keras.Input((200, 4))
    keras.Model(x, keras.layers.Dense(8)(keras.layers.Flatten()(x))).save(d / "noconv.keras")
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, (30, 200)).astype(np.uint8)
    lab = rng.integers(0, 2, (30, 8)).astype(np.uint8)

    def folder(name, **replace):
        f = d / name
        f.mkdir()
        for s in ("train", "valid", "test"):
            deepsea_mat.write_split(f / f"{s}.mat", s, idx, lab, "7.3" if s == "train" else "5")
        for s, fn in replace.items():
            fn(f / f"{s}.mat")
        return f

    folder("text_test", test=lambda p: p.write_text("not a mat file"))
    folder("labels2", test=lambda p: savemat(p, {"testxdata": np.zeros((3, 4, 200)), "testdata": np.full((3, 8), 2.0)}))
    folder("short", test=lambda p: deepsea_mat.write_split(p, "test", idx[:, :150], lab, "5"))
    folder("targets9", valid=lambda p: deepsea_mat.write_split(p, "valid", idx, np.zeros((30, 9), np.uint8), "5"))
    folder("nokeys", test=lambda p: savemat(p, {"foo": np.zeros(3)}))
    folder(
        "twobases",
        test=lambda p: savemat(
            p, {"testxdata": np.ones((3, 4, 200), np.uint8), "testdata": np.zeros((3, 8), np.uint8)}
        ),
    )
    (folder("names5") / "targets.tsv").write_text("a\nb\nc\nd\ne\n")
    trunc = folder("truncated")
    data = (trunc / "train.mat").read_bytes()
    (trunc / "train.mat").write_bytes(data[: len(data) // 3])
    foreign = d / "foreign"
    foreign.mkdir()
    import h5py

    with h5py.File(foreign / "train.mat", "w") as f:
        f["something"] = np.zeros(3)
    store = d / "store"
    convert(tiny, store, ("test",))
    (store / "test.dlbio" / "labels.bits").write_bytes(b"\0" * 10)
    (d / "bad_letters.fa").write_text(">x\n" + "ACGJ" * 50 + "\n")
    (d / "short.fa").write_text(">x\nACGT\n")
    (d / "empty.fa").write_text("")
    (d / "start_after_end.bed").write_text("chr1\t500\t100\n")
    (d / "not_int.bed").write_text("chr1\tten\t100\n")
    (d / "two_cols.bed").write_text("chr1\t100\n")
    (d / "other_chroms.bed").write_text("chrX\t100\t500\nchrY\t1\t50\n")
    (d / "empty.bed").write_text("")
    from dlbio.data.genome import Genome

    ref = Genome(g / "genome.fa").fetch("chr1", 99, 100)
    wrong = "A" if ref != "A" else "C"
    (d / "mismatch.vcf").write_text(f"#CHROM\tPOS\tID\tREF\tALT\nchr1\t100\tv\t{wrong}\tG\n")
    (d / "pos.vcf").write_text("#CHROM\tPOS\tID\tREF\tALT\nchr1\tabc\tv\tA\tG\n")
    (d / "cols.vcf").write_text("#CHROM\tPOS\tID\tREF\tALT\nchr1\t100\n")
    (d / "other_chrom.vcf").write_text(f"#CHROM\tPOS\tID\tREF\tALT\nchrZ\t5\tz\tA\tG\nchr1\t100\tv\t{ref}\tG\n")
    (d / "only_symbolic.vcf").write_text("#CHROM\tPOS\tID\tREF\tALT\nchr1\t100\tv\tA\t<INS>\nchr1\t200\tw\tA\t<DEL>\n")
    (d / "seq199.fa").write_text(">s\n" + "A" * 199 + "\n")
    (d / "preds.h5").write_text("not hdf5")
    from dlbio.evaluation.metrics import write_metrics_tsv

    for n in (8, 3):
        write_metrics_tsv(
            {"roc_auc": np.full(n, 0.9), "pr_auc": np.full(n, 0.5), "positives": np.full(n, 10)},
            d / f"m{n}.metrics.tsv",
        )
    with h5py.File(d / "keras02_partial.hdf5", "w") as f:  # DanQ_bestmodel.hdf5 cut after the convolution
        f["layer_0/param_0"], f["layer_0/param_1"] = np.zeros((8, 4, 9, 1), np.float32), np.zeros(8, np.float32)
    with h5py.File(d / "keras02_5letters.hdf5", "w") as f:  # a convolution over 5 letters, not 4
        f["layer_0/param_0"], f["layer_0/param_1"] = np.zeros((8, 5, 9, 1), np.float32), np.zeros(8, np.float32)
    import gzip

    (d / "genome_gzip.fa.gz").write_bytes(gzip.compress((g / "genome.fa").read_bytes()))
    packed = gzip.compress(b">s\n" + bytes(rng.choice(list(b"ACGT"), 20000).astype(np.uint8)) + b"\n")
    (d / "cut.fa.gz").write_bytes(packed[: len(packed) // 2])
    # Nothing lost: outputs over inputs, sets of two builds, damaged stores, unchecked options
    (d / "mine").mkdir()
    (d / "mine" / "notes.txt").write_text("the user's")
    (d / "prepared").mkdir()
    (d / "prepared" / "dataset.json").write_text('{"format": "dlbio-dataset", "build_id": "0"}')
    (d / "prepared" / "targets.tsv").write_text("T\n")
    (d / "sheet_inside").mkdir()
    (d / "sheet_inside" / "targets.tsv").write_text(f"CTCF\t{g / 'CTCF.narrowPeak'}\n")
    (d / "one.fa").write_text(">only\n" + "ACGT" * 10 + "\n")
    (d / "ten.fa").write_text("".join(f">r{i}\n" + "ACGT" * 10 + "\n" for i in range(10)))
    (d / "text_first.fa").write_text("ACGT\n>x\n" + "ACGT" * 50 + "\n")
    (d / "log.csv").write_text("epoch,loss,val_loss\n0,0.5,0.6\n")
    eye = np.eye(4, dtype=np.float32)
    np.savez_compressed(d / "ohe.npz", eye[rng.integers(0, 4, (5, 200))].transpose(0, 2, 1))
    np.savez_compressed(d / "attr150.npz", np.zeros((5, 4, 150), np.float32))
    np.savez_compressed(d / "attr_flat.npz", np.zeros((5, 200), np.float32))
    (d / "half.meme").write_text("MEME version 4\n\nMOTIF m1\nletter-probability matrix: alength= 4 w= 3\n0.25 0.25\n")
    (d / "some_other_chroms.bed").write_text("chr1\t1000\t1500\nchrX\t100\t500\n")
    for name in ("mixed", "names9", "codes9", "bitflip"):
        convert(tiny, d / name, ("train", "valid", "test"))
    convert(tiny, d / "other_build", ("test",))
    import shutil

    shutil.rmtree(d / "mixed" / "test.dlbio")
    shutil.copytree(d / "other_build" / "test.dlbio", d / "mixed" / "test.dlbio")
    manifest = d / "names9" / "test.dlbio" / "manifest.json"
    import json

    m = json.loads(manifest.read_text())
    m["target_names"] = m["target_names"] + ["extra"]
    manifest.write_text(json.dumps(m))
    seq = d / "codes9" / "test.dlbio" / "seq.u8"
    raw = bytearray(seq.read_bytes())
    raw[::7] = bytes([9]) * len(raw[::7])
    seq.write_bytes(bytes(raw))
    seq = d / "bitflip" / "test.dlbio" / "seq.u8"
    raw = bytearray(seq.read_bytes())
    raw[5] = (raw[5] + 1) % 4
    seq.write_bytes(bytes(raw))


def cases() -> list[tuple[str, str, list]]:
    from dlbio.utils.resources import data_dir, tiny_deepsea

    tiny = str(tiny_deepsea())
    g = data_dir() / "genome_tiny"
    gen = str(g / "genome.fa")
    holdout = ["--test-chroms", "chr3", "--valid-chroms", "chr2"]  # the tiny genome has no chr7-9
    return [
        ("motif with a letter other than 0/1", "mdet-conv1d", ["--motif", "1a1", "-e", "1"]),
        ("motif longer than the sequences", "mdet-conv1d", ["--motif", "1" * 12, "-e", "1"]),
        ("zero training strings", "mdet-conv1d", ["--n-train", "0"]),
        ("Conv1D kernel wider than the strings", "mdet-conv1d", ["--kernel-size", "11", "-e", "1"]),
        ("--load-weights is not a model file", "mdet-simplernn", ["-e", "1", "--load-weights", "junk.keras"]),
        ("--load-weights of another architecture", "mdet-conv1d", ["-e", "1", "--load-weights", "tiny.keras"]),
        ("mdisc weights file missing", "mdisc-conv1d", ["--weights", "missing.keras"]),
        ("mdisc weights file is not a model", "mdisc-conv1d", ["--weights", "junk.keras"]),
        ("mdisc window longer than the sequences", "mdisc-conv1d", ["--window", "11"]),
        (
            "mdisc-simplernn given a Conv1D model",
            "mdisc-simplernn",
            ["--weights", str(data_dir() / "mdet_conv1d.keras")],
        ),
        ("consensus threshold below 0.5", "mdisc-conv1d", ["--threshold", "0.3"]),
        ("--eval-at beyond --epochs", "vgrad-rnn", ["-e", "5", "--eval-at", "10"]),
        ("--eval-at not a list of numbers", "vgrad-rnn", ["--eval-at", "ten"]),
        ("more training strings than strings", "vgrad-rnn", ["--n-seq", "20", "--n-train", "30", "-e", "1"]),
        ("--repeats zero", "vgrad-rnn", ["--repeats", "0"]),
        ("data folder without .mat files", "danq-train", ["-d", "empty", "-e", "1"]),
        ("batch not a multiple of -g", "danq-train", ["-d", tiny, "-g", "2", "-b", "101"]),
        ("-g larger than the visible GPUs", "danq-train", ["-d", tiny, "-g", "2", "-b", "100"]),
        ("test.mat is a text file", "danq-train", ["-d", "text_test", "-e", "1"]),
        ("labels that are not 0/1", "danq-train", ["-d", "labels2", "-e", "1"]),
        ("test sequences shorter than train", "danq-train", ["-d", "short", "-e", "1"]),
        ("valid.mat with another number of targets", "danq-train", ["-d", "targets9", "-e", "1"]),
        ("targets.tsv with fewer names than targets", "danq-train", ["-d", "names5", "-e", "1"]),
        ("test.mat without the expected keys", "danq-predict", ["-d", "nokeys", "-w", "tiny.keras"]),
        ("one-hot data with several bases set", "danq-predict", ["-d", "twobases", "-w", "tiny.keras"]),
        (
            "-w weights that do not fit the model",
            "danq-train",
            [
                "-d",
                tiny,
                "-w",
                "len300.keras",
                "-e",
                "1",
                "-f",
                "8",
                "-k",
                "9",
                "--lstm-units",
                "4",
                "--dense-units",
                "8",
            ],
        ),
        ("model file is not a Keras model", "danq-predict", ["-d", tiny, "-w", "junk.keras"]),
        ("model input length differs from the data", "danq-predict", ["-d", tiny, "-w", "len300.keras"]),
        ("FASTA record of the wrong length", "danq-predict", ["-w", "tiny.keras", "--fasta", "short.fa"]),
        ("FASTA with a letter that is not DNA", "danq-predict", ["-w", "tiny.keras", "--fasta", "bad_letters.fa"]),
        ("empty FASTA file", "danq-predict", ["-w", "tiny.keras", "--fasta", "empty.fa"]),
        ("--bed without --genome", "danq-predict", ["-w", "tiny.keras", "--bed", str(g / "CTCF.narrowPeak")]),
        ("predictions file is not HDF5", "danq-visualize", ["-t", "1", "-p", "preds.h5"]),
        ("predictions file missing", "danq-visualize", ["-t", "1", "-p", "none.h5"]),
        ("filter number beyond the first layer", "danq-visualize", ["-M", "-t", "500", "-d", tiny, "-w", "tiny.keras"]),
        ("filter given as a name", "danq-visualize", ["-M", "-t", "CTCF", "-d", tiny, "-w", "tiny.keras"]),
        ("training log missing", "danq-visualize", ["-L", "none.log.csv"]),
        ("danq-import of a file that is not HDF5", "danq-import", ["notes.txt"]),
        ("danq-import of a Keras 3 model file", "danq-import", ["tiny.keras"]),
        ("danq-import of a file missing DanQ's LSTM layer", "danq-import", ["keras02_partial.hdf5"]),
        ("danq-import of a convolution over 5 letters", "danq-import", ["keras02_5letters.hdf5"]),
        ("danq-import source missing", "danq-import", ["DanQ_bestmodel.hdf5"]),
        ("danq-import output not .keras", "danq-import", ["keras02_partial.hdf5", "-o", "danq.h5"]),
        ("danq-train --fine-tune model file missing", "danq-train", ["-d", tiny, "--fine-tune", "none.keras"]),
        (
            "danq-train --fine-tune together with -w",
            "danq-train",
            ["-d", tiny, "--fine-tune", "tiny.keras", "-w", "tiny.keras"],
        ),
        (
            "danq-train --fine-tune a model of another length",
            "danq-train",
            ["-d", tiny, "--fine-tune", "len300.keras", "-e", "1"],
        ),
        ("training log is another file", "danq-visualize", ["-L", "notes.txt"]),
        ("danq-visualize without -t, -M, -L or -C", "danq-visualize", []),
        (
            "-C: two runs on different numbers of targets",
            "danq-visualize",
            ["-C", "m8.metrics.tsv", "-C", "m3.metrics.tsv"],
        ),
        ("-C: a file that is not a metrics TSV", "danq-visualize", ["-C", "notes.txt", "-C", "m8.metrics.tsv"]),
        ("-C given once", "danq-visualize", ["-C", "m8.metrics.tsv"]),
        (
            "truncated train.mat given to convert",
            "danq-convert",
            ["-d", "truncated", "-o", "out1", "--splits", "train"],
        ),
        ("foreign HDF5 file given to convert", "danq-convert", ["-d", "foreign", "-o", "out2", "--splits", "train"]),
        (
            "convert a folder of stores, not .mat files",
            "danq-convert",
            ["-d", "store", "-o", "out3", "--splits", "test"],
        ),
        ("store whose arrays do not match its manifest", "danq-predict", ["-d", "store", "-w", "tiny.keras"]),
        ("unknown JASPAR motif name", "simulate", ["-o", "sim", "--motifs", "NOT_A_TF"]),
        ("GC fraction outside 0..1", "simulate", ["-o", "sim", "--motifs", "CTCF", "--gc", "1.5"]),
        ("motifs of a model without a convolution", "motifs", ["-w", "noconv.keras", "-d", tiny]),
        ("motifs for a target that does not exist", "motifs", ["-w", "tiny.keras", "-d", tiny, "--targets", "99"]),
        ("motifs --shuffles negative", "motifs", ["-w", "tiny.keras", "-d", tiny, "--shuffles", "-1"]),
        ("motifs --influence negative", "motifs", ["-w", "tiny.keras", "-d", tiny, "--influence", "-5"]),
        (
            "motifs with too few shuffles to fit their tail",
            "motifs",
            ["-w", "tiny.keras", "-d", tiny, "--shuffles", "9"],
        ),
        (
            "BED line with start after end",
            "build-dataset",
            [*holdout, "-g", gen, "--peaks", "T=start_after_end.bed", "-o", "b"],
        ),
        (
            "BED line with a non-integer start",
            "build-dataset",
            [*holdout, "-g", gen, "--peaks", "T=not_int.bed", "-o", "b"],
        ),
        ("BED line with two columns", "build-dataset", [*holdout, "-g", gen, "--peaks", "T=two_cols.bed", "-o", "b"]),
        (
            "peaks only on chromosomes absent from the genome",
            "build-dataset",
            [*holdout, "-g", gen, "--peaks", "T=other_chroms.bed", "-o", "b"],
        ),
        ("empty peak file", "build-dataset", [*holdout, "-g", gen, "--peaks", "T=empty.bed", "-o", "b"]),
        ("--peaks without NAME=", "build-dataset", [*holdout, "-g", gen, "--peaks", "empty.bed", "-o", "b"]),
        (
            "genome compressed with gzip, not bgzip",
            "build-dataset",
            ["-g", "genome_gzip.fa.gz", "--peaks", f"T={g / 'CTCF.narrowPeak'}", "-o", "b"],
        ),
        ("truncated gzip FASTA", "danq-predict", ["-w", "tiny.keras", "--fasta", "cut.fa.gz"]),
        (
            "genome that is not a FASTA file",
            "danq-predict",
            ["-w", "tiny.keras", "--bed", str(g / "CTCF.narrowPeak"), "--genome", str(g / "CTCF.narrowPeak")],
        ),
        (
            "hold-out chromosome absent from the genome (the chr7-9 defaults)",
            "build-dataset",
            ["-g", gen, "--peaks", f"T={g / 'CTCF.narrowPeak'}", "-o", "b"],
        ),
        ("genome FASTA missing", "build-dataset", ["-g", "nothere.fa", "--peaks", "T=empty.bed", "-o", "b"]),
        ("VCF REF differs from the genome", "variants", ["--vcf", "mismatch.vcf", "-g", gen, "-w", "tiny.keras"]),
        ("VCF POS not an integer", "variants", ["--vcf", "pos.vcf", "-g", gen, "-w", "tiny.keras"]),
        ("VCF line with too few columns", "variants", ["--vcf", "cols.vcf", "-g", gen, "-w", "tiny.keras"]),
        (
            "--targets names no target of the model",
            "variants",
            ["--vcf", str(g / "variants.vcf"), "-g", gen, "-w", "tiny.keras", "-d", tiny, "--targets", "YY1"],
        ),
        ("--targets not a number and no names known", "motifs", ["-w", "tiny.keras", "-d", "empty", "--targets", "x"]),
        ("VCF with only symbolic alleles", "variants", ["--vcf", "only_symbolic.vcf", "-g", gen, "-w", "tiny.keras"]),
        (
            "mutagenesis target out of range",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "9"],
        ),
        (
            "mutagenesis sequence of the wrong length",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1"],
        ),
        (
            "mutagenesis with two targets",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "1,2"],
        ),
        (
            "mutagenesis --record and --all-records",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "1", "--record", "x", "--all-records"],
        ),
        (
            "mutagenesis --record not in the file",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1", "--record", "nope"],
        ),
        (
            "mutagenesis with --fasta and --bed",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "--bed", "empty.bed", "-t", "1"],
        ),
        (
            "mutagenesis --bed without --genome",
            "mutagenesis",
            ["-w", "tiny.keras", "--bed", str(g / "CTCF.narrowPeak"), "-t", "1"],
        ),
        (
            "mutagenesis --zoom 0",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "1", "--zoom", "0"],
        ),
        (
            "mutagenesis --positions past the sequence",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "1", "--positions", "401-1200"],
        ),
        (
            "mutagenesis --positions not FIRST-LAST",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "1", "--positions", "500"],
        ),
        (
            "mutagenesis --seqlet-p not a p-value",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", str(g / "example.fa"), "-t", "1", "--seqlets", "--seqlet-p", "2"],
        ),
        ("track region past the chromosome's end", "track", ["-w", "tiny.keras", "-g", gen, "-r", "chr2:0-200000"]),
        (
            "track region on a chromosome the genome lacks",
            "track",
            ["-w", "tiny.keras", "-g", gen, "-r", "chr9:0-5000"],
        ),
        ("track region without start-end", "track", ["-w", "tiny.keras", "-g", gen, "-r", "chr1"]),
        ("track region shorter than --step", "track", ["-w", "tiny.keras", "-g", gen, "-r", "chr1:1000-1100"]),
        ("track target the model lacks", "track", ["-w", "tiny.keras", "-g", gen, "-r", "chr1:0-5000", "-t", "9"]),
        ("track --step 0", "track", ["-w", "tiny.keras", "-g", gen, "-r", "chr1:0-5000", "--step", "0"]),
        (
            "track --peaks file missing",
            "track",
            ["-w", "tiny.keras", "-g", gen, "-r", "chr1:0-5000", "--peaks", "no.bed"],
        ),
        ("insert-motif neither DNA nor a JASPAR motif", "insert-motif", ["-w", "tiny.keras", "-m", "NOTAMOTIF"]),
        ("insert-motif word longer than the sequence", "insert-motif", ["-w", "tiny.keras", "-m", "ACGT" * 51]),
        (
            "insert-motif --position past the end",
            "insert-motif",
            ["-w", "tiny.keras", "-m", "GATAAG", "--position", "196"],
        ),
        (
            "insert-motif background of the wrong length",
            "insert-motif",
            ["-w", "tiny.keras", "-m", "GATAAG", "--background", "seq199.fa"],
        ),
        ("insert-motif --gc 1.5", "insert-motif", ["-w", "tiny.keras", "-m", "GATAAG", "--gc", "1.5"]),
        (
            "danq-predict -o the --fasta file",
            "danq-predict",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-o", "seq199.fa"],
        ),
        (
            "danq-predict -o the --genome file",
            "danq-predict",
            ["-w", "tiny.keras", "--bed", "some_other_chroms.bed", "--genome", gen, "-o", gen],
        ),
        ("variants -o the VCF", "variants", ["--vcf", "pos.vcf", "-g", gen, "-w", "tiny.keras", "-o", "pos.vcf"]),
        ("danq-visualize -o the training log", "danq-visualize", ["-L", "log.csv", "-o", "log.csv"]),
        (
            "mutagenesis -o prefix that is its FASTA",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1", "-o", "seq199.fa"],
        ),
        (
            "danq-prepare sheet inside the output folder",
            "danq-prepare",
            [*holdout, "-g", gen, "--sheet", "sheet_inside/targets.tsv", "-o", "sheet_inside"],
        ),
        ("danq-convert into its own data folder", "danq-convert", ["-d", "mixed", "-o", "mixed"]),
        (
            "danq-prepare into a folder of the user's files",
            "danq-prepare",
            [*holdout, "-g", gen, "--peaks", f"T={g / 'CTCF.narrowPeak'}", "-o", "mine", "--force"],
        ),
        (
            "danq-prepare rerun into a set without --force",
            "danq-prepare",
            [*holdout, "-g", gen, "--peaks", f"T={g / 'CTCF.narrowPeak'}", "-o", "prepared"],
        ),
        ("-o an existing folder", "variants", ["--vcf", "pos.vcf", "-g", gen, "-w", "tiny.keras", "-o", "empty"]),
        (
            "mutagenesis -o prefix an existing folder",
            "mutagenesis",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1", "-o", "empty"],
        ),
        ("splits of two builds in one set", "danq-predict", ["-d", "mixed", "-w", "tiny.keras"]),
        ("store manifest with more names than targets", "danq-predict", ["-d", "names9", "-w", "tiny.keras"]),
        (
            "store with base codes out of range (--no-verify)",
            "danq-predict",
            ["-d", "codes9", "-w", "tiny.keras", "--no-verify"],
        ),
        ("store whose bases differ from its checksum", "danq-predict", ["-d", "bitflip", "-w", "tiny.keras"]),
        ("danq-train -f 0", "danq-train", ["-d", tiny, "-f", "0"]),
        ("danq-train --lstm-units 0", "danq-train", ["-d", tiny, "--lstm-units", "0"]),
        ("danq-train --patience -1", "danq-train", ["-d", tiny, "--patience", "-1"]),
        ("danq-train -g 0", "danq-train", ["-d", tiny, "-g", "0"]),
        ("danq-train -l 0", "danq-train", ["-d", tiny, "-l", "0"]),
        (
            "--fasta-class fractions summing to 1 or more",
            "danq-prepare",
            [
                "--fasta-class",
                "a=ten.fa",
                "--fasta-class",
                "b=seq199.fa",
                "--valid-fraction",
                "0.6",
                "--test-fraction",
                "0.6",
                "-o",
                "fc1",
            ],
        ),
        (
            "--fasta-class negative fraction",
            "danq-prepare",
            ["--fasta-class", "a=ten.fa", "--valid-fraction", "-0.1", "-o", "fc2"],
        ),
        (
            "--fasta-class class of one record",
            "danq-prepare",
            ["--fasta-class", "a=ten.fa", "--fasta-class", "b=one.fa", "--length", "40", "-o", "fc3"],
        ),
        (
            "--fasta-class one file for two classes",
            "danq-prepare",
            ["--fasta-class", "a=ten.fa", "--fasta-class", "b=ten.fa", "-o", "fc4"],
        ),
        (
            "--neg-fraction above 1",
            "danq-prepare",
            [*holdout, "-g", gen, "--peaks", f"T={g / 'CTCF.narrowPeak'}", "--neg-fraction", "1.5", "-o", "b"],
        ),
        (
            "overlapping test and validation regions",
            "danq-prepare",
            [
                "-g",
                gen,
                "--peaks",
                f"T={g / 'CTCF.narrowPeak'}",
                "--test-chroms",
                "chr3:0-50000",
                "--valid-chroms",
                "chr3:40000-90000",
                "-o",
                "b",
            ],
        ),
        ("FASTA with text before the first '>'", "danq-predict", ["-w", "tiny.keras", "--fasta", "text_first.fa"]),
        (
            "--strict: a region on a chromosome the genome lacks",
            "danq-predict",
            ["-w", "tiny.keras", "--bed", "some_other_chroms.bed", "--genome", gen, "--strict"],
        ),
        (
            "--strict: a VCF record on a chromosome the genome lacks",
            "variants",
            ["--vcf", "other_chrom.vcf", "-g", gen, "-w", "tiny.keras", "--strict"],
        ),
        (
            "attribute a target that does not exist",
            "attribute",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "9"],
        ),
        (
            "attribute a target name no targets.tsv knows",
            "attribute",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "CTCF"],
        ),
        (
            "attribute sequences of the wrong length",
            "attribute",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1"],
        ),
        (
            "attribute a split of sequences of the wrong length",
            "attribute",
            ["-w", "len300.keras", "-d", tiny, "--split", "test", "-t", "1"],
        ),
        (
            "attribute with --positives but no labels",
            "attribute",
            ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1", "--positives"],
        ),
        ("attribute --steps 0", "attribute", ["-w", "tiny.keras", "--fasta", "seq199.fa", "-t", "1", "--steps", "0"]),
        ("modisco attributions shorter than the sequences", "modisco", ["-s", "ohe.npz", "-a", "attr150.npz"]),
        ("modisco attributions not (N, 4, L)", "modisco", ["-s", "ohe.npz", "-a", "attr_flat.npz"]),
        ("modisco sequences that are not an .npz", "modisco", ["-s", "notes.txt", "-a", "ohe.npz"]),
        ("modisco --report-only without results", "modisco", ["--report-only", "-o", "nothing"]),
        ("fimo a motif file cut short", "fimo", ["half.meme", "--fasta", "seq199.fa"]),
        ("fimo a motif name JASPAR lacks", "fimo", ["NOT_A_TF", "--fasta", "seq199.fa"]),
        ("fimo with no sequences", "fimo", ["CTCF"]),
    ]
