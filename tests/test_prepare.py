"""Genome + peaks -> labels bin by bin, hold-outs, N handling, BED reading, FASTA classes."""

import gzip

import numpy as np
import pytest
from genomic_helpers import write_bed

from dlbio.data import intervals, prepare
from dlbio.data.built_set import write_built
from dlbio.data.genome import Genome, chromosome_windows
from dlbio.data.sources import read_all
from dlbio.utils.errors import DlbioError


def test_labels_bin_by_bin_with_half_overlap_boundary(genome, tmp_path):
    g, _ = genome
    gen = Genome(g)
    a = intervals.read_bed(
        write_bed(
            tmp_path, "a.bed", [("chr1", 500, 600), ("chr1", 700, 801), ("chr1", 1000, 1101), ("chr1", 1050, 1150)]
        ),
        gen,
    )
    # bin 400-600: 100 bp covered = exactly half -> 0;  bin 600-800: 100 bp -> 0 (700-800);
    # bin 800-1000: 1 bp -> 0;  bin 1000-1200: merged 1000-1150 = 150 bp -> 1
    assert [p.tolist() for p in prepare.positive_bins([a], "chr1", 10, 200)] == [[5]]
    b = intervals.read_bed(write_bed(tmp_path, "b.bed", [("chr1", 399, 501)]), gen)
    assert prepare.positive_bins([a, b], "chr1", 10, 200)[1].tolist() == [2]  # 101 of 200 bp -> 1
    assert [p.tolist() for p in prepare.positive_bins([a, b], "chr2", 10, 200)] == [[], []]  # no peaks there


def test_labels_of_the_bins_peaks_touch_equal_labels_of_every_bin(genome, tmp_path):
    """positive_bins looks only at the bins a peak touches; every other bin must be 0 anyway."""
    g, _ = genome
    gen = Genome(g)
    rng = np.random.default_rng(5)
    rows = [("chr1", 1890, 2000)]  # to chr1's end (2000), past the last whole bin for sizes 150 and 7
    for _ in range(8):  # short and long peaks, some overlapping
        a = int(rng.integers(0, 1990))
        rows.append(("chr1", a, min(2000, a + int(rng.integers(1, 300)))))
    peaks = intervals.read_bed(write_bed(tmp_path, "r.bed", rows), gen)
    for bin_size in (200, 150, 7):
        starts = np.arange(0, 2000 - bin_size + 1, bin_size)
        (positive,) = prepare.positive_bins([peaks], "chr1", len(starts), bin_size)
        s, e = peaks.by_chrom["chr1"]
        every_bin = intervals.overlap_per_bin(s, e, starts, bin_size) * 2 > bin_size
        assert positive.tolist() == np.flatnonzero(every_bin).tolist(), bin_size
        assert 0 < len(positive) < len(starts)


def test_packed_labels_are_the_label_matrix_packbits_packs():
    rng = np.random.default_rng(2)
    for n_targets in (1, 8, 11, 919):
        labels = (rng.random((40, n_targets)) < 0.2).astype(np.uint8)  # (bins, targets)
        positive = [np.flatnonzero(labels[:, j]) for j in range(n_targets)]
        rows = np.sort(rng.choice(40, 25, replace=False))
        assert np.array_equal(prepare.packed_labels(positive, rows), np.packbits(labels[rows], axis=1)), n_targets


def test_build_holdouts_and_n_windows(genome, tmp_path):
    g, seqs = genome
    peaks = write_bed(
        tmp_path,
        "p.bed",
        [("chr1", 600, 800), ("chr1", 1400, 1600), ("chr2", 600, 800), ("chr3", 400, 600), ("chr1", 0, 200)],
    )
    built = prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",))
    assert built.bins("train") == [("chr1", 600)]  # 0-200 runs off the start; 1400 is all N
    assert built.bins("valid") == [("chr2", 600)] and built.bins("test") == [("chr3", 400)]
    idx, lab = read_all(built.splits["train"])
    from dlbio.data.encoding import decode

    assert decode(idx[0]) == seqs["chr1"][400:1000] and lab.tolist() == [[1]]
    assert built.notes["window runs off the chromosome, skipped"] == 1
    assert built.notes["window with more than 10% N, skipped"] == 1
    region = prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr1:0-700",))
    assert region.bins("valid") == [("chr1", 600)] and region.bins("train") == [("chr2", 600)]
    with pytest.raises(DlbioError, match="chr1:9-x"):
        prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr1:9-x",))
    # a chromosome the genome lacks (a typo, or the chr7-9 defaults on another genome): said before any work
    with pytest.raises(
        DlbioError, match=r"^--test-chroms chr8: not a chromosome of .*g\.fa \(it has chr1, chr2, chr3\)$"
    ):
        prepare.build(g, {"T": tmp_path / "not read.bed"}, length=600, valid_chroms=("chr2",))
    with pytest.raises(DlbioError, match=r"^--valid-chroms chrX: not a chromosome"):
        prepare.build(g, {"T": peaks}, length=600, test_chroms=("3",), valid_chroms=("chrX:1-5",))
    rc = prepare.build(
        g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",), reverse_complement_copies=True
    )
    assert rc.splits["train"].n == 2 and rc.bins("train") == [("chr1", 600)]


def test_a_letter_that_is_not_dna_is_an_error_only_inside_a_window(genome, tmp_path):
    g, seqs = genome
    peaks = write_bed(tmp_path, "p.bed", [("chr1", 600, 800), ("chr3", 400, 600)])
    text = g.read_text()
    # chr1's window of the 600-800 bin is 400-1000 (length 600); position 1900 is in no window
    g.write_text(text.replace(seqs["chr1"], seqs["chr1"][:1900] + "X" + seqs["chr1"][1901:]))
    built = prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",))
    assert built.bins("train") == [("chr1", 600)]
    g.write_text(text.replace(seqs["chr1"], seqs["chr1"][:450] + "X" + seqs["chr1"][451:]))
    with pytest.raises(DlbioError, match=r"g\.fa:chr1:400-1000: letter 'X' at position 51 is not DNA"):
        prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",))


def test_windows_bed_gives_each_stored_row_its_place_in_the_genome(genome, tmp_path):
    from dlbio.data import deepsea_mat
    from dlbio.data.encoding import encode, reverse_complement
    from dlbio.data.store import StoreSet

    g, seqs = genome
    peaks = write_bed(
        tmp_path, "p.bed", [("chr1", 600, 800), ("chr1", 800, 1000), ("chr2", 600, 800), ("chr3", 400, 600)]
    )
    built = prepare.build(
        g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",), reverse_complement_copies=True
    )
    write_built(built, tmp_path / "out", mat=True)
    for split in ("train", "valid", "test"):
        lines = [line.split("\t") for line in (tmp_path / "out" / f"{split}.windows.bed").read_text().splitlines()]
        rows, labels = StoreSet(tmp_path / "out" / f"{split}.dlbio").read(0, 10**6)
        # --mat: train.mat (v7.3) and valid/test.mat (v5, written a block at a time) hold the store's rows
        mat = deepsea_mat.MatSet(tmp_path / "out" / f"{split}.mat", split)
        assert mat.layout == ("v7.3" if split == "train" else "v5")
        assert all(np.array_equal(a, b) for a, b in zip(mat.read(0, 10**6), (rows, labels)))
        assert len(lines) == len(rows) and len(rows) % 2 == 0
        for (chrom, start, end, name, _, strand), row in zip(lines, rows):
            window = encode(seqs[chrom][int(start) : int(end)])
            assert np.array_equal(row, window if strand == "+" else reverse_complement(window))
            bin_start = int(start) + 200  # (600 - 200) / 2 on each side
            assert name == f"{chrom}:{bin_start}-{bin_start + 200}"
        assert [line[5] for line in lines] == ["+"] * (len(rows) // 2) + ["-"] * (len(rows) // 2)
    assert [
        line[:3]
        for line in (line.split("\t") for line in (tmp_path / "out" / "train.windows.bed").read_text().splitlines())
    ][:2] == [["chr1", "400", "1000"], ["chr1", "600", "1200"]]


def test_bed_behaviours(genome, tmp_path):
    g, _ = genome
    gen = Genome(g)
    iv = intervals.read_bed(
        write_bed(
            tmp_path,
            "x.bed",
            [("track name=x",), ("chr2", 10, 20), ("1", 5, 8), ("chrUn", 1, 5), ("chr3", 1100, 1500), ("chr2", 30, 30)],
        ),
        gen,
    )
    assert iv.by_chrom["chr3"][1].tolist() == [1200]  # clipped at the end
    assert iv.by_chrom["chr1"][0].tolist() == [5]  # '1' matched to 'chr1'
    assert iv.notes["chromosome not in genome, skipped"] == 1
    assert iv.notes["past chromosome end, clipped"] == 1 and iv.notes["empty interval skipped"] == 1
    assert iv.notes["unsorted (sorted in memory)"] == 1
    for rows, msg in [
        ([("chr1", "a", 5)], "not integers"),
        ([("chr1", 9, 5)], "after end"),
        ([("chr1", 5)], "expected chrom"),
        ([("chr1", -1, 5)], "negative"),
    ]:
        with pytest.raises(DlbioError, match=msg):
            intervals.read_bed(write_bed(tmp_path, "bad.bed", rows), gen)
    (tmp_path / "empty.bed").write_text("")
    with pytest.raises(DlbioError, match="no intervals"):
        intervals.read_bed(tmp_path / "empty.bed", gen)


def test_region_centres_narrowpeak_summit_else_midpoint(genome, tmp_path):
    g, _ = genome
    rows = [
        ("chr1", 100, 400, "np", 0, ".", 5.0, 3.0, 2.0, 250),  # narrowPeak: summit 350
        ("chr1", 100, 400, "nosummit", 0, ".", 5.0, 3.0, 2.0, -1),  # summit not called
        ("chr2", 100, 200, "outside", 0, ".", 5.0, 3.0, 2.0, 500),  # summit past the end
        ("chr2", 100, 400, "bed12", 0, "+", 100, 400, "0", 2, "10,10", "0,290"),  # column 10 = blocks
        ("chr3", 10, 21),
    ]
    iv = intervals.read_bed(write_bed(tmp_path, "p.bed", rows), Genome(g), keep_names=True)
    assert [(n, c) for *_, n, c in iv.names] == [
        ("np", 350),
        ("nosummit", 250),
        ("outside", 150),
        ("bed12", 250),
        ("chr3:10-21", 15),
    ]


def test_fasta_classes_pad_crop_and_label(run_cli, tmp_path):
    from dlbio.cli.prepare import build_dataset
    from dlbio.data.encoding import decode
    from dlbio.data.sources import open_data_dir

    bound = {f"b{i}": "ACGT" * (5 + i) for i in range(10)}  # 20..56 bp
    (tmp_path / "bound.fa").write_text("".join(f">{k}\n{v}\n" for k, v in bound.items()))
    (tmp_path / "unbound.fa.gz").write_bytes(gzip.compress(b"".join(b">u%d\n%s\n" % (i, b"T" * 40) for i in range(10))))
    res = run_cli(
        build_dataset,
        [
            "--fasta-class",
            "bound=bound.fa",
            "--fasta-class",
            "unbound=unbound.fa.gz",
            "--length",
            40,
            "--valid-fraction",
            0.2,
            "--test-fraction",
            0.2,
            "-o",
            "fa",
            "-q",
        ],
    )
    assert "note: padded with N: 5" in res.output and "note: centre-cropped: 4" in res.output
    sets = open_data_dir(tmp_path / "fa", splits=("train", "valid", "test"))
    seqs, labels = zip(*(sets[s].read(0, sets[s].n) for s in ("train", "valid", "test")))
    seqs, labels = [decode(x) for x in np.concatenate(seqs)], np.concatenate(labels)
    assert len(seqs) == 20 and [len(sets[s].read(0, sets[s].n)[0]) for s in ("train", "valid", "test")] == [12, 4, 4]
    pad = [(10 - 2 * i, "ACGT" * (5 + i)) for i in range(5)]  # b0..b4: N around them
    want = ["N" * n + q + "N" * n for n, q in pad] + ["ACGT" * 10]  # b5: as is
    want += [("ACGT" * (5 + i))[2 * i - 10 : 2 * i + 30] for i in range(6, 10)]  # b6..b9: centre 40 bp
    assert sorted(q for q, lab in zip(seqs, labels) if lab.tolist() == [1, 0]) == sorted(want)
    assert sum(lab.tolist() == [0, 1] and q == "T" * 40 for q, lab in zip(seqs, labels)) == 10
    # <split>.records.tsv: each row's class and FASTA id, in row order
    records = [
        r.split("\t")
        for s in ("train", "valid", "test")
        for r in (tmp_path / "fa" / f"{s}.records.tsv").read_text().splitlines()[1:]
    ]
    assert sorted(rid for _, rid in records) == sorted([*bound, *(f"u{i}" for i in range(10))])
    for (cls, rid), q, lab in zip(records, seqs, labels):
        assert cls == ("bound" if lab.tolist() == [1, 0] else "unbound") and cls[0] == rid[0]
        if rid == "b5":
            assert q == "ACGT" * 10


def test_split_rows_read_any_range_as_the_joined_rows_and_their_reverse_complements():
    from dlbio.data.encoding import reverse_complement
    from dlbio.data.split_rows import SplitRows

    rng = np.random.default_rng(4)
    for rc in (False, True):
        rows = SplitRows(length=9, n_targets=11, reverse_complement_copies=rc)
        idx, lab = [], []
        for k, size in enumerate((5, 1, 0, 17, 3)):
            x = rng.integers(0, 5, (size, 9)).astype(np.uint8)
            y = (rng.random((size, 11)) < 0.3).astype(np.uint8)
            rows.add(f"chr{k}", np.arange(size) * 200, x, np.packbits(y, axis=1))
            idx.append(x)
            lab.append(y)
        idx, lab = np.concatenate(idx), np.concatenate(lab)
        if rc:
            idx, lab = np.concatenate([idx, reverse_complement(idx)]), np.concatenate([lab, lab])
        assert rows.n == len(idx) == 26 * (2 if rc else 1)
        for start, stop in [(0, rows.n), (0, 10**6), (4, 6), (6, 6), (5, 23), (25, 30), (30, 52), (-3, 2)]:
            got_x, got_y = rows.read(start, stop)
            assert np.array_equal(got_x, idx[max(start, 0) : stop]) and np.array_equal(got_y, lab[max(start, 0) : stop])
        assert np.array_equal(rows.positives(), lab.sum(axis=0))
        assert [c for c, _ in rows.coords()] == ["chr0", "chr1", "chr2", "chr3", "chr4"]


def test_the_not_dna_error_names_the_first_window_and_letter_a_scan_of_the_windows_finds(tmp_path):
    rng = np.random.default_rng(8)
    for trial in range(30):
        seq = "".join(rng.choice(list("ACGTN"), 300))
        for p in rng.choice(300, int(rng.integers(0, 4)), replace=False):
            seq = seq[:p] + "X" + seq[p + 1 :]
        (tmp_path / f"g{trial}.fa").write_text(f">c\n{seq}\n")
        gen = Genome(tmp_path / f"g{trial}.fa")
        starts = np.sort(rng.choice(300 - 50 + 1, int(rng.integers(0, 8)), replace=False))
        scan = [(w, w + seq[w : w + 50].index("X")) for w in starts if "X" in seq[w : w + 50]]
        if scan:
            w, p = scan[0]
            with pytest.raises(DlbioError, match=rf":c:{w}-{w + 50}: letter 'X' at position {p - w + 1} is not"):
                chromosome_windows(gen, "c", starts, 50)
        else:
            windows = chromosome_windows(gen, "c", starts, 50)
            assert windows.shape == (len(starts), 50)
