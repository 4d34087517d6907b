"""dlbio variants: every variant of a VCF scored, reference against alternative allele, per target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data.genome import Genome
from dlbio.data.targets import target_names_for
from dlbio.predict.variant_tables import summary_writer, variant_writer
from dlbio.predict.variants import read_vcf, score_variants
from dlbio.utils.errors import require
from dlbio.utils.options import Options
from dlbio.utils.progress import counter


@dataclass(frozen=True)
class VariantOptions(Options):
    """How :func:`score_vcf` reads the VCF and scores its variants.

    Attributes
    ----------
    both_strands : bool, default=False
        Average each window's and its reverse complement's predictions.
    skip_mismatch : bool, default=False
        Leave out (and count) a variant whose REF differs from the genome, instead of
        stopping at it.
    warn : callable, optional
        Called with the message of each REF mismatch skipped (the CLI prints them).
    progress : bool or str, default=False
        Show progress.
    targets : list of int, optional
        Keep only these targets (1-based).
    chunk : int, default=4096
        Variants per batch of windows.
    batch_size : int, default=256
        Windows per prediction batch (larger on a GPU).
    top : int, default=5
        How many of the strongest variants to return.
    strict : bool, default=False
        A record left out (a chromosome the genome lacks, a symbolic allele, ...) is an error.
    """

    both_strands: bool = False
    skip_mismatch: bool = False
    warn: Callable[[str], None] | None = None
    progress: bool | str = False
    targets: list[int] | None = None
    chunk: int = 4096
    batch_size: int = 256
    top: int = 5
    strict: bool = False


def score_vcf(
    model,
    vcf: str | Path,
    genome_path: str | Path,
    out: str | Path,
    names: list[str] | None = None,
    options: VariantOptions | None = None,
    **overrides,
) -> dict:
    """Score the variants of a VCF: per variant and target, the reference and alternative
    allele's probabilities, their difference and log-odds difference (dlbio variants).

    Variants are scored *chunk* at a time and written as they come, so memory does not grow
    with the VCF.  Beside *out*, ``<out stem>.summary.tsv`` has one row per variant: its
    largest |diff| and |log-odds diff| and their targets.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4): each allele is scored in the L-bp window
        centred on it, indels against the edited genome.
    vcf : str or pathlib.Path
        The variants (plain or gzipped VCF); SNVs, indels and MNPs.
    genome_path : str or pathlib.Path
        The reference FASTA the VCF is on.
    out : str or pathlib.Path
        A long TSV (one row per variant and target) or, ending in .h5, HDF5: ``ref_prob``
        and ``alt_prob`` shape=(V, T) float32 and the variant columns.
    names : list of str, optional
        The targets' names (dlbio.data.targets.target_names_for).
    options : VariantOptions, optional
        How :func:`score_vcf` reads the VCF and scores its variants (the defaults when None).
    **overrides
        Fields of *options* to set (``chunk=1024, strict=True``), as keywords.

    Returns
    -------
    dict
        ``path``, ``summary`` (the two files), ``n`` (variants scored), ``notes`` (what was
        left out), ``strongest``: the *top* variants by max |diff|, as (Variant, target
        name, diff).
    """
    o = VariantOptions.merged(options, overrides)
    both_strands, skip_mismatch, warn, progress = o.both_strands, o.skip_mismatch, o.warn, o.progress
    targets, chunk, top, strict = o.targets, o.chunk, o.top, o.strict
    genome = Genome(genome_path)
    variants, notes = read_vcf(vcf, genome, skip_mismatch, warn)
    notes.refuse_if(strict, str(vcf))
    require(variants, f"{vcf}: no usable variants ({', '.join(f'{k}: {v}' for k, v in notes.items()) or 'empty'})")
    all_names = target_names_for(model, names)
    columns = [t - 1 for t in targets] if targets else list(range(len(all_names)))
    require(
        all(0 <= c < len(all_names) for c in columns),
        f"--targets: the model has {len(all_names)} targets, got {', '.join(str(c + 1) for c in columns)}",
    )
    chosen = [all_names[c] for c in columns]
    summary = Path(out).with_suffix(".summary.tsv")
    best, best_target = np.zeros(len(variants), np.float32), np.zeros(len(variants), np.int64)
    with (
        variant_writer(out, variants, chosen, both_strands) as write,
        summary_writer(summary, chosen) as ranked,
        counter(len(variants), "variants", "variant", progress) as bar,
    ):
        for i in range(0, len(variants), chunk):
            part = variants[i : i + chunk]
            ref_p, alt_p = score_variants(model, genome, part, both_strands, o.batch_size)
            write(i, part, ref_p[:, columns], alt_p[:, columns])
            best[i : i + len(part)], best_target[i : i + len(part)] = ranked(part, ref_p[:, columns], alt_p[:, columns])
            bar.update(len(part))
    order = np.argsort(-np.abs(best), kind="stable")[:top]
    return {
        "path": Path(out),
        "summary": summary,
        "n": len(variants),
        "notes": notes,
        "strongest": [(variants[k], chosen[best_target[k]], float(best[k])) for k in order],
    }
