"""dlbio mutagenesis: every substitution's effect on one target, by prediction (ISM) or by gradient."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data.targets import target_names_for
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import Notes
from dlbio.utils.options import Options
from dlbio.utils.progress import iterate
from dlbio.workflows.genomics import output_stems, region_windows
from dlbio.workflows.seqlet_report import SEQLET_MIN_LEN, seqlet_report


@dataclass(frozen=True)
class MutagenesisOptions(Options):
    """How :func:`mutagenesis` scans and what it writes.

    Attributes
    ----------
    names : list of str, optional
        The targets' names.
    zoom : int, default=60
        Positions shown in the figure's logo and heatmap.
    log_odds : bool, default=False
        Effects in log-odds instead of probability.
    all_records : bool, default=False
        Scan every record.
    png : bool, default=True
        Draw the figures.
    progress : bool or str, default=False
        Show progress.
    bed : str or pathlib.Path, optional
        Regions and the genome to cut their L-bp windows from, instead of a FASTA.
    genome : str or pathlib.Path, optional
        Regions and the genome to cut their L-bp windows from, instead of a FASTA.
    method : {"ism", "gradient"}, default="ism"
        "ism" predicts every substitution (3 L predictions a record); "gradient" estimates
        the same effects from one input gradient a record (dlbio.interpret.ism.gradient_effects).
    keep_arrays : bool, default=True
        Return each record's arrays (the command keeps none, so that tens of thousands of
        records do not fill memory).
    both_strands : bool, default=False
        Every prediction is the mean over the sequence and its reverse complement.
    positions : str, optional
        "FIRST-LAST" (1-based, inclusive; position_span): only those positions change, the
        rest stays as context, and every table, figure and array covers them.
    seqlet_p : float, optional
        Also ``<out>.seqlets.tsv``, the stretches of bases that matter together
        (dlbio.interpret.seqlets.call_seqlets at this p-value), and the patterns alike ones
        make (``<out>.patterns.tsv/.meme/.html``: dlbio.workflows.seqlet_report).
    notes : Notes, optional
        Counts the BED lines left out or clipped.
    strict : bool, default=False
        Any BED line left out or clipped is an error.
    """

    names: list[str] | None = None
    zoom: int = 60
    log_odds: bool = False
    all_records: bool = False
    png: bool = True
    progress: bool | str = False
    bed: str | Path | None = None
    genome: str | Path | None = None
    method: str = "ism"
    keep_arrays: bool = True
    both_strands: bool = False
    positions: str | None = None
    seqlet_p: float | None = None
    notes: Notes | None = None
    strict: bool = False

    @property
    def unit(self) -> str:
        """What an effect is a change of: "log-odds" or "prediction"."""
        return "log-odds" if self.log_odds else "prediction"


def mutagenesis(
    model,
    fasta: str | Path | None,
    records: list[str] | None,
    target: int,
    out: str | Path,
    options: MutagenesisOptions | None = None,
    **overrides,
) -> list[dict]:
    """Saturation mutagenesis: the effect of every substitution of each record on one
    target, and each base's importance (dlbio mutagenesis).

    Records come from a FASTA, or are the windows around BED regions of a genome
    (region_windows; named by column 4 or chrom:start-end).  Writes ``<out>.tsv`` (+
    ``.png``: importance track, importance logo and heatmap of the *zoom* most important
    positions) for one record, ``<out>.<id>.tsv`` etc. for several (characters of the id
    other than letters, digits and ``._-`` become ``_``) and ``<out>.summary.tsv``
    (SUMMARY_COLUMNS), one row per record; *out* ending in .h5/.hdf5: one HDF5 file of every
    record instead of the TSVs (dlbio.interpret.ism_outputs.effects_writer).

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4).
    fasta : str or pathlib.Path, optional
        The records (each L bp); or give *bed* and *genome*.
    records : list of str, optional
        The records to scan, by id; default the first (or every one with *all_records*).
    target : int
        The output whose prediction changes (1-based).
    out : str or pathlib.Path
        The output stem, or an .h5 file.
    options : MutagenesisOptions, optional
        How it scans and what it writes (the defaults when None).
    **overrides
        Fields of *options* to set (``zoom=30, log_odds=True``), as keywords.

    Returns
    -------
    list of dict
        Per record: ``id``, ``target_name``, ``prediction`` (its own, a probability),
        ``length`` (positions scanned), ``effects`` shape=(length, 4) in A, C, G, T order and
        ``importance`` shape=(length,) (None unless *keep_arrays*), ``zoom`` (first, last;
        1-based), ``strongest`` (position, ref base, alt base, change), ``tsv`` (None with
        HDF5) and ``png``.  With several records the first also has ``summary`` (its path);
        with *seqlet_p*, what seqlet_report returns (``seqlets``, ``patterns``, ...).
    """
    import contextlib

    from dlbio.data.fasta import encode_record, read_records
    from dlbio.interpret.ism import importance, record_effects
    from dlbio.interpret.ism_outputs import effects_writer, write_summary
    from dlbio.predict import first_output, predict_index
    from dlbio.predict.tables import is_hdf5

    o = MutagenesisOptions.merged(options, overrides)
    names, log_odds, all_records, png, progress = o.names, o.log_odds, o.all_records, o.png, o.progress
    bed, genome, method, both_strands = o.bed, o.genome, o.method, o.both_strands
    zoom, positions, seqlet_p, notes, strict = o.zoom, o.positions, o.seqlet_p, o.notes, o.strict

    require(method in METHODS, f"method must be one of {', '.join(METHODS)}, got {method!r}")
    n = model.outputs[0].shape[-1]
    require(1 <= target <= n, f"--target must be between 1 and {n}, got {target}")
    require(zoom >= 1, f"--zoom must be at least 1, got {zoom}")
    require(seqlet_p is None or 0 < seqlet_p < 1, f"--seqlet-p must be a p-value between 0 and 1, got {seqlet_p}")
    length = model.inputs[0].shape[1]
    if bed:
        require(genome, "--bed needs --genome")
        source = bed
        found = ((name, sequence) for name, *_, sequence in region_windows(bed, genome, length, notes, strict))
    else:
        source = fasta
        found = read_records(fasta)
    span = position_span(positions, length)
    require(
        seqlet_p is None or span[1] - span[0] >= SEQLET_MIN_LEN,
        f"--seqlets needs at least {SEQLET_MIN_LEN} positions scanned, got {span[1] - span[0]}",
    )
    chosen = _choose_records(found, records, all_records, source)
    idx = [encode_record(source, rid, sequence, length) for rid, sequence in chosen]  # all checked before any work
    target_name = target_names_for(model, names)[target - 1]
    h5 = Path(out) if is_hdf5(out) else None
    base = str(out)[: -len(h5.suffix)] if h5 else str(out)
    stems = output_stems(base, [rid for rid, _ in chosen])
    predictions = first_output(predict_index(model, np.stack(idx), both_strands=both_strands))[:, target - 1]
    results = []
    one = len(chosen) == 1  # one record: count its substitutions instead
    effects = record_effects(
        model,
        idx,
        target - 1,
        method,
        log_odds=log_odds,
        both_strands=both_strands,
        progress=progress if one else False,
        span=span,
        references=predictions,
    )
    unit = o.unit
    attrs = {"target": target, "target_name": target_name, "method": method, "unit": unit, "both_strands": both_strands}
    scanned = slice(*span)
    importances = []  # (S,) float32 a record: the seqlets' null is every record's positions
    with (
        effects_writer(h5, [rid for rid, _ in chosen], [seq for _, seq in chosen], predictions, attrs, span)
        if h5
        else contextlib.nullcontext()
    ) as store:
        for k, ((rid, sequence), x, stem) in enumerate(
            iterate(list(zip(chosen, idx, stems)), "mutagenesis", "record", False if one else progress)
        ):
            eff = next(effects)
            imp = importance(eff, x[scanned])
            if seqlet_p is not None:
                importances.append(imp)
            if store:
                store(k, eff, imp)
            results.append(
                _record_result(
                    rid,
                    sequence[scanned],
                    eff,
                    imp,
                    (target, target_name),
                    None if store else stem,
                    stem if png else None,
                    o,
                    span[0] + 1,
                )
                | {"prediction": float(predictions[k])}
            )
    if len(results) > 1:
        results[0]["summary"] = write_summary(results, f"{base}.summary.tsv")
    if seqlet_p is not None:
        results[0].update(seqlet_report(np.stack(importances), chosen, span, seqlet_p, base))
    return results


def _record_result(
    rid: str,
    sequence: str,
    eff: np.ndarray,
    imp: np.ndarray,
    target: tuple[int, str],
    table_stem: str | None,
    figure_stem: str | None,
    options: MutagenesisOptions,
    first: int = 1,
) -> dict:
    """One record's TSV (with *table_stem*) and figure (with *figure_stem*), and its summary;
    *sequence*, *eff* and *imp* start at position *first* (1-based) of the record; *target*
    is (number 1-based, name)."""
    from dlbio.interpret.ism import ACGT
    from dlbio.interpret.ism_outputs import draw_mutagenesis, write_table, zoom_window

    (target, target_name), zoom, keep_arrays = target, options.zoom, options.keep_arrays
    title, unit = METHODS[options.method], options.unit

    tsv = write_table(eff, sequence, imp, f"{table_stem}.tsv", first) if table_stem else None
    figure = Path(f"{figure_stem}.png") if figure_stem else None
    if figure:
        start, stop = draw_mutagenesis(
            eff, sequence, imp, figure, f"{rid}: {title}, target {target} ({target_name})", zoom, unit=unit, first=first
        )
    else:
        start, stop = zoom_window(imp, zoom)
    i, j = np.unravel_index(np.argmin(eff), eff.shape)
    return {
        "id": rid,
        "target_name": target_name,
        "length": len(eff),
        "max_importance": float(imp.max()),
        "effects": eff if keep_arrays else None,
        "importance": imp if keep_arrays else None,
        "zoom": (first + start, first - 1 + stop),
        "strongest": (first + int(i), sequence[i].upper(), ACGT[j], float(eff[i, j])),
        "tsv": tsv,
        "png": figure,
    }


def position_span(positions: str | None, length: int) -> tuple[int, int]:
    """Read ``--positions``.

    Parameters
    ----------
    positions : str or None
        "FIRST-LAST", 1-based, inclusive, commas allowed (e.g. "401-600": DeepSEA's labelled
        centre of a 1000-bp window); None: the whole sequence.
    length : int
        The model's sequence length.

    Returns
    -------
    tuple of (int, int)
        (start, stop), 0-based, stop excluded.

    Raises
    ------
    DlbioError
        For a malformed span or one outside 1-*length*.
    """
    if positions is None:
        return 0, length
    first, dash, last = positions.replace(",", "").strip().partition("-")
    require(
        dash and first.strip().isdigit() and last.strip().isdigit(),
        f"--positions must be FIRST-LAST, e.g. 401-600, got {positions!r}",
    )
    first, last = int(first), int(last)
    require(first <= last, f"--positions {positions}: the first position is after the last")
    require(1 <= first and last <= length, f"--positions {positions}: outside 1-{length}, the model's sequence length")
    return first - 1, last


METHODS = {"ism": "saturation mutagenesis", "gradient": "mutagenesis estimated from the gradient"}


def _choose_records(found, records: list[str] | None, all_records: bool, source) -> list[tuple[str, str]]:
    """From (id, sequence) pairs *found* (read lazily: a BED file's windows are fetched only
    until the asked-for ones are in): every one with *all_records*, the first of each id in
    *records* in that order, else the first."""
    if all_records:
        return list(found)
    wanted = list(dict.fromkeys(records or []))
    picked: dict[str, str] = {}
    for rid, sequence in found:
        if not wanted:
            return [(rid, sequence)]
        if rid in wanted and rid not in picked:
            picked[rid] = sequence
            if len(picked) == len(wanted):
                break
    missing = [r for r in wanted if r not in picked]
    if missing:
        raise DlbioError(f"{source}: no record {missing[0]!r}")
    return [(r, picked[r]) for r in wanted]
