"""dlbio attribute, modisco and fimo: attribution maps, de novo motifs from them, and motif hits."""

from __future__ import annotations

import click

from dlbio.cli.common import (
    both_strands_option,
    command,
    echo_notes,
    model_and_names,
    model_option,
    positive,
    quiet_option,
    seed_option,
    strict_option,
)
from dlbio.interpret.attributions import METHODS
from dlbio.utils.guard import Output

# What dlbio attribute -o PREFIX writes (and PREFIX.<target> + each, for several targets).
_ATTRIBUTE_SUFFIXES = (
    ".ohe.npz",
    ".ids.txt",
    ".hyp.npz",
    ".attr.npz",
    ".bedgraph",
    ".bw",
    ".png",
    ".modisco.h5",
    ".modisco.tsv",
    ".modisco.html",
    ".modisco.meme",
)
_MODISCO_SUFFIXES = (".h5", ".tsv", ".html", ".meme")


@command(
    name="attribute",
    help="""Attribution maps: how much each base contributes to chosen targets.

--method expected_gradients (the default) integrates the gradient from --references
dinucleotide-shuffled copies of each sequence and averages them, the reference-based
attribution of DeepSHAP and tangermeme: unlike a plain gradient it still credits a motif
that saturates the prediction (present twice, say).  integrated_gradients starts from
a uniform reference; gradient_x_input uses none; ism predicts every substitution.
The logit of each target is attributed (--probability: the probability).

Writes OUT.ohe.npz (the one-hot sequences), OUT.hyp.npz (hypothetical contributions,
what TF-MoDISco reads) and OUT.attr.npz (each base's contribution), all (N, 4, L),
A, C, G, T, under arr_0; several targets give OUT.<target>.hyp.npz etc.  A BED input
also gives OUT.bedgraph (and OUT.bw with pyBigWig) for a genome browser.  A logo for
each of the first --logos records.  --modisco runs TF-MoDISco on the maps at once
(see dlbio modisco).

\b
Examples:
  dlbio attribute -w checkpoints/bestmodel.DanQ.keras -d data --split test --positives -t CTCF -o ctcf
  dlbio attribute -d data --bed peaks.narrowPeak -g hg19.fa -t CTCF,GATA1 -o peaks --modisco
  dlbio attribute --fasta one.fa -t 3 --method ism -o one
  modisco motifs -s ctcf.ohe.npz -a ctcf.hyp.npz -n 2000 -o ctcf.modisco.h5   # modisco-lite itself
""",
)
@model_option
@click.option("--fasta", type=click.Path(dir_okay=False), default=None, help="Sequences of the model's length.")
@click.option("--bed", type=click.Path(dir_okay=False), default=None, help="Regions (with --genome).")
@click.option("--genome", "-g", type=click.Path(dir_okay=False), default=None, help="Genome FASTA for --bed.")
@click.option(
    "-d",
    "--data",
    type=click.Path(file_okay=False),
    default=None,
    help="Data folder: its targets.tsv names the targets; with --split, its sequences.",
)
@click.option(
    "--split", type=click.Choice(["train", "valid", "test"]), default=None, help="Attribute this split of -d."
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N sequences.")
@click.option("--positives", is_flag=True, help="With --split: only sequences positive for a chosen target.")
@click.option("-t", "--target", "targets", required=True, help="Targets: 1-based numbers or names, comma-separated.")
@click.option("--method", type=click.Choice(list(METHODS)), default="expected_gradients", show_default=True)
@click.option(
    "--references",
    default=10,
    show_default=True,
    callback=positive("--references"),
    help="Shuffled references per sequence.",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=None,
    help="Midpoints on each reference's path [expected_gradients 4, integrated_gradients 20].",
)
@click.option("--probability", is_flag=True, help="Attribute the probability instead of the logit.")
@click.option(
    "--batch-size",
    default=256,
    show_default=True,
    callback=positive("--batch-size"),
    help="Inputs per gradient (or prediction) batch; larger on a GPU.",
)
@click.option(
    "--logos", type=click.IntRange(min=0), default=3, show_default=True, help="Draw a logo for the first N records."
)
@click.option("--modisco", "run_modisco", is_flag=True, help="Also run TF-MoDISco on each target's maps.")
@both_strands_option
@seed_option(0, "the shuffled references")
@click.option(
    "-o",
    "--out",
    type=Output("prefix", suffixes=_ATTRIBUTE_SUFFIXES),
    default="attributions",
    show_default=True,
    help="Output prefix.",
)
@strict_option
@quiet_option
def attribute_cmd(
    model_path, fasta, bed, genome, data, split, limit, positives, targets, method, references, steps, probability,
    batch_size, logos, run_modisco, both_strands, seed, out, strict, quiet,
):  # fmt: skip
    from dlbio.data.targets import parse_targets
    from dlbio.utils.errors import require
    from dlbio.utils.notes import Notes
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows.attribution import attribute

    require(not split or data, "--split needs -d DATA")
    model, names = model_and_names(model_path, data)
    chosen = parse_targets(targets, model.outputs[0].shape[-1], names, "--target")
    result = attribute(
        model,
        fasta,
        chosen,
        out,
        names=names,
        bed=bed,
        genome=genome,
        data=data if split else None,
        split=split or "test",
        limit=limit,
        positives=positives,
        method=method,
        references=references,
        steps=steps,
        log_odds=not probability,
        batch_size=batch_size,
        logos=logos,
        modisco=run_modisco,
        both_strands=both_strands,
        seed=seed,
        progress=progress_mode(quiet),
        notes=(notes := Notes()),
        strict=strict,
    )
    echo_notes(notes)
    click.echo(f"{len(result.ids):,} sequences -> {result.sequences}")
    for name in result.hypothetical:
        files = [result.hypothetical[name], result.contributions[name], *result.tracks.get(name, [])]
        click.echo(f"{name}: {', '.join(str(f) for f in files)}")
        if name in result.modisco:
            _echo_modisco(result.modisco[name])


@command(
    name="modisco",
    help="""TF-MoDISco (modisco-lite, in-process) on attribution maps, named by JASPAR.

Reads the one-hot sequences and hypothetical contributions dlbio attribute writes
(or any (N, 4, L) .npz pair, as modisco motifs -s/-a reads them) and writes OUT.h5
(modisco-lite's own results file: modisco report -i reads it), OUT.tsv (a row per
pattern: sign, seqlets, sequences, trimmed consensus, best JASPAR match by Tomtom,
its q-value, matched = yes when q < 0.05), OUT.html (contribution logo beside the
match's logo) and OUT.meme (the patterns, for dlbio fimo).  --report-only reads an
existing OUT.h5 (yours or modisco motifs') and writes the report.

\b
Examples:
  dlbio modisco -s ctcf.ohe.npz -a ctcf.hyp.npz -o ctcf.modisco
  dlbio modisco --report-only -o modisco_results      # reads modisco_results.h5
""",
)
@click.option("-s", "--sequences", type=click.Path(dir_okay=False), default=None, help="One-hot sequences (.npz).")
@click.option(
    "-a", "--attributions", type=click.Path(dir_okay=False), default=None, help="Hypothetical contributions (.npz)."
)
@click.option("-n", "--max-seqlets", default=2000, show_default=True, callback=positive("--max-seqlets"))
@click.option(
    "-w", "--window", default=400, show_default=True, callback=positive("--window"), help="Central positions searched."
)
@click.option("-l", "--n-leiden", default=2, show_default=True, callback=positive("--n-leiden"))
@click.option("--report-only", is_flag=True, help="Only write the report of an existing OUT.h5.")
@click.option("-o", "--out", type=Output("prefix", suffixes=_MODISCO_SUFFIXES), default="modisco", show_default=True)
@quiet_option
def modisco_cmd(sequences, attributions, max_seqlets, window, n_leiden, report_only, out, quiet):
    from pathlib import Path

    from dlbio.utils.errors import require
    from dlbio.workflows.modisco import modisco, report

    if report_only:
        require(Path(f"{out}.h5").is_file(), f"{out}.h5: TF-MoDISco results file not found")
        result = report(f"{out}.h5", out)
    else:
        require(sequences and attributions, "give -s SEQUENCES.npz and -a ATTRIBUTIONS.npz (or --report-only)")
        result = modisco(
            sequences, attributions, out, max_seqlets=max_seqlets, window=window, n_leiden=n_leiden, progress=not quiet
        )
    _echo_modisco(result)


def _echo_modisco(result) -> None:
    named = [
        f"{r['pattern']} {r['consensus']} ({r['seqlets']} seqlets, {r['jaspar']})"
        for r in result.patterns
        if r["matched"] == "yes"
    ]
    click.echo(
        f"TF-MoDISco: {len(result.patterns)} patterns, {len(named)} named by JASPAR"
        + (f": {'; '.join(named[:8])}" if named else "")
        + f" -> {result.tsv}, {result.html}, {result.meme}"
    )
    if not result.patterns:
        among = f" among {result.sequences} sequences" if result.sequences is not None else ""
        click.echo(
            f"note: TF-MoDISco found no recurring pattern{among}, so {result.meme} holds no motif: it needs "
            "hundreds of sequences with strong attributions (attribute more sequences, or a better-trained model)",
            err=True,
        )


@command(
    name="fimo",
    help="""Motif hits in sequences (FIMO, memelite in-process), in FIMO's TSV columns.

MOTIFS: a MEME file (dlbio motifs' filters.meme, dlbio modisco's OUT.meme, any MEME
minimal file), 'jaspar' (every JASPAR CORE vertebrate matrix), or JASPAR names or ids,
comma-separated.  Columns: motif_id, motif_alt_id, sequence_name, start, stop
(1-based, inclusive), strand, score, p-value (P(score >= s), as FIMO's), q-value
(Benjamini-Hochberg over every position and strand scanned), matched_sequence.

\b
Examples:
  dlbio fimo CTCF,GATA1 --fasta peaks.fa -o hits.tsv
  dlbio fimo ctcf.modisco.meme --bed peaks.narrowPeak -g hg19.fa -o modisco_hits.tsv
  dlbio fimo ctcf.modisco.meme --fasta ctcf.ohe.npz -o hits.tsv     # the sequences attributed
  dlbio fimo jaspar --fasta peaks.fa --threshold 1e-5 -o all_hits.tsv
""",
)
@click.argument("motifs")
@click.option("--fasta", type=click.Path(dir_okay=False), default=None, help="Sequences (any lengths).")
@click.option(
    "--bed", type=click.Path(dir_okay=False), default=None, help="Regions (with --genome), each scanned whole."
)
@click.option("--genome", "-g", type=click.Path(dir_okay=False), default=None, help="Genome FASTA for --bed.")
@click.option("--threshold", type=float, default=1e-4, show_default=True, help="Largest p-value reported.")
@click.option("-o", "--out", type=Output("file"), default="fimo.tsv", show_default=True)
@strict_option
def fimo_cmd(motifs, fasta, bed, genome, threshold, out, strict):
    from pathlib import Path

    from dlbio.utils.guard import refuse_overwrite
    from dlbio.utils.notes import Notes
    from dlbio.workflows.fimo import fimo

    if Path(motifs).is_file():  # MOTIFS may be names; a file is an input like the others
        refuse_overwrite([("MOTIFS", motifs)], [("--out", out, Output("file"))])
    result = fimo(
        motifs, fasta, out, bed=bed, genome=genome, threshold=threshold, notes=(notes := Notes()), strict=strict
    )
    echo_notes(notes)
    top = ", ".join(f"{name} {n:,}" for name, n in result["by_motif"].most_common(6))
    click.echo(
        f"{result['hits']:,} hits (p < {threshold:g}) of {result['motifs']:,} motifs in {result['sequences']:,} "
        f"sequences" + (f": {top}" if top else "") + f" -> {result['path']}"
    )


COMMANDS = [attribute_cmd, modisco_cmd, fimo_cmd]
