"""The one fit loop for DanQ/DeepSEA: callbacks, resume, signals."""

from __future__ import annotations

import sys
from pathlib import Path

import keras

from dlbio.backend import seeded_dropout
from dlbio.data.pipeline import left_out_per_epoch, make_dataset, steps_per_epoch
from dlbio.data.sources import ShardSource
from dlbio.training import callbacks as cb
from dlbio.training.config import RunConfig, RunFiles
from dlbio.training.preemption import Preempted, Preemption, ResumableEarlyStopping, StopNow
from dlbio.training.progress_callbacks import BatchLogsAsTensors, EpochProgress, ProgressLines
from dlbio.training.resume import start_state
from dlbio.utils.progress import BAR, LINES, progress_mode


def fit_resumable(
    model: keras.Model, train_set, valid_set, config: RunConfig, files: RunFiles, record: dict, strategy=None
) -> dict:
    """Fit *model* (compiled) with early stopping, best-only checkpoint, CSV log and resume state.

    Parameters
    ----------
    model : keras.Model
        Compiled, on one-hot (b, L, 4) input.
    train_set : source
        Sequence sources (dlbio.data.pipeline): ``read(start, stop)`` gives uint8 base
        indices (m, L) and labels (m, T).
    valid_set : source
        Sequence sources (dlbio.data.pipeline): ``read(start, stop)`` gives uint8 base
        indices (m, L) and labels (m, T).
    config : RunConfig
        Its ``training`` section (batch size, epochs, seed, patience, step decay) and its
        ``output`` section (resume, verbose, quiet) apply.
    files : RunFiles
        Where the best model, the log and the resume state go.
    record : dict
        The run's options as a resume state stores them (RunConfig.resume_record and what
        the workflow adds); a resumed state must hold the same.
    strategy : optional
        dlbio.training.strategy's: how batches are split under JAX's data parallelism.  The
        last batch of an epoch is cut to a multiple of this process's devices, validation is
        computed from predictions (no batch to split), and with several processes each
        trains on its own share of *train_set* and of every batch, the logs are their mean,
        they stop together on a signal, and only the chief writes.

    Returns
    -------
    dict
        The Keras history of this process ({} when the state had finished).

    Raises
    ------
    Preempted
        After a SIGTERM/SIGINT, once the state is saved.
    """
    t, out = config.training, config.output
    batch_size, epochs, seed, resume, verbose = t.batch_size, t.epochs, t.seed, out.resume, out.verbose
    checkpoint, log, state_path = files.checkpoint, files.log, files.state
    lr_schedule = t.learning_rate if t.lr_schedule else None
    split_rows = getattr(strategy, "split_rows", 1)
    processes, chief = getattr(strategy, "processes", 1), getattr(strategy, "chief", True)
    collectives = strategy.collectives if processes > 1 else None
    if collectives is not None:
        train_set = ShardSource(train_set, strategy.process_index, processes)
        batch_size //= processes
    seeded_dropout(model)  # PyTorch's masks from the seed generators that a state saves
    state = start_state(model, state_path, record, resume, say=chief)
    if collectives is not None:
        _same_start_everywhere(collectives, state, state_path)
        collectives.prepare_model(model)
    if state.epoch >= epochs or state.wait >= t.patience:  # finished: all epochs, or stopped early
        return {}
    early = ResumableEarlyStopping(t.patience, state)
    ckpt = cb.AtomicCheckpoint(
        checkpoint,
        monitor="val_loss",
        verbose=verbose,
        write=chief,
        collective_save=collectives is None or collectives.SAVING_IS_COLLECTIVE,
    )
    ckpt.best = state.best_val_loss
    steps = steps_per_epoch(train_set, batch_size, split_rows)
    left_out = left_out_per_epoch(train_set, batch_size, split_rows)
    if chief and left_out:
        print(
            f"note: the last batch of each epoch is cut to a multiple of the {split_rows} devices it is split "
            f"over: {left_out} of {train_set.n:,} sequences left out of each epoch (others each time: the epoch "
            "is shuffled)",
            file=sys.stderr,
            flush=True,
        )
    preempt = Preemption(state_path, state, early, ckpt, steps, collectives=collectives, write=chief)
    mode = progress_mode(out.quiet) if chief else None
    split = split_rows > 1 or processes > 1
    calls = [
        cb.ValidationAUC(valid_set, loss=split),
        *([cb.MeanOverProcesses(collectives.mean_over_processes)] if collectives is not None else []),
        ckpt,
        early,
        EpochProgress(
            epochs, state.epoch, desc=model.name, enabled=mode == BAR, steps_per_epoch=steps, initial_step=state.step
        ),
        preempt,
    ]
    if chief:
        calls.insert(calls.index(early) + 1, keras.callbacks.CSVLogger(str(log), append=resume))
    if mode == LINES and not verbose:  # verbose: Keras prints its own epoch lines
        calls.insert(
            -1, ProgressLines(epochs, model.name, steps_per_epoch=steps, initial_step=state.step, checkpoint=ckpt)
        )
    if lr_schedule is not None:
        calls.insert(0, keras.callbacks.LearningRateScheduler(cb.step_decay(lr_schedule)))
    valid_ds = None if split else make_dataset(valid_set, batch_size)
    history: dict = {}
    start = state.epoch
    runs = []
    if state.step:  # finish the interrupted epoch on its remaining batches
        runs.append((start, start + 1, state.step))
        start += 1
    if start < epochs:
        runs.append((start, epochs, 0))
    for first, last, skip in runs:
        ds = make_dataset(
            train_set,
            batch_size,
            shuffle=True,
            seed=seed,
            first_epoch=first,
            skip_batches=skip,
            epochs=last - first,
            multiple_of=split_rows,
        )
        try:
            h = model.fit(
                ds,
                validation_data=valid_ds,
                initial_epoch=first,
                epochs=last,
                callbacks=BatchLogsAsTensors(
                    calls,
                    add_history=True,
                    add_progbar=bool(verbose),
                    model=model,
                    verbose=2 if verbose else 0,
                    epochs=last,
                    steps=steps - skip,
                ),
                steps_per_epoch=steps - skip,
                verbose=2 if verbose else 0,
                shuffle=False,
            )
        except StopNow:
            for c in calls:  # what fit would have done at its end: close the log and bar, restore signals
                c.on_train_end()
            raise Preempted(state_path, state, chief=chief) from None
        for k, v in h.history.items():
            history.setdefault(k, []).extend(v)
        if model.stop_training:  # early stopping
            break
    if preempt.signalled:
        raise Preempted.after_training(state_path, chief)
    return history


def _same_start_everywhere(collectives, state, state_path: Path) -> None:
    """Every process starts from the same (epoch, batch), or all stop with one message."""
    from dlbio.utils.errors import DlbioError

    if not collectives.same_in_every_process([state.epoch, state.step]):
        raise DlbioError(
            f"{state_path}: the processes would resume from different epochs or batches; every "
            "process must see the chief's state file (use an --out-dir on a shared file system)"
        )


__all__ = ["fit_resumable", "Preempted"]
