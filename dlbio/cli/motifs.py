"""dlbio motifs: what the first layer learned, matched to JASPAR."""

from __future__ import annotations

import click

from dlbio.cli.common import (
    at_least,
    both_strands_option,
    command,
    default_data,
    default_model,
    fraction,
    model_and_names,
    model_option,
    names_data_option,
    positive,
    quiet_option,
    seed_option,
    targets_option,
    verify_option,
)
from dlbio.utils.guard import Output


@command(
    name="motifs",
    help="""What did the network learn?  First-layer filters -> motifs -> JASPAR.

For every first-layer Conv1D filter: sites from the positive sequences on both
strands (where its maximal activation is > 0, the window at the argmax), a count
matrix trimmed of uninformative flanks, information content, and the best match
in JASPAR CORE vertebrates by Tomtom (memelite, in-process) with BH q-values.
One column decides, matched: yes when q < --q and its best match beats those of
--shuffles column-shuffled copies of its motif, that control's tail p-value made a
Benjamini-Hochberg q over the filters and below --fdr (Tomtom alone calls nearly
every weak, near-uniform motif a match: docs/motifs.md); "low information" for a
motif of under --min-bits bits, too vague to name.
Writes filters.meme, filters.tsv and filters.html (logos side by side).
--influence N also silences each filter in turn (its output replaced by its
mean, as in Basset) on the first N positive sequences and writes every
target's mean change to influence.tsv: which filters each target relies on,
matched or not (on 2 CPU cores: 4.5 s for 128 filters x 500 sequences of
200 bp; full-size DanQ, 320 filters x 100 sequences of 1000 bp, 101 s).
The first run compiles Tomtom with numba (about a minute); the compiled code is
cached in $NUMBA_CACHE_DIR (default $DLBIO_CACHE/numba, ~/.cache/dlbio/numba).

\b
Example:
  dlbio motifs -w checkpoints/bestmodel.DanQ.keras -d data -o motifs/
  dlbio motifs -d data --influence 500
""",
)
@click.option(
    "-w",
    "--model",
    "model_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Keras model whose first layer is a Conv1D over one-hot A,G,C,T [checkpoints/bestmodel.DanQ.keras].",
)
@click.option("-d", "--data", type=click.Path(file_okay=False), default=None, help="DeepSEA-layout folder.")
@click.option("--split", type=click.Choice(["test", "valid", "train"]), default="test", show_default=True)
@click.option("--targets", default=None, help="Comma-separated targets (1-based) whose positives are scanned [any].")
@click.option("--release", default="JASPAR2024", show_default=True, help="JASPAR release bundled with pyjaspar.")
@click.option("--q", "q_threshold", default=0.05, show_default=True, help="q-value threshold for a match.")
@click.option(
    "--show",
    "n_show",
    default=30,
    show_default=True,
    callback=at_least(0, "--show"),
    help="Filters shown in the HTML report.",
)
@click.option(
    "--min-sites",
    default=10,
    show_default=True,
    callback=positive("--min-sites"),
    help="Filters with fewer sites are not compared.",
)
@click.option(
    "--shuffles",
    default=99,
    show_default=True,
    callback=at_least(0, "--shuffles"),
    help="Column-shuffled copies of each filter's motif compared too (0: Tomtom's q alone).",
)
@click.option(
    "--fdr",
    "--max-shuffled-p",
    "fdr",
    default=0.05,
    show_default=True,
    callback=fraction("--fdr"),
    help="False discovery rate across the filters for the shuffle control (Benjamini-Hochberg).",
)
@click.option(
    "--min-bits",
    default=6.0,
    show_default=True,
    help="A filter motif with less information (trimmed) is 'low information', not matched.",
)
@click.option(
    "--influence",
    default=0,
    show_default=True,
    type=int,
    callback=at_least(0, "--influence"),
    help="Also silence each filter in turn on the first N positive sequences and write each target's "
    "mean change (influence.tsv); 0: off.",
)
@seed_option(0, "the column shuffles")
@click.option("-n", "--subset", type=int, default=None, callback=positive("-n"), help="First N sequences of the split.")
@click.option(
    "-o",
    "--out-dir",
    type=Output("folder", names=("filters.tsv", "filters.meme", "filters.html", "influence.tsv")),
    default="motifs",
    show_default=True,
)
@verify_option
@quiet_option
def motifs_cmd(
    model_path,
    data,
    split,
    targets,
    release,
    q_threshold,
    n_show,
    min_sites,
    shuffles,
    fdr,
    min_bits,
    influence,
    seed,
    subset,
    out_dir,
    verify,
    quiet,
):
    from dlbio.motifs.tomtom import compiled, numba_cache_dir
    from dlbio.workflows.motifs import MotifReportOptions, discover

    cache = numba_cache_dir()
    if not compiled(cache):
        click.echo(f"Tomtom (memelite) compiles on this first use, about a minute; cache: {cache}", err=True)
    tlist = targets_option(targets, data or default_data())
    res = discover(
        model_path or default_model("DanQ"),
        data or default_data(),
        out_dir,
        MotifReportOptions(
            split=split,
            targets=tlist,
            release=release,
            q_threshold=q_threshold,
            n_show=n_show,
            min_sites=min_sites,
            limit=subset,
            quiet=quiet,
            shuffles=shuffles,
            fdr=fdr,
            min_bits=min_bits,
            seed=seed,
            influence=influence,
            verify=verify,
        ),
    )
    n = len(res["reports"])
    click.echo(
        f"{res['n_sequences']} positive sequences scanned; {len(res['significant'])} of {n} filters "
        f"match JASPAR at {res['rule']}: {', '.join(res['matched_names']) or 'none'}"
    )
    if res["n_q_alone"] > len(res["significant"]):
        low = sum(r.matched == "low information" for r in res["reports"])
        click.echo(
            f"({res['n_q_alone'] - len(res['significant'])} more at q < {q_threshold} not counted: "
            f"{low} of too little information, the others equalled by their own column shuffles)"
        )
    if influence:
        top = "; ".join(f"filter {f}{f' ({m})' if m else ''} -> {t} {c:+.3f}" for f, m, t, c in res["strongest"])
        click.echo(f"silencing one filter lowers a target most (mean over {res['n_influence']} sequences): {top}")
    click.echo(
        f"table -> {res['tsv']}\nMEME -> {res['meme']}\nreport -> {res['html']}"
        + (f"\ninfluence -> {res['influence']}" if influence else "")
    )


@command(
    name="insert-motif",
    help="""Which targets does a motif switch on?  In-silico motif insertion.

Writes each motif into the same background sequences, at the centre (or
--position), and compares every target's prediction with and without it: the
mean prediction before and after, the mean difference and log-odds difference,
and the share of backgrounds whose prediction rose.  A motif is a DNA word
(A, C, G, T only), inserted as it is, or a JASPAR CORE vertebrate id or name
(pyjaspar, offline), inserted as its consensus (the most frequent base of each
column), or with --sample as sites drawn from its matrix, one per background
(JASPAR's consensus can be an unusual site: GATA1's is CTAATCT).  Backgrounds: -n random
sequences of --gc GC content (seeded), or the
first -n records of --background FASTA (e.g. your negatives).  Writes a TSV, one
row per motif and target, each motif's targets by falling mean difference, and
prints each motif's first five.

\b
Example:
  dlbio insert-motif -w checkpoints/bestmodel.DanQ.keras -d data -m CTCF -m GATA1 -m GATAAG
  dlbio insert-motif -d data -m MA0139.2 --background negatives.fa -n 500 --both-strands -o ctcf_insertion.tsv
""",
)
@model_option
@click.option(
    "-m", "--motif", "queries", multiple=True, required=True, help="DNA word, or JASPAR id or name; repeat for several."
)
@names_data_option
@click.option(
    "-n",
    "--n-backgrounds",
    "n",
    type=int,
    default=100,
    show_default=True,
    callback=positive("-n"),
    help="Background sequences.",
)
@click.option(
    "--background",
    "fasta",
    type=click.Path(dir_okay=False),
    default=None,
    help="FASTA of background sequences of the model's length [random].",
)
@click.option("--gc", type=float, default=0.41, show_default=True, help="GC fraction of random backgrounds.")
@click.option(
    "--position",
    type=int,
    default=None,
    callback=positive("--position"),
    help="1-based first base of the motif [centred].",
)
@click.option(
    "--sample",
    is_flag=True,
    help="A JASPAR motif goes in as a site drawn from its matrix, a new one in each background.",
)
@both_strands_option
@click.option("--release", default="JASPAR2024", show_default=True, help="JASPAR release bundled with pyjaspar.")
@seed_option(0, "the random backgrounds and --sample's sites")
@click.option("-b", "--batch-size", type=int, default=256, show_default=True, callback=positive("-b"))
@click.option("-o", "--out", type=Output(), default="insertion.tsv", show_default=True, help="Output TSV.")
@quiet_option
def insert_motif_cmd(
    model_path, queries, data, n, fasta, gc, position, sample, both_strands, release, seed, batch_size, out, quiet
):
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows.insertion import InsertionOptions, insert_motifs

    model, names = model_and_names(model_path, data)
    res = insert_motifs(
        model,
        list(queries),
        out,
        names,
        InsertionOptions(
            n=n,
            fasta=fasta,
            gc=gc,
            position=position,
            both_strands=both_strands,
            seed=seed,
            release=release,
            batch_size=batch_size,
            progress=progress_mode(quiet),
            sample=sample,
        ),
    )
    for m in res["motifs"]:
        s = m["summary"]
        top = ", ".join(
            f"{res['names'][t]} {s['diff'][t]:+.3f} ({s['background'][t]:.3f} -> {s['with_motif'][t]:.3f})"
            for t in m["order"][:5]
        )
        what = f"sites sampled from the matrix, consensus {m['word']}" if m["sampled"] else m["word"]
        click.echo(f"{m['label']} ({what}, from position {m['start']}) in {res['backgrounds']}: by mean change: {top}")
    click.echo(f"table -> {res['path']}")


COMMANDS = [motifs_cmd, insert_motif_cmd]
