"""The one batched prediction function: DanQ predict, motif activations, variants, ISM.

Takes any Keras model whose input is one-hot DNA (L, 4) in A,G,C,T order and
base-index batches; batching, one-hot encoding and the progress bar live here.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import keras
import numpy as np

from dlbio.backend import predict_function
from dlbio.data.encoding import reverse_complement
from dlbio.utils.environment import warn_if_gpus_unseen
from dlbio.utils.progress import counter


def in_batches(idx: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    """Consecutive row slices (views, not copies) of *idx* (n, ...), *batch_size* rows each, the last maybe fewer."""
    return (idx[i : i + batch_size] for i in range(0, len(idx), batch_size))


def predict_index(
    model: keras.Model,
    batches: Iterable[np.ndarray] | np.ndarray,
    total: int | None = None,
    progress: bool | str = False,
    both_strands: bool = False,
    batch_size: int = 256,
) -> list[np.ndarray] | np.ndarray:
    """Run *model* on base indices uint8: batches (b, L), or one array (n, L) cut into *batch_size* rows.

    Returns the model output(s) stacked over batches: (n, ...) float32, or a list
    for a multi-output model.  With *both_strands*, outputs are averaged over the
    sequence and its reverse complement.
    """
    warn_if_gpus_unseen()
    if isinstance(batches, np.ndarray):
        total = len(batches) if total is None else total
        batches = in_batches(batches, batch_size)
    run = predict_function(model)
    outs: list[list[np.ndarray]] = []
    with counter(total, "predict", "seq", progress) as bar:
        for idx in batches:
            res = _as_list(run(idx))
            if both_strands:
                res = [(a + b) / 2 for a, b in zip(res, _as_list(run(reverse_complement(idx).copy())))]
            outs.append(
                [np.asarray(r, dtype=np.float32) if np.asarray(r).dtype.kind == "f" else np.asarray(r) for r in res]
            )
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


def predict_source(model: keras.Model, source, batch_size: int = 1024, progress: bool = False):
    """Predict every sample of a source (see dlbio.data.pipeline) in file order."""
    from dlbio.data.pipeline import iter_batches

    return predict_index(model, (x for x, _ in iter_batches(source, batch_size)), total=source.n, progress=progress)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
