"""danq-prepare (dlbio prepare): a training set in the DeepSEA layout from a genome and peak
files, or from FASTA files of classes."""

from __future__ import annotations

from pathlib import Path

import click

from dlbio.cli.common import (
    command,
    echo_notes,
    force_option,
    fraction,
    positive,
    quiet_option,
    seed_option,
    strict_option,
)
from dlbio.utils.guard import Output


def _chroms(value: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in value.split(",") if c.strip())


@command(
    name="prepare",
    help="""Genome + peak files -> a training set (DeepSEA rules).

200-bp bins; a target is 1 when more than half of the bin lies in one of its
peaks; 1000-bp windows centred on the bin; bins with a positive target are kept
(plus --neg-fraction of the others); chromosome hold-outs for test and validation.
Writes train/valid/test stores (and with --mat the .mat layout), targets.tsv,
summary.tsv (positives per target and split) and <split>.windows.bed (each row's
window, in row order, to map predictions back to the genome).  Or, with --fasta-class, one FASTA
file per class: shorter sequences are padded with N, longer ones centre-cropped, and
<split>.records.tsv gives each row's class and record id.

\b
Examples:
  danq-prepare -g genome.fa --peaks CTCF=ctcf.narrowPeak --peaks GATA1=gata1.bed -o mydata
  danq-prepare -g genome.fa --sheet targets.tsv --test-chroms chr8,chr9 --valid-chroms chr7 -o mydata
  danq-prepare --fasta-class bound=bound.fa --fasta-class unbound=unbound.fa --length 500 -o fa_data
""",
)
@click.option(
    "-g", "--genome", type=click.Path(dir_okay=False), default=None, help="Genome FASTA (indexed on first use)."
)
@click.option("--peaks", multiple=True, help="NAME=FILE (BED or narrowPeak), once per target.")
@click.option("--sheet", type=click.Path(dir_okay=False), default=None, help="TSV of target name -> peak file.")
@click.option("--fasta-class", multiple=True, help="NAME=FILE.fa, once per class (instead of --genome/--peaks).")
@click.option("-o", "--out", type=Output("dataset"), required=True)
@click.option("--bin-size", default=200, show_default=True, callback=positive("--bin-size"))
@click.option("--length", default=1000, show_default=True, callback=positive("--length"))
@click.option(
    "--test-chroms", default="chr8,chr9", show_default=True, help="Chromosomes (or regions) for the test set."
)
@click.option(
    "--valid-chroms",
    default="chr7",
    show_default=True,
    help="Chromosomes, or regions like chr7:0-30000000, for the validation set.",
)
@click.option(
    "--neg-fraction",
    default=0.0,
    show_default=True,
    callback=fraction("--neg-fraction", closed=True),
    help="Fraction of all-negative bins to keep.",
)
@click.option(
    "--max-n",
    default=0.1,
    show_default=True,
    callback=fraction("--max-n", closed=True),
    help="Skip windows with a larger fraction of N.",
)
@click.option("--reverse-complement", is_flag=True, help="Add the reverse complement of every window.")
@click.option(
    "--valid-fraction",
    default=0.1,
    show_default=True,
    callback=fraction("--valid-fraction"),
    help="--fasta-class: random validation share.",
)
@click.option(
    "--test-fraction",
    default=0.1,
    show_default=True,
    callback=fraction("--test-fraction"),
    help="--fasta-class: random test share.",
)
@click.option("--mat", is_flag=True, help="Also write train.mat/valid.mat/test.mat.")
@force_option
@strict_option
@seed_option(0, "which bins --neg-fraction keeps, or the --fasta-class split")
@quiet_option
def build_dataset(
    genome,
    peaks,
    sheet,
    fasta_class,
    out,
    bin_size,
    length,
    test_chroms,
    valid_chroms,
    neg_fraction,
    max_n,
    reverse_complement,
    valid_fraction,
    test_fraction,
    mat,
    force,
    strict,
    seed,
    quiet,
):
    from dlbio.utils.errors import DlbioError
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows import datasets

    def pairs(values, what):
        outp = {}
        for v in values:
            if "=" not in v:
                raise DlbioError(f"{what} {v!r}: expected NAME=FILE")
            name, f = v.split("=", 1)
            if name in outp:
                raise DlbioError(f"{what}: {name!r} given twice")
            outp[name] = Path(f)
        return outp

    if fasta_class:
        built, made = datasets.build_from_fasta(
            pairs(fasta_class, "--fasta-class"), out, length, valid_fraction, test_fraction, seed, mat, force, strict
        )
    else:
        if not genome:
            raise DlbioError("give --genome with --peaks/--sheet, or --fasta-class")
        from dlbio.data.prepare import read_sheet

        targets = pairs(peaks, "--peaks")
        if sheet:
            targets.update(read_sheet(sheet))
        if not targets:
            raise DlbioError("no targets: give --peaks NAME=FILE or --sheet")
        built, made = datasets.build_dataset(
            genome,
            targets,
            out,
            mat,
            force,
            strict,
            bin_size=bin_size,
            length=length,
            test_chroms=_chroms(test_chroms),
            valid_chroms=_chroms(valid_chroms),
            neg_fraction=neg_fraction,
            max_n=max_n,
            reverse_complement_copies=reverse_complement,
            seed=seed,
            progress=progress_mode(quiet),
        )
    echo_notes(built.notes)
    shown = 10  # a line for a person; summary.tsv has every target
    more = len(built.target_names) - shown
    for split, src in built.splits.items():
        counts = built.positives(split)
        pos = ", ".join(f"{n} {int(c)}" for n, c in zip(built.target_names[:shown], counts))
        pos += f", and {more} more targets in summary.tsv" if more > 0 else ""
        click.echo(f"{split}: {src.n} windows; positives: {pos} -> {made[split]}")
    click.echo(f"summary -> {Path(out) / 'summary.tsv'}")
    if built.from_genome:
        click.echo(f"windows, in row order -> {Path(out) / '<split>.windows.bed'}")
    if built.records:
        click.echo(f"FASTA records, in row order -> {Path(out) / '<split>.records.tsv'}")


COMMANDS = [build_dataset]
