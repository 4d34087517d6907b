"""Which JASPAR motif a stretch holds: exact score p-values, both strands, the overlap rule."""

import itertools

import numpy as np

from dlbio.motifs import jaspar
from dlbio.motifs.jaspar import JasparMotif
from dlbio.motifs.scan import MotifScanner, sequence_codes

COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _consensus(m: JasparMotif) -> str:
    return "".join("ACGT"[i] for i in m.counts.argmax(axis=1))


def _random(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def test_score_p_values_are_exact():
    """The survival function against every one of the 4^3 sequences of a 3-column motif."""
    counts = np.array([[8, 1, 1, 0], [0, 0, 9, 1], [3, 3, 2, 2]], float)
    scanner = MotifScanner((JasparMotif("MX1", "toy", counts),))
    steps, survival = scanner.forward[0], scanner.survival[0]
    scores = [sum(steps[i, b] for i, b in enumerate(word)) for word in itertools.product(range(4), repeat=3)]
    assert len(survival) == max(scores) + 1 and min(scores) == 0
    expected = [sum(x >= s for x in scores) / 64 for s in range(len(survival))]
    np.testing.assert_allclose(survival, expected, rtol=1e-12)
    # the reverse strand's matrix is the reverse complement's
    rc = {word: word[::-1] for word in itertools.product(range(4), repeat=3)}
    rev = scanner.reverse[0]
    assert all(sum(rev[i, 3 - b] for i, b in enumerate(rc[w])) == sum(steps[i, b] for i, b in enumerate(w)) for w in rc)


def test_a_planted_site_is_named_on_either_strand():
    motifs = jaspar.load_collection()
    scanner = MotifScanner(motifs)
    ctcf = jaspar.find("MA0139")
    site = _consensus(ctcf)
    for strand, word in (("+", site), ("-", site[::-1].translate(COMPLEMENT))):
        seq = _random(100, 1)[:40] + word + _random(100, 2)[:45]
        hit = scanner.best(sequence_codes(seq), 43, 50)  # a seqlet inside the site
        assert (hit.matrix_id, hit.start, hit.strand) == (ctcf.matrix_id, 40, strand), hit
        assert hit.significant and hit.p < 1e-6 and hit.q < 1e-3


def test_random_stretches_hold_next_to_no_motif():
    scanner = MotifScanner(jaspar.load_collection())
    named = [scanner.best(sequence_codes(_random(60, seed)), 26, 34) for seed in range(30)]
    assert sum(h.significant for h in named) <= 2
    # a site that does not overlap the stretch is not looked at
    seq = _random(30, 5) + _consensus(jaspar.find("MA0139")) + _random(60, 6)
    far = scanner.best(sequence_codes(seq), 80, 88)
    assert not (far.significant and far.name == "CTCF")


def test_sequence_codes():
    np.testing.assert_array_equal(sequence_codes("ACGTacgtNn-"), [0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4])


def test_many_stretches_at_once_equal_one_at_a_time():
    """Stretches of records of different lengths, near their ends too, in chunks or not."""
    scanner = MotifScanner(jaspar.load_collection()[:60] + (jaspar.find("MA0139"),))
    site = _consensus(jaspar.find("MA0139"))
    records = [_random(50, 7) + site + _random(20, 8), site + _random(10, 9), _random(12, 10)]
    stretches = [
        (sequence_codes(records[0]), 52, 58),
        (sequence_codes(records[1]), 0, 4),
        (sequence_codes(records[1]), 20, 25),
        (sequence_codes(records[2]), 3, 9),
    ]
    one = [scanner.best(*s) for s in stretches]
    assert scanner.best_many(stretches, chunk=3) == scanner.best_many(stretches) == one
    assert (one[0].name, one[0].start, one[1].name, one[1].start) == ("CTCF", 50, "CTCF", 0)
    widths = {m.matrix_id: m.length for m in scanner.motifs}
    for hit, (codes, _, _) in zip(one, stretches):  # every placement inside its record
        assert hit is None or 0 <= hit.start <= len(codes) - widths[hit.matrix_id]
