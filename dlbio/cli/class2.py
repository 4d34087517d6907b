"""Console commands of the class-2 examples (thin: parse, call a workflow, print)."""

from __future__ import annotations

import statistics

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
        from dlbio.workflows.class2 import detect_motif

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
            from dlbio.workflows.class2 import plot_losses

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
        from dlbio.workflows.class2 import discover_motif

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
mdet_simplernn = _mdet("simplernn")
mdet_conv1d = _mdet("conv1d")
mdisc_simplernn = _mdisc("simplernn")
mdisc_conv1d = _mdisc("conv1d")


def _epoch_list(ctx, param, value):
    if value is None:
        return None
    try:
        out = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated epochs like 100,300, got {value!r}") from None
    if not out or min(out) <= 0:
        raise click.BadParameter(f"epochs must be positive, got {value!r}")
    return out


@command(
    name="vgrad-rnn",
    help="""Vanishing gradients: SimpleRNN vs LSTM predicting the next character
of sequences of blocks 0^n 1^n (class-2 slides).

Prints the test accuracy of each cell at each --eval-at epoch (the slides'
table) and how much the last hidden state depends on the first and on the last
of the 100 inputs, |dh_100/dx_1| vs |dh_100/dx_100|: for SimpleRNN the first is
orders of magnitude smaller -- the vanishing gradient, measured.  The gradient of
the loss itself, |dloss/dx_t|, is printed too: it reaches x_1 directly through
the Dense layer's read of h_1, so it does not vanish.

--seed 7 (the default) makes the slide script's own strings.  With --repeats N
each cell is trained N times on those strings, from initialisation seeds
--seed, --seed+1, ...; the table then gives the median [min-max] of the runs
(one LSTM unit after 100 epochs depends a lot on its start).  --jobs runs that
many trainings at once, one core each.

\b
Example:
  vgrad-rnn --cell both --epochs 100 --plot vgrad_rnn.png
  vgrad-rnn --cell lstm            # the slides' 700 epochs
  vgrad-rnn --cell lstm --epochs 150 --eval-at 100,150 --repeats 16 --jobs 16
""",
)
@click.option("--cell", type=click.Choice(["simplernn", "lstm", "both"]), default="simplernn", show_default=True)
@click.option("--epochs", "-e", default=700, show_default=True, callback=positive("--epochs"))
@click.option(
    "--eval-at",
    callback=_epoch_list,
    default=None,
    help="Comma-separated epochs to evaluate at. Default: those of 100,300,500,700 up to --epochs, and the last.",
)
@click.option("--batch-size", "-b", default=1000, show_default=True, callback=positive("--batch-size"))
@click.option(
    "--n-seq",
    default=200,
    show_default=True,
    callback=positive("--n-seq"),
    help="Strings generated; the first --n-train train.",
)
@click.option("--n-train", default=150, show_default=True, callback=positive("--n-train"))
@click.option(
    "--repeats",
    "-r",
    default=1,
    show_default=True,
    callback=positive("--repeats"),
    help="Trainings per cell, from initialisation seeds --seed, --seed+1, ... on the same data.",
)
@click.option(
    "--jobs",
    "-j",
    default=1,
    show_default=True,
    callback=positive("--jobs"),
    help="Trainings run at once, in separate single-threaded processes.",
)
@click.option(
    "--tsv",
    type=Output(),
    default="vgrad_rnn.tsv",
    show_default=True,
    help="Accuracy and gradient table (long format, one row per run and epoch).",
)
@click.option("--plot", type=Output(), default=None, help="Also write loss/accuracy curves to this PNG.")
@click.option(
    "--checkpoint-dir",
    type=Output("folder", shared=True),
    default=".",
    show_default=True,
    help="Where vgrad_<cell>.keras (vgrad_<cell>_init<seed>.keras with --repeats) is saved at each evaluated epoch.",
)
@seed_option(7)
@quiet_option
def vgrad_rnn(cell, epochs, eval_at, batch_size, n_seq, n_train, repeats, jobs, tsv, plot, checkpoint_dir, seed, quiet):
    from dlbio.workflows.vgrad import plot_vanishing, vanishing_gradient, write_vanishing_tsv

    cells = ["simplernn", "lstm"] if cell == "both" else [cell]
    res = vanishing_gradient(
        cells,
        epochs=epochs,
        eval_at=eval_at,
        batch_size=batch_size,
        n_seq=n_seq,
        n_train=n_train,
        seed=seed,
        repeats=repeats,
        jobs=jobs,
        checkpoint_dir=checkpoint_dir,
        quiet=quiet,
    )
    click.echo("\n# training epochs\t" + "\t".join(cells))
    for e in res.epochs:
        click.echo(f"{e}\t" + "\t".join(_spread(res.accuracies(c, e)) for c in cells))
    if repeats > 1:
        click.echo(
            f"(test accuracy, median [min-max] of {repeats} initialisations each: seeds {seed}-{seed + repeats - 1})"
        )
    for line in _beside_slides(res, cells, repeats):
        click.echo(line)
    last = res.epochs[-1]
    click.echo(
        "\nmean |dh_100/dx_t| (last hidden state vs input step t), after the last epoch"
        + (", median of the runs:" if repeats > 1 else ":")
    )
    grads = {c: res.median_gradient(c, last) for c in cells}
    for c, g in grads.items():
        click.echo(f"  {c:<9}  t=1: {g.first:.2e}   t=100: {g.last:.2e}   ratio: {_ratio(g.first, g.last)}")
    click.echo(
        "mean |dloss/dx_t| (squared error vs input step t; it reaches x_1 directly, through the Dense\n"
        "layer's read of h_1, so it does not vanish -- the path through the recurrence above does):"
    )
    for c, g in grads.items():
        click.echo(
            f"  {c:<9}  t=1: {g.loss_first:.2e}   t=100: {g.loss_last:.2e}   ratio: {_ratio(g.loss_first, g.loss_last)}"
        )
    click.echo(f"\ntable -> {write_vanishing_tsv(res, tsv)}")
    if plot:
        click.echo(f"plot -> {plot_vanishing(res, plot)}")


def _beside_slides(res, cells: list[str], repeats: int) -> list[str]:
    """The slides' figures at the epochs both tables have; with one run, a hint where the
    LSTM is more than a point below them: one LSTM unit leaves its plateau at a time that
    depends on its initial weights (the SimpleRNN's spread is a fraction of a point)."""
    from dlbio.workflows.vgrad import SLIDES_ACCURACY

    shared = [e for e in res.epochs if e in SLIDES_ACCURACY["lstm"]]
    if not shared:
        return []
    lines = [
        "slides (one run each): "
        + "; ".join(f"{e}: " + " ".join(f"{SLIDES_ACCURACY[c][e]:.2f}%" for c in cells) for e in shared)
    ]
    if "lstm" not in cells or repeats > 1:
        return lines
    behind = [e for e in shared if 100 * res.accuracies("lstm", e)[0] < SLIDES_ACCURACY["lstm"][e] - 1.0]
    if behind:
        lines.append(
            f"lstm after {behind[0]} epochs is below the slides' run: one run depends on its initial "
            f"weights; --repeats 8 shows the spread (docs/class2.md)"
        )
    return lines


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1e}" if b else "nan"


def _spread(accs: list[float]) -> str:
    """'97.92%' for one run; 'median% [min-max]' for several (*accs* sorted, 0..1)."""
    if len(accs) == 1:
        return f"{100 * accs[0]:.2f}%"
    return f"{100 * statistics.median(accs):.2f}% [{100 * accs[0]:.2f}-{100 * accs[-1]:.2f}]"


for _cmd in (mdet_simplernn, mdet_conv1d, mdisc_simplernn, mdisc_conv1d, vgrad_rnn):
    _cmd.preferred_backend = PREFERRED_BACKEND  # read by dlbio.cli.common.Command.invoke
    _cmd.onednn = False  # on TensorFlow, mdet-conv1d takes 47 s without oneDNN, 54 s with
