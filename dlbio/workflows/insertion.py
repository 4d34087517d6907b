"""dlbio insert-motif: write motifs into background sequences and see which targets respond."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.data.targets import target_names_for
from dlbio.utils.errors import require

COLUMNS = ("motif", "word", "start", "target", "name", "background", "with_motif", "diff", "log_odds_diff", "rose")


def backgrounds_for(
    length: int, n: int, fasta: str | Path | None = None, gc: float = 0.41, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, str]:
    """(base index uint8 (n, length), what they are in words): the first *n* records of
    *fasta* (each *length* bp), else *n* random sequences of GC fraction *gc* drawn from *rng*
    (default: seed 0)."""
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


def insert_motifs(
    model,
    queries: list[str],
    out: str | Path,
    names: list[str] | None = None,
    n: int = 100,
    fasta: str | Path | None = None,
    gc: float = 0.41,
    position: int | None = None,
    both_strands: bool = False,
    seed: int = 0,
    release: str | None = None,
    batch_size: int = 256,
    progress: bool | str = False,
    sample: bool = False,
) -> dict:
    """Each motif of *queries* (DNA words or JASPAR ids/names, dlbio.interpret.insertion.motif_word)
    written into the same backgrounds (backgrounds_for) at 1-based *position*, or centred;
    a JASPAR motif as its consensus, or with *sample* as a site drawn from its matrix for
    each background (seeded, after the backgrounds);
    writes a TSV with one row per motif and target (COLUMNS; per motif, targets by falling
    mean diff).

    Returns {'path', 'backgrounds' (words), 'motifs': per motif {'label', 'word', 'sampled',
    'start' (1-based), 'summary': dlbio.interpret.insertion.summarize (T,) arrays, 'order': targets by
    falling diff}}.
    """
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
