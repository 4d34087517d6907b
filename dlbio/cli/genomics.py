"""dlbio variants and track: a trained model on users' own genomes and variants."""

from __future__ import annotations

import click

from dlbio.cli.common import (
    both_strands_option,
    command,
    echo_notes,
    model_and_names,
    model_option,
    names_data_option,
    positive,
    quiet_option,
    strict_option,
)
from dlbio.utils.guard import Output


@command(
    name="variants",
    help="""Score the variants of a VCF (SNVs, indels, MNPs) with a trained model.

For each variant, windows of the model's length centred on it with the REF and
with the ALT allele (an indel shifts the flanks as in the edited genome); REF is
checked against the genome; symbolic alleles are skipped.  Writes one row per variant and
target: ref_prob, alt_prob, diff and log_odds_diff; or, with -o NAME.h5, HDF5
arrays ref_prob/alt_prob (variants x targets), the compact form for 919 targets.
Beside it, NAME.summary.tsv has one row per variant: the target with the largest
|diff| and the one with the largest |log-odds diff| (sort it to rank variants);
the five largest are printed.

\b
Example:
  dlbio variants --vcf my.vcf --genome hg19.fa -w checkpoints/bestmodel.DanQ.keras -d data -o effects.tsv
  dlbio variants --vcf gwas.vcf.gz -g hg19.fa -w checkpoints/bestmodel.DanQ.keras -o effects.h5
""",
)
@click.option("--vcf", type=click.Path(dir_okay=False), required=True)
@click.option("--genome", "-g", type=click.Path(dir_okay=False), required=True)
@model_option
@names_data_option
@click.option("-o", "--output", type=Output(), default="variant_effects.tsv", show_default=True)
@click.option("--targets", default=None, help="Only these targets: 1-based numbers or names, e.g. 1,CTCF [all].")
@both_strands_option
@click.option("--skip-mismatch", is_flag=True, help="Skip records whose REF differs from the genome (else an error).")
@click.option(
    "-b",
    "--batch-size",
    type=int,
    default=256,
    show_default=True,
    callback=positive("-b"),
    help="Windows per prediction batch; larger on a GPU.",
)
@strict_option
@quiet_option
def variants_cmd(
    vcf, genome, model_path, data, output, targets, both_strands, skip_mismatch, batch_size, strict, quiet
):
    from dlbio.data.targets import parse_targets
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows.variants import score_vcf

    model, names = model_and_names(model_path, data)
    res = score_vcf(
        model,
        vcf,
        genome,
        output,
        names,
        both_strands=both_strands,
        skip_mismatch=skip_mismatch,
        warn=lambda m: click.echo(f"warning: {m}", err=True),
        progress=progress_mode(quiet),
        targets=parse_targets(targets, model.outputs[0].shape[-1], names),
        batch_size=batch_size,
        strict=strict,
    )
    echo_notes(res["notes"])
    click.echo(f"{res['n']} variants scored -> {res['path']}; per variant, the largest effects -> {res['summary']}")
    click.echo(
        "largest effects: "
        + "; ".join(
            f"{v.id if v.id != '.' else f'{v.chrom}:{v.pos}'} {v.ref}>{v.alt} {name} {d:+.3f}"
            for v, name, d in res["strongest"]
        )
    )


@command(
    name="track",
    help="""Predicted profiles along a locus, as bedGraph tracks and a figure.

A window of the model's length every --step bp along the region, each prediction
given to the --step-bp bin at the window's centre (DeepSEA labels the 200-bp bin
at the centre of its 1000-bp windows): one bedGraph per target (OUT.<target>.bedGraph,
to load in a genome browser) and OUT.png, a panel per target.  Bins whose window
runs off the chromosome are left out and counted.

\b
Example:
  dlbio track -g hg19.fa -r chr11:5,240,000-5,300,000 -t CTCF,GATA1 -d data --peaks ctcf.narrowPeak -o hbb
  dlbio track -w checkpoints/bestmodel.DanQ.keras -g genome.fa -r chr1:0-20000 --both-strands
""",
)
@model_option
@click.option("-g", "--genome", required=True, type=click.Path(dir_okay=False), help="Genome FASTA.")
@click.option("-r", "--region", required=True, help="chrom:start-end (0-based, end excluded; commas allowed).")
@click.option(
    "-t",
    "--targets",
    default=None,
    help="Comma-separated targets: 1-based numbers or names from targets.tsv (with -d) "
    "[all, for a model of at most 16].",
)
@names_data_option
@click.option(
    "--step",
    type=int,
    default=200,
    show_default=True,
    callback=positive("--step"),
    help="Bin size and spacing of the windows, bp.",
)
@both_strands_option
@click.option(
    "--peaks",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="BED/narrowPeak file whose intervals in the region are drawn under the tracks; repeatable.",
)
@click.option("-b", "--batch-size", type=int, default=512, show_default=True, callback=positive("-b"))
@click.option(
    "-o",
    "--out",
    type=Output("prefix", suffixes=(".bedGraph", ".png")),
    default="track",
    show_default=True,
    help="Output prefix (.<target>.bedGraph, .png).",
)
@quiet_option
def track_cmd(model_path, genome, region, targets, data, step, both_strands, peaks, batch_size, out, quiet):
    from dlbio.data.targets import parse_targets
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows.genomics import predict_track

    model, names = model_and_names(model_path, data)
    chosen = parse_targets(targets, model.outputs[0].shape[-1], names, option="-t")
    res = predict_track(
        model,
        genome,
        region,
        out,
        chosen,
        names,
        step=step,
        both_strands=both_strands,
        batch_size=batch_size,
        progress=progress_mode(quiet),
        peaks=list(peaks),
    )
    if res["skipped"]:
        click.echo(f"note: {res['skipped']} bins left out: their window runs off {res['chrom']}", err=True)
    click.echo(
        f"{len(res['bins']):,} bins of {step} bp on {res['chrom']}; highest bin per target: "
        + "; ".join(f"{name} {value:.3f} at {res['chrom']}:{b:,}-{b + step:,}" for name, b, value in res["top"])
    )
    click.echo(
        f"bedGraph -> {', '.join(map(str, res['bedgraphs']))}" + (f"\nfigure -> {res['png']}" if res["png"] else "")
    )


COMMANDS = [variants_cmd, track_cmd]
