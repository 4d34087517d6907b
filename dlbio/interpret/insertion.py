"""In-silico motif insertion: which targets does a motif switch on?

A motif's word is written into background sequences at the same place, and each
target's prediction is compared with and without it (what tangermeme calls
marginalization).  Backgrounds are random bases of a given GC content or the
user's own sequences; the word is a DNA string or a JASPAR motif's consensus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from dlbio.data.encoding import encode
from dlbio.utils.errors import DlbioError, require

_DNA_WORD = re.compile(r"[ACGTacgt]+")


@dataclass(frozen=True)
class Word:
    label: str  # what the user asked for, with the JASPAR id and name when it is one
    word: str  # the bases inserted, A/C/G/T (a JASPAR motif's consensus)
    motif: object = None  # the JasparMotif, for a JASPAR query: sites can be sampled from it

    def sites(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """What goes into the backgrounds.

        Parameters
        ----------
        n : int
            Backgrounds.
        rng : numpy.random.Generator or None, optional
            With a JASPAR motif: draw a site from its matrix for each background; else the word
            itself.

        Returns
        -------
        numpy.ndarray
            Base indices uint8 (n, len(word)).
        """
        if rng is not None and self.motif is not None:
            from dlbio.data.simulate import sample_sites

            return sample_sites(self.motif, n, rng)
        return np.broadcast_to(encode(self.word), (n, len(self.word)))


def motif_word(query: str, release: str | None = None) -> Word:
    """What to insert for a ``-m`` value.

    Parameters
    ----------
    query : str
        A DNA word (only A, C, G, T), taken as it is; anything else a JASPAR id or name
        (:func:`dlbio.motifs.jaspar.find`), inserted as its consensus (the most frequent base of
        each column).
    release : str or None, optional
        The JASPAR release.

    Returns
    -------
    Word

    Raises
    ------
    DlbioError
        When *query* is neither a DNA word nor a JASPAR motif.
    """
    query = query.strip()
    if _DNA_WORD.fullmatch(query):
        return Word(query.upper(), query.upper())
    from dlbio.motifs import jaspar

    try:
        m = jaspar.find(query, release or jaspar.DEFAULT_RELEASE)
    except DlbioError as exc:
        raise DlbioError(f"{exc} (nor a DNA word of A, C, G, T)") from None
    return Word(f"{m.matrix_id} {m.name}", "".join("ACGT"[i] for i in m.counts.argmax(axis=1)), m)


def with_sites(backgrounds: np.ndarray, sites: np.ndarray, start: int) -> np.ndarray:
    """Backgrounds with sites written in.

    Parameters
    ----------
    backgrounds : numpy.ndarray
        Base indices uint8 (n, L).
    sites : numpy.ndarray
        uint8 (n, k), or one site (k,) for all.
    start : int
        0-based position of the sites' first base.

    Returns
    -------
    numpy.ndarray
        A copy, uint8 (n, L).
    """
    out = backgrounds.copy()
    out[:, start : start + sites.shape[-1]] = sites
    return out


def insertion_effects(
    model,
    backgrounds: np.ndarray,
    words: list[Word],
    start: int | None = None,
    both_strands: bool = False,
    batch_size: int = 256,
    progress: bool | str = False,
    sample: np.random.Generator | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """Predict the backgrounds without and with each word, in one prediction pass over all.

    Parameters
    ----------
    model : keras.Model
        A model on one-hot DNA (L, 4) with T outputs.
    backgrounds : numpy.ndarray
        Base indices uint8 (n, L).
    words : list of Word
        What to insert.
    start : int or None, optional
        0-based position of each word's first base; None: centred.
    both_strands : bool, optional
        Average each prediction with its reverse complement's.
    batch_size : int, optional
        Sequences per prediction batch.
    progress : bool or str, optional
        See :mod:`dlbio.utils.progress`.
    sample : numpy.random.Generator or None, optional
        Draw a JASPAR motif's sites from its matrix (:meth:`Word.sites`) instead of its
        consensus.

    Returns
    -------
    tuple
        (background predictions float32 (n, T), per word float32 (n, T), per word its 0-based
        start).
    """
    from dlbio.predict import predict_index

    length = backgrounds.shape[1]
    starts = []
    for w in words:
        name = w.label if len(w.label) <= 40 else w.label[:37] + "..."
        require(len(w.word) <= length, f"{name}: the motif is {len(w.word)} bp, longer than the {length}-bp sequences")
        first = (length - len(w.word)) // 2 if start is None else start
        require(
            0 <= first <= length - len(w.word),
            f"{name}: {len(w.word)} bp from position {first + 1} do not fit in {length} bp",
        )
        starts.append(first)
    batches = [backgrounds] + [
        with_sites(backgrounds, w.sites(len(backgrounds), sample), s) for w, s in zip(words, starts)
    ]
    pred = predict_index(
        model, np.concatenate(batches), progress=progress, both_strands=both_strands, batch_size=batch_size
    )
    parts = np.split(pred, len(batches))
    return parts[0], parts[1:], starts


def summarize(background: np.ndarray, inserted: np.ndarray) -> dict[str, np.ndarray]:
    """What a word does to each target.

    Parameters
    ----------
    background : numpy.ndarray
        float (n, T) predictions without the word.
    inserted : numpy.ndarray
        float (n, T) with it.

    Returns
    -------
    dict
        Per target, float (T,) each: 'background' and 'with_motif' (mean predictions), 'diff'
        (mean difference), 'log_odds_diff' (mean log-odds difference) and 'rose' (the share of
        backgrounds whose prediction rose).
    """
    from dlbio.predict.variants import logit

    return {
        "background": background.mean(axis=0),
        "with_motif": inserted.mean(axis=0),
        "diff": (inserted - background).mean(axis=0),
        "log_odds_diff": (logit(inserted) - logit(background)).mean(axis=0),
        "rose": (inserted > background).mean(axis=0),
    }
