"""danq-train, danq-predict, danq-visualize (thin wrappers over workflows)."""

from __future__ import annotations

import click

from dlbio.cli.common import (
    at_least,
    both_strands_option,
    command,
    default_data,
    default_model,
    echo_notes,
    exceeds_zero,
    positive,
    quiet_option,
    run_program,
    seed_option,
    strict_option,
    targets_option,
    verify_option,
)
from dlbio.utils.guard import Output

MODEL_CHOICE = click.Choice(["DanQ", "DeepSEA", "DanQ-JASPAR"])


@command(
    name="train",
    help="""Train DanQ or DeepSEA on a DeepSEA-layout folder (train.mat, valid.mat, test.mat).

Keeps the model with the best validation loss in checkpoints/<prefix>.<model>.keras,
logs loss, val_loss and the median validation ROC AUC per epoch to
checkpoints/<prefix>.<model>.log.csv, stops early when val_loss stops improving,
then predicts the test set into predictions/<-o>.

\b
Examples:
  danq-train -d data -g 4                         # full DeepSEA set on 4 GPUs
  danq-train -d data -m DeepSEA -O sgd -l 0.01 -s
  danq-train -d $DANQ_DATA/data -f 64 -k 19 --lstm-units 32 --dense-units 64 -b 100 -e 20 -l 3e-3
  danq-train -d mydata --fine-tune DanQ_bestmodel.keras   # the published DanQ (danq-import) on your targets
  danq-train --config run.toml -e 5               # a run's options from a file; -e overrides it
  danq-train -d data -g 4 --print-config > run.toml   # write the effective options, train nothing
""",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Read the run's options from this TOML file (sections model, training, dataset, hardware, "
    "output; see --print-config); options given here override it.",
)
@click.option("--print-config", is_flag=True, help="Print the effective options as TOML and exit.")
@click.option(
    "-d",
    "--data",
    "data",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder with train.mat, valid.mat, test.mat [default: ./data, else the bundled tiny set].",
)
@click.option("-b", "--batch-size", default=500, show_default=True, callback=positive("batch size"))
@click.option("-e", "--epochs", default=60, show_default=True, callback=positive("epochs"))
@click.option(
    "-f",
    "--filters",
    type=int,
    default=None,
    callback=positive("-f/--filters"),
    help="First-layer filters [320; DanQ-JASPAR 1024].",
)
@click.option(
    "-g",
    "--gpus",
    default=1,
    show_default=True,
    callback=positive("-g/--gpus"),
    help="GPUs on this node (TensorFlow: MirroredStrategy; JAX: DataParallel); batch must be a multiple.",
)
@click.option(
    "-k",
    "--kernel-size",
    type=int,
    default=None,
    callback=positive("-k/--kernel-size"),
    help="First-layer kernel [DanQ 26, DeepSEA 8, DanQ-JASPAR 30].",
)
@click.option("-l", "--learning-rate", default=1e-4, show_default=True, type=float, callback=exceeds_zero("-l"))
@click.option("-m", "--model", "model_name", type=MODEL_CHOICE, default="DanQ", show_default=True)
@click.option(
    "-n",
    "--subset",
    type=int,
    default=None,
    callback=positive("-n"),
    help="Use the first N samples of each set (debug).",
)
@click.option(
    "-o",
    "--results",
    default="auto",
    help="Test predictions file in predictions/ [test_results.h5; <prefix>.<model>.test_results.h5 "
    "for another -m or --prefix]; '' for none.",
)
@click.option("-O", "--optimizer", type=click.Choice(["adam", "rmsprop", "sgd"]), default="rmsprop", show_default=True)
@click.option("-s", "--lr-schedule", is_flag=True, help="Step decay: halve the learning rate every 10 epochs.")
@click.option("-v", "--verbose", is_flag=True, help="Model summary and Keras per-epoch lines.")
@click.option(
    "-w", "--weights", type=click.Path(dir_okay=False), default=None, help="Start from this model/weights file."
)
@click.option(
    "--fine-tune",
    type=click.Path(dir_okay=False),
    default=None,
    help="Train this Keras model file (e.g. danq-import's published DanQ) instead of a new -m model; its "
    "last layer starts anew when the data has other targets. Files: <prefix>.<file stem>.*",
)
@click.option(
    "--lstm-units",
    type=int,
    default=None,
    callback=positive("--lstm-units"),
    help="BiLSTM units per direction [DanQ 320, DanQ-JASPAR 512].",
)
@click.option(
    "--dense-units", default=925, show_default=True, callback=positive("--dense-units"), help="Hidden dense layer size."
)
@click.option(
    "--patience",
    default=5,
    show_default=True,
    callback=at_least(0, "--patience"),
    help="Early stopping patience (epochs without a better val_loss).",
)
@click.option(
    "--out-dir",
    type=Output("folder", shared=True),
    default=".",
    show_default=True,
    help="Where checkpoints/ and predictions/ go.",
)
@click.option("--prefix", default="bestmodel", show_default=True, help="Checkpoint name prefix.")
@click.option(
    "--mixed-precision", is_flag=True, help="mixed_float16 (GPU; the cuDNN LSTM takes float16, not bfloat16)."
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue from checkpoints/<prefix>.<model>.state.keras (written every epoch and on SIGTERM).",
)
@click.option("--deterministic", is_flag=True, help="TensorFlow op determinism on GPU too (slower; always on for CPU).")
@click.option(
    "--multi-worker",
    is_flag=True,
    help="Several nodes, one danq-train per node (srun): TensorFlow's MultiWorkerMirroredStrategy (cluster "
    "from SLURM or TF_CONFIG) or, with KERAS_BACKEND=jax, jax.distributed (SLURM or "
    "KERAS_DISTRIBUTION_JOB_ADDRESSES).",
)
@verify_option
@seed_option(1)
@quiet_option
def danq_train(data, config_file, print_config, **kw):
    import sys

    from dlbio.backend import prepare_environment
    from dlbio.training.config import RunConfig
    from dlbio.utils.signals import PREEMPTED_EXIT

    ctx = click.get_current_context()
    given = {
        name
        for name in [*kw, "data"]
        if ctx.get_parameter_source(name) not in (click.core.ParameterSource.DEFAULT, None)
    }
    kw["limit"], kw["name"] = kw.pop("subset"), kw.pop("model_name")
    renamed = {"subset": "limit", "model_name": "name"}
    given = {renamed.get(name, name) for name in given}
    if config_file:  # the file, then what was given on the command line
        config = RunConfig.read_toml(config_file)
        config = config.replace(**{k: v for k, v in kw.items() if k in given}, **({"data": data} if data else {}))
    else:
        config = RunConfig.from_options(data or default_data(), **kw)
    if print_config:
        click.echo(config.to_toml(), nl=False)
        return
    prepare_environment(config.hardware.deterministic)  # JAX reads its GPU determinism flag when it starts
    from dlbio.training.resume import Preempted
    from dlbio.workflows.danq import run_training

    try:
        res = run_training(config)
    except Preempted as exc:
        click.echo(f"preempted: {exc}", err=True)
        sys.exit(PREEMPTED_EXIT)
    if not res.history:
        click.echo("nothing to train: the saved state has finished (every epoch, or early stopping)")
    best = res.summary
    if best is not None:  # None on the non-chief workers of --multi-worker
        auc = "" if best.best_val_auc is None else f" (median val ROC AUC {best.best_val_auc:.4f})"
        click.echo(
            f"{best.epochs} epoch{'s' if best.epochs > 1 else ''}; best val_loss {best.best_val_loss:.4f} "
            f"at epoch {best.best_epoch}{auc}"
        )
        if best.epochs < config.training.epochs:
            click.echo(f"stopped early: no better val_loss in the last {config.training.patience} epochs (--patience)")
    click.echo(f"model -> {res.checkpoint}\nlog -> {res.log} (curves: danq-visualize -L {res.log})")
    if res.results:
        click.echo(f"test predictions -> {res.results}")
        for line in res.metrics_lines:
            click.echo(line)


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


@command(
    name="import",
    help="""Turn the published DanQ weights (Keras 0.2) into a model file dlbio reads.

DanQ_bestmodel.hdf5 (or DanQ-JASPAR_bestmodel.hdf5) from the DanQ authors holds
only arrays; this builds the Keras 3 model that computes what the original code
computed (Theano's flipped kernels, hard-sigmoid gates, and the two LSTMs that
seya's Bidirectional ran, both forwards; see docs/danq.md) and saves it as
.keras, ready for danq-predict -w, variants, track, mutagenesis and motifs, and
for danq-train --fine-tune on your own targets.
Nothing is downloaded: bring the file.

\b
Examples:
  danq-import DanQ_bestmodel.hdf5
  danq-predict -w DanQ_bestmodel.keras -d data     # test-set AUCs beside the published ones
  dlbio motifs -w DanQ_bestmodel.keras -d data
""",
)
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", type=Output(), default=None, help="Model file to write [the source's name with .keras, here]."
)
@click.option(
    "--length",
    default=1000,
    show_default=True,
    callback=positive("--length"),
    help="Sequence length the model was trained on (DeepSEA: 1000); sets the input and the pool size.",
)
@click.option(
    "--pool",
    type=int,
    default=None,
    callback=positive("--pool"),
    help="Max-pool size (= stride) [the one size that fits --length and the file: DanQ 13, DanQ-JASPAR 15].",
)
def danq_import(source, output, length, pool):
    from dlbio.workflows.published import import_danq

    out, described = import_danq(source, output, length, pool)
    click.echo(f"{source} (Keras 0.2) -> {out}: {described}")


def danq_train_program() -> None:
    """The ``danq-train`` console script (fast exit after a signal: common.run_program)."""
    run_program(danq_train)


COMMANDS = [danq_train, danq_predict, danq_visualize, danq_import]
