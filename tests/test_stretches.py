"""Which JASPAR motif a stretch holds, from FIMO's hits: both strands, the overlap rule, the
corrections (placements, motifs), and stretches of several records at once."""

import numpy as np
import pytest

from dlbio.motifs import jaspar
from dlbio.motifs.fimo import Motif
from dlbio.motifs.stretches import CANDIDATE_P, MATCH_Q, best_motifs

COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _consensus(m) -> str:
    return "".join("ACGT"[i] for i in m.counts.argmax(axis=1))


def _random(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


@pytest.fixture(scope="module")
def motifs():
    return [Motif(m.matrix_id, m.name, m.probabilities()) for m in jaspar.load_collection()]


def test_a_planted_site_is_named_on_either_strand(motifs):
    ctcf = jaspar.find("MA0139")
    site = _consensus(ctcf)
    for strand, word in (("+", site), ("-", site[::-1].translate(COMPLEMENT))):
        seq = _random(100, 1)[:40] + word + _random(100, 2)[:45]
        [hit] = best_motifs(motifs, [(seq, 43, 50)])  # a seqlet inside the site
        assert (hit.matrix_id, hit.start, hit.strand) == (ctcf.matrix_id, 40, strand), hit
        assert hit.significant and hit.p < 1e-6 and hit.q < 1e-3


def test_random_stretches_hold_next_to_no_motif(motifs):
    named = best_motifs(motifs, [(_random(60, seed), 26, 34) for seed in range(30)])
    assert sum(h is not None and h.significant for h in named) <= 2
    # a site that does not overlap the stretch is not looked at
    seq = _random(30, 5) + _consensus(jaspar.find("MA0139")) + _random(60, 6)
    [far] = best_motifs(motifs, [(seq, 80, 88)])
    assert far is None or not (far.significant and far.name == "CTCF")


def test_the_corrections_are_sidak_over_placements_and_bh_over_motifs(motifs):
    """Corrected p of the best motif = 1 - (1 - p)^placements; q = its BH rank over the motifs."""
    from dlbio.motifs.fimo import _PValue

    ctcf = jaspar.find("MA0139")
    site = _consensus(ctcf)
    seq = _random(40, 3) + site + _random(40, 4)
    [hit] = best_motifs(motifs, [(seq, 44, 50)])
    raw = _PValue(ctcf.probabilities())(site)
    need = -(-min(ctcf.length, 6) // 2)  # the placements overlapping the 6-bp stretch by 3 or more
    tried = 2 * (min(len(seq) - ctcf.length, 50 - need) - max(0, 44 + need - ctcf.length) + 1)
    assert hit.p == pytest.approx(1 - (1 - raw) ** tried, rel=1e-9)
    assert hit.p <= hit.q <= hit.p * len(motifs)
    assert CANDIDATE_P * len(motifs) > MATCH_Q  # why hits above CANDIDATE_P need not be looked at


def test_many_records_at_once_equal_one_at_a_time(motifs):
    """Stretches of records of different lengths, near their ends too."""
    site = _consensus(jaspar.find("MA0139"))
    records = [_random(50, 7) + site + _random(20, 8), site + _random(10, 9), _random(12, 10)]
    stretches = [(records[0], 52, 58), (records[1], 0, 4), (records[1], 20, 25), (records[2], 3, 9)]
    together = best_motifs(motifs, stretches)
    assert together == [best_motifs(motifs, [s])[0] for s in stretches]
    assert (together[0].name, together[0].start, together[1].name, together[1].start) == ("CTCF", 50, "CTCF", 0)
    widths = {m.motif_id: len(m.probabilities) for m in motifs}
    for hit, (seq, _, _) in zip(together, stretches):  # every placement inside its record
        assert hit is None or 0 <= hit.start <= len(seq) - widths[hit.matrix_id]
