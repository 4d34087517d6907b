"""Multi-node training: tf.distribute.MultiWorkerMirroredStrategy with a custom step loop.

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

import math
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlbio.data.pipeline import make_dataset
from dlbio.errors import DlbioError
from dlbio.training.callbacks import save_model


def make_multiworker_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """SLURM (several tasks) -> SlurmClusterResolver; else TF_CONFIG; else a one-worker cluster."""
    if int(os.environ.get("SLURM_NTASKS", "1")) > 1 and "TF_CONFIG" not in os.environ:
        resolver = tf.distribute.cluster_resolver.SlurmClusterResolver()
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy) -> bool:
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or resolver.task_id in (0, None)


def fit_multiworker(strategy, model: keras.Model, optimizer, train_set, valid_set, *, batch_size: int, epochs: int,
                    seed: int, patience: int, checkpoint: Path, log: Path, verbose: bool = False) -> dict:
    """Train with early stopping on validation loss; returns {'loss', 'val_loss'} per epoch."""
    from dlbio.predict import predict_source
    from dlbio.data.pipeline import read_all

    with strategy.scope():
        optimizer.build(model.trainable_variables)

    @tf.function
    def train_step(x, y):
        def step(x, y):
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
            return loss

        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(step, args=(x, y)), axis=None)

    valid_labels = read_all(valid_set)[1].astype(np.float32)
    history = {"loss": [], "val_loss": []}
    best, wait = math.inf, 0
    chief = is_chief(strategy)
    if chief:
        log.write_text("epoch,loss,val_loss\n")
    for epoch in range(epochs):
        ds = make_dataset(train_set, batch_size, shuffle=True, seed=seed, first_epoch=epoch)
        total, n = 0.0, 0
        for x, y in strategy.experimental_distribute_dataset(ds):
            total += float(train_step(x, y))
            n += 1
        if n == 0:
            raise DlbioError("the training set is empty")
        pred = np.clip(predict_source(model, valid_set, 1024), 1e-7, 1 - 1e-7)
        val = float(-np.mean(valid_labels * np.log(pred) + (1 - valid_labels) * np.log(1 - pred)))
        history["loss"].append(total / n)
        history["val_loss"].append(val)
        if chief:
            with open(log, "a") as fh:
                fh.write(f"{epoch},{total / n},{val}\n")
        if verbose:
            print(f"epoch {epoch + 1}: loss {total / n:.5f} val_loss {val:.5f}", flush=True)
        if val < best:
            best, wait = val, 0
            if chief:
                save_model(model, checkpoint)
        else:
            wait += 1
            if wait >= patience:
                break
    return history
