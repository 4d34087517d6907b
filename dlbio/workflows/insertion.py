"""dlbio insert-motif: write motifs into background sequences and see which targets respond."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data.targets import target_names_for
from dlbio.utils.errors import require
from dlbio.utils.options import Options

COLUMNS = ("motif", "word", "start", "target", "name", "background", "with_motif", "diff", "log_odds_diff", "rose")


def backgrounds_for(
    length: int, n: int, fasta: str | Path | None = None, gc: float = 0.41, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, str]:
    """The sequences a motif is inserted into.

    Parameters
    ----------
    length : int
        The model's sequence length.
    n : int
        How many.
    fasta : str or pathlib.Path or None, optional
        Take the first *n* records of this FASTA (each *length* bp); else random sequences.
    gc : float, optional
        The random sequences' GC fraction.
    rng : numpy.random.Generator or None, optional
        Draws the random sequences (default: seed 0).

    Returns
    -------
    tuple
        (base indices uint8 (n, length), what they are, in words).
    """
    require(n >= 1, f"-n must be at least 1, got {n}")
    if fasta:
        from dlbio.data.fasta import encode_record, read_records

        records = read_records(fasta)[:n]
        idx = np.stack([encode_record(fasta, rid, seq, length) for rid, seq in records])
        return idx, f"{len(idx)} sequences of {fasta}"
    from dlbio.data.simulate import random_bases

    require(0.0 < gc < 1.0, f"--gc must be between 0 and 1, got {gc}")
    rng = np.random.default_rng(0) if rng is None else rng
    return random_bases(rng, n, length, gc), f"{n} random sequences ({gc:.0%} GC)"


@dataclass(frozen=True)
class InsertionOptions(Options):
    """The backgrounds :func:`insert_motifs` writes motifs into, and how it predicts.

    Attributes
    ----------
    n : int, default=100
        Backgrounds.
    fasta : str or pathlib.Path, optional
        Take the backgrounds from the first *n* records of this FASTA (each L bp); default
        random sequences of GC fraction *gc* (backgrounds_for).
    gc : float, default=0.41
        GC fraction of random backgrounds.
    position : int, optional
        Where each motif starts (1-based); default centred.
    both_strands : bool, default=False
        Average each sequence's and its reverse complement's predictions.
    seed : int, default=0
        Random backgrounds, then sampled sites.
    release : str, optional
        The JASPAR release.
    batch_size : int, default=256
        Sequences per batch.
    progress : bool or str, default=False
        Show progress.
    sample : bool, default=False
        Insert a JASPAR motif as a site drawn from its matrix for each background, not its
        consensus.
    """

    n: int = 100
    fasta: str | Path | None = None
    gc: float = 0.41
    position: int | None = None
    both_strands: bool = False
    seed: int = 0
    release: str | None = None
    batch_size: int = 256
    progress: bool | str = False
    sample: bool = False


def insert_motifs(
    model,
    queries: list[str],
    out: str | Path,
    names: list[str] | None = None,
    options: InsertionOptions | None = None,
    **overrides,
) -> dict:
    """Which targets does a motif switch on?  Each motif written into the same backgrounds,
    and the predictions before and after (dlbio insert-motif).

    Writes a TSV with one row per motif and target (COLUMNS; per motif, targets by
    falling mean difference).

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4).
    queries : list of str
        DNA words (A, C, G, T), inserted as they are, or JASPAR ids or names, inserted as
        their consensus (dlbio.interpret.insertion.motif_word).
    out : str or pathlib.Path
        The TSV.
    names : list of str, optional
        The targets' names.
    options : InsertionOptions, optional
        The backgrounds :func:`insert_motifs` writes motifs into, and how it predicts (the defaults when None).
    **overrides
        Fields of *options* to set (``n=50, seed=3``), as keywords.

    Returns
    -------
    dict
        ``path``, ``backgrounds`` (what they are, in words), ``motifs``: per motif
        ``label``, ``word``, ``sampled``, ``start`` (1-based), ``summary``
        (dlbio.interpret.insertion.summarize: arrays shape=(T,)) and ``order`` (targets by
        falling difference).
    """
    o = InsertionOptions.merged(options, overrides)
    n, fasta, gc, position = o.n, o.fasta, o.gc, o.position
    both_strands, seed, release, batch_size = o.both_strands, o.seed, o.release, o.batch_size
    progress, sample = o.progress, o.sample
    from dlbio.interpret.insertion import insertion_effects, motif_word, summarize
    from dlbio.utils.atomic import write_text

    require(queries, "give at least one motif (-m CTCF, -m MA0139.2 or a DNA word, -m GATAAG)")
    require(position is None or position >= 1, f"--position is 1-based, got {position}")
    words = [motif_word(q, release) for q in queries]
    length = model.inputs[0].shape[1]
    rng = np.random.default_rng(seed)
    backgrounds, described = backgrounds_for(length, n, fasta, gc, rng)
    base, inserted, starts = insertion_effects(
        model,
        backgrounds,
        words,
        None if position is None else position - 1,
        both_strands,
        batch_size,
        progress,
        rng if sample else None,
    )
    target_names = target_names_for(model, names)
    rows, motifs = ["\t".join(COLUMNS)], []
    for w, start, pred in zip(words, starts, inserted):
        s = summarize(base, pred)
        order = np.argsort(-s["diff"], kind="stable")
        sampled = sample and w.motif is not None  # a DNA word goes in as it is, --sample or not
        word = f"sampled from {w.motif.matrix_id}" if sampled else w.word
        rows += [
            f"{w.label}\t{word}\t{start + 1}\t{t + 1}\t{target_names[t]}\t{s['background'][t]:.5f}\t"
            f"{s['with_motif'][t]:.5f}\t{s['diff'][t]:+.5f}\t{s['log_odds_diff'][t]:+.4f}\t{s['rose'][t]:.3f}"
            for t in order
        ]
        motifs.append(
            {"label": w.label, "word": w.word, "sampled": sampled, "start": start + 1, "summary": s, "order": order}
        )
    path = write_text(out, "\n".join(rows) + "\n")
    return {"path": path, "backgrounds": described, "motifs": motifs, "names": target_names}
