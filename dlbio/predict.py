"""The one batched prediction function: DanQ predict, motif activations, variants, ISM.

Takes any Keras model whose input is one-hot DNA (L, 4) in A,G,C,T order and
base-index batches; batching, one-hot encoding and the progress bar live here.
"""

from __future__ import annotations

import logging
import weakref
from typing import Callable, Iterable, Iterator

import keras
import numpy as np

from dlbio.data.encoding import reverse_complement
from dlbio.environment import warn_if_gpus_unseen
from dlbio.progress import counter


def in_batches(idx: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    """Consecutive row slices (views, not copies) of *idx* (n, ...), *batch_size* rows each, the last maybe fewer."""
    return (idx[i:i + batch_size] for i in range(0, len(idx), batch_size))


def predict_index(model: keras.Model, batches: Iterable[np.ndarray] | np.ndarray, total: int | None = None,
                  progress: bool | str = False, both_strands: bool = False,
                  batch_size: int = 256) -> list[np.ndarray] | np.ndarray:
    """Run *model* on base indices uint8: batches (b, L), or one array (n, L) cut into *batch_size* rows.

    Returns the model output(s) stacked over batches: (n, ...) float32, or a list
    for a multi-output model.  With *both_strands*, outputs are averaged over the
    sequence and its reverse complement.
    """
    warn_if_gpus_unseen()
    if isinstance(batches, np.ndarray):
        total = len(batches) if total is None else total
        batches = in_batches(batches, batch_size)
    run = _traced(model)
    outs: list[list[np.ndarray]] = []
    with counter(total, "predict", "seq", progress) as bar:
        for idx in batches:
            res = _as_list(run(idx))
            if both_strands:
                res = [(a + b) / 2 for a, b in zip(res, _as_list(run(reverse_complement(idx).copy())))]
            outs.append([np.asarray(r, dtype=np.float32) if np.asarray(r).dtype.kind == "f" else np.asarray(r)
                         for r in res])
            bar.update(len(idx))
    if not outs:
        shapes = [tuple(o.shape[1:]) for o in _as_list(model.outputs)]
        stacked = [np.zeros((0, *s), np.float32) for s in shapes]
    else:
        stacked = [np.concatenate(col) for col in zip(*outs)]
    return stacked[0] if len(stacked) == 1 else stacked


def first_output(pred: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """predict_index's output of a model's first output: the array itself for a one-output model."""
    return pred[0] if isinstance(pred, list) else pred


# One traced function per model, kept while the model lives.  A new tf.function per
# call traced DanQ again at every epoch's validation AUC (TensorFlow then warns about
# "excessive retracing" in the job log) and at every chunk of a VCF.
_TRACED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _CrossModelRetracing(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning about dlbio's own traced
    functions.  TensorFlow counts traces by the Python code object, so dlbio_predict below
    (and dlbio.ism's dlbio_gradient), traced once or twice by each model it serves (the
    model, then the sub-models of motif activations and filter means), looks to it like one
    function retraced again and again; `dlbio motifs --influence` printed two such warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and ".dlbio_" in message)


_RETRACING_FILTER = _CrossModelRetracing()


def quiet_cross_model_retracing() -> None:
    """Install _CrossModelRetracing on the "tensorflow" logger (once)."""
    logger = logging.getLogger("tensorflow")
    if _RETRACING_FILTER not in logger.filters:
        logger.addFilter(_RETRACING_FILTER)


def _traced(model: keras.Model) -> Callable:
    """tf.function: base indices (b, L) uint8 -> model output on the one-hot (b, L, 4) float32."""
    fn = _TRACED.get(model)
    if fn is None:
        import tensorflow as tf

        quiet_cross_model_retracing()

        # A weak reference, so that the cache entry does not keep its own key alive.
        model_ref = weakref.ref(model)

        @tf.function(reduce_retracing=True)
        def dlbio_predict(idx):  # the name _CrossModelRetracing knows
            return model_ref()(tf.one_hot(tf.cast(idx, tf.int32), 4, dtype=tf.float32), training=False)

        _TRACED[model] = fn = dlbio_predict
    return fn


def predict_source(model: keras.Model, source, batch_size: int = 1024, progress: bool = False):
    """Predict every sample of a source (see dlbio.data.pipeline) in file order."""
    from dlbio.data.pipeline import iter_batches

    return predict_index(model, (x for x, _ in iter_batches(source, batch_size)), total=source.n, progress=progress)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
