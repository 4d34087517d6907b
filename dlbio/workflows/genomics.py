"""Users' own data: genome + peaks -> training set; predictions on regions; variants; tracks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data import prepare
from dlbio.data.encoding import encode
from dlbio.data.genome import Genome
from dlbio.data.intervals import read_bed
from dlbio.data.targets import target_names_for
from dlbio.predict.variants import read_vcf, score_variants, summary_writer, variant_writer
from dlbio.utils.errors import require
from dlbio.utils.notes import Notes
from dlbio.utils.options import Options
from dlbio.utils.progress import counter


def build_dataset(
    genome: str | Path,
    targets: dict[str, Path],
    out_dir: str | Path,
    mat: bool = False,
    force: bool = False,
    strict: bool = False,
    **rules,
) -> tuple[prepare.BuiltSet, dict]:
    """Genome + peak files -> a training set in the DeepSEA layout (danq-prepare).

    Parameters
    ----------
    genome : str or pathlib.Path
        FASTA of the genome (indexed with pyfaidx; bgzip works).
    targets : dict of str to pathlib.Path
        Target name -> its peak file (BED or narrowPeak): one label column each.
    out_dir : str or pathlib.Path
        The set's folder, written whole or not at all (built beside it, then swapped in).
    mat : bool, default=False
        Also write DeepSEA's train.mat, valid.mat and test.mat.
    force : bool, default=False
        Replace a set that *out_dir* already holds.
    strict : bool, default=False
        A peak or window left out or changed is an error, before anything is written.
    **rules
        DeepSEA's labelling rules and the splits, as :func:`dlbio.data.prepare.build` takes
        them (bin, window, overlap, held-out chromosomes, ...).

    Returns
    -------
    tuple of (BuiltSet, dict)
        The set built (its splits, positives per target and split, what was left out) and
        {split: the store written}.
    """
    _refuse_set_over_inputs(
        out_dir, force, [("--genome", genome)] + [(f"the peaks of {t}", p) for t, p in targets.items()]
    )
    built = prepare.build(genome, targets, **rules)
    built.notes.refuse_if(strict, str(out_dir))
    return built, prepare.write_built(built, out_dir, mat, rules.get("progress", False), force)


def build_from_fasta(
    files: dict[str, Path],
    out_dir: str | Path,
    length: int,
    valid_fraction: float,
    test_fraction: float,
    seed: int,
    mat: bool = False,
    force: bool = False,
    strict: bool = False,
):
    """danq-prepare --fasta-class: a data set from one FASTA file per class
    (:func:`dlbio.data.prepare.fasta_classes`).

    Parameters
    ----------
    files : dict
        {class name: FASTA path}; each class is a target.
    out_dir : str or pathlib.Path
        The data folder to write (refused when it would replace an input).
    length : int
        The window length: records are padded with N or centre-cropped to it.
    valid_fraction : float
        The fractions of each class's records held out.
    test_fraction : float
        The fractions of each class's records held out.
    seed : int
        Seeds the split.
    mat : bool, optional
        Write DeepSEA's .mat files too.
    force : bool, optional
        Replace an existing data set.
    strict : bool, optional
        Any record padded, cropped or left out is an error.

    Returns
    -------
    tuple
        (the built set, {split: store path}).
    """
    _refuse_set_over_inputs(out_dir, force, [(f"--fasta-class {c}", p) for c, p in files.items()])
    built, notes = prepare.fasta_classes(files, length, valid_fraction, test_fraction, seed)
    notes.refuse_if(strict, str(out_dir))
    return built, prepare.write_built(built, out_dir, mat, force=force)


def _refuse_set_over_inputs(out_dir, force: bool, inputs: list) -> None:
    """Before reading anything: the set's folder is replaced whole, so it may hold no input, and
    an earlier set there needs *force* (the hours of a build are not spent to be refused)."""
    from dlbio.data.dataset import check_replaceable
    from dlbio.utils.guard import Output, refuse_overwrite

    refuse_overwrite(inputs, [("--out", out_dir, Output("dataset"))])
    check_replaceable(Path(out_dir), force)


def region_windows(
    bed: str | Path, genome_path: str | Path, length: int, notes: Notes | None = None, strict: bool = False
):
    """The model's window around each BED line, read from the genome one at a time (a
    generator, so that many regions are never held as text).

    Each window is the *length* bases centred on the narrowPeak summit when the file has one
    (10th column), else on the interval's midpoint.

    Parameters
    ----------
    bed : str or pathlib.Path
        A BED or narrowPeak file.
    genome_path : str or pathlib.Path
        The genome FASTA (indexed by pyfaidx).
    length : int
        The window length.
    notes : Notes or None, optional
        Counts the lines left out or clipped (a chromosome the genome lacks, ...).
    strict : bool, optional
        The first such line is an error, raised before the first window.

    Yields
    ------
    tuple
        (name, chrom, start, end, window_start, sequence): the name is column 4 or
        chrom:start-end; window_start is 0-based.
    """
    genome = Genome(genome_path)
    regions = read_bed(bed, genome, keep_names=True)
    regions.notes.refuse_if(strict, str(bed))
    if notes is not None:
        notes.merge(regions.notes)
    for chrom, s, e, name, centre in regions.names:
        first = centre - length // 2
        yield name, chrom, s, e, first, genome.fetch(chrom, first, first + length)


def predict_regions(
    model,
    bed: str | Path,
    genome_path: str | Path,
    out: str | Path,
    names: list[str] | None = None,
    batch_size: int = 512,
    both_strands: bool = False,
    progress: bool = False,
    strict: bool = False,
) -> tuple[Path, int, Notes]:
    """Predict a window of the model's length around each BED line (:func:`region_windows`).

    Parameters
    ----------
    model : keras.Model
        A model on one-hot DNA (L, 4) with T outputs.
    bed : str or pathlib.Path
        A BED or narrowPeak file.
    genome_path : str or pathlib.Path
        The genome FASTA.
    out : str or pathlib.Path
        A TSV (name, chrom, start, end, window_start, one column per target) or, ending in
        .h5, HDF5 (``pred`` float32 (n, T) and those columns).
    names : list of str or None, optional
        The T target names (default: DeepSEA's for 919 outputs, else target_1...;
        :func:`dlbio.data.targets.target_names_for`).
    batch_size : int, optional
        Windows per prediction batch.
    both_strands : bool, optional
        Average each window's prediction with its reverse complement's.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.
    strict : bool, optional
        Any BED line left out or changed is an error.

    Returns
    -------
    tuple
        (*out*, regions predicted, the lines left out or changed, counted).
    """
    from dlbio.predict.tables import predict_table

    length = model.inputs[0].shape[1]
    notes = Notes()
    rows, bases = [], bytearray()  # one growing buffer: no per-window arrays to stack (a second copy)
    for name, chrom, s, e, first, sequence in region_windows(bed, genome_path, length, notes, strict):
        bases += encode(sequence, f"{chrom}:{s}-{e}").tobytes()
        rows.append((name, chrom, s, e, first))
    idx = np.frombuffer(bases, np.uint8).reshape(len(rows), length)
    keys = {"name": str, "chrom": str, "start": int, "end": int, "window_start": int}
    path = predict_table(
        model, idx, rows, keys, target_names_for(model, names), out, both_strands, batch_size, progress=progress
    )
    return path, len(rows), notes


_MAX_PANELS = 16  # dlbio track's figure: more panels would make it too tall to read


def predict_track(
    model,
    genome_path: str | Path,
    region: str,
    out: str | Path,
    targets: list[int] | None = None,
    names: list[str] | None = None,
    step: int = 200,
    both_strands: bool = False,
    batch_size: int = 512,
    png: bool = True,
    progress: bool | str = False,
    peaks: list[str | Path] = (),
) -> dict:
    """dlbio track: predictions tiled along a region, per target.

    Windows of the model's length every *step* bp along *region*, each prediction given to the
    *step*-bp bin at its window's centre (:func:`dlbio.predict.tracks.tile_windows`), written
    per target as ``<out>.<target name>.bedGraph`` and drawn to ``<out>.png`` with the
    intervals of each file of *peaks* in the region below.

    Parameters
    ----------
    model : keras.Model
        A model on one-hot DNA (L, 4) with T outputs.
    genome_path : str or pathlib.Path
        The genome FASTA.
    region : str
        'chr:start-end', commas allowed.
    out : str or pathlib.Path
        The outputs' stem.
    targets : list of int or None, optional
        1-based targets to write; None: all, for a model of at most 16.
    names : list of str or None, optional
        The T target names.
    step : int, optional
        The bin width and the step between windows (bp).
    both_strands : bool, optional
        Average each window's prediction with its reverse complement's.
    batch_size : int, optional
        Windows per prediction batch.
    png : bool, optional
        Draw ``<out>.png``.
    progress : bool or str, optional
        'bar' (or True), 'lines' (a line every 10 minutes, for a batch job's log) or 'off' (or
        False): see :mod:`dlbio.utils.progress`.
    peaks : list of str or pathlib.Path, optional
        BED/narrowPeak files whose intervals are drawn under the tracks.

    Returns
    -------
    dict
        {'chrom', 'bins' int64 (n,), 'pred' float32 (n, k), 'names', 'skipped', 'bedgraphs',
        'png', 'top': per target (name, bin start, value) of its highest bin}.
    """
    from dlbio.predict import predict_index
    from dlbio.predict.tracks import draw_tracks, tile_windows, write_bedgraph

    length = model.inputs[0].shape[1]
    n_targets = model.outputs[0].shape[-1]
    require(step >= 1, f"--step must be at least 1, got {step}")
    require(":" in region, f"--region {region!r}: expected chrom:start-end")
    genome = Genome(genome_path)
    ((chrom, [(start, end)]),) = prepare.parse_regions((region,), genome, "--region").items()
    require(end <= genome.lengths[chrom], f"--region {region!r}: {chrom} is {genome.lengths[chrom]:,} bp long")
    if targets is None:
        require(
            n_targets <= _MAX_PANELS, f"the model has {n_targets} targets: choose the tracks with -t (numbers or names)"
        )
        targets = list(range(1, n_targets + 1))
    shown = []  # the --peaks files are read first: a bad one stops the run before any output
    for path in peaks:
        s, e = read_bed(path, genome).by_chrom.get(chrom, (np.zeros(0, np.int64),) * 2)
        keep = (e > start) & (s < end)
        shown.append((Path(path).name.split(".")[0], s[keep], e[keep]))
    bins, windows, skipped = tile_windows(genome, chrom, start, end, length, step)
    require(
        len(bins) > 0,
        f"--region {region!r}: no {step}-bp bin of it has a whole {length}-bp window on {chrom}"
        if skipped
        else f"--region {region!r} is shorter than --step {step}",
    )
    pred = predict_index(model, windows, progress=progress, both_strands=both_strands, batch_size=batch_size)[
        :, [t - 1 for t in targets]
    ]
    all_names = target_names_for(model, names)
    chosen = [all_names[t - 1] for t in targets]
    strands = ", both strands" if both_strands else ""
    stems = output_stems(out, chosen, bare_single=False)
    bedgraphs = [
        write_bedgraph(
            f"{stem}.bedGraph",
            chrom,
            bins,
            step,
            pred[:, j],
            name,
            f"dlbio prediction of {name}, {step}-bp bins, {length}-bp windows{strands}",
        )
        for j, (stem, name) in enumerate(zip(stems, chosen))
    ]
    figure = None
    if png:  # a panel per target, for the first _MAX_PANELS of them (the bedGraphs have every one)
        drawn = f"; the first {_MAX_PANELS} of {len(chosen)} targets" if len(chosen) > _MAX_PANELS else ""
        figure = draw_tracks(
            chrom,
            bins,
            step,
            pred[:, :_MAX_PANELS],
            chosen[:_MAX_PANELS],
            f"{out}.png",
            f"{chrom}:{start:,}-{end:,}: predictions of {step}-bp bins{strands}{drawn}",
            (start, end),
            shown,
        )
    top = [(name, int(bins[np.argmax(pred[:, j])]), float(pred[:, j].max())) for j, name in enumerate(chosen)]
    return {
        "chrom": chrom,
        "bins": bins,
        "pred": pred,
        "names": chosen,
        "skipped": skipped,
        "bedgraphs": bedgraphs,
        "png": figure,
        "top": top,
    }


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
            ref_p, alt_p = score_variants(model, genome, part, both_strands)
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


def output_stems(out: str | Path, ids: list[str], bare_single: bool = True) -> list[str]:
    """One output stem per record.

    Parameters
    ----------
    out : str or pathlib.Path
        The stem the user gave.
    ids : list of str
        The records' ids.
    bare_single : bool, optional
        A single record gets *out* itself.

    Returns
    -------
    list of str
        ``<out>.<id>``, ids made file-name safe and unique (or [*out*]).
    """
    import re

    if len(ids) == 1 and bare_single:
        return [str(out)]
    stems: list[str] = []
    taken: set[str] = set()  # a set: --all-records may give tens of thousands of ids
    for rid in ids:
        stem = f"{out}.{re.sub(r'[^A-Za-z0-9._-]', '_', rid)}"
        stem = stem if stem not in taken else f"{stem}.{len(stems) + 1}"
        stems.append(stem)
        taken.add(stem)
    return stems
