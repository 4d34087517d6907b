"""Patterns: seqlets whose importance looks alike, grouped and aligned into de novo motifs."""

import numpy as np

from dlbio.data.encoding import decode, encode, reverse_complement

MOTIFS = {"a": "GATTACAG", "b": "CCGGTTTC", "rare": "TTTAGGGC"}


def _planted(seed=0, n_a=25, n_b=20, n_rare=3, length=200):
    """Random records with one motif each, on a random strand at a random place; importance
    1 on its bases over N(0, 0.05) noise.  -> codes (n, L), importance (n, L), motif per record."""
    rng = np.random.default_rng(seed)
    which = ["a"] * n_a + ["b"] * n_b + ["rare"] * n_rare
    codes = rng.integers(0, 4, (len(which), length)).astype(np.uint8)
    importance = rng.normal(0, 0.05, codes.shape)
    for r, m in enumerate(which):
        site = encode(MOTIFS[m])
        site = reverse_complement(site) if rng.random() < 0.5 else site
        at = int(rng.integers(20, length - 28))
        codes[r, at : at + 8] = site
        importance[r, at : at + 8] += 1.0
    return codes, importance, which


def _reads_as(consensus, word):
    rc = decode(reverse_complement(encode(word)))
    return word in consensus or rc in consensus


def test_two_planted_motifs_come_back_as_two_patterns_and_a_rare_one_as_none():
    from dlbio.interpret.seqlets import call_seqlets
    from dlbio.motifs.patterns import find_patterns

    codes, importance, which = _planted()
    found = call_seqlets(importance, 1e-5, negative=False)
    patterns = find_patterns(codes, importance, found)
    assert [p.name for p in patterns] == ["pos1", "pos2"]
    for pattern, motif, n in zip(patterns, "ab", (25, 20)):
        # every seqlet of the motif's records, whichever strand it was planted on, and no other
        assert sorted({which[found[i].record] for i in pattern.members}) == [motif]
        assert len({found[i].record for i in pattern.members}) == n
        assert _reads_as(pattern.consensus(), MOTIFS[motif]), pattern.consensus()
        assert pattern.counts.shape == (len(pattern.contribution), 4) and pattern.sign == 1
        # each column of the aligned site holds one base in all its seqlets
        assert np.sort(pattern.counts.max(axis=1))[-8:].min() == len(pattern.members)
    rare = {i for i, s in enumerate(found) if which[s.record] == "rare"}
    assert len(rare) == 3 and not rare & {i for p in patterns for i in p.members}


def test_negative_seqlets_make_their_own_patterns_and_late_seqlets_join_by_likeness(monkeypatch):
    from dlbio.interpret.seqlets import call_seqlets
    from dlbio.motifs import patterns as pm

    codes, importance, which = _planted(seed=3, n_rare=0)
    importance[[r for r, m in enumerate(which) if m == "b"]] *= -1  # b works against the prediction
    found = call_seqlets(importance, 1e-5)
    whole = pm.find_patterns(codes, importance, found)
    assert [(p.name, p.sign) for p in whole] == [("pos1", 1), ("neg1", -1)]
    assert sorted({which[found[i].record] for i in whole[1].members}) == ["b"]
    # clustering only the 10 most significant of each sign, the rest joining the one they are like
    monkeypatch.setattr(pm, "MAX_CLUSTERED", 10)
    capped = pm.find_patterns(codes, importance, found)
    assert [p.members for p in capped] == [p.members for p in whole]
    assert [p.consensus() for p in capped] == [p.consensus() for p in whole]


def test_too_few_seqlets_make_no_pattern():
    from dlbio.interpret.seqlets import call_seqlets
    from dlbio.motifs.patterns import find_patterns

    codes, importance, _ = _planted(n_a=4, n_b=0, n_rare=0)
    found = call_seqlets(importance, 1e-5)
    assert len(found) == 4 and find_patterns(codes, importance, found) == []
    assert [p.name for p in find_patterns(codes, importance, found, min_seqlets=4)] == ["pos1"]
    assert find_patterns(codes, importance, []) == []
