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
    """Consecutive row slices of *idx*, *batch_size* rows each, the last maybe fewer.

    Parameters
    ----------
    idx : numpy.ndarray, shape=(n, ...)
        Any array; rows are cut along the first axis.
    batch_size : int
        Rows per slice.

    Returns
    -------
    iterator of numpy.ndarray, shape=(<=batch_size, ...)
        Views of *idx*, not copies.
    """
    return (idx[i : i + batch_size] for i in range(0, len(idx), batch_size))


def predict_index(
    model: keras.Model,
    batches: Iterable[np.ndarray] | np.ndarray,
    total: int | None = None,
    progress: bool | str = False,
    both_strands: bool = False,
    batch_size: int = 256,
) -> list[np.ndarray] | np.ndarray:
    """Run *model* on base indices, in batches, compiled, one-hot encoded on the device.

    Parameters
    ----------
    model : keras.Model
        Any model whose input is one-hot DNA, shape=(L, 4), in A, G, C, T order.
    batches : iterable of numpy.ndarray, shape=(b, L), or numpy.ndarray, shape=(n, L)
        Base indices uint8 (A=0, G=1, C=2, T=3, N=4: an all-zero row); one array is cut
        into *batch_size* rows.
    total : int, optional
        The number of sequences, for the progress bar (known for one array).
    progress : bool or str, default=False
        Show progress (dlbio.utils.progress.counter: a bar on a terminal, lines in a log).
    both_strands : bool, default=False
        Average each sequence's outputs with its reverse complement's.
    batch_size : int, default=256
        Rows per batch when *batches* is one array.

    Returns
    -------
    numpy.ndarray, shape=(n, ...), or list of them
        The model's output stacked over batches (float32 for floating outputs); a list
        for a multi-output model.
    """
    warn_if_gpus_unseen()
    if isinstance(batches, np.ndarray):
        total = len(batches) if total is None else total
        batches = in_batches(batches, batch_size)
    run = predict_function(model)
    outs: list[list[np.ndarray]] = []

    def launch(idx):
        rc = run.launch(reverse_complement(idx).copy()) if both_strands else None
        return len(idx), run.launch(idx), rc

    def collect(n, forward, rc):
        res = run.fetch(forward)
        if rc is not None:
            res = [(a + b) / 2 for a, b in zip(res, run.fetch(rc))]
        outs.append([np.asarray(r, dtype=np.float32) if r.dtype.kind == "f" else r for r in res])
        bar.update(n)

    with counter(total, "predict", "seq", progress) as bar:
        # The next batch is launched before this one is fetched, so that the device computes
        # while the host copies results back and gets the next rows.
        in_flight = None
        for idx in batches:
            launched = launch(idx)
            if in_flight is not None:
                collect(*in_flight)
            in_flight = launched
        if in_flight is not None:
            collect(*in_flight)
    if not outs:
        shapes = [tuple(o.shape[1:]) for o in _as_list(model.outputs)]
        stacked = [np.zeros((0, *s), np.float32) for s in shapes]
    else:
        stacked = [np.concatenate(col) for col in zip(*outs)]
    return stacked[0] if len(stacked) == 1 else stacked


def first_output(pred: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """The first output of :func:`predict_index`'s result.

    Parameters
    ----------
    pred : numpy.ndarray or list of numpy.ndarray
        What :func:`predict_index` returned.

    Returns
    -------
    numpy.ndarray, shape=(n, ...)
        *pred* itself for a one-output model, else its first array.
    """
    return pred[0] if isinstance(pred, list) else pred


def predict_source(model: keras.Model, source, batch_size: int = 1024, progress: bool = False):
    """Predict every sequence of a source, in file order.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4).
    source : source
        A sequence source (dlbio.data.pipeline): ``n``, ``length`` and ``read(start, stop)``
        giving base indices uint8, shape=(m, L); .mat files, stores, in-memory arrays.
    batch_size : int, default=1024
        Sequences per batch, read as contiguous slabs.
    progress : bool, default=False
        Show progress.

    Returns
    -------
    numpy.ndarray, shape=(n, T)
        As :func:`predict_index`.
    """
    from dlbio.data.pipeline import iter_batches, prefetched

    # Rows are read in a thread, while the device works on the batches before them.
    rows = prefetched((x for x, _ in iter_batches(source, batch_size)), 2)
    return predict_index(model, rows, total=source.n, progress=progress)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
