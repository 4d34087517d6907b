"""Seeded generators for the class-2 toy data sets.

Unlike the slide scripts (which seed numpy but draw with :mod:`random`), every
generator here takes a seed and is exactly reproducible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from dlbio.utils.errors import require


def check_binary_motif(motif: str) -> str:
    """Check a class-example motif.

    Parameters
    ----------
    motif : str
        A motif of 0s and 1s.

    Returns
    -------
    str
        *motif*.

    Raises
    ------
    DlbioError
        When it is empty or holds another character.
    """
    require(bool(motif) and set(motif) <= {"0", "1"}, f"motif {motif!r} must be a non-empty string of 0s and 1s")
    return motif


def random_binary_strings(n: int, length: int, rng: np.random.Generator) -> list[str]:
    """Uniformly random strings of '0' and '1'.

    Parameters
    ----------
    n : int
        Strings and their length.
    length : int
        Strings and their length.
    rng : numpy.random.Generator
        The generator.

    Returns
    -------
    list of str
    """
    bits = rng.integers(0, 2, size=(n, length), dtype=np.uint8)
    return ["".join("01"[b] for b in row) for row in bits]


def strings_to_array(strings: list[str]) -> np.ndarray:
    """Binary strings as the models' input.

    Parameters
    ----------
    strings : list of str
        n strings of '0'/'1', of one length L.

    Returns
    -------
    numpy.ndarray
        float32 (n, L, 1) of 0.0/1.0.
    """
    arr = np.array([[c == "1" for c in s] for s in strings], dtype=np.float32)
    return arr.reshape(len(strings), -1, 1)


def motif_labels(strings: list[str], motif: str) -> np.ndarray:
    """Whether a motif occurs in each string.

    Parameters
    ----------
    strings : list of str
        n strings.
    motif : str
        A regular expression (a string of 0s and 1s).

    Returns
    -------
    numpy.ndarray
        uint8 (n,): 1 where *motif* occurs anywhere.
    """
    pattern = re.compile(motif)
    return np.array([1 if pattern.search(s) else 0 for s in strings], dtype=np.uint8)


@dataclass
class MotifDetectionSet:
    """Train/test split of random binary strings labelled by motif presence.

    x_*: float32 (n, length, 1); y_*: uint8 (n,); *_strings: the same as text.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_strings: list[str]
    test_strings: list[str]


def motif_detection_set(n_train: int, n_test: int, length: int, motif: str, seed: int) -> MotifDetectionSet:
    """The mdet data: random 0/1 strings, label 1 when the motif occurs (slides: 1000/40,
    length 10, '111').

    Parameters
    ----------
    n_train : int
        Strings.
    n_test : int
        Strings.
    length : int
        Their length.
    motif : str
        The motif of 0s and 1s.
    seed : int
        Seeds the strings.

    Returns
    -------
    MotifDetectionSet
        x float32 (n, L, 1) and labels uint8 (n,) of each split, and the strings.
    """
    check_binary_motif(motif)
    require(len(motif) <= length, f"motif {motif!r} is longer than the sequence length {length}")
    rng = np.random.default_rng(seed)
    train = random_binary_strings(n_train, length, rng)
    test = random_binary_strings(n_test, length, rng)
    return MotifDetectionSet(
        strings_to_array(train),
        motif_labels(train, motif),
        strings_to_array(test),
        motif_labels(test, motif),
        train,
        test,
    )


def palindrome_blocks(n_seq: int, seq_len: int, max_block: int, rng: np.random.RandomState) -> list[str]:
    """Strings made of blocks 0^n 1^n with n uniform in 1..max_block-1, cut to *seq_len*.

    Parameters
    ----------
    n_seq : int
        Strings and their length.
    seq_len : int
        Strings and their length.
    max_block : int
        One more than the largest n.
    rng : numpy.random.RandomState
        numpy's legacy generator, because the slide script draws n with
        ``np.random.seed(7); np.random.randint(1, high=20)``: the same calls on
        ``RandomState(7)`` give exactly the slides' strings.

    Returns
    -------
    list of str
    """
    out = []
    for _ in range(n_seq):
        parts, size = [], 0
        while size < seq_len:
            n = int(rng.randint(1, high=max_block))
            parts.append("0" * n + "1" * n)
            size += 2 * n
        out.append("".join(parts)[:seq_len])
    return out


def deterministic_windows(seq: str, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows and the next character, only where the next character is determined.

    After the first 0->1 switch the continuation is forced when the next char is '1' (we are
    inside a 1-block, or it starts) or the first '0' after a '1'.

    Parameters
    ----------
    seq : str
        A string of :func:`palindrome_blocks`.
    window : int
        Characters per window.

    Returns
    -------
    tuple of numpy.ndarray
        x uint8 (m, window) and y uint8 (m,).
    """
    xs, ys = [], []
    start, prev = False, ""
    for j in range(window, len(seq)):
        c = seq[j]
        if start and (c == "1" or (c == "0" and prev == "1")):
            xs.append([ch == "1" for ch in seq[j - window : j]])
            ys.append(c == "1")
        if prev == "0" and c == "1":
            start = True
        prev = c
    return np.array(xs, dtype=np.uint8).reshape(-1, window), np.array(ys, dtype=np.uint8)


@dataclass
class NextCharSet:
    """vgrad data: x_* float32 (m, window, 1), y_* float32 (m,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def next_char_set(
    n_seq: int = 200, seq_len: int = 1000, n_train: int = 150, window: int = 100, max_block: int = 20, seed: int = 7
) -> NextCharSet:
    """The vanishing-gradient data of the slides: the first *n_train* strings train, the rest
    test.  With the defaults and seed 7 these are the slide script's own windows.

    Parameters
    ----------
    n_seq : int, optional
        Strings and their length.
    seq_len : int, optional
        Strings and their length.
    n_train : int, optional
        Training strings.
    window : int, optional
        Characters per window.
    max_block : int, optional
        See :func:`palindrome_blocks`.
    seed : int, optional
        The legacy RandomState's seed.

    Returns
    -------
    NextCharSet
        x float32 (m, window, 1) and y float32 (m,) of each split.
    """
    require(n_seq >= 2, f"--n-seq must be at least 2 (strings to train on and to test on), got {n_seq}")
    require(
        0 < n_train < n_seq,
        f"--n-train must be between 1 and --n-seq - 1 ({n_seq - 1}): the other strings are the test set, got {n_train}",
    )
    require(window < seq_len, f"window ({window}) must be shorter than the sequence length ({seq_len})")
    seqs = palindrome_blocks(n_seq, seq_len, max_block, np.random.RandomState(seed))
    parts = [deterministic_windows(s, window) for s in seqs]

    def stack(chunk):
        x = np.concatenate([p[0] for p in chunk]).astype(np.float32)[..., None]
        return x, np.concatenate([p[1] for p in chunk]).astype(np.float32)

    x_train, y_train = stack(parts[:n_train])
    x_test, y_test = stack(parts[n_train:])
    return NextCharSet(x_train, y_train, x_test, y_test)
