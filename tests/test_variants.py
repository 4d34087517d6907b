"""VCF checks, variant effects (SNVs, indels, MNPs) on a hand-built motif model, target choice."""

import numpy as np
import pytest
from genomic_helpers import motif_model, write_vcf

from dlbio.data.genome import Genome
from dlbio.predict.variants import read_vcf
from dlbio.utils.errors import DlbioError


def test_vcf_ref_check_styles_and_skips(genome, tmp_path):
    g, seqs = genome
    gen = Genome(g)
    base = seqs["chr2"][99]
    other = "A" if base != "A" else "C"
    two = seqs["chr2"][49:51]
    rows = [
        ("2", 100, "a", base, other),
        ("chr2", 100, "b", base, f"{other},T"),
        ("chr2", 50, "del", two, two[0]),
        ("chr2", 60, "sym", "A", "<DEL>"),
        ("chrZ", 5, "z", "A", "C"),
        ("chr2", 50, "same", two, two),
    ]
    variants, notes = read_vcf(write_vcf(tmp_path, rows, gz=True), gen)
    assert [v.id for v in variants] == ["a", "b", "b", "del"] and variants[0].chrom == "chr2"
    assert notes["indel or MNP (windows centred on each allele)"] == 1 and notes["symbolic allele, skipped"] == 1
    assert notes["ALT equal to REF, skipped"] == 1
    three = seqs["chr2"][49:52]
    wrong3 = three[:2] + ("A" if three[2] != "A" else "C")  # every REF base is checked
    with pytest.raises(DlbioError, match=f"line 3: REF {wrong3} does not match the genome \\({three}\\)"):
        read_vcf(write_vcf(tmp_path, [("chr2", 50, "x", wrong3, "A")]), gen)
    assert notes["chromosome not in genome, skipped"] == 1
    assert notes["chromosome renamed to the genome's style (chr1)"] == 1
    wrong = other
    bad = write_vcf(tmp_path, [("chr2", 100, "w", wrong, base)])
    with pytest.raises(DlbioError, match=f"line 3: REF {wrong} does not match the genome \\({base}\\) at chr2:100"):
        read_vcf(bad, gen)
    kept, notes = read_vcf(bad, gen, skip_mismatch=True)
    assert kept == [] and notes["REF mismatch, skipped"] == 1


def test_variant_destroying_a_planted_motif(tmp_path, capsys):
    from dlbio.predict.variants import score_variants

    rng = np.random.default_rng(1)
    s = list("".join(rng.choice(list("AT"), 300)))
    s[100:106] = "GATAAG"  # motif of target 0
    s[200:206] = "CCCCCC"  # motif of target 1
    (tmp_path / "g.fa").write_text(">chr1\n" + "".join(s) + "\n")
    gen = Genome(tmp_path / "g.fa")
    vcf = write_vcf(tmp_path, [("chr1", 103, "hit", "T", "C"), ("chr1", 150, "miss", s[149], "G")])
    variants, _ = read_vcf(vcf, gen)
    model = motif_model()
    ref, alt = score_variants(model, gen, variants)
    assert ref[0, 0] > 0.95 and alt[0, 0] < 0.05  # the motif is destroyed
    assert abs(alt[0, 1] - ref[0, 1]) < 1e-6  # the other target does not move
    assert np.allclose(ref[1], alt[1], atol=1e-6)  # a variant away from motifs changes nothing
    ref2, alt2 = score_variants(model, gen, variants, both_strands=True)
    assert ref2[0, 0] > 0.95 and alt2[0, 0] < 0.05
    # ref and alt windows share one pass and one bar: batch boundaries must not mix them up
    ref3, alt3 = score_variants(model, gen, variants, batch_size=1, progress=True)
    assert np.array_equal(ref3, ref) and np.array_equal(alt3, alt)
    assert "4/4" in capsys.readouterr().err


def test_indels_shift_the_flanks_as_in_the_edited_genome(tmp_path):
    from dlbio.data.encoding import BASES
    from dlbio.predict.variants import score_variants, variant_windows

    rng = np.random.default_rng(2)
    s = "".join(rng.choice(list("AT"), 300))
    s = s[:100] + "GATAAG" + s[106:]
    (tmp_path / "g.fa").write_text(">chr1\n" + s + "\n")
    gen = Genome(tmp_path / "g.fa")
    rows = [
        ("chr1", 102, "del", s[101:104], s[101]),  # deletes the motif's 'TA'
        ("chr1", 200, "ins", s[199], s[199] + "GATAAG"),  # inserts a motif
        ("chr1", 150, "mnp", s[149:151], "GC" if s[149:151] != "GC" else "CG"),
    ]
    variants, notes = read_vcf(write_vcf(tmp_path, rows), gen)
    assert notes["indel or MNP (windows centred on each allele)"] == 3
    ref, alt = variant_windows(gen, variants, 60)
    text = ["".join(BASES[i] for i in w) for w in (*ref, *alt)]
    deleted = s[:102] + s[104:]
    inserted = s[:200] + "GATAAG" + s[200:]
    # each allele's middle base at position 30: REF 'ATA' -> s[102]; ALT 'A' -> s[101]; ALT of 7 -> its 4th base
    assert text[0] == s[72:132] and text[3] == deleted[71:131]
    assert text[1] == s[169:229] and text[4] == inserted[172:232]
    assert text[2] == s[120:180] and text[5] == (s[:149] + rows[2][4] + s[151:])[120:180]
    ref_p, alt_p = score_variants(motif_model(), gen, variants)
    assert ref_p[0, 0] > 0.95 and alt_p[0, 0] < 0.05  # the deletion destroys the motif
    assert ref_p[1, 0] < 0.05 and alt_p[1, 0] > 0.95  # the insertion creates one
    # an allele longer than the window: its middle 60 bases
    long_alt = s[199] + "".join(rng.choice(list("ACGT"), 100))
    [v] = read_vcf(write_vcf(tmp_path, [("chr1", 200, "long", s[199], long_alt)]), gen)[0]
    assert "".join(BASES[i] for i in variant_windows(gen, [v], 60)[1][0]) == long_alt[20:80]


def test_snv_windows_read_by_stretch_are_the_genome_around_each_variant(tmp_path, monkeypatch):
    """SNVs in any order, on two chromosomes, near their ends (read as N), close together
    and far apart (SNV_GAP of 50 here: several stretches), beside an indel: each window is
    the genome's around its variant, the ALT one with the middle base changed; a chromosome's
    SNVs are read in one stretch per cluster, an SNV far from others on its own."""
    import dlbio.predict.variants as pv
    from dlbio.data.encoding import BASES

    rng = np.random.default_rng(5)
    chroms = {"chr1": "".join(rng.choice(list("ACGT"), 400)), "chr2": "".join(rng.choice(list("ACGT"), 150))}
    (tmp_path / "g.fa").write_text("".join(f">{c}\n{s}\n" for c, s in chroms.items()))
    gen = Genome(tmp_path / "g.fa")
    positions = [("chr1", p) for p in (1, 2, 30, 31, 35, 200, 205, 398, 400)] + [("chr2", p) for p in (150, 3, 75)]
    rows = [
        (c, p, f"v{k}", chroms[c][p - 1], "A" if chroms[c][p - 1] != "A" else "G") for k, (c, p) in enumerate(positions)
    ]
    rows.insert(4, ("chr1", 100, "del", chroms["chr1"][99:102], chroms["chr1"][99]))
    order = rng.permutation(len(rows))
    variants, _ = read_vcf(write_vcf(tmp_path, [rows[k] for k in order]), gen)
    monkeypatch.setattr(pv, "SNV_GAP", 50)
    reads = []
    real = pv.chromosome_windows
    monkeypatch.setattr(
        pv, "chromosome_windows", lambda g, c, starts, n: reads.append(len(starts)) or real(g, c, starts, n)
    )
    ref, alt = pv.variant_windows(gen, variants, 20)
    for v, r, a in zip(variants, ref, alt):
        padded = "N" * 20 + chroms[v.chrom] + "N" * 20
        around = padded[20 + v.pos - 1 - 10 : 20 + v.pos - 1 - 10 + 20]
        if v.id == "del":
            continue  # the edited genome's windows: test_indels_shift_the_flanks_as_in_the_edited_genome
        assert "".join((BASES + "N")[i] for i in r) == around
        assert "".join((BASES + "N")[i] for i in a) == around[:10] + v.alt + around[11:]
    assert sorted(reads) == [2, 2, 5]  # chr1: 1-35, 200-205, 398-400; chr2's 3, 75 and 150 alone


def test_vcf_scores_in_chunks_to_tsv_or_hdf5_for_chosen_targets(tmp_path):
    import h5py

    from dlbio.data.targets import parse_targets
    from dlbio.workflows.variants import score_vcf

    rng = np.random.default_rng(1)
    s = "".join(rng.choice(list("ACGT"), 400))
    (tmp_path / "g.fa").write_text(">chr1\n" + s + "\n")
    vcf = write_vcf(
        tmp_path, [("chr1", p, f"v{p}", s[p - 1], "A" if s[p - 1] != "A" else "C") for p in range(90, 190, 10)]
    )
    model = motif_model()
    names = ["GATA", "POLYC"]
    whole = score_vcf(model, vcf, tmp_path / "g.fa", tmp_path / "all.tsv", names)
    rows = [r.split("\t") for r in (tmp_path / "all.tsv").read_text().splitlines()]
    assert whole["n"] == 10 and len(rows) == 1 + 10 * 2 and rows[1][5] == "GATA" and rows[2][5] == "POLYC"
    # 3 variants a chunk, one target chosen by name: the same numbers, only its rows
    score_vcf(
        model, vcf, tmp_path / "g.fa", tmp_path / "c.tsv", names, targets=parse_targets("POLYC", 2, names), chunk=3
    )
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
    assert (
        summary[0][5:]
        == ["max_abs_diff", "target", "diff", "max_abs_log_odds_diff", "log_odds_target", "log_odds_diff"]
        and len(summary) == 11
    )
    for k, row in enumerate(summary[1:]):
        mine = rows[1 + 2 * k : 3 + 2 * k]
        top = max(mine, key=lambda r: abs(float(r[8])))
        assert row[:5] == mine[0][:5] and row[6:8] == [top[5], top[8]]
    assert (tmp_path / "e.summary.tsv").read_text() == (tmp_path / "all.summary.tsv").read_text()


def test_variant_summary_ranks_the_motif_breakers(tmp_path):
    from dlbio.workflows.variants import score_vcf

    rng = np.random.default_rng(1)
    s = list("".join(rng.choice(list("AT"), 300)))
    s[100:106], s[200:206] = "GATAAG", "CCCCCC"
    s = "".join(s)
    (tmp_path / "g.fa").write_text(">chr1\n" + s + "\n")
    vcf = write_vcf(
        tmp_path,
        [("chr1", 150, "quiet", s[149], "G"), ("chr1", 203, "polyc", "C", "T"), ("chr1", 103, "gata", "T", "C")],
    )
    res = score_vcf(motif_model(), vcf, tmp_path / "g.fa", tmp_path / "v.tsv", ["GATA", "POLYC"], top=2)
    # the two motif breakers first, each on its own target; the quiet one left out of the top 2
    assert {(v.id, name) for v, name, _ in res["strongest"]} == {("gata", "GATA"), ("polyc", "POLYC")}
    assert all(d < -0.9 for *_, d in res["strongest"])
    rows = {r.split("\t")[2]: r.split("\t") for r in res["summary"].read_text().splitlines()[1:]}
    assert rows["gata"][6] == "GATA" and float(rows["gata"][8]) > 4  # log-odds: a big change
    assert float(rows["quiet"][5]) < 1e-5 and rows["polyc"][9] == "POLYC"


def test_parse_targets():
    from dlbio.data.targets import parse_targets

    names = ["CTCF_MA0139.2", "GATA1_MA0035.5", "CTCF_other"]
    assert parse_targets(None, 3) is None and parse_targets("3,1,3", 3) == [3, 1]
    assert parse_targets("GATA1", 3, names) == [2] and parse_targets("CTCF_other", 3, names) == [3]
    for spec, msg in [
        ("4", "not a target number"),
        ("0", "not a target number"),
        ("CTCF", r"names 2 targets \(1, 3\)"),
        ("SOX2", "not a target name"),
        ("1,,2", "empty item"),
    ]:
        with pytest.raises(DlbioError, match=msg):
            parse_targets(spec, 3, names)
    with pytest.raises(DlbioError, match="names are unknown"):
        parse_targets("GATA1", 3)


def test_tsv_writers_print_float32_values_as_their_own_format_does(tmp_path):
    """The TSV writers format Python floats (fast); the text is that of the float32 values."""
    from dlbio.predict.tables import prediction_writer
    from dlbio.predict.variant_tables import variant_writer
    from dlbio.predict.variants import Variant, logit

    rng = np.random.default_rng(3)
    # values near a rounding boundary in float32 (0.123455 is 0.12345500290393829...) and ordinary ones
    ref = np.concatenate([np.float32([[0.123455, 0.5, 1e-7]]), rng.random((3, 3), dtype=np.float32)])
    alt = rng.random((4, 3), dtype=np.float32)
    with prediction_writer(tmp_path / "p.tsv", 4, {"name": str, "pos": int}, ["a", "b", "c"]) as write:
        write(0, [("r0", 1), ("r1", 2)], ref[:2])
        write(2, [("r2", 3), ("r3", 4)], ref[2:])
    lines = (tmp_path / "p.tsv").read_text().splitlines()
    assert lines[0] == "name\tpos\ta\tb\tc"
    assert lines[1:] == [f"r{i}\t{i + 1}\t" + "\t".join(f"{v:.5f}" for v in row) for i, row in enumerate(ref)]
    assert lines[1] == "r0\t1\t0.12346\t0.50000\t0.00000"
    variants = [Variant("chr1", 10 + i, f"v{i}", "A", "C", i) for i in range(4)]
    with variant_writer(tmp_path / "v.tsv", variants, ["a", "b", "c"]) as write:
        write(0, variants, ref, alt)
    lo = logit(alt) - logit(ref)
    want = [
        f"chr1\t{10 + i}\tv{i}\tA\tC\t{n}\t{ref[i, t]:.5f}\t{alt[i, t]:.5f}\t{alt[i, t] - ref[i, t]:+.5f}"
        f"\t{lo[i, t]:+.4f}"
        for i in range(4)
        for t, n in enumerate("abc")
    ]
    assert (tmp_path / "v.tsv").read_text().splitlines()[1:] == want
