"""Multi-node training on TensorFlow: tf.distribute.MultiWorkerMirroredStrategy with a custom step loop.

Keras 3's ``model.fit`` fails under MultiWorkerMirroredStrategy on TF 2.21
("Attempt to convert a value (PerReplica...) to a Tensor"; keras-team/keras#20585),
so this loop runs the same model and optimizer with ``strategy.run`` and
``tf.nn.compute_average_loss`` -- TensorFlow's own distribution engine, no home-made
communication.  The cluster comes from SLURM (SlurmClusterResolver, one task per
node: ``srun --ntasks-per-node=1``) or from TF_CONFIG.  Every worker computes the
same validation loss on the same weights, so early stopping agrees everywhere;
only the chief (task 0) writes the checkpoint and log.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlbio.data.pipeline import make_dataset, steps_per_epoch
from dlbio.training.callbacks import save_model
from dlbio.training.preemption import Preempted
from dlbio.training.resume import save_state, start_state
from dlbio.utils.errors import DlbioError


def make_multiworker_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """TensorFlow's ``--multi-worker`` strategy: SLURM (several tasks) -> SlurmClusterResolver;
    else TF_CONFIG; else a one-worker cluster.

    Returns
    -------
    tf.distribute.MultiWorkerMirroredStrategy

    Raises
    ------
    DlbioError
        In a SLURM allocation of several tasks but outside ``srun``.
    """
    from dlbio.training.strategy import check_slurm_step

    if int(os.environ.get("SLURM_NTASKS", "1")) > 1 and "TF_CONFIG" not in os.environ:
        check_slurm_step()
        resolver = tf.distribute.cluster_resolver.SlurmClusterResolver(**slurm_gpu_options())
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    return tf.distribute.MultiWorkerMirroredStrategy()


def slurm_gpu_options() -> dict:
    """SlurmClusterResolver's GPU options for this node.

    With GPUs (CUDA_VISIBLE_DEVICES, else nvidia-smi) the resolver counts them and gives each
    task its share.  Without, it fails: it runs the missing nvidia-smi, and with 0 GPUs (or
    CUDA_VISIBLE_DEVICES="", which it counts as one) it pairs tasks with ``range(0, n, 0)``.
    There each task is given a dummy GPU slot only so that it gets a port, and
    CUDA_VISIBLE_DEVICES is left alone.

    Returns
    -------
    dict
        Keywords of SlurmClusterResolver: none where the node has GPUs (the resolver counts
        them), else a dummy GPU per task (gpus_per_node, gpus_per_task, auto_set_gpu False).
    """
    import shutil

    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    has_gpus = shutil.which("nvidia-smi") is not None if visible is None else visible.strip() not in ("", "-1")
    if has_gpus:
        return {}
    return {"gpus_per_node": int(os.environ["SLURM_NTASKS"]), "gpus_per_task": 1, "auto_set_gpu": False}


def is_chief(strategy) -> bool:
    """Whether this worker is the chief (task 0), the one that writes.

    Parameters
    ----------
    strategy : tf.distribute.Strategy
        The strategy.

    Returns
    -------
    bool
        True for task 0, or without a cluster resolver.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or resolver.task_id in (0, None)


def fit_multiworker(strategy, model: keras.Model, train_set, valid_set, config, files, record: dict) -> dict:
    """Train with MultiWorkerMirroredStrategy and early stopping on validation loss.

    The chief saves the resume state (the single-process format) at every epoch end.  On
    SIGTERM/SIGINT to any worker, every worker stops after the same step (the stop flag travels
    with each step's loss reduction), the chief saves the state there and :class:`Preempted` is
    raised; --resume skips the batches already done (the epoch's batches are a function of seed
    and epoch) and carries on mid-epoch.  Every worker must see the chief's state file (a
    shared --out-dir), which is checked.

    Parameters
    ----------
    strategy : tf.distribute.MultiWorkerMirroredStrategy
        The strategy.
    model : keras.Model
        Compiled under the strategy (its optimizer trains).
    train_set : source
        The splits.
    valid_set : source
        The splits.
    config : RunConfig
        The training and output options.
    files : RunFiles
        Where the model, log and state go.
    record : dict
        The options a resume state holds, as for :func:`dlbio.training.trainer.fit_resumable`.

    Returns
    -------
    dict
        {'loss', 'val_loss'}: lists, one value per epoch of this run.
    """
    from dlbio.data.sources import read_all
    from dlbio.predict import predict_source
    from dlbio.training.callbacks import binary_crossentropy, step_decay
    from dlbio.training.progress_callbacks import ProgressLines
    from dlbio.utils.progress import LINES, progress_mode

    t, out, optimizer = config.training, config.output, model.optimizer
    batch_size, epochs, seed, patience, resume = t.batch_size, t.epochs, t.seed, t.patience, out.resume
    verbose, quiet, lr_schedule = out.verbose, out.quiet, t.learning_rate if t.lr_schedule else None
    checkpoint, log, state_path = files.checkpoint, files.log, files.state

    with strategy.scope():
        optimizer.build(model.trainable_variables)

    @tf.function
    def train_step(x, y, stop):
        def step(x, y, stop):
            with tf.GradientTape() as tape:
                pred = model(x, training=True)
                per_example = keras.losses.binary_crossentropy(y, pred)
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=batch_size)
                if model.losses:  # DeepSEA's L2 weight decay, as model.fit adds it
                    loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
                # --mixed-precision: the LossScaleOptimizer divides the gradients by its loss
                # scale, so the loss must be multiplied by it (no-op for other optimizers).
                scaled = optimizer.scale_loss(loss)
            grads = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return tf.stack([loss, stop])  # summed: the global loss, and > 0 if any worker was signalled

        out = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(step, args=(x, y, stop)), axis=None)
        return out[0], out[1]

    chief = is_chief(strategy)
    # Outside the strategy's scope: the saved copy's variables are plain ones, made without
    # the collective that a worker lacking the file would never join.
    state = start_state(model, state_path, record, resume, say=chief)
    _agree_on_start(strategy, (state.epoch, state.step), state_path)
    if state.epoch >= epochs or state.wait >= patience:  # finished: all epochs, or stopped early
        return {}
    valid_labels = read_all(valid_set)[1]
    n_steps = steps_per_epoch(train_set, batch_size)
    history = {"loss": [], "val_loss": []}
    best, wait = state.best_val_loss, state.wait
    if chief and not (resume and log.is_file()):
        log.write_text("epoch,loss,val_loss\n")
    lines = (
        ProgressLines(epochs, model.name, steps_per_epoch=n_steps, initial_step=state.step)
        if chief and (verbose or progress_mode(quiet) == LINES)
        else None
    )
    signalled = {"flag": 0.0}
    old = {sig: signal.signal(sig, lambda *_: signalled.update(flag=1.0)) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for epoch in range(state.epoch, epochs):
            if lr_schedule is not None:
                optimizer.learning_rate.assign(step_decay(lr_schedule)(epoch))
            skip = state.step  # > 0 only for an interrupted epoch being resumed
            total, n = state.metric_states if skip and state.metric_states else (0.0, 0)
            ds = make_dataset(train_set, batch_size, shuffle=True, seed=seed, first_epoch=epoch, skip_batches=skip)
            stop = False
            if lines:
                lines.on_epoch_begin(epoch)
            for i, (x, y) in enumerate(strategy.experimental_distribute_dataset(ds)):
                loss, stopping = train_step(x, y, tf.constant(signalled["flag"]))
                total += float(loss)
                n += 1
                if lines:
                    lines.on_train_batch_end(i, {"loss": total / n})  # i counts from the resumed batch (initial_step)
                if float(stopping) > 0:  # every worker sees the same flag after the same step
                    stop = True
                    break
            if n == 0:
                raise DlbioError("the training set is empty")
            if stop and n < n_steps:
                state.step, state.metric_states = n, [total, n]
                if chief:
                    save_state(model, state_path, state)
                raise Preempted(state_path, state, chief=chief)
            val = binary_crossentropy(valid_labels, predict_source(model, valid_set, 1024))
            history["loss"].append(total / n)
            history["val_loss"].append(val)
            if chief:
                with open(log, "a") as fh:
                    fh.write(f"{epoch},{total / n},{val}\n")
            improved = val < best
            if improved:
                best, wait = val, 0
                if chief:
                    save_model(model, checkpoint)
            else:
                wait += 1
            if lines:
                lines.epoch_done(epoch, {"loss": total / n, "val_loss": val}, kept=improved)
            state.epoch, state.step, state.best_val_loss, state.wait = epoch + 1, 0, best, wait
            state.metric_states = []
            if chief:
                save_state(model, state_path, state)
            if wait >= patience:
                break
            if stop:  # the signal came with the epoch's last batch: stop at the boundary
                raise Preempted(state_path, state, chief=chief)
        if signalled["flag"]:
            raise Preempted.after_training(state_path, chief)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    return history


def _agree_on_start(strategy, position: tuple[int, int], state_path: Path) -> None:
    """Every worker starts from the same (epoch, batch), or all stop with one message.

    Each replica gives (v, v*v, 1) per number; the numbers are equal everywhere iff their
    variance is zero, n * sum(v*v) == sum(v)**2 (exact in float64 for these sizes), a
    verdict every worker reaches from the same sums.
    """

    @tf.function
    def sums(v):
        return strategy.reduce(
            tf.distribute.ReduceOp.SUM,
            strategy.run(lambda v: tf.concat([v, v * v, tf.ones(1, v.dtype)], 0), args=(v,)),
            axis=None,
        )

    k = len(position)
    out = sums(tf.constant(position, tf.float64)).numpy()
    total, squares, n = out[:k], out[k : 2 * k], out[-1]
    if np.any(n * squares != total * total):
        raise DlbioError(
            f"{state_path}: the workers would resume from different epochs or batches; every "
            "worker must see the chief's state file (use an --out-dir on a shared file system)"
        )
