"""danq-train and danq-import: a model trained, or the published one imported (thin wrappers
over workflows)."""

from __future__ import annotations

import click

from dlbio.cli.common import (
    MODEL_CHOICE,
    at_least,
    command,
    default_data,
    exceeds_zero,
    positive,
    quiet_option,
    run_program,
    seed_option,
    verify_option,
)
from dlbio.utils.guard import Output


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
    help="GPUs on this node (TensorFlow: MirroredStrategy; JAX: DataParallel; PyTorch: one process per GPU, "
    "as DistributedDataParallel); batch must be a multiple.",
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
    from dlbio.training.preemption import Preempted
    from dlbio.workflows.danq import run_training

    try:
        res = run_training(config)
    except Preempted as exc:
        if exc.chief:
            click.echo(f"preempted: {exc}", err=True)
        sys.exit(PREEMPTED_EXIT)
    if not res.chief:  # another process of --multi-worker or -g N: the chief says what was written
        return
    if not res.history:
        click.echo("nothing to train: the saved state has finished (every epoch, or early stopping)")
    best = res.summary
    if best is not None:
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


COMMANDS = [danq_train, danq_import]
