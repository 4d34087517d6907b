"""Genome + peaks -> labels bin by bin, hold-outs, N handling, VCF checks, variant effects, ISM."""

import gzip

import keras
import numpy as np
import pytest

from dlbio.data import intervals, prepare
from dlbio.data.genome import Genome
from dlbio.errors import DlbioError
from dlbio.variants import read_vcf

CHR = {"chr1": 2000, "chr2": 1200, "chr3": 1200}


@pytest.fixture
def genome(tmp_path):
    rng = np.random.default_rng(0)
    seqs = {c: "".join(rng.choice(list("ACGT"), n)) for c, n in CHR.items()}
    s = list(seqs["chr1"])
    s[1400:1600] = "N" * 200  # a gap on chr1
    seqs["chr1"] = "".join(s)
    path = tmp_path / "g.fa"
    path.write_text("".join(f">{c}\n{s}\n" for c, s in seqs.items()))
    return path, seqs


def _bed(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
    return p


def test_labels_bin_by_bin_with_half_overlap_boundary(genome, tmp_path):
    g, _ = genome
    gen = Genome(g)
    a = intervals.read_bed(_bed(tmp_path, "a.bed", [("chr1", 500, 600), ("chr1", 700, 801),
                                                    ("chr1", 1000, 1101), ("chr1", 1050, 1150)]), gen)
    starts, labels = prepare.label_bins(gen, [a], "chr1", 200)
    assert starts.tolist() == list(range(0, 2000, 200))
    # bin 400-600: 100 bp covered = exactly half -> 0;  bin 600-800: 100 bp -> 0 (700-800);
    # bin 800-1000: 1 bp -> 0;  bin 1000-1200: merged 1000-1150 = 150 bp -> 1
    assert labels[:, 0].tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    b = intervals.read_bed(_bed(tmp_path, "b.bed", [("chr1", 399, 501)]), gen)
    assert prepare.label_bins(gen, [b], "chr1", 200)[1][2, 0] == 1  # 101 of 200 bp -> 1


def test_build_holdouts_and_n_windows(genome, tmp_path):
    g, seqs = genome
    peaks = _bed(tmp_path, "p.bed", [("chr1", 600, 800), ("chr1", 1400, 1600), ("chr2", 600, 800),
                                     ("chr3", 400, 600), ("chr1", 0, 200)])
    built = prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",))
    assert built.coords["train"] == [("chr1", 600)]      # 0-200 runs off the start; 1400 is all N
    assert built.coords["valid"] == [("chr2", 600)] and built.coords["test"] == [("chr3", 400)]
    idx, lab = built.splits["train"]
    from dlbio.data.encoding import decode

    assert decode(idx[0]) == seqs["chr1"][400:1000] and lab.tolist() == [[1]]
    assert built.notes["window runs off the chromosome, skipped"] == 1
    assert built.notes["window with more than 10% N, skipped"] == 1
    region = prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr1:0-700",))
    assert region.coords["valid"] == [("chr1", 600)] and region.coords["train"] == [("chr2", 600)]
    with pytest.raises(DlbioError, match="chr1:9-x"):
        prepare.build(g, {"T": peaks}, length=600, valid_chroms=("chr1:9-x",))
    rc = prepare.build(g, {"T": peaks}, length=600, test_chroms=("chr3",), valid_chroms=("chr2",),
                       reverse_complement_copies=True)
    assert len(rc.splits["train"][0]) == 2


def test_bed_behaviours(genome, tmp_path):
    g, _ = genome
    gen = Genome(g)
    iv = intervals.read_bed(_bed(tmp_path, "x.bed", [("track name=x",), ("chr2", 10, 20), ("1", 5, 8),
                                                     ("chrUn", 1, 5), ("chr3", 1100, 1500), ("chr2", 30, 30)]), gen)
    assert iv.by_chrom["chr3"][1].tolist() == [1200]               # clipped at the end
    assert iv.by_chrom["chr1"][0].tolist() == [5]                  # '1' matched to 'chr1'
    assert iv.notes["chromosome not in genome, skipped"] == 1
    assert iv.notes["past chromosome end, clipped"] == 1 and iv.notes["empty interval skipped"] == 1
    assert iv.notes["unsorted (sorted in memory)"] == 1
    for rows, msg in [([("chr1", "a", 5)], "not integers"), ([("chr1", 9, 5)], "after end"),
                      ([("chr1", 5)], "expected chrom"), ([("chr1", -1, 5)], "negative")]:
        with pytest.raises(DlbioError, match=msg):
            intervals.read_bed(_bed(tmp_path, "bad.bed", rows), gen)
    (tmp_path / "empty.bed").write_text("")
    with pytest.raises(DlbioError, match="no intervals"):
        intervals.read_bed(tmp_path / "empty.bed", gen)


def test_region_centres_narrowpeak_summit_else_midpoint(genome, tmp_path):
    g, _ = genome
    rows = [("chr1", 100, 400, "np", 0, ".", 5.0, 3.0, 2.0, 250),       # narrowPeak: summit 350
            ("chr1", 100, 400, "nosummit", 0, ".", 5.0, 3.0, 2.0, -1),   # summit not called
            ("chr2", 100, 200, "outside", 0, ".", 5.0, 3.0, 2.0, 500),   # summit past the end
            ("chr2", 100, 400, "bed12", 0, "+", 100, 400, "0", 2, "10,10", "0,290"),  # column 10 = blocks
            ("chr3", 10, 21)]
    iv = intervals.read_bed(_bed(tmp_path, "p.bed", rows), Genome(g), keep_names=True)
    assert [(n, c) for *_, n, c in iv.names] == [("np", 350), ("nosummit", 250), ("outside", 150),
                                                 ("bed12", 250), ("chr3:10-21", 15)]


def test_fasta_classes_pad_crop_and_label(run_cli, tmp_path):
    from dlbio.cli.genomics import build_dataset
    from dlbio.data.encoding import decode
    from dlbio.data.sources import open_data_dir

    bound = {f"b{i}": "ACGT" * (5 + i) for i in range(10)}        # 20..56 bp
    (tmp_path / "bound.fa").write_text("".join(f">{k}\n{v}\n" for k, v in bound.items()))
    (tmp_path / "unbound.fa.gz").write_bytes(gzip.compress(b"".join(b">u%d\n%s\n" % (i, b"T" * 40) for i in range(10))))
    res = run_cli(build_dataset, ["--fasta-class", "bound=bound.fa", "--fasta-class", "unbound=unbound.fa.gz",
                                  "--length", 40, "--valid-fraction", 0.2, "--test-fraction", 0.2, "-o", "fa", "-q"])
    assert "note: padded with N: 5" in res.output and "note: centre-cropped: 4" in res.output
    sets = open_data_dir(tmp_path / "fa", splits=("train", "valid", "test"))
    seqs, labels = zip(*(sets[s].read(0, sets[s].n) for s in ("train", "valid", "test")))
    seqs, labels = [decode(x) for x in np.concatenate(seqs)], np.concatenate(labels)
    assert len(seqs) == 20 and [len(sets[s].read(0, sets[s].n)[0]) for s in ("train", "valid", "test")] == [12, 4, 4]
    pad = [(10 - 2 * i, "ACGT" * (5 + i)) for i in range(5)]                 # b0..b4: N around them
    want = ["N" * n + q + "N" * n for n, q in pad] + ["ACGT" * 10]            # b5: as is
    want += [("ACGT" * (5 + i))[2 * i - 10:2 * i + 30] for i in range(6, 10)]  # b6..b9: centre 40 bp
    assert sorted(q for q, lab in zip(seqs, labels) if lab.tolist() == [1, 0]) == sorted(want)
    assert sum(lab.tolist() == [0, 1] and q == "T" * 40 for q, lab in zip(seqs, labels)) == 10


def _vcf(tmp_path, rows, gz=False):
    text = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    p = tmp_path / ("v.vcf.gz" if gz else "v.vcf")
    if gz:
        with gzip.open(p, "wt") as fh:
            fh.write(text)
    else:
        p.write_text(text)
    return p


def test_vcf_ref_check_styles_and_skips(genome, tmp_path):
    g, seqs = genome
    gen = Genome(g)
    base = seqs["chr2"][99]
    other = "A" if base != "A" else "C"
    two = seqs["chr2"][49:51]
    rows = [("2", 100, "a", base, other), ("chr2", 100, "b", base, f"{other},T"), ("chr2", 50, "del", two, two[0]),
            ("chr2", 60, "sym", "A", "<DEL>"), ("chrZ", 5, "z", "A", "C"), ("chr2", 50, "same", two, two)]
    variants, notes = read_vcf(_vcf(tmp_path, rows, gz=True), gen)
    assert [v.id for v in variants] == ["a", "b", "b", "del"] and variants[0].chrom == "chr2"
    assert notes["indel or MNP (windows centred on each allele)"] == 1 and notes["symbolic allele, skipped"] == 1
    assert notes["ALT equal to REF, skipped"] == 1
    three = seqs["chr2"][49:52]
    wrong3 = three[:2] + ("A" if three[2] != "A" else "C")                       # every REF base is checked
    with pytest.raises(DlbioError, match=f"line 3: REF {wrong3} does not match the genome \\({three}\\)"):
        read_vcf(_vcf(tmp_path, [("chr2", 50, "x", wrong3, "A")]), gen)
    assert notes["chromosome not in genome, skipped"] == 1
    assert notes["chromosome renamed to the genome's style (chr1)"] == 1
    wrong = other
    bad = _vcf(tmp_path, [("chr2", 100, "w", wrong, base)])
    with pytest.raises(DlbioError, match=f"line 3: REF {wrong} does not match the genome \\({base}\\) at chr2:100"):
        read_vcf(bad, gen)
    kept, notes = read_vcf(bad, gen, skip_mismatch=True)
    assert kept == [] and notes["REF mismatch, skipped"] == 1


def _motif_model(length=60):
    """Target 0 fires on 'GATAAG' (either strand via a second filter), target 1 on 'CCCCCC'."""
    x = keras.Input((length, 4))
    conv = keras.layers.Conv1D(3, 6, activation="relu", name="motif_conv")
    h = keras.layers.GlobalMaxPooling1D()(conv(x))
    dense = keras.layers.Dense(2, activation="sigmoid")
    model = keras.Model(x, dense(h))
    k = np.full((6, 4, 3), -1.0, np.float32)
    for f, word in enumerate(["GATAAG", "CTTATC", "CCCCCC"]):
        for p, b in enumerate(word):
            k[p, "AGCT".index(b), f] = 1.0
    conv.set_weights([k, np.full(3, -5.0, np.float32)])
    w = np.zeros((3, 2), np.float32)
    w[0, 0] = w[1, 0] = 8.0
    w[2, 1] = 8.0
    dense.set_weights([w, np.array([-4.0, -4.0], np.float32)])
    return model


def test_variant_destroying_a_planted_motif(tmp_path, capsys):
    from dlbio.variants import score_variants

    rng = np.random.default_rng(1)
    s = list("".join(rng.choice(list("AT"), 300)))
    s[100:106] = "GATAAG"      # motif of target 0
    s[200:206] = "CCCCCC"      # motif of target 1
    (tmp_path / "g.fa").write_text(">chr1\n" + "".join(s) + "\n")
    gen = Genome(tmp_path / "g.fa")
    vcf = _vcf(tmp_path, [("chr1", 103, "hit", "T", "C"), ("chr1", 150, "miss", s[149], "G")])
    variants, _ = read_vcf(vcf, gen)
    model = _motif_model()
    ref, alt = score_variants(model, gen, variants)
    assert ref[0, 0] > 0.95 and alt[0, 0] < 0.05            # the motif is destroyed
    assert abs(alt[0, 1] - ref[0, 1]) < 1e-6                  # the other target does not move
    assert np.allclose(ref[1], alt[1], atol=1e-6)             # a variant away from motifs changes nothing
    ref2, alt2 = score_variants(model, gen, variants, both_strands=True)
    assert ref2[0, 0] > 0.95 and alt2[0, 0] < 0.05
    # ref and alt windows share one pass and one bar: batch boundaries must not mix them up
    ref3, alt3 = score_variants(model, gen, variants, batch_size=1, progress=True)
    assert np.array_equal(ref3, ref) and np.array_equal(alt3, alt)
    assert "4/4" in capsys.readouterr().err


def test_indels_shift_the_flanks_as_in_the_edited_genome(tmp_path):
    from dlbio.data.encoding import BASES
    from dlbio.variants import score_variants, variant_windows

    rng = np.random.default_rng(2)
    s = "".join(rng.choice(list("AT"), 300))
    s = s[:100] + "GATAAG" + s[106:]
    (tmp_path / "g.fa").write_text(">chr1\n" + s + "\n")
    gen = Genome(tmp_path / "g.fa")
    rows = [("chr1", 102, "del", s[101:104], s[101]),                 # deletes the motif's 'TA'
            ("chr1", 200, "ins", s[199], s[199] + "GATAAG"),           # inserts a motif
            ("chr1", 150, "mnp", s[149:151], "GC" if s[149:151] != "GC" else "CG")]
    variants, notes = read_vcf(_vcf(tmp_path, rows), gen)
    assert notes["indel or MNP (windows centred on each allele)"] == 3
    ref, alt = variant_windows(gen, variants, 60)
    text = ["".join(BASES[i] for i in w) for w in (*ref, *alt)]
    deleted = s[:102] + s[104:]
    inserted = s[:200] + "GATAAG" + s[200:]
    # each allele's middle base at position 30: REF 'ATA' -> s[102]; ALT 'A' -> s[101]; ALT of 7 -> its 4th base
    assert text[0] == s[72:132] and text[3] == deleted[71:131]
    assert text[1] == s[169:229] and text[4] == inserted[172:232]
    assert text[2] == s[120:180] and text[5] == (s[:149] + rows[2][4] + s[151:])[120:180]
    ref_p, alt_p = score_variants(_motif_model(), gen, variants)
    assert ref_p[0, 0] > 0.95 and alt_p[0, 0] < 0.05                  # the deletion destroys the motif
    assert ref_p[1, 0] < 0.05 and alt_p[1, 0] > 0.95                  # the insertion creates one
    # an allele longer than the window: its middle 60 bases
    long_alt = s[199] + "".join(rng.choice(list("ACGT"), 100))
    [v] = read_vcf(_vcf(tmp_path, [("chr1", 200, "long", s[199], long_alt)]), gen)[0]
    assert "".join(BASES[i] for i in variant_windows(gen, [v], 60)[1][0]) == long_alt[20:80]


def test_vcf_scores_in_chunks_to_tsv_or_hdf5_for_chosen_targets(tmp_path):
    import h5py

    from dlbio.targets import parse_targets
    from dlbio.workflows.genomics import score_vcf

    rng = np.random.default_rng(1)
    s = "".join(rng.choice(list("ACGT"), 400))
    (tmp_path / "g.fa").write_text(">chr1\n" + s + "\n")
    vcf = _vcf(tmp_path, [("chr1", p, f"v{p}", s[p - 1], "A" if s[p - 1] != "A" else "C") for p in range(90, 190, 10)])
    model = _motif_model()
    names = ["GATA", "POLYC"]
    whole = score_vcf(model, vcf, tmp_path / "g.fa", tmp_path / "all.tsv", names)
    rows = [r.split("\t") for r in (tmp_path / "all.tsv").read_text().splitlines()]
    assert whole["n"] == 10 and len(rows) == 1 + 10 * 2 and rows[1][5] == "GATA" and rows[2][5] == "POLYC"
    # 3 variants a chunk, one target chosen by name: the same numbers, only its rows
    score_vcf(model, vcf, tmp_path / "g.fa", tmp_path / "c.tsv", names, targets=parse_targets("POLYC", 2, names),
              chunk=3)
    assert (tmp_path / "c.tsv").read_text().splitlines() == ["\t".join(r) for r in rows if r[5] != "GATA"]
    score_vcf(model, vcf, tmp_path / "g.fa", tmp_path / "e.h5", names, chunk=4)
    with h5py.File(tmp_path / "e.h5") as f:
        assert f["ref_prob"].shape == (10, 2) and f["pos"][:].tolist() == list(range(90, 190, 10))
        assert [n.decode() for n in f.attrs["target_names"]] == names and f["id"][0] == b"v90"
        tsv = np.array([[float(r[6]), float(r[7])] for r in rows[1:]]).reshape(10, 2, 2)
        assert np.allclose(f["ref_prob"][:], tsv[:, :, 0], atol=1e-5)
        assert np.allclose(f["alt_prob"][:], tsv[:, :, 1], atol=1e-5)
    # the summary: per variant, the largest |diff| of its rows (the same in chunks of 3 and 4)
    summary = [r.split("\t") for r in (tmp_path / "all.summary.tsv").read_text().splitlines()]
    assert summary[0][5:] == ["max_abs_diff", "target", "diff", "max_abs_log_odds_diff", "log_odds_target",
                              "log_odds_diff"] and len(summary) == 11
    for k, row in enumerate(summary[1:]):
        mine = rows[1 + 2 * k: 3 + 2 * k]
        top = max(mine, key=lambda r: abs(float(r[8])))
        assert row[:5] == mine[0][:5] and row[6:8] == [top[5], top[8]]
    assert (tmp_path / "e.summary.tsv").read_text() == (tmp_path / "all.summary.tsv").read_text()


def test_variant_summary_ranks_the_motif_breakers(tmp_path):
    from dlbio.workflows.genomics import score_vcf

    rng = np.random.default_rng(1)
    s = list("".join(rng.choice(list("AT"), 300)))
    s[100:106], s[200:206] = "GATAAG", "CCCCCC"
    s = "".join(s)
    (tmp_path / "g.fa").write_text(">chr1\n" + s + "\n")
    vcf = _vcf(tmp_path, [("chr1", 150, "quiet", s[149], "G"), ("chr1", 203, "polyc", "C", "T"),
                          ("chr1", 103, "gata", "T", "C")])
    res = score_vcf(_motif_model(), vcf, tmp_path / "g.fa", tmp_path / "v.tsv", ["GATA", "POLYC"], top=2)
    # the two motif breakers first, each on its own target; the quiet one left out of the top 2
    assert {(v.id, name) for v, name, _ in res["strongest"]} == {("gata", "GATA"), ("polyc", "POLYC")}
    assert all(d < -0.9 for *_, d in res["strongest"])
    rows = {r.split("\t")[2]: r.split("\t") for r in res["summary"].read_text().splitlines()[1:]}
    assert rows["gata"][6] == "GATA" and float(rows["gata"][8]) > 4            # log-odds: a big change
    assert float(rows["quiet"][5]) < 1e-5 and rows["polyc"][9] == "POLYC"


def test_parse_targets():
    from dlbio.targets import parse_targets

    names = ["CTCF_MA0139.2", "GATA1_MA0035.5", "CTCF_other"]
    assert parse_targets(None, 3) is None and parse_targets("3,1,3", 3) == [3, 1]
    assert parse_targets("GATA1", 3, names) == [2] and parse_targets("CTCF_other", 3, names) == [3]
    for spec, msg in [("4", "not a target number"), ("0", "not a target number"), ("CTCF", "names several"),
                      ("SOX2", "not a target name"), ("1,,2", "empty item")]:
        with pytest.raises(DlbioError, match=msg):
            parse_targets(spec, 3, names)
    with pytest.raises(DlbioError, match="names are unknown"):
        parse_targets("GATA1", 3)


def test_mutagenesis_finds_the_motif():
    from dlbio.data.encoding import encode, index_to_onehot
    from dlbio.ism import importance, saturation_mutagenesis, zoom_window

    seq = "A" * 20 + "GATAAG" + "T" * 34
    idx = encode(seq)
    eff = saturation_mutagenesis(_motif_model(), idx, target=0)
    assert eff.shape == (60, 4)
    assert np.all(eff[20:26].min(axis=1) < -0.9)               # every motif base matters
    assert np.abs(eff[:18]).max() < 1e-3 and np.abs(eff[28:]).max() < 1e-3
    assert eff[20, 3] < -0.9 and eff[20, 2] == 0.0             # G->T hurts; G->G is no change
    imp = importance(eff, idx)
    # the mean over the 3 substitutions, not over 4 columns with the reference's 0
    np.testing.assert_allclose(imp[20], -(eff[20, 0] + eff[20, 1] + eff[20, 3]) / 3, rtol=1e-6)
    assert np.all(imp[20:26] > 0.9) and np.abs(imp[:18]).max() < 1e-3
    start, stop = zoom_window(imp, 10)
    assert stop - start == 10 and start <= 20 and stop >= 26   # the zoom holds the motif
    assert zoom_window(imp, 500) == (0, 60)                   # never wider than the sequence
    assert zoom_window(np.r_[5.0, np.zeros(59)], 10) == (0, 10)  # and never before its start
    assert zoom_window(np.r_[np.zeros(59), -5.0], 10) == (50, 60)
    assert zoom_window(np.zeros(60), 10) == (25, 35)             # nothing to show: the middle
    # log-odds: logit(mutant) - logit(reference), checked against the model's own predictions
    lo = saturation_mutagenesis(_motif_model(), idx, target=0, log_odds=True)
    mutant = seq[:20] + "T" + seq[21:]
    p_ref, p_mut = (float(_motif_model().predict(index_to_onehot(encode(s))[None], verbose=0)[0, 0]) for s in (seq, mutant))
    np.testing.assert_allclose(lo[20, 3], np.log(p_mut / (1 - p_mut)) - np.log(p_ref / (1 - p_ref)), rtol=1e-4)
    assert lo[20, 2] == 0.0 and np.abs(lo[:18]).max() < 1e-3


def test_mutagenesis_figure_and_table(tmp_path):
    import matplotlib.image

    from dlbio.workflows.genomics import mutagenesis

    seq = "A" * 30 + "GATAAG" + "NT" * 12
    (tmp_path / "one.fa").write_text(">other\n" + "C" * 60 + "\n>s\n" + seq + "\n")
    [res] = mutagenesis(_motif_model(), tmp_path / "one.fa", ["s"], 1, tmp_path / "ism", names=["GATA", "POLYC"],
                        zoom=20)
    assert res["id"] == "s" and res["target_name"] == "GATA" and res["tsv"] == tmp_path / "ism.tsv"
    assert res["zoom"] == (24, 43)                             # 1-based, centred on the motif
    assert res["strongest"][0] in range(31, 37) and res["strongest"][3] < -0.9
    rows = [r.split("\t") for r in (tmp_path / "ism.tsv").read_text().splitlines()]
    assert rows[0] == ["position", "ref", "A", "C", "G", "T", "importance"] and len(rows) == 61
    assert rows[31][:2] == ["31", "G"] and float(rows[31][4]) == 0.0 and float(rows[31][6]) > 0.9
    assert rows[37][1] == "N" and float(rows[37][6]) == 0.0    # an N: every base is a substitution
    image = matplotlib.image.imread(tmp_path / "ism.png")
    assert image.ndim == 3 and image.shape[0] > 600 and image.shape[1] > 900


def test_mutagenesis_of_several_records(tmp_path):
    from dlbio.workflows.genomics import mutagenesis

    motif = "A" * 30 + "GATAAG" + "T" * 24
    (tmp_path / "r.fa").write_text(f">chr1:10-70\n{motif}\n>plain\n{'T' * 60}\n>chr1:10-70\n{'C' * 60}\n")
    res = mutagenesis(_motif_model(), tmp_path / "r.fa", None, 1, tmp_path / "m", all_records=True, png=False)
    # ids made file-name safe, a repeated id kept apart; each record its own effects
    assert [r["tsv"].name for r in res] == ["m.chr1_10-70.tsv", "m.plain.tsv", "m.chr1_10-70.3.tsv"]
    assert res[0]["importance"][30:36].min() > 0.9 and np.abs(res[1]["effects"]).max() < 1e-3
    assert res[2]["png"] is None and not list(tmp_path.glob("*.png"))
    [one] = mutagenesis(_motif_model(), tmp_path / "r.fa", ["plain"], 1, tmp_path / "p", png=False)
    np.testing.assert_array_equal(one["effects"], res[1]["effects"])
    with pytest.raises(DlbioError, match="no record 'nope'"):
        mutagenesis(_motif_model(), tmp_path / "r.fa", ["plain", "nope"], 1, tmp_path / "p")


def test_cli_path_on_bundled_genome(run_cli, tmp_path):
    from dlbio.cli.danq import danq_predict, danq_train
    from dlbio.cli.genomics import build_dataset, mutagenesis_cmd, variants_cmd
    from dlbio.resources import data_dir

    g = data_dir() / "genome_tiny"
    res = run_cli(build_dataset, ["-g", g / "genome.fa", "--sheet", g / "targets.tsv", "--test-chroms", "chr3",
                                  "--valid-chroms", "chr2", "--neg-fraction", 0.1, "-o", "d", "-q"])
    assert "train:" in res.output and (tmp_path / "d" / "summary.tsv").exists()
    run_cli(danq_train, ["-d", "d", "-f", 8, "-k", 9, "--lstm-units", 4, "--dense-units", 8, "-b", 100, "-e", 1,
                         "-n", 200, "-q"])
    model = tmp_path / "checkpoints" / "bestmodel.DanQ.keras"
    run_cli(danq_predict, ["-w", model, "--fasta", g / "example.fa", "-d", "d", "-o", "fa.tsv"])
    assert (tmp_path / "fa.tsv").read_text().splitlines()[0] == "id\tCTCF\tGATA1\tCEBPB"
    run_cli(danq_predict, ["-w", model, "--bed", g / "CTCF.narrowPeak", "--genome", g / "genome.fa", "-d", "d",
                           "-o", "b.tsv"])
    peaks = [line.split("\t") for line in (g / "CTCF.narrowPeak").read_text().splitlines()]
    regions = [line.split("\t") for line in (tmp_path / "b.tsv").read_text().splitlines()]
    assert regions[0][:6] == ["name", "chrom", "start", "end", "window_start", "CTCF"] and len(regions) == 1 + len(peaks)
    # 1000-bp windows centred on each peak's summit (narrowPeak column 10)
    assert [int(r[4]) for r in regions[1:]] == [int(p[1]) + int(p[9]) - 500 for p in peaks]
    run_cli(danq_predict, ["-w", model, "--bed", g / "CTCF.narrowPeak", "--genome", g / "genome.fa", "-d", "d",
                           "-o", "b2.tsv", "--both-strands", "-q"])
    both = [line.split("\t") for line in (tmp_path / "b2.tsv").read_text().splitlines()]
    assert [r[:5] for r in both] == [r[:5] for r in regions] and both[1:] != regions[1:]
    run_cli(danq_predict, ["-w", model, "--bed", g / "CTCF.narrowPeak", "--genome", g / "genome.fa", "-d", "d",
                           "-o", "b.h5", "-q"])
    import h5py

    with h5py.File(tmp_path / "b.h5") as f:
        assert list(f["window_start"][...]) == [int(r[4]) for r in regions[1:]]
        np.testing.assert_allclose(f["pred"][...], np.array([r[5:] for r in regions[1:]], float), atol=1e-5)
    res = run_cli(variants_cmd, ["--vcf", g / "variants.vcf", "-g", g / "genome.fa", "-w", model, "-d", "d",
                                 "-o", "v.tsv", "--both-strands", "--quiet"])
    rows = (tmp_path / "v.tsv").read_text().splitlines()
    assert rows[0].split("\t")[-4:] == ["ref_prob", "alt_prob", "diff", "log_odds_diff"] and len(rows) == 1 + 20 * 3
    assert "largest effects: " in res.output and len((tmp_path / "v.summary.tsv").read_text().splitlines()) == 21
    run_cli(variants_cmd, ["--vcf", g / "variants.vcf", "-g", g / "genome.fa", "-w", model, "-d", "d",
                           "-o", "ctcf.tsv", "--both-strands", "--targets", "CTCF", "-q"])
    assert (tmp_path / "ctcf.tsv").read_text().splitlines() == [r for r in rows if "\tGATA1\t" not in r
                                                               and "\tCEBPB\t" not in r]
    (tmp_path / "one.fa").write_text(">s\n" + (g / "example.fa").read_text().split("\n")[1] + "\n")
    run_cli(mutagenesis_cmd, ["-w", model, "--fasta", "one.fa", "-t", 1, "-o", "ism", "-q"])
    assert len((tmp_path / "ism.tsv").read_text().splitlines()) == 1001 and (tmp_path / "ism.png").exists()
    res = run_cli(mutagenesis_cmd, ["-w", model, "--fasta", "one.fa", "-t", "GATA1", "-d", "d", "-o", "g", "-q",
                                    "--log-odds"])
    assert res.output.startswith("s, GATA1: 1000 positions") and "decrease (log-odds)" in res.output
    lines = (g / "example.fa").read_text().split("\n")
    (tmp_path / "two.fa").write_text("\n".join(lines[:4]) + "\n")
    res = run_cli(mutagenesis_cmd, ["-w", model, "--fasta", "two.fa", "--all-records", "-t", 1, "-o", "all", "-q"])
    ids = [line[1:] for line in lines[:4:2]]
    assert [line.split(",")[0] for line in res.output.splitlines()] == ids
    assert all((tmp_path / f"all.{i}.tsv").exists() and (tmp_path / f"all.{i}.png").exists() for i in ids)
    # a narrowPeak region: the same effects as its summit-centred window given as FASTA
    peak = (g / "CTCF.narrowPeak").read_text().splitlines()[0].split("\t")
    (tmp_path / "one.narrowPeak").write_text("\t".join(peak) + "\n")
    first = int(peak[1]) + int(peak[9]) - 500
    (tmp_path / "w.fa").write_text(f">w\n{Genome(g / 'genome.fa').fetch(peak[0], first, first + 1000)}\n")
    res = run_cli(mutagenesis_cmd, ["-w", model, "--bed", "one.narrowPeak", "-g", g / "genome.fa", "-t", 1, "-o", "bed",
                                    "-q"])
    assert res.output.startswith(f"{peak[3]}, target_1: 1000 positions")
    run_cli(mutagenesis_cmd, ["-w", model, "--fasta", "w.fa", "-t", 1, "-o", "win", "-q"])
    assert (tmp_path / "bed.tsv").read_text() == (tmp_path / "win.tsv").read_text()


def test_prediction_table_chunks_and_hdf5(tmp_path):
    import h5py

    from dlbio.data.encoding import encode
    from dlbio.prediction_table import predict_table

    rng = np.random.default_rng(5)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(7)]
    seqs[2] = seqs[2][:10] + "GATAAG" + seqs[2][16:]
    idx = np.stack([encode(s) for s in seqs])
    rows = [(f"r{i}", 100 * i) for i in range(7)]
    keys = {"name": str, "pos": int}
    model = _motif_model()
    whole = predict_table(model, idx, rows, keys, ["GATA", "POLYC"], tmp_path / "whole.tsv")
    # 3 sequences a chunk, 2 a batch: the same table as all at once, rows in order
    parts = predict_table(model, idx, rows, keys, ["GATA", "POLYC"], tmp_path / "parts.tsv", chunk=3, batch_size=2)
    text = whole.read_text()
    assert parts.read_text() == text and text.splitlines()[0] == "name\tpos\tGATA\tPOLYC"
    table = [line.split("\t") for line in text.splitlines()[1:]]
    assert [r[:2] for r in table] == [[n, str(p)] for n, p in rows] and float(table[2][2]) > 0.9
    h5 = predict_table(model, idx, rows, keys, ["GATA", "POLYC"], tmp_path / "p.h5", chunk=3)
    with h5py.File(h5) as f:
        assert f["pred"].shape == (7, 2) and list(f["name"].asstr()[...]) == [r[0] for r in rows]
        assert f["pos"].dtype == np.int64 and list(f["pos"][...]) == [r[1] for r in rows]
        np.testing.assert_allclose(f["pred"][...], np.array([r[2:] for r in table], float), atol=1e-5)
        assert [n.decode() for n in f.attrs["target_names"]] == ["GATA", "POLYC"]
