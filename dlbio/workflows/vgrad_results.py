"""What vgrad-rnn measures (test accuracy and input gradients per run and epoch), and how it is
written: a long-format TSV and a figure of the loss and accuracy curves."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import keras
import numpy as np

from dlbio.utils.atomic import write_text

# The slides' table: test accuracy (%) of one run per cell and epoch count (Keras 2,
# initial weights unseeded), on the strings of --seed 7.
SLIDES_ACCURACY = {
    "simplernn": {100: 91.81, 300: 91.89, 500: 92.90, 700: 92.94},
    "lstm": {100: 97.92, 300: 98.84, 500: 98.99, 700: 99.05},
}


@dataclass
class GradientCheck:
    """Mean absolute input gradients over test windows at the first and last input step.

    *first*, *last*: |d h_L / d x_t| of the recurrent layer's output after the
    last step, t = 1 and t = L.  Through a SimpleRNN this is a product of one
    Jacobian per step, so for t = 1 it shrinks towards zero: the vanishing gradient.
    *loss_first*, *loss_last*: |d loss / d x_t| of the per-window squared error.
    The slides' model reads every h_t (Flatten -> Dense), so the loss reaches x_1
    directly through h_1 and this gradient does not vanish; what vanishes is the
    path through the recurrence, which long-range dependencies need.
    """

    first: float
    last: float
    loss_first: float
    loss_last: float


def input_gradient(model: keras.Model, x: np.ndarray, y: np.ndarray) -> GradientCheck:
    """How much the inputs still move the network: the gradients of the last hidden state
    (summed over units) and of the squared error with respect to each input step.

    Parameters
    ----------
    model : keras.Model
        A next-character predictor with a layer named 'recurrent'.
    x : numpy.ndarray
        float (n, L, 1) windows.
    y : numpy.ndarray
        (n,) 0/1 targets.

    Returns
    -------
    GradientCheck
        Mean |gradient| over the n windows at the first and the last step, of the state and
        of the loss.
    """
    from dlbio.backend import gradient_function

    recurrent = keras.Model(model.inputs, model.get_layer("recurrent").output)
    target = keras.ops.convert_to_tensor(np.asarray(y, np.float32))
    x = np.asarray(x, np.float32)
    g_state = np.abs(gradient_function(recurrent, lambda call, xt: keras.ops.sum(call(xt)[:, -1, :]))(x)[..., 0])
    # Windows are independent, so the gradient of the summed loss is each window's own.
    g_loss = np.abs(
        gradient_function(model, lambda call, xt: keras.ops.sum(keras.ops.square(call(xt)[:, 0] - target)))(x)[..., 0]
    )
    return GradientCheck(
        float(g_state[:, 0].mean()),
        float(g_state[:, -1].mean()),
        float(g_loss[:, 0].mean()),
        float(g_loss[:, -1].mean()),
    )


@dataclass
class VgradRun:
    """One trained cell: accuracy[epoch] = test accuracy (0..1), gradients[epoch], loss per epoch."""

    cell: str
    init_seed: int
    accuracy: dict[int, float] = field(default_factory=dict)
    gradients: dict[int, GradientCheck] = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)


@dataclass
class VanishingResult:
    """All runs of a vgrad job, in the order (cell, init_seed) they were asked for."""

    runs: list[VgradRun]

    @property
    def cells(self) -> list[str]:
        return list(dict.fromkeys(r.cell for r in self.runs))

    @property
    def epochs(self) -> list[int]:
        return sorted(self.runs[0].accuracy)

    def of(self, cell: str) -> list[VgradRun]:
        """The runs of one cell.

        Parameters
        ----------
        cell : str
            'simplernn' or 'lstm'.

        Returns
        -------
        list of VgradRun
        """
        return [r for r in self.runs if r.cell == cell]

    def accuracies(self, cell: str, epoch: int) -> list[float]:
        """Test accuracies of one cell's runs after an epoch.

        Parameters
        ----------
        cell : str
            'simplernn' or 'lstm'.
        epoch : int
            An evaluated epoch.

        Returns
        -------
        list of float
            0..1, sorted.
        """
        return sorted(r.accuracy[epoch] for r in self.of(cell))

    def median_gradient(self, cell: str, epoch: int) -> GradientCheck:
        """The median over one cell's runs of the input gradients after an epoch.

        Parameters
        ----------
        cell : str
            'simplernn' or 'lstm'.
        epoch : int
            An evaluated epoch.

        Returns
        -------
        GradientCheck
        """
        runs = self.of(cell)
        return GradientCheck(
            *(float(np.median([getattr(r.gradients[epoch], f.name) for r in runs])) for f in fields(GradientCheck))
        )


def write_vanishing_tsv(result: VanishingResult, path: str | Path) -> Path:
    """Write the results as a long-format TSV, one row per run and evaluated epoch: cell,
    init_seed, epoch, test_accuracy, grad_first_step, grad_last_step (|dh_L/dx_t|),
    loss_grad_first_step, loss_grad_last_step.

    Parameters
    ----------
    result : VanishingResult
        The runs.
    path : str or pathlib.Path
        The TSV.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    lines = [
        "cell\tinit_seed\tepoch\ttest_accuracy\tgrad_first_step\tgrad_last_step"
        "\tloss_grad_first_step\tloss_grad_last_step"
    ]
    for run in result.runs:
        for epoch, acc in sorted(run.accuracy.items()):
            g = run.gradients[epoch]
            lines.append(
                f"{run.cell}\t{run.init_seed}\t{epoch}\t{acc:.4f}\t{g.first:.3e}\t{g.last:.3e}"
                f"\t{g.loss_first:.3e}\t{g.loss_last:.3e}"
            )
    return write_text(path, "\n".join(lines) + "\n")


def plot_vanishing(result: VanishingResult, path: str | Path) -> Path:
    """Plot the training loss per epoch and the test accuracy at the evaluated epochs: one line
    per run, one colour per cell (the median accuracy bold when there are several runs).

    Parameters
    ----------
    result : VanishingResult
        The runs.
    path : str or pathlib.Path
        The PNG.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.evaluation.plots import pyplot, save_png

    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for k, cell in enumerate(result.cells):
        colour, runs = f"C{k}", result.of(cell)
        thin = {"lw": 0.8, "alpha": 0.5} if len(runs) > 1 else {}
        for i, run in enumerate(runs):
            label = cell if i == 0 else None
            ax1.plot(range(1, len(run.losses) + 1), run.losses, color=colour, label=label, **thin)
            accs = sorted(run.accuracy.items())
            ax2.plot(
                [e for e, _ in accs],
                [100 * a for _, a in accs],
                "o-",
                color=colour,
                label=label if len(runs) == 1 else None,
                **thin,
            )
        if len(runs) > 1:
            med = [100 * float(np.median(result.accuracies(cell, e))) for e in result.epochs]
            ax2.plot(result.epochs, med, "s-", color=colour, lw=2.2, label=f"{cell} (median of {len(runs)})")
    ax1.set(xlabel="epoch", ylabel="training loss (mse)", yscale="log", title="loss")
    ax2.set(xlabel="epoch", ylabel="test accuracy (%)", title="next-char accuracy", xticks=result.epochs)
    for ax in (ax1, ax2):
        ax.legend()
        ax.grid(alpha=0.3)
    return save_png(fig, path)
