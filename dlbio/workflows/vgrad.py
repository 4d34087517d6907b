"""vgrad-rnn: the vanishing gradient, SimpleRNN vs LSTM on the slides' 0^n 1^n task.

One run trains one cell from one initialisation.  The one-unit LSTM's accuracy
after 100 epochs depends on that initialisation (docs/class2.md), so a job can
repeat the training over several initialisation seeds on the same data and
report the spread, in parallel processes when asked.  What a run measures, and the
TSV and figure of a job, are in :mod:`dlbio.workflows.vgrad_results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from dlbio.backend import seed_everything, steps_per_execution
from dlbio.data import synthetic
from dlbio.models import toy
from dlbio.training.callbacks import save_model
from dlbio.training.progress_callbacks import EpochProgress, ProgressLines
from dlbio.utils.errors import require
from dlbio.utils.options import Options
from dlbio.utils.processes import map_in_processes, report_progress
from dlbio.utils.progress import BAR, LINES, normalise, progress_mode
from dlbio.workflows.vgrad_results import VanishingResult, VgradRun, input_gradient

VGRAD_CELLS = ("simplernn", "lstm")
GRADIENT_WINDOWS = 2000  # test windows the input gradients are averaged over (of about 24,500)


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
