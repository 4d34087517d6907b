"""The one fit loop for DanQ/DeepSEA: callbacks, resume, signals."""

from __future__ import annotations

from pathlib import Path

import keras

from dlbio.data.pipeline import make_dataset, steps_per_epoch
from dlbio.progress import BAR, LINES, progress_mode
from dlbio.training import callbacks as cb
from dlbio.training.resume import Preempted, Preemption, ResumableEarlyStopping, StopNow, start_state


def fit_resumable(model: keras.Model, train_set, valid_set, *, batch_size: int, epochs: int, seed: int,
                  checkpoint: Path, log: Path, state_path: Path, config: dict, resume: bool = False,
                  patience: int = 5, lr_schedule: float | None = None, verbose: bool = False,
                  quiet: bool = False) -> dict:
    """Fit *model* (compiled) with early stopping, best-only checkpoint, CSV log and resume state.

    Returns the Keras history of this process.  Raises :class:`Preempted` after a
    SIGTERM/SIGINT once the state is saved.
    """
    state = start_state(model, state_path, config, resume)
    if state.epoch >= epochs or state.wait >= patience:  # finished: all epochs, or stopped early
        return {}
    early = ResumableEarlyStopping(patience, state)
    ckpt = cb.AtomicCheckpoint(checkpoint, monitor="val_loss", verbose=verbose)
    ckpt.best = state.best_val_loss
    steps = steps_per_epoch(train_set, batch_size)
    preempt = Preemption(state_path, state, early, ckpt, steps)
    mode = progress_mode(quiet)
    calls = [cb.ValidationAUC(valid_set), ckpt, early, keras.callbacks.CSVLogger(str(log), append=resume),
             cb.EpochProgress(epochs, state.epoch, desc=model.name, enabled=mode == BAR,
                              steps_per_epoch=steps, initial_step=state.step),
             preempt]
    if mode == LINES and not verbose:  # verbose: Keras prints its own epoch lines
        calls.insert(-1, cb.ProgressLines(epochs, model.name, steps_per_epoch=steps, initial_step=state.step,
                                          checkpoint=ckpt))
    if lr_schedule is not None:
        calls.insert(0, keras.callbacks.LearningRateScheduler(cb.step_decay(lr_schedule)))
    valid_ds = make_dataset(valid_set, batch_size)
    history: dict = {}
    start = state.epoch
    runs = []
    if state.step:  # finish the interrupted epoch on its remaining batches
        runs.append((start, start + 1, state.step))
        start += 1
    if start < epochs:
        runs.append((start, epochs, 0))
    for first, last, skip in runs:
        ds = make_dataset(train_set, batch_size, shuffle=True, seed=seed, first_epoch=first, skip_batches=skip,
                          epochs=last - first)
        try:
            h = model.fit(ds, validation_data=valid_ds, initial_epoch=first, epochs=last, callbacks=calls,
                          steps_per_epoch=steps - skip, verbose=2 if verbose else 0, shuffle=False)
        except StopNow:
            for c in calls:  # what fit would have done at its end: close the log and bar, restore signals
                c.on_train_end()
            raise Preempted(state_path, state) from None
        for k, v in h.history.items():
            history.setdefault(k, []).extend(v)
        if model.stop_training:  # early stopping
            break
    if preempt.signalled:
        raise Preempted.after_training(state_path)
    return history


__all__ = ["fit_resumable", "Preempted"]
