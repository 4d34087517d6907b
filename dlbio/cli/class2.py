"""Console commands of the class-2 examples (thin: parse, call a workflow, print)."""

from __future__ import annotations

import click

from dlbio.cli.common import at_least, command, positive, quiet_option, seed_option
from dlbio.utils.guard import Output


def _kernel_size_option(cell: str):
    """--kernel-size for the Conv1D only (a SimpleRNN reads the whole string)."""
    if cell != "conv1d":
        return lambda f: f
    return click.option(
        "--kernel-size",
        "-k",
        default=3,
        show_default=True,
        callback=positive("--kernel-size"),
        help="Conv1D filter width: at least the motif's length (the slides' 3 fits 111).",
    )


def _mdet(cell: str):
    slide = f"mdet_{cell}"
    longer_motif = "\n  mdet-conv1d --motif 1101 --kernel-size 4 -O adam -l 0.01 -e 100" if cell == "conv1d" else ""

    @command(
        name=f"mdet-{cell}",
        help=f"""Train the {"SimpleRNN" if cell == "simplernn" else "Conv1D"} motif
detector of the class-2 slides on random 0/1 strings.

Prints the slides' 'y, y_test=' lines, then the test accuracy.  The model is
saved after every epoch to {slide}.keras (a Keras 3 model file).

\b
Example:
  mdet-{cell}                       # the slides' run: 1000/40 strings, 500 epochs
  mdet-{cell} --epochs 50 --optimizer adam --learning-rate 0.01{longer_motif}
""",
    )
    @click.option(
        "--n-train", default=1000, show_default=True, callback=positive("--n-train"), help="Training strings."
    )
    @click.option("--n-test", default=40, show_default=True, callback=positive("--n-test"), help="Test strings.")
    @click.option("--length", default=10, show_default=True, callback=positive("--length"), help="String length.")
    @click.option(
        "--motif", default="111", show_default=True, help="Motif (0/1 string or regex of them) that makes a label 1."
    )
    @click.option(
        "--channels",
        default=2,
        show_default=True,
        callback=positive("--channels"),
        help="SimpleRNN units / Conv1D filters.",
    )
    @_kernel_size_option(cell)
    @click.option("--epochs", "-e", default=500, show_default=True, callback=positive("--epochs"))
    @click.option("--batch-size", "-b", default=32, show_default=True, callback=positive("--batch-size"))
    @click.option("--optimizer", "-O", type=click.Choice(["sgd", "adam", "rmsprop"]), default="sgd", show_default=True)
    @click.option("--learning-rate", "-l", type=float, default=None, help="Default: the optimizer's (SGD 0.01).")
    @click.option(
        "--momentum",
        type=float,
        default=0.0,
        show_default=True,
        callback=at_least(0, "--momentum"),
        help="SGD/RMSprop momentum.",
    )
    @click.option("--nesterov", is_flag=True, help="Nesterov momentum (SGD).")
    @click.option(
        "--checkpoint",
        "-c",
        type=Output(),
        default=f"{slide}.keras",
        show_default=True,
        help="Model file written every epoch (.keras, .h5, or .weights.h5 for weights only).",
    )
    @click.option(
        "--load-weights",
        "-w",
        type=click.Path(dir_okay=False),
        default=None,
        help="Start from this model/weights file instead of random weights.",
    )
    @click.option("--plot", type=Output(), default=None, help="Also write the loss curve to this PNG.")
    @seed_option(7)
    @quiet_option
    def run(motif, checkpoint, load_weights, plot, quiet, seed, **kw):
        from dlbio.data.synthetic import check_binary_motif
        from dlbio.workflows.class2_detection import detect_motif

        check_binary_motif(motif)
        res = detect_motif(
            cell, motif=motif, checkpoint=checkpoint, load_weights=load_weights, seed=seed, quiet=quiet, **kw
        )
        for pred, truth in zip(res.y_pred, res.y_test):
            click.echo(f"y, y_test= {pred} {truth}")
        n_ok = int((res.y_pred == res.y_test).sum())
        click.echo(
            f"test accuracy: {100 * res.accuracy:.2f}% ({n_ok}/{len(res.y_test)}); "
            f"final loss {res.losses[-1]:.4f}; model saved to {res.checkpoint}"
        )
        if plot:
            from dlbio.workflows.class2_detection import plot_losses

            click.echo(f"loss curve -> {plot_losses(res.losses, plot, f'mdet-{cell}')}", err=True)

    return run


def _mdisc(cell: str):
    @command(
        name=f"mdisc-{cell}",
        help=f"""Discover the motif learned by mdet-{cell}.

Keeps the test strings the model calls positive, aligns them at the peak of the
{
            "Conv1D filter (window starts there)"
            if cell == "conv1d"
            else "SimpleRNN output (window ends there: the RNN fires after reading the motif)"
        },
writes the alignment as FASTA and a logo PNG, and prints the consensus.

\b
Example:
  mdisc-{cell}                      # uses ./mdet_{cell}.keras, else the bundled one
  mdisc-{cell} --weights my.keras --window 5 --threshold 0.9
""",
    )
    @click.option(
        "--weights",
        "-w",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"Model from mdet-{cell}. Default: ./mdet_{cell}.keras, else the copy in $DLBIO_DATA.",
    )
    @click.option(
        "--n-seq", default=40, show_default=True, callback=positive("--n-seq"), help="Random test strings to scan."
    )
    @click.option(
        "--window",
        default=7,
        show_default=True,
        callback=positive("--window"),
        help="Width of the aligned window (motif size upper bound).",
    )
    @click.option(
        "--threshold", default=0.8, show_default=True, help="Column call: symbol frequency above this, else N."
    )
    @click.option(
        "--channel",
        type=int,
        default=None,
        callback=at_least(0, "--channel"),
        help="Motif-layer channel to read (default: the one with the largest mean Dense weight).",
    )
    @click.option("--fasta", type=Output(), default=f"01_{cell}.fa", show_default=True)
    @click.option("--logo", type=Output(), default=f"01_{cell}.png", show_default=True)
    @seed_option(1, "the test strings")
    def run(weights, n_seq, window, threshold, channel, fasta, logo, seed):
        from dlbio.utils.resources import default_input
        from dlbio.workflows.class2_discovery import discover_motif

        weights = weights or default_input(f"mdet_{cell}.keras")
        res = discover_motif(
            cell,
            weights,
            n_seq=n_seq,
            window=window,
            threshold=threshold,
            channel=channel,
            seed=seed,
            fasta=fasta,
            logo=logo,
        )
        click.echo(f"weights: {weights}")
        dropped = res.n_positive - len(res.windows)
        off_end = f", {dropped} would run off the string" if dropped else ""
        click.echo(
            f"{res.n_positive} of {n_seq} strings predicted positive; {len(res.windows)} windows aligned "
            f"(channel {res.channel}{off_end}) -> {res.fasta}"
        )
        if res.windows:
            click.echo(f"\nPWM of the {len(res.windows)} sites (frequency of 0 and 1 at each window position):")
            click.echo(res.pwm_text().rstrip("\n"))
        if res.logo:
            click.echo(f"logo -> {res.logo}")
        elif res.n_positive == 0:
            click.echo(
                "no string predicted positive, so nothing to align: no logo drawn, the consensus is "
                "all N (try more --n-seq)"
            )
        else:
            click.echo(
                f"no window of {window} fits inside the strings at the motif layer's peaks: no logo "
                "drawn, the consensus is all N (try a smaller --window)"
            )
        click.echo(f"\nmotif= {res.consensus}")

    return run


# The class examples run several times faster on JAX (docs/benchmarks.md): used when installed,
# unless KERAS_BACKEND says otherwise.
PREFERRED_BACKEND = "jax"


def class_example(cmd):
    """Mark a click command as a class example: JAX where installed, oneDNN off on TensorFlow."""
    cmd.preferred_backend = PREFERRED_BACKEND  # read by dlbio.cli.common.Command.invoke
    cmd.onednn = False  # on TensorFlow, mdet-conv1d takes 47 s without oneDNN, 54 s with
    return cmd


mdet_simplernn = _mdet("simplernn")
mdet_conv1d = _mdet("conv1d")
mdisc_simplernn = _mdisc("simplernn")
mdisc_conv1d = _mdisc("conv1d")


for _cmd in (mdet_simplernn, mdet_conv1d, mdisc_simplernn, mdisc_conv1d):
    class_example(_cmd)
