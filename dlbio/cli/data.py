"""danq-prepare, dlbio simulate and danq-convert: make and convert DeepSEA-layout data sets; dlbio
data-dir and check."""

from __future__ import annotations

from pathlib import Path

import click

from dlbio.cli.common import (
    at_least,
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


@command(
    name="simulate",
    help="""Write a planted-motif training set in the DeepSEA .mat layout.

One target per JASPAR motif (name or id); truth.tsv lists every planted site.

\b
Example:
  dlbio simulate -o sim --motifs CTCF,GATA1,SPI1,CEBPB,FOXA1,HNF4A,SOX2,NRF1
""",
)
@click.option("-o", "--out", "out", type=Output("dataset"), required=True)
@click.option("--motifs", required=True, help="Comma-separated JASPAR 2024 CORE vertebrate names or ids.")
@click.option("--n-train", default=4000, show_default=True, callback=positive("--n-train"))
@click.option("--n-valid", default=500, show_default=True, callback=positive("--n-valid"))
@click.option("--n-test", default=1000, show_default=True, callback=positive("--n-test"))
@click.option("--length", default=200, show_default=True, callback=positive("--length"))
@click.option(
    "--motifs-per-seq",
    default=1.0,
    show_default=True,
    callback=at_least(0, "--motifs-per-seq"),
    help="Mean planted motifs per sequence.",
)
@click.option("--gc", default=0.42, show_default=True, help="Background GC fraction.")
@click.option("--strand", type=click.Choice(["both", "+", "-"]), default="both", show_default=True)
@click.option("--release", default="JASPAR2024", show_default=True)
@click.option("--store", is_flag=True, help="Also write the compact stores (<split>.dlbio).")
@force_option
@seed_option(0, "background letters and motif sites (which rows, where, which letters, which strand)")
@quiet_option
def simulate_cmd(
    out, motifs, n_train, n_valid, n_test, length, motifs_per_seq, gc, strand, release, store, force, seed, quiet
):
    from dlbio.data.dataset import check_replaceable
    from dlbio.data.simulate import simulate, write_planted_set
    from dlbio.utils.progress import progress_mode

    check_replaceable(Path(out), force)
    progress = progress_mode(quiet)
    planted = simulate(
        [m for m in motifs.split(",") if m.strip()],
        {"train": n_train, "valid": n_valid, "test": n_test},
        length,
        motifs_per_seq,
        gc,
        strand,
        seed,
        release,
        progress,
    )
    path = write_planted_set(planted, out, store, force, progress)
    click.echo(
        f"{len(planted.motifs)} targets ({', '.join(m.name for m in planted.motifs)}), "
        f"{n_train}/{n_valid}/{n_test} sequences of {length} bp -> {path}/"
    )


@command(
    name="convert",
    help="""Convert DeepSEA .mat files into compact dlbio stores.

Writes <out>/train.dlbio, valid.dlbio, test.dlbio (uint8 bases + bit-packed labels +
manifest with checksums): 1,115 bytes per 1000-bp sample instead of 4,919, read in
slabs.  danq-train / danq-predict / danq-visualize / dlbio motifs accept the folder.

\b
Example:
  danq-convert -d data -o store && danq-train -d store -g 4
""",
)
@click.option("-d", "--data", type=click.Path(file_okay=False), required=True, help="Folder with the .mat files.")
@click.option("-o", "--out", type=Output("dataset"), required=True, help="Folder for the stores.")
@click.option("--splits", default="train,valid,test", show_default=True)
@force_option
@quiet_option
def danq_convert(data, out, splits, force, quiet):
    import time

    from dlbio.data.sources import convert
    from dlbio.utils.progress import progress_mode

    names = tuple(s for s in splits.split(",") if s)
    sizes = sum((Path(data) / f"{s}.mat").stat().st_size for s in names if (Path(data) / f"{s}.mat").is_file())
    t0 = time.time()
    made = convert(data, out, names, progress_mode(quiet), force)
    dt = max(time.time() - t0, 1e-9)
    for split, path in made.items():
        click.echo(f"{split} -> {path}")
    click.echo(f"{sizes / 1e6:.1f} MB of .mat in {dt:.1f} s ({sizes / 1e6 / dt:.0f} MB/s)")


@command(
    name="data-dir",
    help="""Print the folder of the bundled data.

It holds the toy weights (mdet_*.keras), the planted-motif DeepSEA-layout set (danq/) and the
tiny genome with peaks and variants (genome_tiny/): $DLBIO_DATA when set (the Lmod modules
set it), else the copy that came with the installed package.

\b
Example:
  export DANQ_DATA=$(dlbio data-dir)/danq && cp -r "$DANQ_DATA"/* .
""",
)
def data_dir_cmd():
    from dlbio.utils.errors import require
    from dlbio.utils.resources import data_dir

    folder = data_dir()
    require(
        folder.is_dir(), f"{folder}: bundled data folder not found (set DLBIO_DATA to the data/ of a dlbio source tree)"
    )
    click.echo(folder)


@command(
    name="check",
    help="""What this machine gives dlbio: versions, the GPUs TensorFlow sees, the job, logos, Tomtom.

Run it on the node a job will use, e.g. first in an sbatch script: a GPU job whose TensorFlow
sees no GPU (a CPU-only TensorFlow, CUDA libraries missing) says why and how to fix it,
where otherwise it would run many times slower on the CPU.  Prints one line per part.

\b
Example:
  dlbio check
  dlbio check --gpu || exit 1      # in an sbatch script: stop when no GPU is seen
""",
)
@click.option("--gpu", is_flag=True, help="Exit with status 1 when TensorFlow sees no GPU.")
def check_cmd(gpu):
    from dlbio.workflows.check import check

    lines, gpus_seen = check()
    width = max(len(what) for what, _ in lines)
    for what, state in lines:
        click.echo(f"{what:<{width}}  {state}")
    if gpu and not gpus_seen:
        from dlbio.backend import display_name

        click.echo(f"error: {display_name()} sees no GPU (--gpu)", err=True)
        raise SystemExit(1)


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


COMMANDS = [build_dataset, simulate_cmd, danq_convert, data_dir_cmd, check_cmd]
