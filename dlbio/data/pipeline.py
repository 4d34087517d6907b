"""Batches for training and prediction from any sequence source.

A *source* has ``n``, ``length``, ``n_targets`` and ``read(start, stop)`` returning
(base index uint8 (m, L), labels uint8 (m, T)) -- DeepSEA .mat files, and any
store that offers the same call.  Reading is done in large contiguous chunks
(fast for HDF5 slabs and memory maps); shuffling permutes the chunk order and
the samples inside a window of a few chunks.  On TensorFlow one-hot encoding happens
in the graph (N = 4 becomes an all-zero row), so the host only ever holds uint8; on
JAX and PyTorch the host encodes each batch in a thread ahead of the model.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from dlbio.data.encoding import index_to_onehot

CHUNK = 16384  # samples read per contiguous slab
MIX_CHUNKS = 4  # chunks mixed together when shuffling
PREFETCH_BATCHES = 4


def iter_batches(
    source, batch_size: int, shuffle: bool = False, seed: int = 0, epoch: int = 0, skip: int = 0, multiple_of: int = 1
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every sample of a source once, in batches.

    Parameters
    ----------
    source : StoreSet, MatSet, ArraySource or ShardSource
        What to read (``n``, ``read(start, stop)``).
    batch_size : int
        Rows per batch.
    shuffle : bool, optional
        Shuffle, in an order that depends only on (*seed*, *epoch*).
    seed : int, optional
        The shuffle's seed and epoch.
    epoch : int, optional
        The shuffle's seed and epoch.
    skip : int, optional
        Leave out the first *skip* batches (a resumed epoch) without reading the chunks that
        lie wholly inside them, so that a resume late in a DeepSEA epoch does not first read
        most of it.
    multiple_of : int, optional
        Cut the last, partial batch to a multiple of this many rows (none when fewer are
        left): JAX's data parallelism splits every batch evenly over its devices.

    Yields
    ------
    tuple of numpy.ndarray
        (base indices uint8 (b, L), labels uint8 (b, T)).
    """
    rng = np.random.default_rng([seed, epoch])
    starts = np.arange(0, source.n, CHUNK)
    if shuffle:
        starts = rng.permutation(starts)
    per_group = MIX_CHUNKS if shuffle else 1
    done = 0  # samples of the epoch before the current group
    carry = None  # (x, y): samples after the last whole batch, unless they were skipped
    for g in range(0, len(starts), per_group):
        group = starts[g : g + per_group]
        size = int(sum(min(s + CHUNK, source.n) - s for s in group))
        order = rng.permutation(size) if shuffle else None  # drawn even when skipped: same later draws
        end = done + size
        if (end - 1) // batch_size < skip:  # every sample here belongs to a skipped batch
            done, carry = end, None
            continue
        parts = [source.read(s, s + CHUNK) for s in group]
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        assert len(x) == len(y) == size, "a source's read(start, stop) gives rows start..min(stop, n)-1"
        if shuffle:
            x, y = x[order], y[order]
        lo = done  # the epoch position of x[0]
        if carry is not None:
            lo -= len(carry[0])
            x, y = np.concatenate([carry[0], x]), np.concatenate([carry[1], y])
        whole = end // batch_size  # batches that end in this group or before
        for k in range(max(-(-lo // batch_size), skip), whole):
            a = k * batch_size - lo
            yield x[a : a + batch_size], y[a : a + batch_size]
        carry = x[whole * batch_size - lo :], y[whole * batch_size - lo :]
        done = end
    if carry is not None:
        keep = len(carry[0]) - len(carry[0]) % multiple_of
        if keep:
            yield carry[0][:keep], carry[1][:keep]


def steps_per_epoch(source, batch_size: int, multiple_of: int = 1) -> int:
    """The batches of :func:`iter_batches` in an epoch.

    Parameters
    ----------
    source : source
        What is read (its ``n`` rows).
    batch_size : int
        Rows per batch.
    multiple_of : int, optional
        As :func:`iter_batches`.

    Returns
    -------
    int
    """
    return source.n // batch_size + (source.n % batch_size >= multiple_of)


def left_out_per_epoch(source, batch_size: int, multiple_of: int = 1) -> int:
    """The rows :func:`iter_batches` leaves out of each epoch (the last batch's cut).

    Parameters
    ----------
    source : source
        What is read (its ``n`` rows).
    batch_size : int
        Rows per batch.
    multiple_of : int, optional
        As :func:`iter_batches`.

    Returns
    -------
    int
    """
    return source.n % batch_size % multiple_of


def make_dataset(
    source,
    batch_size: int,
    shuffle: bool = False,
    seed: int = 0,
    labels: bool = True,
    first_epoch: int = 0,
    skip_batches: int = 0,
    epochs: int = 1,
    multiple_of: int = 1,
):
    """The batches of :func:`iter_batches` for Keras, for several epochs.

    The batches of epochs first_epoch, first_epoch + 1, ..., each shuffled by its own number;
    *skip_batches* drops the first batches of the first one (resuming an interrupted epoch: the
    rest is exactly what an uninterrupted run sees).  Train on several epochs with
    ``fit(..., steps_per_epoch=...)``.  On TensorFlow a tf.data pipeline
    (:func:`dlbio.backend.tensorflow_only.tf_dataset`: one-hot in the graph); on JAX and
    PyTorch, for training (*shuffle*) a generator that reads and encodes the next batches in a
    thread while the model works, and otherwise a :class:`SourceBatches` (a keras PyDataset,
    which Keras can go through again at every epoch, as validation does).

    Parameters
    ----------
    source : source
        What is read.
    batch_size : int
        Rows per batch.
    shuffle : bool, optional
        Shuffle each epoch.
    seed : int, optional
        The shuffle's seed.
    labels : bool, optional
        Give the labels too.
    first_epoch : int, optional
        The number of the first epoch (a resumed run's).
    skip_batches : int, optional
        Batches of the first epoch already trained.
    epochs : int, optional
        Epochs in all.
    multiple_of : int, optional
        As :func:`iter_batches` (JAX and PyTorch; tf.distribute splits an uneven batch
        itself).

    Returns
    -------
    tf.data.Dataset, generator or SourceBatches
        Batches of one-hot float32 (b, L, 4), with *labels* also float32 (b, T).
    """
    from dlbio import backend

    if backend.name() == "tensorflow":
        from dlbio.backend.tensorflow_only import tf_dataset

        return tf_dataset(source, batch_size, shuffle, seed, labels, first_epoch, skip_batches, epochs)
    if not shuffle and epochs == 1 and skip_batches == 0:
        from dlbio.data.keras_input import SourceBatches

        return SourceBatches(source, batch_size, labels)

    def batches():
        for e in range(first_epoch, first_epoch + epochs):
            skip = skip_batches if e == first_epoch else 0
            for x, y in iter_batches(source, batch_size, shuffle, seed, e, skip=skip, multiple_of=multiple_of):
                yield (index_to_onehot(x), y.astype(np.float32)) if labels else index_to_onehot(x)

    return prefetched(batches(), PREFETCH_BATCHES)


def prefetched(items, depth: int):
    """Iterate in a thread, ahead of the consumer (numpy releases the GIL while it copies and
    compares, so that reading and encoding overlap the model's step).

    Parameters
    ----------
    items : iterable
        What to iterate; an exception in it is raised in the consumer.
    depth : int
        Items read ahead.

    Yields
    ------
    object
        *items*' items, in order.  When the consumer stops early (an error in the model, a
        preempted fit) and closes or drops this generator, the thread stops too, and the items
        it read ahead are freed.
    """
    import queue
    import threading

    buffer: queue.Queue = queue.Queue(depth)
    done = object()
    consumer_gone = threading.Event()

    def put(item) -> bool:
        while not consumer_gone.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def fill():
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(exc)
            return
        put(done)

    threading.Thread(target=fill, daemon=True, name="dlbio-prefetch").start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        consumer_gone.set()
