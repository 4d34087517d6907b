"""Users' own regions: predictions on BED lines, a genome region's tracks, and the windows and
output names that mutagenesis and attributions share (sets built: dlbio.workflows.datasets;
variants: dlbio.workflows.variants)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.data import prepare
from dlbio.data.encoding import encode
from dlbio.data.genome import Genome
from dlbio.data.intervals import read_bed
from dlbio.data.targets import target_names_for
from dlbio.utils.errors import require
from dlbio.utils.notes import Notes


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
