"""dlbio attribute: attribution maps for chosen targets, in the field's file layouts, and
optionally TF-MoDISco on them at once (dlbio.workflows.modisco)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbio.interpret.attributions import METHODS, AttributionOptions
from dlbio.utils.errors import require
from dlbio.utils.notes import Notes


@dataclass(frozen=True)
class AttributeOptions(AttributionOptions):
    """What :func:`attribute` reads and writes, beyond the method (AttributionOptions).

    Attributes
    ----------
    names : list of str, optional
        The targets' names (for file names and titles).
    bed : str or pathlib.Path, optional
        Regions and the genome to cut their windows from (also writes a bedGraph/bigWig).
    genome : str or pathlib.Path, optional
        Regions and the genome to cut their windows from (also writes a bedGraph/bigWig).
    data : str or pathlib.Path, optional
        A data folder (train/valid/test .mat or stores) to take sequences from.
    split : str, default="test"
        Which split of *data*.
    limit : int, optional
        Only the first *limit* sequences.
    positives : bool, default=False
        With *data*: only the sequences labelled positive for one of the targets (what
        TF-MoDISco should see: where the motifs are).
    logos : int, default=3
        Draw a logo for the first *logos* records (0: none).
    zoom : int, default=60
        Positions shown in a logo.
    modisco : bool, default=False
        Run TF-MoDISco on each target's attributions and write its report.
    notes : Notes, optional
        Counts BED lines left out or clipped.
    strict : bool, default=False
        A BED line left out or clipped is an error.
    """

    names: list[str] | None = None
    bed: str | Path | None = None
    genome: str | Path | None = None
    data: str | Path | None = None
    split: str = "test"
    limit: int | None = None
    positives: bool = False
    logos: int = 3
    zoom: int = 60
    modisco: bool = False
    notes: Notes | None = None
    strict: bool = False


@dataclass
class AttributionResult:
    """What :func:`attribute` wrote: ``sequences`` (the .ohe.npz) and, per target name, its
    ``hypothetical``, ``contributions`` .npz, ``tracks`` (bedGraph, bigWig), ``logos`` and
    ``modisco`` (dlbio.workflows.modisco.ModiscoResult); ``ids`` the records in row order."""

    sequences: Path
    ids: list[str]
    hypothetical: dict[str, Path] = field(default_factory=dict)
    contributions: dict[str, Path] = field(default_factory=dict)
    tracks: dict[str, list[Path]] = field(default_factory=dict)
    logos: dict[str, list[Path]] = field(default_factory=dict)
    modisco: dict = field(default_factory=dict)


def attribute(
    model,
    fasta: str | Path | None,
    targets: list[int],
    out: str | Path,
    options: AttributeOptions | None = None,
    **overrides,
) -> AttributionResult:
    """Attribution maps of every record for each of *targets* (dlbio attribute).

    Writes ``<out>.ohe.npz`` (the one-hot sequences) and per target ``<out>.hyp.npz`` (the
    hypothetical contributions TF-MoDISco reads) and ``<out>.attr.npz`` (each base's actual
    contribution), all (N, 4, L) float32, A, C, G, T, under ``arr_0``; with several targets
    ``<out>.<target name>.hyp.npz`` etc.  For a BED input also ``<out>[.<target>].bedgraph``
    (and ``.bw`` with pyBigWig): each base's contribution along the genome.  A logo per
    record for the first *logos* records; ``<out>.ids.txt``, the records in row order.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4).
    fasta : str or pathlib.Path, optional
        Records of L bp; or give *bed* and *genome*, or *data*.
    targets : list of int
        The targets attributed, 1-based.
    out : str or pathlib.Path
        The output stem.
    options : AttributeOptions, optional
        The method, its settings and the inputs' (defaults when None).
    **overrides
        Fields of *options* to set, as keywords.

    Returns
    -------
    AttributionResult
        The files written.
    """
    from dlbio.data.targets import target_names_for
    from dlbio.interpret.attributions import contributions, hypothetical_contributions
    from dlbio.interpret.files import write_npz
    from dlbio.utils.atomic import write_text
    from dlbio.workflows.genomics import output_stems

    o = AttributeOptions.merged(options, overrides)
    o.check()
    n_out = model.outputs[0].shape[-1]
    require(targets, "give at least one --target")
    for t in targets:
        require(1 <= t <= n_out, f"--target must be between 1 and {n_out}, got {t}")
    require(o.logos >= 0, f"--logos must be 0 or more, got {o.logos}")
    if o.modisco:  # the extras are checked before the attributions are computed, not after
        from dlbio.motifs.modisco import EXTRA, require_modisco
        from dlbio.motifs.tomtom import available as tomtom_available

        require_modisco()
        require(tomtom_available(), f"naming MoDISco's patterns needs memelite (Tomtom): {EXTRA}")
    ids, idx, windows, chrom_sizes = _read_sequences(model.inputs[0].shape[1], fasta, o, targets)
    all_names = target_names_for(model, o.names)
    result = AttributionResult(write_npz(f"{out}.ohe.npz", _onehot_acgt(idx)), ids)
    write_text(f"{out}.ids.txt", "".join(f"{i}\n" for i in ids))
    stems = output_stems(str(out), [all_names[t - 1] for t in targets])
    for t, stem in zip(targets, stems):
        name = all_names[t - 1]
        hyp = hypothetical_contributions(model, idx, t - 1, o)
        contrib = contributions(idx, hyp)
        result.hypothetical[name] = write_npz(f"{stem}.hyp.npz", hyp)
        result.contributions[name] = write_npz(f"{stem}.attr.npz", contrib)
        if windows is not None:
            result.tracks[name] = _write_tracks(stem, windows, contrib, chrom_sizes, f"{name} {o.method}")
        result.logos[name] = _draw_logos(stem, ids, idx, contrib, name, o)
        if o.modisco:
            from dlbio.workflows.modisco import modisco

            result.modisco[name] = modisco(
                result.sequences, result.hypothetical[name], f"{stem}.modisco", progress=o.progress, seed=o.seed
            )
    return result


def _read_sequences(length: int, fasta, o: AttributeOptions, targets: list[int]):
    """(ids, idx uint8 (n, L), windows [(chrom, start)] or None, chromosome sizes or None),
    every record checked before any work."""
    from dlbio.data.fasta import encode_record, read_records

    given = [bool(fasta), bool(o.bed), bool(o.data)]
    require(sum(given) == 1, "give the sequences as --fasta FILE, as --bed FILE --genome FILE, or as -d DATA --split")
    require(o.limit is None or o.limit >= 1, f"--limit must be at least 1, got {o.limit}")
    require(not o.positives or o.data, "--positives needs -d DATA --split (labelled sequences)")
    windows = sizes = None
    if o.data:
        from dlbio.data.sources import open_split

        split = open_split(o.data, o.split, o.limit)
        require(split.length == length, f"{split.path}: sequences are {split.length} bp, the model needs {length} bp")
        require(max(targets) <= split.n_targets, f"{split.path}: {split.n_targets} targets, no target {max(targets)}")
        idx, labels = split.read(0, split.n)
        rows = np.arange(len(idx))
        if o.positives:
            rows = np.flatnonzero(np.asarray(labels)[:, [t - 1 for t in targets]].any(axis=1))
            require(len(rows), f"{split.path}: no sequence is positive for the targets chosen")
        ids = [f"{o.split}:{i + 1}" for i in rows]  # 1-based rows of the split
        return ids, np.asarray(idx, np.uint8)[rows], None, None
    if o.bed:
        from dlbio.data.genome import Genome
        from dlbio.workflows.genomics import region_windows

        require(o.genome, "--bed needs --genome")
        from itertools import islice

        rows = list(islice(region_windows(o.bed, o.genome, length, o.notes, o.strict), o.limit))  # read no further
        require(rows, f"{o.bed}: no regions")
        ids = [r[0] for r in rows]
        idx = [encode_record(o.bed, name, seq, length) for name, *_, seq in rows]
        windows = [(chrom, first) for _, chrom, _, _, first, _ in rows]
        sizes = dict(Genome(o.genome).lengths)
        return ids, np.stack(idx), windows, sizes
    records = read_records(fasta)[: o.limit]
    require(records, f"{fasta}: no records")
    idx = [encode_record(fasta, rid, seq, length) for rid, seq in records]
    return [rid for rid, _ in records], np.stack(idx), None, None


def _onehot_acgt(idx: np.ndarray) -> np.ndarray:
    from dlbio.data.encoding import agct_to_acgt, index_to_onehot

    return agct_to_acgt(index_to_onehot(idx))


def _write_tracks(stem: str, windows, contrib: np.ndarray, chrom_sizes: dict, name: str) -> list[Path]:
    from dlbio.interpret.files import bigwig_available, per_base_track, write_bedgraph, write_bigwig

    track = per_base_track(windows, contrib)
    paths = [write_bedgraph(f"{stem}.bedgraph", track, name)]
    if bigwig_available():
        paths.append(write_bigwig(f"{stem}.bw", track, chrom_sizes))
    return paths


def _draw_logos(stem: str, ids: list[str], idx: np.ndarray, contrib: np.ndarray, target_name: str, o) -> list[Path]:
    from dlbio.data.encoding import decode
    from dlbio.interpret.files import draw_contributions
    from dlbio.workflows.genomics import output_stems

    shown = min(o.logos, len(ids))
    if not shown:
        return []
    stems = output_stems(f"{stem}.logo", ids[:shown], bare_single=False)
    return [
        draw_contributions(
            contrib[k], decode(idx[k]), f"{s}.png", f"{ids[k]}: {METHODS[o.method]}, {target_name}", o.zoom
        )
        for k, s in enumerate(stems)
    ]
