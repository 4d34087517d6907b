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
    """One-hot DNA in any layout -> base indices.

    Parameters
    ----------
    onehot : numpy.ndarray
        One-hot DNA, A,G,C,T order along *axis*, e.g. (N, L, 4) or DeepSEA's (N, 4, L); uint8,
        bool or float. An all-zero column is N.
    axis : int
        The axis of the 4 bases.

    Returns
    -------
    numpy.ndarray
        uint8 base indices (0=A, 1=G, 2=C, 3=T, 4=N), *onehot*'s shape without *axis*.

    Raises
    ------
    DlbioError
        When *axis* is not of size 4, or a uint8 column holds a value other than 0 and 1 or
        sets more than one base.
    """
    onehot = np.asarray(onehot)
    if onehot.shape[axis] != 4:
        raise DlbioError(f"one-hot axis {axis} has size {onehot.shape[axis]}, expected 4 bases")
    if onehot.dtype in (np.uint8, np.bool_):
        # DeepSEA stores exact 0/1 uint8: a weighted sum is several times faster than argmax.
        a, g, c, t = (np.take(onehot, i, axis=axis).astype(np.uint8, copy=False) for i in range(4))
        present = a | g | c | t
        if (present > 1).any():  # before the sum below, which would wrap around in uint8
            raise DlbioError(f"one-hot data holds a value other than 0 and 1 ({int(present.max())})")
        if (a + g + c + t > 1).any():
            raise DlbioError("one-hot data has more than one base set at a position")
        idx = g + 2 * c + 3 * t
        idx[present == 0] = N_CODE
        return idx.astype(np.uint8, copy=False)
    idx = np.argmax(onehot, axis=axis).astype(np.uint8)
    idx[np.max(onehot, axis=axis) == 0] = N_CODE
    return idx


def index_to_onehot(idx: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Base indices -> one-hot DNA.

    Parameters
    ----------
    idx : numpy.ndarray
        uint8 base indices (..., L), 4 for N.
    dtype : numpy dtype, optional
        The one-hot's type (float32).

    Returns
    -------
    numpy.ndarray
        One-hot (..., L, 4) in A,G,C,T order; N is an all-zero row.
    """
    eye = np.vstack([np.eye(4, dtype=dtype), np.zeros((1, 4), dtype=dtype)])
    # np.take, not eye[idx]: the same rows, 8-9x faster here (the JAX and PyTorch loaders
    # encode every training batch on the host with this; docs/benchmarks.md).  The look-ups
    # below use it for the same reason.
    return np.take(eye, np.asarray(idx), axis=0)


def encode(seq: str, name: str = "sequence") -> np.ndarray:
    """A DNA string -> base indices.

    Lower case is accepted; IUPAC ambiguity codes (R Y S W K M B D H V N) become N; U (RNA)
    reads as T.

    Parameters
    ----------
    seq : str
        The sequence.
    name : str, optional
        The sequence's name, for the error.

    Returns
    -------
    numpy.ndarray
        uint8 base indices (L,).

    Raises
    ------
    DlbioError
        Naming *name*, the letter and its 1-based position, for a letter that is not DNA.
    """
    idx = encode_lenient(seq)
    bad = np.flatnonzero(idx == NOT_DNA)
    if len(bad):
        raise not_dna(name, seq[bad[0]], bad[0] + 1)
    return idx


def encode_lenient(seq: str) -> np.ndarray:
    """A DNA string -> base indices as :func:`encode`, with NOT_DNA (255) where a letter is not
    DNA, for a caller that checks only the parts it uses (a chromosome's windows).

    Parameters
    ----------
    seq : str
        The sequence.

    Returns
    -------
    numpy.ndarray
        uint8 base indices (L,): 0-4, or 255 for a letter that is not DNA.
    """
    return np.take(_LUT, np.frombuffer(seq.encode("ascii", errors="replace"), dtype=np.uint8))


def not_dna(name: str, letter: str, position: int) -> DlbioError:
    """The error for a letter that is not DNA.

    Parameters
    ----------
    name : str
        The sequence's name.
    letter : str
        The letter.
    position : int
        Its 1-based position.

    Returns
    -------
    DlbioError
        A one-line error naming all three.
    """
    return DlbioError(f"{name}: letter {letter!r} at position {position} is not DNA (A, C, G, T, N or IUPAC)")


def decode(idx: np.ndarray) -> str:
    """Base indices -> a DNA string.

    Parameters
    ----------
    idx : numpy.ndarray
        uint8 base indices (L,).

    Returns
    -------
    str
        The sequence in A, G, C, T and N (for 4).
    """
    return "".join("AGCTN"[i] for i in np.asarray(idx))


def reverse_complement(idx: np.ndarray) -> np.ndarray:
    """The reverse complement of base indices.

    Parameters
    ----------
    idx : numpy.ndarray
        uint8 base indices (..., L) in A,G,C,T order (N stays N).

    Returns
    -------
    numpy.ndarray
        uint8 (..., L): complemented and reversed along the last axis.
    """
    return np.take(_COMPLEMENT, np.asarray(idx))[..., ::-1]


def agct_to_acgt(matrix: np.ndarray) -> np.ndarray:
    """Reorder the last axis from A,G,C,T (the model's order) to A,C,G,T (MEME, JASPAR, logos).

    Parameters
    ----------
    matrix : numpy.ndarray
        (..., 4) in A,G,C,T order.

    Returns
    -------
    numpy.ndarray
        (..., 4) in A,C,G,T order.
    """
    return np.asarray(matrix)[..., [0, 2, 1, 3]]


def acgt_to_agct(matrix: np.ndarray) -> np.ndarray:
    """Reorder the last axis from A,C,G,T (MEME, JASPAR, TF-MoDISco) to A,G,C,T (the model's order).

    Parameters
    ----------
    matrix : numpy.ndarray
        (..., 4) in A,C,G,T order.

    Returns
    -------
    numpy.ndarray
        (..., 4) in A,G,C,T order.
    """
    return np.asarray(matrix)[..., [0, 2, 1, 3]]
