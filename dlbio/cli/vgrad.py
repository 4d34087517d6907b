"""Console command of the class-2 vanishing-gradient demo (thin: parse, call the workflow, print)."""

from __future__ import annotations

import statistics

import click

from dlbio.cli.class2 import class_example
from dlbio.cli.common import command, positive, quiet_option, seed_option
from dlbio.utils.guard import Output


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


@class_example
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
    from dlbio.workflows.vgrad import vanishing_gradient
    from dlbio.workflows.vgrad_results import plot_vanishing, write_vanishing_tsv

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
    from dlbio.workflows.vgrad_results import SLIDES_ACCURACY

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
