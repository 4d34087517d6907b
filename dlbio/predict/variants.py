"""Score variants from a VCF with any one-hot DNA model.

VCF behaviour: ``##``/``#CHROM`` header lines skipped; several ALT alleles are split
into one record each; SNVs, indels and MNPs are scored (windows centred on the allele:
see variant_windows), symbolic (``<DEL>``, ``*``, breakends) alleles are skipped and
counted; chromosomes absent from the genome are skipped and counted (after chr1/1 style
matching, which is reported); a REF that differs from the genome is an error naming the
record, or with ``skip_mismatch`` a counted skip.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data.encoding import encode
from dlbio.data.genome import Genome, chromosome_windows
from dlbio.data.intervals import open_text
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import Notes

# SNVs closer than this (bp between window starts) share one read of the genome: reading the
# gap costs about what a read of its own does (4 KB: a few microseconds).
SNV_GAP = 4096


@dataclass
class Variant:
    chrom: str  # the genome's name
    pos: int  # 1-based, as in the VCF
    id: str
    ref: str
    alt: str
    line: int


def read_vcf(path: str | Path, genome: Genome, skip_mismatch: bool = False, warn=None) -> tuple[list[Variant], Notes]:
    """Read a VCF's variants, each REF checked against the genome.

    Parameters
    ----------
    path : str or pathlib.Path
        A VCF, plain or gzipped.
    genome : Genome
        The genome the VCF is on (chr1/1 naming matched).
    skip_mismatch : bool, optional
        Count and skip a variant whose REF differs from the genome, instead of failing.
    warn : callable, optional
        Called with the message of each REF mismatch skipped (with *skip_mismatch*).

    Returns
    -------
    tuple of (list of Variant, Notes)
        The variants (one per ALT allele), and the counted records left out (symbolic alleles,
        mismatches, unknown contigs).

    Raises
    ------
    DlbioError
        For a malformed line or a REF mismatch, naming the file and line.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: VCF file not found")
    out, notes = [], Notes()
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n\r").split("\t")
                require(
                    len(cols) >= 5,
                    f"{path}: line {lineno}: expected at least 5 tab-separated columns (CHROM POS ID REF ALT)",
                )
                chrom, pos_s, vid, ref, alts = cols[:5]
                try:
                    pos = int(pos_s)
                except ValueError:
                    raise DlbioError(f"{path}: line {lineno}: POS {pos_s!r} is not an integer") from None
                require(pos >= 1, f"{path}: line {lineno}: POS must be at least 1, got {pos}")
                ref = ref.upper()
                require(ref and set(ref) <= set("ACGTN"), f"{path}: line {lineno}: REF {ref!r} is not DNA")
                resolved = genome.resolve(chrom)
                where = vid if vid not in (".", "") else f"{chrom}:{pos}"
                if resolved is None:
                    notes.add("chromosome not in genome, skipped", where)
                    continue
                if resolved != chrom:
                    notes.add(f"chromosome renamed to the genome's style ({genome.style})", changes=False)
                if pos + len(ref) - 1 > genome.lengths[resolved]:
                    notes.add("past chromosome end, skipped", where)
                    continue
                for alt in alts.upper().split(","):
                    if alt.startswith("<") or alt in ("*", ".") or "[" in alt or "]" in alt:
                        notes.add("symbolic allele, skipped", where)
                        continue
                    require(set(alt) <= set("ACGTN"), f"{path}: line {lineno}: ALT {alt!r} is not DNA")
                    if alt == ref:
                        notes.add("ALT equal to REF, skipped", where)
                        continue
                    found = genome.fetch(resolved, pos - 1, pos - 1 + len(ref))
                    if found != ref:
                        msg = (
                            f"{path}: line {lineno}: REF {ref} does not match the genome ({found}) at {resolved}:{pos}"
                        )
                        if not skip_mismatch:
                            raise DlbioError(msg + " (wrong genome build? --skip-mismatch skips such records)")
                        notes.add("REF mismatch, skipped", where)
                        if warn:
                            warn(msg)
                        continue
                    if len(ref) != 1 or len(alt) != 1:
                        notes.add("indel or MNP (windows centred on each allele)", changes=False)
                    out.append(Variant(resolved, pos, vid, ref, alt, lineno))
    except UnicodeDecodeError:
        raise DlbioError(f"{path}: not a text VCF file") from None
    except (OSError, EOFError) as exc:
        raise DlbioError(f"{path}: cannot read ({exc})") from None
    return out, notes


def variant_windows(genome: Genome, variants: list[Variant], length: int) -> tuple[np.ndarray, np.ndarray]:
    """The model's windows around each variant, with its REF and with its ALT.

    Each allele's middle base (index len // 2) sits at position length // 2.  For an SNV the
    two windows differ in that one base; for an indel the flanks shift by the difference in
    length, as in the edited genome; an allele longer than the window is cut to its middle
    *length* bases.

    Parameters
    ----------
    genome : Genome
        The genome.
    variants : list of Variant
        V variants.
    length : int
        The model's input length L.

    Returns
    -------
    tuple of numpy.ndarray
        (ref, alt) base indices, uint8 (V, L) each.
    """
    half = length // 2
    ref = np.zeros((len(variants), length), np.uint8)
    alt = np.zeros_like(ref)
    # SNVs close together: their REF windows are the genome's, read a stretch at a time (one
    # read for the cluster instead of two a variant: docs/benchmarks.md), the ALT windows
    # copies with the middle base changed.  Every other variant is cut on its own.
    alone = []
    for chrom, rows in _snvs_by_chromosome(variants).items():
        starts = np.array([variants[i].pos - 1 - half for i in rows], np.int64)
        order = np.argsort(starts, kind="stable")
        rows, starts = np.asarray(rows)[order], starts[order]
        for run in np.split(np.arange(len(rows)), np.flatnonzero(np.diff(starts) > SNV_GAP) + 1):
            if len(run) == 1:
                alone.append(int(rows[run[0]]))
                continue
            cluster = rows[run]
            ref[cluster] = chromosome_windows(genome, chrom, starts[run], length)
            alt[cluster] = ref[cluster]
            alt[cluster, half] = encode("".join(variants[i].alt for i in cluster), f"{chrom}: ALT alleles")
    alone += [i for i, v in enumerate(variants) if len(v.ref) != 1 or len(v.alt) != 1]
    for i in alone:
        v = variants[i]
        p0 = v.pos - 1
        left = genome.fetch(v.chrom, p0 - half, p0)
        right = genome.fetch(v.chrom, p0 + len(v.ref), p0 + len(v.ref) + length)
        for out, allele in ((ref, v.ref), (alt, v.alt)):
            edited = left + allele + right
            first = len(allele) // 2
            out[i] = encode(edited[first : first + length], f"{v.chrom}:{v.pos}")
    return ref, alt


def _snvs_by_chromosome(variants: list[Variant]) -> dict[str, list[int]]:
    """The indices of the SNVs among *variants*, by chromosome."""
    snvs: dict[str, list[int]] = {}
    for i, v in enumerate(variants):
        if len(v.ref) == 1 and len(v.alt) == 1:
            snvs.setdefault(v.chrom, []).append(i)
    return snvs


def logit(p: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The log-odds of probabilities.

    Parameters
    ----------
    p : numpy.ndarray
        Probabilities, any shape.
    eps : float, optional
        *p* is clipped to [eps, 1 - eps] first, so that 0 and 1 stay finite.

    Returns
    -------
    numpy.ndarray
        log(p / (1 - p)), *p*'s shape.
    """
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


def score_variants(
    model,
    genome: Genome,
    variants: list[Variant],
    both_strands: bool = False,
    batch_size: int = 256,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Predict every variant's REF and ALT windows.

    Parameters
    ----------
    model : keras.Model
        A model on one-hot DNA (L, 4) with T sigmoid outputs.
    genome : Genome
        The genome.
    variants : list of Variant
        V variants.
    both_strands : bool, optional
        Average each window's prediction with its reverse complement's.
    batch_size : int, optional
        Windows per prediction batch.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.

    Returns
    -------
    tuple of numpy.ndarray
        (ref_prob, alt_prob), float32 (V, T) each.
    """
    from dlbio.predict import (  # imports keras: danq-prepare imports this module, and needs none
        in_batches,
        predict_index,
    )

    length = model.inputs[0].shape[1]
    ref, alt = variant_windows(genome, variants, length)
    # One pass (and one progress bar) over the reference windows, then the alternative ones.
    batches = itertools.chain(in_batches(ref, batch_size), in_batches(alt, batch_size))
    pred = predict_index(model, batches, total=2 * len(ref), progress=progress, both_strands=both_strands)
    return pred[: len(ref)], pred[len(ref) :]
