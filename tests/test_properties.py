"""Property-based tests: the readers either read a file or raise DlbioError -- nothing else."""

import string

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlbio.data.deepsea_mat import MatSet
from dlbio.data.encoding import decode, encode, reverse_complement
from dlbio.data.genome import Genome
from dlbio.data.intervals import read_bed
from dlbio.predict.variants import read_vcf
from dlbio.utils.errors import DlbioError

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FIELD = st.one_of(
    st.sampled_from(
        ["chr1", "1", "chrZ", "-5", "0", "10", "99999", "abc", "", "A", "<DEL>", "A,C", "AC", "N", ".", "track", "#x"]
    ),
    st.text(string.printable, max_size=8),
)
LINE = st.lists(FIELD, min_size=0, max_size=7).map("\t".join)


def _genome(tmp_path):
    path = tmp_path / "g.fa"
    if not path.exists():
        path.write_text(">chr1\n" + "ACGT" * 50 + "\n>chr2\n" + "GGCCA" * 20 + "\n")
    return Genome(path)


@SETTINGS
@given(lines=st.lists(LINE, max_size=12))
def test_bed_reader_never_crashes(tmp_path, lines):
    g = _genome(tmp_path)
    p = tmp_path / "x.bed"
    p.write_text("\n".join(lines) + "\n")
    try:
        iv = read_bed(p, g)
    except DlbioError as exc:
        assert "\n" not in str(exc) and "x.bed" in str(exc)
        return
    for chrom, (s, e) in iv.by_chrom.items():
        assert chrom in g.lengths and np.all(s < e) and np.all(e <= g.lengths[chrom]) and np.all(s[1:] > e[:-1])


@SETTINGS
@given(pairs=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)), min_size=1, max_size=20))
def test_merged_intervals_cover_exactly_the_union(pairs):
    from dlbio.data.intervals import _merge

    pairs = [(a, a + w) for a, w in pairs]
    starts, ends = _merge(pairs)
    union = np.zeros(80, bool)
    for a, b in pairs:
        union[a:b] = True
    merged = np.zeros(80, bool)
    for a, b in zip(starts, ends):
        merged[a:b] = True
    assert np.array_equal(merged, union)
    assert np.all(starts < ends) and np.all(starts[1:] > ends[:-1])  # sorted, disjoint, touching runs joined


@SETTINGS
@given(lines=st.lists(LINE, max_size=12))
def test_vcf_reader_never_crashes(tmp_path, lines):
    g = _genome(tmp_path)
    p = tmp_path / "x.vcf"
    p.write_text("#CHROM\tPOS\tID\tREF\tALT\n" + "\n".join(lines) + "\n")
    try:
        variants, _ = read_vcf(p, g, skip_mismatch=True)
    except DlbioError as exc:
        assert "\n" not in str(exc) and "x.vcf" in str(exc)
        return
    for v in variants:  # everything kept is an SNV that matches the genome
        assert len(v.ref) == len(v.alt) == 1 and g.fetch(v.chrom, v.pos - 1, v.pos) == v.ref


@SETTINGS
@given(text=st.text(string.printable + "ÄŒ\x00", max_size=300))
def test_fasta_reader_never_crashes(tmp_path, text):
    from dlbio.data.fasta import read_index as read_fasta_index

    p = tmp_path / "x.fa"
    p.write_bytes(text.encode("utf-8", "replace"))
    try:
        ids, idx = read_fasta_index(p, None if len(text) % 2 else 4)
    except DlbioError as exc:
        assert "x.fa" in str(exc)
        return
    assert len(ids) == len(idx) and idx.dtype == np.uint8 and idx.max() <= 4


@SETTINGS
@given(data=st.binary(max_size=2000), hdf=st.booleans())
def test_mat_reader_never_crashes(tmp_path, data, hdf):
    p = tmp_path / "train.mat"
    p.write_bytes((b"\x89HDF\r\n\x1a\n" if hdf else b"MATLAB 5.0 MAT-file") + data)
    try:
        MatSet(p, "train")
    except DlbioError as exc:
        assert "train.mat" in str(exc) and "\n" not in str(exc)


def _v5_file(tmp_path, compress):
    from scipy.io import savemat

    path = tmp_path / f"v5_{compress}.mat"
    if not path.exists():
        rng = np.random.default_rng(0)
        onehot = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (6, 20))].transpose(0, 2, 1)  # (N, 4, L)
        savemat(
            path,
            {"testxdata": onehot, "testdata": rng.integers(0, 2, (6, 3)).astype(np.uint8)},
            do_compression=compress,
        )
    return path.read_bytes()


@SETTINGS
@given(
    compress=st.booleans(),
    cut=st.integers(0, 10_000),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),
)
def test_v5_reader_never_crashes_on_a_damaged_file(tmp_path, compress, cut, edits):
    """The streaming v5 reader (dlbio.data.mat5) on a real file cut short or with bytes changed."""
    data = bytearray(_v5_file(tmp_path, compress))
    for pos, value in edits:
        data[pos % len(data)] = value
    p = tmp_path / "test.mat"
    p.write_bytes(bytes(data[: cut % (len(data) + 1)] if cut % 3 == 0 else data))
    try:
        s = MatSet(p, "test")
    except DlbioError as exc:
        assert "test.mat" in str(exc) and "\n" not in str(exc)
        return
    x, y = s.read(0, s.n)
    assert x.shape == (s.n, s.length) and x.max() <= 4 and y.shape == (s.n, s.n_targets) and y.max() <= 1


@SETTINGS
@given(seq=st.text("ACGTNacgtnRYKM", min_size=1, max_size=100))
def test_encoding_round_trip(seq):
    idx = encode(seq)
    assert np.array_equal(reverse_complement(reverse_complement(idx)), idx)
    assert decode(idx) == "".join(c if c in "ACGT" else "N" for c in seq.upper())
