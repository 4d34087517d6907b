"""Logos draw each glyph at its height in bits, read back from weblogo's own EPS."""

import re

import numpy as np
import pytest

from dlbio.motifs.logos import MIN_GLYPH_BITS, draw_logo, render_logo
from dlbio.motifs.sites import column_information

GLYPH = re.compile(r"^\s*([\d.]+) ([\d.]+) \[[^]]*\] \((.)\) ShowSymbol$")


def drawn_heights(counts, alphabet):
    """The glyphs weblogo draws in each stack: a list of {symbol: height in bits}."""
    stacks = []
    for line in render_logo(np.array(counts), alphabet, "eps").decode().splitlines():
        if line.endswith("StartStack") and not line.startswith("%"):  # the prologue's comments show it too
            stacks.append({})
        elif (match := GLYPH.match(line)) and float(match.group(2)) > 0:  # weblogo lists 0 counts at height 0
            stacks[-1][match.group(3)] = float(match.group(2))
    return stacks


def true_heights(counts):
    """prob * the column's information of each symbol, in bits: (w, A)."""
    counts = np.asarray(counts, dtype=float)
    return counts / counts.sum(axis=1, keepdims=True) * column_information(counts)[:, None]


# mdisc-conv1d's 15 sites on the shipped weights: P(1) = 1 1 1 .53 .73 .33 .67 (columns 0, 1).
MDISC_SITES = [[0, 15], [0, 15], [0, 15], [7, 8], [4, 11], [10, 5], [5, 10]]


def test_dropped_glyphs_do_not_stretch_the_rest_of_their_column():
    # A 2:1 column holds 0.082 bits: its smaller glyph (0.027) is left out, and the larger
    # must stay at 0.054 bits, not grow into a fully conserved 1-bit column.
    drawn, expected = drawn_heights(MDISC_SITES, "01"), true_heights(MDISC_SITES)
    assert len(drawn) == len(MDISC_SITES)
    for stack, column in zip(drawn, expected):
        want = {s: h for s, h in zip("01", column) if h >= MIN_GLYPH_BITS}
        assert stack.keys() == want.keys()
        for symbol, height in want.items():
            assert stack[symbol] == pytest.approx(height, abs=1e-5)
    assert drawn[5] == {"0": pytest.approx(0.0545, abs=1e-4)}
    assert drawn[6] == {"1": pytest.approx(0.0545, abs=1e-4)}
    assert drawn[0] == {"1": pytest.approx(1.0)}
    assert drawn[3] == {}  # 0.53 : 0.47 holds 0.003 bits


def test_dna_glyphs_keep_their_heights_when_small_ones_are_left_out():
    counts = [[70, 10, 10, 10], [40, 30, 20, 10], [97, 1, 1, 1], [25, 25, 25, 25], [0, 0, 0, 0]]
    drawn, expected = drawn_heights(counts, "ACGT"), true_heights(counts[:4])
    for stack, column in zip(drawn, expected):
        want = {s: h for s, h in zip("ACGT", column) if h >= MIN_GLYPH_BITS}
        assert stack == {s: pytest.approx(h, abs=1e-5) for s, h in want.items()}
    assert set(drawn[0]) == {"A", "C", "G", "T"} and drawn[0]["A"] == pytest.approx(0.4503, abs=1e-4)
    assert set(drawn[1]) == {"A", "C", "G"}  # T holds 0.015 bits
    assert drawn[2] == {"A": pytest.approx(1.7053, abs=1e-4)}  # C, G and T hold 0.018 bits each
    assert drawn[3] == {} and drawn[4] == {}  # uniform, and no counts at all


def test_png_of_a_matrix_with_tiny_glyphs_draws(tmp_path):
    # The reason glyphs are left out: Ghostscript fails on glyphs scaled to almost nothing,
    # as it does on JASPAR's HNF1A when all its glyphs are drawn.
    from dlbio.motifs.jaspar import find

    path = draw_logo(find("MA0046.3").counts, "ACGT", tmp_path / "logo.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
