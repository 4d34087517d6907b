"""dlbio mutagenesis: in-silico saturation mutagenesis (or its gradient estimate) of a trained
model's sequences, with seqlets and patterns."""

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
from dlbio.interpret.seqlets import DEFAULT_P
from dlbio.utils.guard import Output

# What dlbio mutagenesis -o PREFIX writes (and PREFIX.<record id> + each of them).
_MUTAGENESIS_SUFFIXES = (
    ".tsv",
    ".png",
    ".h5",
    ".summary.tsv",
    ".seqlets.tsv",
    ".patterns.tsv",
    ".patterns.meme",
    ".patterns.html",
)


@command(
    name="mutagenesis",
    help="""In-silico saturation mutagenesis of sequences for one target.

Every position is changed to each other base; the change in the target's
prediction is written as a TSV (position, ref, A, C, G, T, importance) and a PNG:
each base's importance (the mean loss of prediction when it is changed) along the
whole sequence, then, for the --zoom positions of most importance, a logo of the
reference bases scaled by importance and a heatmap of every substitution.
--log-odds gives the changes in log-odds, which still show the important bases
of a sequence predicted near 0 or 1, where the probability barely moves.
--method gradient estimates the same changes from one gradient per sequence
(the tangent at the sequence) instead of 3 predictions per base: hundreds of
times faster, for scanning many peaks; exact only for a model linear in its
input, so check what it finds with the default --method ism.
--positions 401-600 changes only those positions (the rest stays as context):
ISM costs 3 predictions per position changed, so DeepSEA's labelled centre
of a 1000-bp window takes a fifth of the time.
The sequences: FASTA records (--fasta), or windows of the model's length centred
on BED/narrowPeak regions (--bed with --genome; named by column 4, else
chrom:start-end).  One record (the first, or --record ID) writes OUT.tsv and
OUT.png; several (--record repeated, or --all-records) write OUT.<id>.tsv/.png;
-o NAME.h5 writes every record's table to one HDF5 file (effects (n, L, 4) in
A, C, G, T order, importance (n, L), prediction (n,), ids, sequences).  Several
records also give OUT.summary.tsv: a line per record, to rank them.
--seqlets writes OUT.seqlets.tsv: in each record, the stretches of 4-20 bases
whose importance is improbably high together (+: the bases the prediction
needs, a site; -: bases whose change raises it), with their sequence and
p-value, the null being every scanned position of every record; and the
JASPAR motif each one holds, if any fits better than chance (q < 0.05 over
the JASPAR 2024 CORE vertebrate motifs, FIMO's hits); and
OUT.patterns.tsv/.meme/.html: seqlets whose importance looks alike (5 or
more), aligned into de novo motifs, each with its best JASPAR match (Tomtom);
naming needs the motifs extra. For thousands of sequences, dlbio attribute
and dlbio modisco (TF-MoDISco) are the tools.

\b
Example:
  dlbio mutagenesis --fasta one.fa --target 3 -o ism      # the model danq-train wrote
  dlbio mutagenesis -w checkpoints/bestmodel.DanQ.keras -d data --fasta peaks.fa --all-records -t CTCF -o ism
  dlbio mutagenesis -w checkpoints/bestmodel.DanQ.keras -d data --bed top.narrowPeak -g hg19.fa --all-records -t CTCF
  dlbio mutagenesis -d data --bed peaks.narrowPeak -g hg19.fa --all-records -t CTCF \\
      --method gradient --no-png -o ctcf.h5
  dlbio mutagenesis -d data --fasta peaks.fa --all-records -t CTCF --positions 401-600 -o centre
  dlbio mutagenesis -d data --bed ctcf.narrowPeak -g hg19.fa --all-records -t CTCF --no-png --seqlets -o ctcf.h5
""",
)
@model_option
@click.option("--fasta", type=click.Path(dir_okay=False), default=None, help="Sequences of the model's length.")
@click.option(
    "--bed", type=click.Path(dir_okay=False), default=None, help="Regions (with --genome) instead of --fasta."
)
@click.option("--genome", "-g", type=click.Path(dir_okay=False), default=None, help="Genome FASTA for --bed.")
@click.option("--record", "records", multiple=True, help="Record id; repeat for several [the first record].")
@click.option("--all-records", is_flag=True, help="Every record of the FASTA file.")
@click.option("-t", "--target", required=True, help="Target: 1-based number, or a name from targets.tsv (with -d).")
@names_data_option
@click.option(
    "--zoom",
    type=int,
    default=60,
    show_default=True,
    callback=positive("--zoom"),
    help="Positions shown in the logo and heatmap.",
)
@click.option("--log-odds", is_flag=True, help="Changes in log-odds instead of probability.")
@click.option(
    "--method",
    type=click.Choice(["ism", "gradient"]),
    default="ism",
    show_default=True,
    help="ism: predict every substitution; gradient: estimate them from one gradient per sequence.",
)
@click.option(
    "--positions",
    default=None,
    metavar="FIRST-LAST",
    help="Change only these positions, 1-based, inclusive, e.g. 401-600 [all].",
)
@click.option("--png/--no-png", default=True, show_default=True, help="Draw a figure per record.")
@click.option(
    "--seqlets",
    is_flag=True,
    help="Also OUT.seqlets.tsv (the stretches of bases that matter together) and OUT.patterns.*.",
)
@click.option(
    "--seqlet-p",
    type=float,
    default=DEFAULT_P,
    show_default=True,
    help="A seqlet's p-value threshold (one span's; there are ~17,000 spans per 1000 bp).",
)
@both_strands_option
@click.option(
    "-o",
    "--out",
    type=Output("prefix", suffixes=_MUTAGENESIS_SUFFIXES),
    default="mutagenesis",
    show_default=True,
    help="Output prefix (.tsv, .png); NAME.h5: every record's effects in one HDF5 file.",
)
@strict_option
@quiet_option
def mutagenesis_cmd(
    model_path,
    fasta,
    bed,
    genome,
    records,
    all_records,
    target,
    data,
    zoom,
    log_odds,
    method,
    positions,
    png,
    seqlets,
    seqlet_p,
    both_strands,
    out,
    strict,
    quiet,
):
    from dlbio.data.targets import parse_target
    from dlbio.motifs.tomtom import compiles_on_first_use, numba_cache_dir
    from dlbio.predict.tables import is_hdf5
    from dlbio.utils.errors import require
    from dlbio.utils.notes import Notes
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows.mutagenesis import mutagenesis
    from dlbio.workflows.seqlet_report import describe

    require(not (records and all_records), "--record and --all-records: give one or the other")
    require(bool(fasta) != bool(bed), "give the sequences as --fasta FILE or as --bed FILE --genome FILE")
    model, names = model_and_names(model_path, data)
    target = parse_target(target, model.outputs[0].shape[-1], names)
    if seqlets and compiles_on_first_use():
        click.echo(
            f"Tomtom (memelite), which names the patterns, compiles on this first use, about a minute; "
            f"cache: {numba_cache_dir()}",
            err=True,
        )
    results = mutagenesis(
        model,
        fasta,
        list(records),
        target,
        out,
        names=names,
        zoom=zoom,
        log_odds=log_odds,
        all_records=all_records,
        progress=progress_mode(quiet),
        bed=bed,
        genome=genome,
        method=method,
        png=png,
        keep_arrays=False,
        both_strands=both_strands,
        positions=positions,
        seqlet_p=seqlet_p if seqlets else None,
        notes=(notes := Notes()),
        strict=strict,
    )
    echo_notes(notes)
    unit = " (log-odds)" if log_odds else ""
    estimated = " (gradient estimate)" if method == "gradient" else ""
    shown = 20  # --all-records on thousands of peaks: the files hold them all
    for res in results[:shown]:
        pos, ref, alt, change = res["strongest"]
        first, last = res["zoom"]
        where = f"figure zooms on positions {first}-{last}" if res["png"] else f"most important: {first}-{last}"
        files = ", ".join(str(p) for p in (res["tsv"], res["png"]) if p)
        click.echo(
            f"{res['id']}, {res['target_name']}: prediction {res['prediction']:.4f}; {res['length']} positions x 3 "
            "substitutions; "
            f"strongest decrease{unit}{estimated} {change:+.4f} at position {pos} ({ref}>{alt}); {where}"
            + (f" -> {files}" if files else "")
        )
    if len(results) > shown:
        named = results[0]["tsv"] or results[0]["png"]
        click.echo(f"... and {len(results) - shown:,} more records" + (", their files named as above" if named else ""))
    if "summary" in results[0]:
        click.echo(
            f"one line per record (prediction, strongest change, most important stretch) -> {results[0]['summary']}"
        )
    if "seqlets" in results[0]:
        for line in describe(results[0], seqlet_p):
            click.echo(line)
    if is_hdf5(out):
        click.echo(f"effects and importance of {len(results):,} record{'s' if len(results) != 1 else ''} -> {out}")


COMMANDS = [mutagenesis_cmd]
