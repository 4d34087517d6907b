"""danq-prepare: a training set from a genome and peak files (DeepSEA's rules), or from one
FASTA file per class, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

from dlbio.data import prepare
from dlbio.data.built_set import BuiltSet, write_built
from dlbio.data.fasta_classes import fasta_classes


def build_dataset(
    genome: str | Path,
    targets: dict[str, Path],
    out_dir: str | Path,
    mat: bool = False,
    force: bool = False,
    strict: bool = False,
    **rules,
) -> tuple[BuiltSet, dict]:
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
    return built, write_built(built, out_dir, mat, rules.get("progress", False), force)


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
    (:func:`dlbio.data.fasta_classes.fasta_classes`).

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
    built, notes = fasta_classes(files, length, valid_fraction, test_fraction, seed)
    notes.refuse_if(strict, str(out_dir))
    return built, write_built(built, out_dir, mat, force=force)


def _refuse_set_over_inputs(out_dir, force: bool, inputs: list) -> None:
    """Before reading anything: the set's folder is replaced whole, so it may hold no input, and
    an earlier set there needs *force* (the hours of a build are not spent to be refused)."""
    from dlbio.data.dataset import check_replaceable
    from dlbio.utils.guard import Output, refuse_overwrite

    refuse_overwrite(inputs, [("--out", out_dir, Output("dataset"))])
    check_replaceable(Path(out_dir), force)
