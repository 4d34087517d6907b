"""Attribution maps: the methods' defining properties, the files the field's tools read, the command."""

import numpy as np
import pytest
from genomic_helpers import motif_model

from dlbio.utils.errors import DlbioError


def linear_model(length=30, seed=0):
    """logit = w . one-hot + b, sigmoid output: every path method is exact on its logit."""
    import keras

    x = keras.Input((length, 4))
    dense = keras.layers.Dense(1, activation="sigmoid")
    model = keras.Model(x, dense(keras.layers.Flatten()(x)))
    w = np.random.default_rng(seed).normal(0, 0.3, (length * 4, 1)).astype(np.float32)
    dense.set_weights([w, np.array([0.1], np.float32)])
    return model, w.reshape(length, 4)


def saturating_model(length=80):
    """p = sigmoid(8 x (sites of GATAAG) - 4), summed over the sequence: one site gives p = 0.98,
    two saturate it (p = 0.999994), where a plain gradient is near 0."""
    import keras

    x = keras.Input((length, 4))
    conv = keras.layers.Conv1D(1, 6, activation="relu")
    h = keras.layers.Lambda(lambda t: keras.ops.sum(t, axis=1))(conv(x))
    dense = keras.layers.Dense(1, activation="sigmoid")
    model = keras.Model(x, dense(h))
    k = np.full((6, 4, 1), -1.0, np.float32)
    for p, b in enumerate("GATAAG"):
        k[p, "AGCT".index(b), 0] = 1.0
    conv.set_weights([k, np.array([-5.0], np.float32)])
    dense.set_weights([np.array([[8.0]], np.float32), np.array([-4.0], np.float32)])
    return model


def test_dinucleotide_shuffle_keeps_every_dinucleotide():
    from dlbio.interpret.references import dinucleotide_counts, dinucleotide_shuffle

    rng = np.random.default_rng(0)
    seq = rng.integers(0, 5, 300).astype(np.uint8)  # with N as a fifth letter
    shuffled = dinucleotide_shuffle(seq, 8, np.random.default_rng(1))
    assert shuffled.shape == (8, 300) and np.all(shuffled[:, 0] == seq[0])
    for row in shuffled:
        np.testing.assert_array_equal(dinucleotide_counts(row), dinucleotide_counts(seq))
    assert (shuffled != seq).mean() > 0.5  # shuffled, not copied
    np.testing.assert_array_equal(shuffled, dinucleotide_shuffle(seq, 8, np.random.default_rng(1)))


def test_dinucleotide_shuffles_of_a_block_are_each_sequences_own():
    """Shuffled together or one at a time from the same generator, each sequence gets the same
    rows, so that attributions do not depend on how their references were batched."""
    from dlbio.interpret.references import dinucleotide_counts, dinucleotide_shuffle

    seqs = np.random.default_rng(2).integers(0, 4, (5, 120)).astype(np.uint8)
    together = dinucleotide_shuffle(seqs, 3, np.random.default_rng(3))
    one_by_one = np.random.default_rng(3)
    assert together.shape == (5, 3, 120)
    np.testing.assert_array_equal(together, np.stack([dinucleotide_shuffle(s, 3, one_by_one) for s in seqs]))
    for seq, rows in zip(seqs, together):
        assert all(np.array_equal(dinucleotide_counts(r), dinucleotide_counts(seq)) for r in rows)


def every_dinucleotide_shuffle(seq):
    """Every walk the shuffle can take: each base's successors in every distinct order that
    keeps its last one last."""
    import itertools

    successors = {}
    for a, b in zip(seq[:-1], seq[1:]):
        successors.setdefault(a, []).append(b)
    orders = {a: sorted(set(itertools.permutations(s[:-1]))) for a, s in successors.items()}
    walks = set()
    for choice in itertools.product(*orders.values()):
        lists = {a: list(o) + [successors[a][-1]] for a, o in zip(orders, choice)}
        walk = [seq[0]]
        for _ in range(len(seq) - 1):
            walk.append(lists[walk[-1]].pop(0))
        walks.add(tuple(walk))
    return walks


def test_dinucleotide_shuffle_draws_every_walk_equally_often():
    """12,000 shuffles of a 14-mer reach exactly its 120 possible walks, each about 100 times
    (chi-square 90 on 119 degrees of freedom; a biased pick, e.g. the first successor more
    often, gives thousands)."""
    from collections import Counter

    from dlbio.interpret.references import dinucleotide_shuffle

    seq = ["AGCT".index(c) for c in "AGAGGAGCAAGCGA"]
    walks = every_dinucleotide_shuffle(seq)
    drawn = Counter(map(tuple, dinucleotide_shuffle(np.array(seq, np.uint8), 12000, np.random.default_rng(0)).tolist()))
    assert len(walks) == 120 and set(drawn) == walks
    expected = 12000 / len(walks)
    chi_square = sum((k - expected) ** 2 / expected for k in drawn.values())
    assert chi_square < 119 + 5 * (2 * 119) ** 0.5


@pytest.mark.parametrize("method", ["gradient_x_input", "integrated_gradients", "expected_gradients"])
def test_every_gradient_method_is_exact_on_a_linear_logit(method):
    """On logit = w . x + b each method's hypothetical contribution of base b is known in closed form."""
    from dlbio.data.encoding import agct_to_acgt
    from dlbio.interpret.attributions import contributions, hypothetical_contributions

    model, w = linear_model()
    idx = np.random.default_rng(2).integers(0, 4, (6, 30)).astype(np.uint8)
    hyp = hypothetical_contributions(model, idx, 0, method=method, log_odds=True, steps=1)
    w = agct_to_acgt(w)
    if method == "gradient_x_input":
        expected = np.broadcast_to(w, hyp.shape)
    elif method == "integrated_gradients":
        expected = np.broadcast_to(w - w.mean(axis=1, keepdims=True), hyp.shape)  # (e_b - 0.25) . w
    else:  # each shuffled reference r: w_b - r . w, averaged; r keeps the sequence's base counts
        expected = hyp  # checked through completeness below
    np.testing.assert_allclose(hyp, expected, atol=1e-4)
    c = contributions(idx, hyp)
    assert c.shape == (6, 30, 4) and np.count_nonzero(c.sum(axis=2) == c.max(axis=2) + c.min(axis=2)) > 0
    assert np.all((c != 0).sum(axis=2) <= 1)  # only the sequence's own base


def test_path_methods_add_up_to_the_change_from_their_reference():
    """Completeness: summed contributions = logit f(x) - logit f(reference), for integrated gradients
    from the uniform reference and, averaged over references, for expected gradients."""
    from dlbio.data.encoding import index_to_onehot
    from dlbio.interpret.attributions import contributions, hypothetical_contributions
    from dlbio.interpret.references import dinucleotide_shuffle
    from dlbio.predict.variants import logit

    model = motif_model()
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 4, (4, 60)).astype(np.uint8)
    idx[:, 20:26] = [1, 0, 3, 0, 0, 1]  # GATAAG
    f = lambda x: logit(model.predict(x, verbose=0)[:, 0].astype(np.float64))  # noqa: E731
    ig = contributions(idx, hypothetical_contributions(model, idx, 0, method="integrated_gradients", steps=200))
    np.testing.assert_allclose(ig.sum(axis=(1, 2)), f(index_to_onehot(idx)) - f(np.full((4, 60, 4), 0.25)), atol=0.1)
    eg = contributions(idx, hypothetical_contributions(model, idx, 0, references=5, steps=100, seed=7, batch_size=4096))
    again = np.random.default_rng(7)  # one batch: the references are drawn first, as here
    refs = np.stack([dinucleotide_shuffle(s, 5, again) for s in idx])
    mean_ref = np.array([f(index_to_onehot(r)).mean() for r in refs])
    np.testing.assert_allclose(
        eg.sum(axis=(1, 2)), f(index_to_onehot(idx)) - mean_ref, rtol=0.05
    )  # sampled path points
    assert np.all(eg[:, 20:26].sum(axis=(1, 2)) > 0.5 * eg.sum(axis=(1, 2)))  # the motif carries it


@pytest.mark.parametrize("batch_size", [4096, 8, 2])
def test_expected_gradients_on_the_device_equal_the_host_formula(batch_size):
    """The paths built and reduced on the device, in one call a chunk (4096), in calls of two
    references (8) or of two midpoints (2), equal the formula written out on the host:
    each reference's gradient averaged over its path, (e_b - r) . G, averaged over references."""
    import keras

    from dlbio.data.encoding import agct_to_acgt, index_to_onehot
    from dlbio.interpret.attributions import hypothetical_contributions
    from dlbio.interpret.gradients import target_gradient
    from dlbio.interpret.references import dinucleotide_shuffle

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((40, 4)),
            keras.layers.Conv1D(4, 5, activation="tanh"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    idx = np.random.default_rng(9).integers(0, 5, (3, 40)).astype(np.uint8)  # N included
    hyp = hypothetical_contributions(model, idx, 1, references=3, steps=4, seed=5, batch_size=batch_size)

    gradient = target_gradient(model, 1, log_odds=True)
    x = index_to_onehot(idx)
    refs = index_to_onehot(dinucleotide_shuffle(idx, 3, np.random.default_rng(5)))  # (3, 3, 40, 4)
    alphas = (np.arange(4) + 0.5) / 4
    expected = np.zeros_like(x)
    for s in range(3):
        for r in refs[s]:
            g = gradient(np.stack([r + a * (x[s] - r) for a in alphas])).mean(axis=0)
            expected[s] += (g - (r * g).sum(axis=-1, keepdims=True)) / 3
    assert np.abs(expected).max() > 0.01
    np.testing.assert_allclose(hyp, agct_to_acgt(expected), atol=1e-5)


def test_reference_based_attribution_credits_a_saturated_motif():
    """A motif present twice saturates the probability: the gradient there is ~0, expected
    gradients still give the two sites the change from the shuffled references."""
    from dlbio.interpret.attributions import contributions, hypothetical_contributions

    rng = np.random.default_rng(4)
    idx = rng.integers(0, 4, (5, 80)).astype(np.uint8)
    idx[:, 10:16] = idx[:, 50:56] = [1, 0, 3, 0, 0, 1]
    sites = np.r_[10:16, 50:56]
    model = saturating_model()
    scores = {}
    for method in ("gradient_x_input", "expected_gradients"):
        hyp = hypothetical_contributions(model, idx, 0, method=method, log_odds=False, steps=8)
        scores[method] = contributions(idx, hyp).sum(axis=2)[:, sites].sum(axis=1)
    assert np.all(np.abs(scores["gradient_x_input"]) < 1e-3)
    assert np.all(scores["expected_gradients"] > 0.5)


def test_ism_attribution_predicts_each_reference_once(monkeypatch):
    """ISM's hypothetical contributions are its effects centred per position; the references are
    predicted in one batched call, not again with each sequence's substitutions."""
    import dlbio.interpret.ism as ism
    from dlbio.interpret.attributions import hypothetical_contributions

    rows = []
    real = ism.predict_index
    monkeypatch.setattr(ism, "predict_index", lambda m, x, **kw: rows.append(len(x)) or real(m, x, **kw))
    idx = np.random.default_rng(5).integers(0, 4, (3, 60)).astype(np.uint8)
    hyp = hypothetical_contributions(motif_model(), idx, 0, method="ism", log_odds=False)
    assert rows == [180, 180, 180]  # 3 substitutions x 60 positions each, no reference
    effects = ism.saturation_mutagenesis(motif_model(), idx[0], 0)
    np.testing.assert_allclose(hyp[0], effects - effects.mean(axis=1, keepdims=True), atol=1e-6)


def test_npz_files_in_the_layout_modisco_reads(tmp_path):
    from dlbio.interpret.files import read_npz, read_pair, write_npz

    a = np.random.default_rng(6).normal(size=(3, 10, 4)).astype(np.float32)
    write_npz(tmp_path / "a.npz", a)
    with np.load(tmp_path / "a.npz") as raw:
        assert list(raw.keys()) == ["arr_0"] and raw["arr_0"].shape == (3, 4, 10)  # (N, 4, L)
    np.testing.assert_array_equal(read_npz(tmp_path / "a.npz"), a)
    ohe = np.eye(4, dtype=np.float32)[np.random.default_rng(7).integers(0, 4, (3, 10))]
    write_npz(tmp_path / "ohe.npz", ohe)
    write_npz(tmp_path / "short.npz", a[:, :8])
    with pytest.raises(
        DlbioError, match=r"short.npz: attributions have shape \(3, 4, 8\) but .*ohe.npz has \(3, 4, 10\)"
    ):
        read_pair(tmp_path / "ohe.npz", tmp_path / "short.npz")
    with pytest.raises(DlbioError, match="a.npz: not one-hot"):
        read_pair(tmp_path / "a.npz", tmp_path / "ohe.npz")
    np.save(tmp_path / "flat.npy", np.zeros((3, 10)))
    with pytest.raises(DlbioError, match=r"flat.npy: .* must have shape \(N, 4, L\)"):
        read_npz(tmp_path / "flat.npy")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(DlbioError, match="junk.npz: not an .npz"):
        read_npz(tmp_path / "junk.npz")


def test_per_base_track_averages_overlapping_windows(tmp_path):
    from dlbio.interpret.files import per_base_track, write_bedgraph

    contrib = np.zeros((2, 4, 4), np.float32)
    contrib[0, :, 0] = [1, 2, 3, 4]
    contrib[1, :, 1] = [10, 20, 30, 40]
    track = per_base_track([("chr2", 100), ("chr2", 102)], contrib)
    pos, val = track["chr2"]
    np.testing.assert_array_equal(pos, [100, 101, 102, 103, 104, 105])
    np.testing.assert_allclose(val, [1, 2, 6.5, 12, 30, 40])  # 102: (3 + 10) / 2
    lines = write_bedgraph(tmp_path / "t.bedgraph", track, "x").read_text().splitlines()
    assert lines[0].startswith("track type=bedGraph") and lines[3] == "chr2\t102\t103\t6.5"


def test_attribute_command_writes_every_layout(tmp_path, run_cli):
    """dlbio attribute on a FASTA: .npz for MoDISco, logos, ids; the motif carries the contribution."""
    from dlbio.cli.interpret import attribute_cmd
    from dlbio.interpret.files import read_npz

    motif_model().save(tmp_path / "m.keras")
    rng = np.random.default_rng(8)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(4)]
    seqs = [s[:20] + "GATAAG" + s[26:] for s in seqs]
    (tmp_path / "s.fa").write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(seqs)))
    # 16 midpoints: the toy filter switches on only past 7/8 of the way from a reference, where
    # the default 4 (up to 0.875) miss it for a reference scoring -2 there (20 seeds: >= 0.74).
    args = ["-w", "m.keras", "--fasta", "s.fa", "-t", "1", "--steps", "16", "--logos", "2", "--quiet", "-o", "a"]
    res = run_cli(attribute_cmd, args)
    assert "4 sequences -> a.ohe.npz" in res.output
    ohe, hyp, attr = (read_npz(tmp_path / f"a.{k}.npz") for k in ("ohe", "hyp", "attr"))
    assert ohe.shape == hyp.shape == attr.shape == (4, 60, 4)
    assert "".join("ACGT"[i] for i in ohe[0].argmax(axis=1)) == seqs[0]
    np.testing.assert_allclose(attr, ohe * hyp, atol=1e-6)
    per_base = attr.sum(axis=2)
    assert np.all(per_base[:, 20:26].sum(axis=1) > 0.6 * np.abs(per_base).sum(axis=1))
    assert (tmp_path / "a.ids.txt").read_text() == "r0\nr1\nr2\nr3\n"
    assert sorted(p.name for p in tmp_path.glob("a.logo.*.png")) == ["a.logo.r0.png", "a.logo.r1.png"]
    # two targets: one file set each, named by target
    run_cli(attribute_cmd, ["-w", "m.keras", "--fasta", "s.fa", "-t", "1,2", "--logos", "0", "--quiet", "-o", "b"])
    assert {p.name for p in tmp_path.glob("b.*.hyp.npz")} == {"b.target_1.hyp.npz", "b.target_2.hyp.npz"}


def test_attribute_a_bed_writes_a_genome_track(tmp_path, genome, run_cli):
    from genomic_helpers import write_bed

    from dlbio.cli.interpret import attribute_cmd

    fa, seqs = genome
    motif_model().save(tmp_path / "m.keras")
    write_bed(tmp_path, "r.bed", [("chr2", 100, 160, "a"), ("chr2", 130, 190, "b"), ("chr3", 500, 560, "c")])
    run_cli(attribute_cmd, ["-w", "m.keras", "--bed", "r.bed", "-g", fa, "-t", "1", "--logos", "0", "-q", "-o", "t"])
    lines = (tmp_path / "t.bedgraph").read_text().splitlines()
    assert len(lines) == 1 + 90 + 60  # chr2 100-190 (overlap averaged), chr3 500-560
    assert lines[1].startswith("chr2\t100\t101\t") and lines[-1].startswith("chr3\t559\t560\t")
    if (tmp_path / "t.bw").exists():
        import pyBigWig

        bw = pyBigWig.open(str(tmp_path / "t.bw"))
        assert bw.chroms() == {"chr2": 1200, "chr3": 1200}
        assert bw.values("chr2", 100, 101)[0] == pytest.approx(float(lines[1].split("\t")[3]), rel=1e-3)
        bw.close()


def test_attribute_bad_input(tmp_path, monkeypatch):
    import importlib.util

    from dlbio.workflows.attribution import attribute

    model = motif_model()
    (tmp_path / "s.fa").write_text(">r0\n" + "A" * 60 + "\n>short\n" + "A" * 50 + "\n")
    with pytest.raises(DlbioError, match="--target must be between 1 and 2, got 3"):
        attribute(model, tmp_path / "s.fa", [3], tmp_path / "x")
    with pytest.raises(DlbioError, match=r"s.fa: record 'short' is 50 bp, the model needs 60 bp"):
        attribute(model, tmp_path / "s.fa", [1], tmp_path / "x")
    with pytest.raises(DlbioError, match="--method must be one of"):
        attribute(model, tmp_path / "s.fa", [1], tmp_path / "x", method="deeplift")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "modiscolite" else real(n, *a))
    (tmp_path / "ok.fa").write_text(">r0\n" + "A" * 60 + "\n")
    with pytest.raises(DlbioError, match=r"needs modisco-lite, which is not installed: pip install 'dlbio\[motifs\]'"):
        attribute(model, tmp_path / "ok.fa", [1], tmp_path / "x", modisco=True)
    assert not list(tmp_path.glob("x.*"))  # nothing written before the inputs are checked


def test_attribute_a_stored_split_only_its_positives(tmp_path):
    """-d DATA --split test --positives: the rows labelled positive for the target, named by row."""
    from dlbio.data.sources import open_split
    from dlbio.models import deepsea
    from dlbio.utils.resources import tiny_deepsea
    from dlbio.workflows.attribution import attribute

    model = deepsea.build("DanQ", 8, 200, filters=8, kernel_size=9, lstm_units=4, dense_units=8)
    split = open_split(tiny_deepsea(), "test", 40)
    _, labels = split.read(0, 40)
    res = attribute(model, None, [2], tmp_path / "p", data=tiny_deepsea(), limit=40, positives=True, logos=0)
    rows = np.flatnonzero(labels[:, 1])
    assert 0 < len(rows) < 40 and res.ids == [f"test:{r + 1}" for r in rows]
    with np.load(tmp_path / "p.ohe.npz") as f:
        assert f["arr_0"].shape == (len(rows), 4, 200)
