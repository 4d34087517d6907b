"""danq-predict and danq-visualize: a trained model's predictions and pictures (thin wrappers over workflows)."""

from __future__ import annotations

import click

from dlbio.cli.common import (
    MODEL_CHOICE,
    both_strands_option,
    command,
    default_data,
    default_model,
    echo_notes,
    positive,
    quiet_option,
    strict_option,
    targets_option,
    verify_option,
)
from dlbio.utils.guard import Output


@command(
    name="predict",
    help="""Predict with a trained model (any Keras model on one-hot A,G,C,T DNA).

On a DeepSEA-layout folder: writes predictions HDF5 (pred, labels) and a
per-target TSV of ROC AUC, PR AUC and positives, and prints medians (by
DeepSEA category for 919 targets, beside the published figures).
With --fasta, or --bed and --genome: per-sequence, per-target probabilities to TSV.
--both-strands averages each sequence's and its reverse complement's predictions.

\b
Examples:
  danq-predict -d data -m DanQ
  danq-predict -w checkpoints/bestmodel.DanQ.keras --fasta my.fa -o my_predictions.tsv
  danq-predict -w checkpoints/bestmodel.DanQ.keras --bed peaks.narrowPeak --genome hg19.fa -d data
""",
)
@click.option(
    "-d", "--data", type=click.Path(file_okay=False), default=None, help="DeepSEA-layout folder (uses test.mat)."
)
@click.option(
    "-m",
    "--model",
    "model_name",
    type=MODEL_CHOICE,
    default="DanQ",
    show_default=True,
    help="Picks the default checkpoint name.",
)
@click.option(
    "-w",
    "--weights",
    type=click.Path(dir_okay=False),
    default=None,
    help="Model file [checkpoints/bestmodel.<model>.keras].",
)
@click.option(
    "-o",
    "--output",
    type=Output(),
    default=None,
    help="Output [predictions/test_results.h5 (bestmodel.<model>.test_results.h5 for -m other than "
    "DanQ), or predictions.tsv with --fasta/--bed (NAME.h5 there: HDF5 pred + ids)].",
)
@click.option("-n", "--subset", type=int, default=None, callback=positive("-n"), help="First N test samples.")
@click.option("--split", type=click.Choice(["test", "valid", "train"]), default="test", show_default=True)
@click.option("--fasta", type=click.Path(dir_okay=False), default=None, help="Predict these sequences instead.")
@click.option(
    "--resize", is_flag=True, help="--fasta records of another length: pad with N around them or centre-crop (counted)."
)
@click.option(
    "--bed",
    type=click.Path(dir_okay=False),
    default=None,
    help="Predict windows centred on these regions (narrowPeak: on the summit) with --genome.",
)
@click.option("--genome", type=click.Path(dir_okay=False), default=None, help="Genome FASTA for --bed.")
@both_strands_option
@click.option("-b", "--batch-size", default=1024, show_default=True, callback=positive("batch size"))
@strict_option
@verify_option
@quiet_option
def danq_predict(
    data,
    model_name,
    weights,
    output,
    subset,
    split,
    fasta,
    resize,
    bed,
    genome,
    both_strands,
    batch_size,
    strict,
    verify,
    quiet,
):
    from dlbio.data.targets import names_for_model
    from dlbio.models.files import load_dna_model
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows import danq_predict as wf

    model = load_dna_model(weights or default_model(model_name))
    if bed:
        from dlbio.utils.errors import DlbioError
        from dlbio.workflows.genomics import predict_regions

        if not genome:
            raise DlbioError("--bed needs --genome")
        out, n, notes = predict_regions(
            model,
            bed,
            genome,
            output or "predictions.tsv",
            names_for_model(model, data),
            batch_size,
            both_strands,
            progress_mode(quiet),
            strict,
        )
        echo_notes(notes)
        click.echo(f"{n} regions -> {out}")
        return
    if fasta:
        out, resized = wf.predict_fasta(
            model,
            fasta,
            output or "predictions.tsv",
            names_for_model(model, data),
            batch_size,
            resize,
            both_strands,
            progress_mode(quiet),
            strict,
        )
        echo_notes(resized)
        click.echo(f"predictions -> {out}")
        return
    from dlbio.evaluation.metrics import default_results_name

    source = wf.open_sets(data or default_data(), subset, (split,), verify)[split]
    default = default_results_name(model_name, split=split) if not weights else f"{split}_results.h5"
    res = wf.predict(model, source, output or f"predictions/{default}", batch_size, quiet, both_strands)
    click.echo(f"predictions -> {res.path}\nper-target metrics -> {res.metrics_tsv}")
    for line in res.summary:
        click.echo(line)


@command(
    name="visualize",
    help="""Pictures of a trained model.

\b
-t T     ROC and PR curves of target T (1-based) from a predictions file.
-M -t F  the motif of first-layer filter F as a logo, from the test positives
         (DanQ procedure, both strands), and every filter in one MEME file.
-L LOG   training curves (loss, val_loss, median validation ROC AUC per epoch,
         best epoch marked) of one or more danq-train logs, to compare runs.
-C A -C B  two runs' test metrics (danq-predict's .metrics.tsv) target by target:
         ROC and PR AUC of B against A, on how many targets B is higher, the
         median difference and its Wilcoxon p-value, per DeepSEA category.

\b
Examples:
  danq-visualize -t 42
  danq-visualize -t CTCF -p predictions/test_results.h5
  danq-visualize -M -t 7 -d data -w checkpoints/bestmodel.DanQ.keras
  danq-visualize -L checkpoints/bestmodel.DanQ.log.csv -L checkpoints/bestmodel.DeepSEA.log.csv
  danq-visualize -C predictions/bestmodel.DeepSEA.test_results.metrics.tsv -C predictions/test_results.metrics.tsv
""",
)
@click.option(
    "-t",
    "--target",
    default=None,
    help="Target: 1-based number or a name from the predictions' targets; with -M a filter number.",
)
@click.option("-M", "--motif", "motif_mode", is_flag=True, help="Filter motif logo instead of ROC/PR curves.")
@click.option(
    "-p",
    "--predictions",
    type=click.Path(dir_okay=False),
    default=None,
    help="Predictions HDF5 [predictions/test_results.h5; bestmodel.<model>.test_results.h5 for -m other than DanQ].",
)
@click.option("-d", "--data", type=click.Path(file_okay=False), default=None, help="DeepSEA-layout folder (-M).")
@click.option("-m", "--model", "model_name", type=MODEL_CHOICE, default="DanQ", show_default=True)
@click.option("-w", "--weights", type=click.Path(dir_okay=False), default=None, help="Model file (-M).")
@click.option("--targets", default=None, help="-M: comma-separated targets whose positives are scanned [any].")
@click.option(
    "-L",
    "--log",
    "logs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Training curves of this danq-train log (checkpoints/<prefix>.<model>.log.csv); repeat to overlay runs.",
)
@click.option(
    "-C",
    "--compare",
    "compare",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A run's metrics TSV (predictions/<name>.metrics.tsv); give two: the second against the first.",
)
@click.option(
    "-o",
    "--output",
    type=Output(),
    default=None,
    help="PNG [roc_target<T>.png, motif_filter<F>.png, training_curves.png or compare_auc.png].",
)
@verify_option
@quiet_option
def danq_visualize(
    target, motif_mode, predictions, data, model_name, weights, targets, logs, compare, output, verify, quiet
):
    from dlbio.utils.errors import require
    from dlbio.workflows import visualize as vis

    if compare:
        require(
            len(compare) == 2 and target is None and not motif_mode and not logs,
            "-C compares two runs: give -C A.metrics.tsv -C B.metrics.tsv and nothing else to draw",
        )
        png, lines = vis.compare_runs(compare[0], compare[1], output or "compare_auc.png")
        click.echo("\n".join(lines) + f"\nper-target AUCs -> {png}")
        return
    if logs:
        require(target is None and not motif_mode, "-L draws training curves; give -t or -M in another call")
        click.echo(f"training curves -> {vis.plot_training(list(logs), output or 'training_curves.png')}")
        return
    require(
        target is not None,
        "give -t TARGET (ROC/PR curves), -M -t FILTER (a filter's motif), -L LOG "
        "(training curves) or -C A -C B (two runs compared); see danq-visualize --help",
    )
    if not motif_mode:
        from dlbio.evaluation.metrics import default_results_name

        predictions = predictions or f"predictions/{default_results_name(model_name)}"
        out = vis.plot_target(predictions, target, output)
        click.echo(f"ROC/PR curves -> {out}")
        return
    from dlbio.workflows import danq_predict as wf

    require(target.isdigit(), f"-M -t: a filter number (1-based), got {target!r}")
    target = int(target)
    tlist = targets_option(targets, data or default_data())
    source = wf.open_sets(data or default_data(), verify=verify)["test"]
    png, meme, n = vis.filter_logo(
        weights or default_model(model_name),
        source,
        target,
        output or f"motif_filter{target}.png",
        "motifs.meme",
        tlist,
        quiet,
    )
    click.echo(f"filter {target}: {n} sites -> {png}\nall filters (MEME) -> {meme}")


COMMANDS = [danq_predict, danq_visualize]
