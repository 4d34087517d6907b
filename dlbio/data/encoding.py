"""DNA encodings in DeepSEA's base order A, G, C, T.

Base index: uint8 0=A, 1=G, 2=C, 3=T, 4=N (any other letter).  One-hot rows
follow the same order; N is an all-zero row (``tf.one_hot(4, 4)`` gives exactly that).
"""

from __future__ import annotations

import numpy as np

from dlbio.utils.errors import DlbioError

BASES = "AGCT"
N_CODE = 4
NOT_DNA = 255  # encode_lenient's code for a letter that is not DNA
_COMPLEMENT = np.array([3, 2, 1, 0, N_CODE], dtype=np.uint8)  # A<->T, G<->C, N->N
_IUPAC = set("ACGTNRYSWKMBDHV")
_LUT = np.full(256, NOT_DNA, dtype=np.uint8)
for _i, _b in enumerate(BASES):
    _LUT[ord(_b)] = _LUT[ord(_b.lower())] = _i
for _b in _IUPAC - set(BASES):
    _LUT[ord(_b)] = _LUT[ord(_b.lower())] = N_CODE
_LUT[ord("U")] = _LUT[ord("u")] = 3  # RNA input: uracil reads as T


def onehot_to_index(onehot: np.ndarray, axis: int) -> np.ndarray:
    """One-hot (any layout, bases along *axis*, A,G,C,T order) -> uint8 base index.

    An all-zero column becomes N (4).  The base axis is removed.
    """
    onehot = np.asarray(onehot)
    if onehot.shape[axis] != 4:
        raise DlbioError(f"one-hot axis {axis} has size {onehot.shape[axis]}, expected 4 bases")
    if onehot.dtype in (np.uint8, np.bool_):
        # DeepSEA stores exact 0/1 uint8: a weighted sum is several times faster than argmax.
        a, g, c, t = (np.take(onehot, i, axis=axis).astype(np.uint8, copy=False) for i in range(4))
        present = a | g | c | t
        if (a + g + c + t > 1).any():
            raise DlbioError("one-hot data has more than one base set at a position")
        idx = g + 2 * c + 3 * t
        idx[present == 0] = N_CODE
        return idx.astype(np.uint8, copy=False)
    idx = np.argmax(onehot, axis=axis).astype(np.uint8)
    idx[np.max(onehot, axis=axis) == 0] = N_CODE
    return idx


def index_to_onehot(idx: np.ndarray, dtype=np.float32) -> np.ndarray:
    """uint8 base index (..., L) -> one-hot (..., L, 4) in A,G,C,T order; N -> zeros."""
    eye = np.vstack([np.eye(4, dtype=dtype), np.zeros((1, 4), dtype=dtype)])
    return eye[np.asarray(idx)]


def encode(seq: str, name: str = "sequence") -> np.ndarray:
    """DNA string -> uint8 base index (L,).  Lower case is accepted; IUPAC ambiguity codes
    (R Y S W K M B D H V N) become N; U (RNA) reads as T.

    Letters that are not DNA raise DlbioError naming *name*.
    """
    idx = encode_lenient(seq)
    bad = np.flatnonzero(idx == NOT_DNA)
    if len(bad):
        raise not_dna(name, seq[bad[0]], bad[0] + 1)
    return idx


def encode_lenient(seq: str) -> np.ndarray:
    """DNA string -> uint8 base index (L,) as :func:`encode`, with NOT_DNA (255) where a
    letter is not DNA, for a caller that checks only the parts it uses (a chromosome's windows)."""
    return _LUT[np.frombuffer(seq.encode("ascii", errors="replace"), dtype=np.uint8)]


def not_dna(name: str, letter: str, position: int) -> DlbioError:
    """The error for a letter that is not DNA at 1-based *position* of sequence *name*."""
    return DlbioError(f"{name}: letter {letter!r} at position {position} is not DNA (A, C, G, T, N or IUPAC)")


def decode(idx: np.ndarray) -> str:
    """uint8 base index (L,) -> DNA string (N for 4)."""
    return "".join("AGCTN"[i] for i in np.asarray(idx))


def reverse_complement(idx: np.ndarray) -> np.ndarray:
    """Reverse complement of base indices (..., L) in A,G,C,T order."""
    return _COMPLEMENT[np.asarray(idx)][..., ::-1]


def agct_to_acgt(matrix: np.ndarray) -> np.ndarray:
    """Reorder the last axis from A,G,C,T to A,C,G,T (MEME, JASPAR, logos)."""
    return np.asarray(matrix)[..., [0, 2, 1, 3]]


def acgt_to_agct(matrix: np.ndarray) -> np.ndarray:
    """Reorder the last axis from A,C,G,T to A,G,C,T (the model's input order)."""
    return np.asarray(matrix)[..., [0, 2, 1, 3]]
