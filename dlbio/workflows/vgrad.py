"""vgrad-rnn: the vanishing gradient, SimpleRNN vs LSTM on the slides' 0^n 1^n task.

One run trains one cell from one initialisation.  The one-unit LSTM's accuracy
after 100 epochs depends on that initialisation (docs/class2.md), so a job can
repeat the training over several initialisation seeds on the same data and
report the spread, in parallel processes when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import keras
import numpy as np

from dlbio.backend import seed_everything, steps_per_execution
from dlbio.data import synthetic
from dlbio.models import toy
from dlbio.training.callbacks import EpochProgress, ProgressLines, save_model
from dlbio.utils.atomic import write_text
from dlbio.utils.errors import require
from dlbio.utils.options import Options
from dlbio.utils.processes import map_in_processes, report_progress
from dlbio.utils.progress import BAR, LINES, normalise, progress_mode

VGRAD_CELLS = ("simplernn", "lstm")
GRADIENT_WINDOWS = 2000  # test windows the input gradients are averaged over (of about 24,500)
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


@dataclass(frozen=True)
class VgradJob:
    """What one run needs; small, so it travels to a worker process (which remakes the data)."""

    epochs: int
    eval_at: tuple[int, ...]
    batch_size: int
    n_seq: int
    n_train: int
    seq_len: int
    window: int
    data_seed: int
    repeats: int
    checkpoint_dir: str | None

    def data(self) -> synthetic.NextCharSet:
        """The job's strings, windows and targets, drawn from *data_seed*.

        Returns
        -------
        NextCharSet
        """
        return synthetic.next_char_set(self.n_seq, self.seq_len, self.n_train, self.window, seed=self.data_seed)

    def checkpoint(self, cell: str, init_seed: int) -> Path | None:
        """Where one run's model goes.

        Parameters
        ----------
        cell : str
            'simplernn' or 'lstm'.
        init_seed : int
            The run's initialisation seed.

        Returns
        -------
        pathlib.Path or None
            ``vgrad_<cell>.keras`` (``vgrad_<cell>_init<seed>.keras`` with repeats) in the
            checkpoint folder; None when the job keeps no checkpoints.
        """
        if self.checkpoint_dir is None:
            return None
        name = f"vgrad_{cell}_init{init_seed}.keras" if self.repeats > 1 else f"vgrad_{cell}.keras"
        return Path(self.checkpoint_dir) / name


class _EvalAt(keras.callbacks.Callback):
    def __init__(self, run: VgradRun, epochs, x, y, n_grad, checkpoint):
        super().__init__()
        self.run, self.epochs, self.x, self.y = run, set(epochs), x, y
        self.n_grad, self.checkpoint = n_grad, checkpoint

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            p = self.model.predict(self.x, batch_size=8192, verbose=0)[:, 0]
            self.run.accuracy[epoch + 1] = float(np.mean(np.round(p) == self.y))
            self.run.gradients[epoch + 1] = input_gradient(self.model, self.x[: self.n_grad], self.y[: self.n_grad])
            if self.checkpoint is not None:
                save_model(self.model, self.checkpoint)


def train_once(
    job: VgradJob,
    data: synthetic.NextCharSet,
    cell: str,
    init_seed: int,
    checkpoint: Path | None = None,
    progress: bool | str = False,
    on_epoch=None,
) -> VgradRun:
    """Train one cell from one initialisation: the slides' recipe (mse, Adam with Keras
    defaults, shuffled batches of *job.batch_size*).

    Parameters
    ----------
    job : VgradJob
        The job's settings.
    data : NextCharSet
        Its data (:meth:`VgradJob.data`).
    cell : str
        'simplernn' or 'lstm'.
    init_seed : int
        Seeds the initial weights and the batches.
    checkpoint : pathlib.Path or None, optional
        Where the model is saved, atomically, after each epoch.
    progress : bool or str, optional
        'bar', 'lines' (a line every 10 minutes, for a batch job's log) or 'off':
        see :mod:`dlbio.utils.progress`.
    on_epoch : callable, optional
        Called after each epoch (a worker's count for the bar of the process that waits).

    Returns
    -------
    VgradRun
        Losses per epoch; test accuracy and input gradients at the evaluated epochs.
    """
    seed_everything(init_seed)
    model = toy.next_char_predictor(cell, job.window)
    model.compile(
        loss="mse", optimizer="adam", steps_per_execution=steps_per_execution(-(-len(data.x_train) // job.batch_size))
    )
    run = VgradRun(cell, init_seed)
    tracker = _EvalAt(run, job.eval_at, data.x_test, data.y_test, GRADIENT_WINDOWS, checkpoint)
    desc = f"vgrad-{cell} init {init_seed}"
    mode = normalise(progress)
    calls = [tracker, EpochProgress(job.epochs, desc=desc, enabled=mode == BAR)]
    if mode == LINES:
        calls.append(ProgressLines(job.epochs, desc, every_epoch=False))
    if on_epoch is not None:
        calls.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epoch()))
    hist = model.fit(
        data.x_train,
        data.y_train,
        batch_size=job.batch_size,
        epochs=job.epochs,
        shuffle=True,
        verbose=0,
        callbacks=calls,
    )
    run.losses = [float(v) for v in hist.history["loss"]]
    return run


def _train_in_worker(job: VgradJob, cell: str, init_seed: int) -> VgradRun:
    # One thread per worker: a one-unit RNN is a chain of tiny steps, so the
    # cores are better spent on parallel runs than inside one.
    from dlbio.backend import single_thread

    single_thread()
    return train_once(job, job.data(), cell, init_seed, job.checkpoint(cell, init_seed), on_epoch=report_progress)


def default_eval_epochs(epochs: int) -> list[int]:
    """The epochs to evaluate at: the slides' 100/300/500/700 that fit, and the last.

    Parameters
    ----------
    epochs : int
        Epochs trained.

    Returns
    -------
    list of int
        Sorted.
    """
    return sorted({e for e in (100, 300, 500, 700) if e <= epochs} | {epochs})


@dataclass(frozen=True)
class VgradOptions(Options):
    """How :func:`vanishing_gradient` makes its data and trains each cell (the slides' values by default).

    Attributes
    ----------
    epochs : int, default=700
        Training epochs (mse, adam).
    eval_at : list of int, optional
        Epochs at which test accuracy and input gradients are measured; default the
        slides' 100/300/500/700 that fit in *epochs*, and the last.
    batch_size : int, default=1000
        Windows per batch.
    n_seq : int, default=200
        Strings made.
    n_train : int, default=150
        How many of them train (the rest test).
    seq_len : int, default=1000
        Bases per string.
    window : int, default=100
        Bases per input window.
    seed : int, default=7
        The data (7: the slide script's own strings) and the first initialisation seed.
    repeats : int, default=1
        Runs per cell, from initialisation seeds seed, seed + 1, ...
    jobs : int, default=1
        Runs trained at once, each in its own single-threaded process.
    checkpoint_dir : str or pathlib.Path, optional
        Where the model files go; None writes none.
    quiet : bool, default=False
        No progress.
    """

    epochs: int = 700
    eval_at: list[int] | None = None
    batch_size: int = 1000
    n_seq: int = 200
    n_train: int = 150
    seq_len: int = 1000
    window: int = 100
    seed: int = 7
    repeats: int = 1
    jobs: int = 1
    checkpoint_dir: str | Path | None = "."
    quiet: bool = False


def vanishing_gradient(
    cells: list[str],
    options: VgradOptions | None = None,
    **overrides,
) -> VanishingResult:
    """SimpleRNN vs LSTM predicting the next character of 0^n 1^n blocks (vgrad-rnn).

    Checkpoints: ``vgrad_<cell>.keras``, or ``vgrad_<cell>_init<seed>.keras`` when repeated.

    Parameters
    ----------
    cells : list of {"simplernn", "lstm"}
        The cells to train, one unit each, as the slides do.
    options : VgradOptions, optional
        How it makes its data and trains each cell (the slides' values when None).
    **overrides
        Fields of *options* to set (``epochs=100, repeats=4``), as keywords.

    Returns
    -------
    VanishingResult
        Every run, in the order (cell, initialisation seed): its test accuracy (0..1) and
        input-gradient magnitudes ``|dh_100/dx_t|`` at each epoch of *eval_at*, and its
        loss per epoch.
    """
    o = VgradOptions.merged(options, overrides)
    epochs, eval_at, batch_size, n_seq = o.epochs, o.eval_at, o.batch_size, o.n_seq
    n_train, seq_len, window, seed = o.n_train, o.seq_len, o.window, o.seed
    repeats, jobs, checkpoint_dir, quiet = o.repeats, o.jobs, o.checkpoint_dir, o.quiet
    for c in cells:
        require(c in VGRAD_CELLS, f"cell must be one of {', '.join(VGRAD_CELLS)}, got {c!r}")
    require(repeats >= 1 and jobs >= 1, f"--repeats and --jobs must be at least 1, got {repeats} and {jobs}")
    eval_at = sorted(set(eval_at or default_eval_epochs(epochs)))
    require(all(0 < e <= epochs for e in eval_at), f"--eval-at epochs must be between 1 and --epochs ({epochs})")
    job = VgradJob(
        epochs,
        tuple(eval_at),
        batch_size,
        n_seq,
        n_train,
        seq_len,
        window,
        seed,
        repeats,
        None if checkpoint_dir is None else str(checkpoint_dir),
    )
    data = job.data()
    require(len(data.x_train) > 0 and len(data.x_test) > 0, "the data set is empty: use longer or more sequences")
    todo = [(cell, seed + i) for cell in cells for i in range(repeats)]
    if jobs == 1 or len(todo) == 1:
        return VanishingResult(
            [train_once(job, data, cell, s, job.checkpoint(cell, s), progress=progress_mode(quiet)) for cell, s in todo]
        )
    # The workers report their epochs; this process shows them as one bar, or in a log one line.
    return VanishingResult(
        map_in_processes(
            _train_in_worker,
            [(job, cell, s) for cell, s in todo],
            jobs,
            f"vgrad {len(todo)} runs",
            progress_mode(quiet),
            units=(len(todo) * epochs, "epoch"),
        )
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
