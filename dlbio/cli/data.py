"""dlbio simulate and danq-convert: make and convert DeepSEA-layout data sets; dlbio data-dir and
check (danq-prepare: dlbio.cli.prepare)."""

from __future__ import annotations

from pathlib import Path

import click

from dlbio.cli.common import (
    at_least,
    command,
    force_option,
    positive,
    quiet_option,
    seed_option,
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


COMMANDS = [simulate_cmd, danq_convert, data_dir_cmd, check_cmd]
