"""What exists on TensorFlow alone: tf.data input, tf.distribute strategies, its GPU details and logs."""

from __future__ import annotations

import logging


def tf_dataset(
    source,
    batch_size: int,
    shuffle: bool = False,
    seed: int = 0,
    labels: bool = True,
    first_epoch: int = 0,
    skip_batches: int = 0,
    epochs: int = 1,
):
    """A tf.data.Dataset of the batches of :func:`dlbio.data.pipeline.iter_batches`.

    The batches of *epochs* epochs, first_epoch, first_epoch + 1, ..., each shuffled by its own
    number; *skip_batches* drops the first batches of the first one (resuming an interrupted
    epoch: the rest is exactly what an uninterrupted run sees).  Train on several epochs with
    ``fit(..., steps_per_epoch=...)``.  Every iteration of the dataset yields the same batches:
    the epoch comes from the data, not from counting iterations, because Keras opens an extra
    iterator to build a distributed model (-g N).  Python touches whole batches only; one-hot
    runs in the graph, and the next batches are prefetched while the model works.

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
        The number of the first epoch.
    skip_batches : int, optional
        Batches of the first epoch already trained.
    epochs : int, optional
        Epochs in all.

    Returns
    -------
    tf.data.Dataset
        (one-hot float32 (b, L, 4), labels float32 (b, T)) batches, or one-hot alone.
    """
    import tensorflow as tf

    from dlbio.data.pipeline import PREFETCH_BATCHES, iter_batches, steps_per_epoch

    def gen(epoch):
        e = int(epoch)
        yield from iter_batches(source, batch_size, shuffle, seed, e, skip=skip_batches if e == first_epoch else 0)

    sig = (tf.TensorSpec((None, source.length), tf.uint8), tf.TensorSpec((None, source.n_targets), tf.uint8))
    ds = tf.data.Dataset.range(first_epoch, first_epoch + epochs).flat_map(
        lambda e: tf.data.Dataset.from_generator(gen, args=(e,), output_signature=sig)
    )
    # Known length: Keras shows epoch progress and does not warn about running out of data.
    ds = ds.apply(tf.data.experimental.assert_cardinality(epochs * steps_per_epoch(source, batch_size) - skip_batches))

    def encode(x, y):
        onehot = tf.one_hot(tf.cast(x, tf.int32), 4, dtype=tf.float32)
        return (onehot, tf.cast(y, tf.float32)) if labels else onehot

    ds = ds.map(encode, num_parallel_calls=2)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = True
    # A fixed, small prefetch: AUTOTUNE grows its buffers with throughput, and host
    # memory must stay flat however large the data set is.
    return ds.with_options(options).prefetch(PREFETCH_BATCHES)


def tf_logical_devices(device_type: str = "GPU") -> list[str]:
    """TensorFlow's logical devices of a type.

    Parameters
    ----------
    device_type : str, optional
        'GPU' or 'CPU'.

    Returns
    -------
    list of str
        Their names.
    """
    import tensorflow as tf

    return [d.name for d in tf.config.list_logical_devices(device_type)]


def tf_strategy(devices: list[str] | None = None):
    """TensorFlow's default strategy, or a MirroredStrategy over some devices.

    Parameters
    ----------
    devices : list of str or None, optional
        The devices; None: the default strategy.

    Returns
    -------
    tf.distribute.Strategy
    """
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(devices) if devices else tf.distribute.get_strategy()


def gpu_details() -> list[tuple[str, str]]:
    """Each GPU TensorFlow sees, described.

    Returns
    -------
    list of tuple of (str, str)
        (device, description with compute capability).
    """
    import tensorflow as tf

    lines = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        cc = details.get("compute_capability")
        fast16 = cc is not None and cc >= (7, 0)
        lines.append(
            (
                gpu.name.replace("/physical_device:", ""),
                f"{details.get('device_name', 'GPU')}, compute capability "
                f"{'.'.join(map(str, cc)) if cc else '?'} (--mixed-precision {'fast' if fast16 else 'no faster'})",
            )
        )
    return lines


class _CrossModelRetracing(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning about dlbio's own traced
    functions.  TensorFlow counts traces by the Python code object, so dlbio_predict and
    dlbio_gradient, traced once or twice by each model they serve (the model, then the
    sub-models of motif activations and filter means), look to it like one function retraced
    again and again; `dlbio motifs --influence` printed two such warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and ".dlbio_" in message)


_RETRACING_FILTER = _CrossModelRetracing()


def quiet_cross_model_retracing() -> None:
    logger = logging.getLogger("tensorflow")
    if _RETRACING_FILTER not in logger.filters:
        logger.addFilter(_RETRACING_FILTER)
