import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from dlbio.models import deepsea as models
from dlbio.motifs import jaspar


@pytest.mark.parametrize("builder,count", [(models.danq, 46_926_479), (models.deepsea, 52_843_119)])
def test_published_parameter_counts(builder, count):
    assert builder().count_params() == count


def test_danq_jaspar_count_and_init():
    m = models.danq_jaspar()
    assert m.count_params() == 67_892_175
    kernel, bias = m.get_layer("motif_conv").get_weights()
    first = jaspar.load_collection()[0]  # JASPAR motif 0 initialises filter 0, A,G,C,T order
    col = kernel[:, :, 0]
    nz = np.flatnonzero(np.abs(col).sum(axis=1) > 0)
    assert len(nz) == first.length
    assert np.allclose(col[nz], first.probabilities_agct() - 0.25, atol=1e-6)
    assert -1.0 <= bias[0] <= 0.0


def test_filters_and_kernel_override():
    m = models.build("DanQ", 7, 200, filters=16, kernel_size=11, lstm_units=8, dense_units=12)
    conv = m.get_layer("motif_conv")
    assert conv.filters == 16 and conv.kernel_size == (11,) and m.outputs[0].shape[-1] == 7


@pytest.mark.tf_only
def test_one_and_two_replicas_give_the_same_loss():
    """MirroredStrategy on two logical CPU devices vs one replica, same data and weights."""
    code = textwrap.dedent("""
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras
        from dlbio.models import deepsea as models
        from dlbio.data.pipeline import make_dataset
        from dlbio.data.sources import ArraySource
        from dlbio.training.strategy import make_strategy
        rng = np.random.default_rng(0)
        src = ArraySource(rng.integers(0, 4, (64, 60)).astype(np.uint8), rng.integers(0, 2, (64, 3)).astype(np.uint8))
        losses = []
        for n in (1, 2):
            keras.utils.set_random_seed(0)
            with make_strategy(n, 16, device_type="CPU").scope():
                m = models.build("DanQ", 3, 60, filters=8, kernel_size=5, lstm_units=4, dense_units=8)
                for layer in m.layers:  # dropout masks differ per replica; compare the arithmetic
                    if isinstance(layer, keras.layers.Dropout):
                        layer.rate = 0.0
                m.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.1))
            h = m.fit(make_dataset(src, 16), epochs=2, verbose=0)
            losses.append(h.history["loss"])
        print("LOSSES", losses)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("LOSSES"))
    one, two = eval(line.split(" ", 1)[1])
    assert np.allclose(one, two, rtol=1e-5), (one, two)
    assert one[1] != one[0]  # it trained


def test_strategy_checks_before_work():
    from dlbio.training.strategy import make_strategy
    from dlbio.utils.errors import DlbioError

    with pytest.raises(DlbioError, match="multiple"):
        make_strategy(4, 502)
    with pytest.raises(DlbioError, match="-g 2 asks for 2 GPUs but 0 are visible"):
        make_strategy(2, 500)  # no GPUs here


def test_prediction_traces_once_per_model_and_follows_its_weights():
    """Validation AUC predicts every epoch: one trace per model, not one per call."""
    import gc
    import weakref

    from dlbio import backend, predict

    m = models.build("DanQ", 3, 50, filters=4, kernel_size=5, lstm_units=2, dense_units=4)
    x = np.random.default_rng(0).integers(0, 4, (10, 50)).astype(np.uint8)
    batches = lambda: (x[i : i + 4] for i in range(0, 10, 4))  # noqa: E731  (4, 4, 2)
    first = predict.predict_index(m, batches())
    conv = m.get_layer("motif_conv")
    conv.set_weights([w + 0.5 for w in conv.get_weights()])
    second = predict.predict_index(m, batches())
    if backend.name() == "tensorflow":
        assert backend.predict_function(m).compiled.experimental_get_tracing_count() <= 2  # full + partial batch
    elif backend.name() == "jax":
        assert backend.predict_function(m).compiled._cache_size() <= 2
    assert not np.allclose(first, second)  # the traced function reads the current weights
    direct = keras.ops.convert_to_numpy(m.predict_on_batch(np.eye(4, dtype=np.float32)[x]))
    assert np.allclose(second, direct, atol=1e-6)
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None  # the cache does not keep models alive


def _two_output_model(length=40):
    x = keras.Input((length, 4))
    h = keras.layers.Conv1D(3, 5, activation="relu")(x)
    probs = keras.layers.Dense(2, activation="sigmoid")(keras.layers.GlobalMaxPooling1D()(h))
    return keras.Model(x, [probs, keras.layers.Dense(1)(keras.layers.Flatten()(h))])


def test_the_next_batch_is_launched_before_this_one_is_fetched(monkeypatch):
    """predict_index keeps one batch on the device while it copies the one before back (the
    GPU's idle time between batches); the outputs are those of one batch at a time."""
    from dlbio import backend, predict
    from dlbio.backend.compiled import CompiledPrediction
    from dlbio.data.encoding import reverse_complement

    m = _two_output_model()
    idx = np.random.default_rng(1).integers(0, 5, (23, 40)).astype(np.uint8)
    run = backend.predict_function(m)
    one_at_a_time = [np.concatenate(col) for col in zip(*(run(idx[i : i + 5]) for i in range(0, 23, 5)))]
    rc = [np.concatenate(col) for col in zip(*(run(reverse_complement(idx[i : i + 5])) for i in range(0, 23, 5)))]

    events, launched = [], []
    launch, fetch = CompiledPrediction.launch, CompiledPrediction.fetch

    def logged_launch(self, batch):
        launched.append(len(launched))
        events.append(f"launch {launched[-1]}")
        out = launch(self, batch)
        fetched_ids[id(out)] = launched[-1]
        return out

    def logged_fetch(outputs):
        events.append(f"fetch {fetched_ids[id(outputs)]}")
        return fetch(outputs)

    fetched_ids: dict = {}
    monkeypatch.setattr(CompiledPrediction, "launch", logged_launch)
    monkeypatch.setattr(CompiledPrediction, "fetch", staticmethod(logged_fetch))
    got = predict.predict_index(m, idx, batch_size=5)
    assert events == ["launch 0", "launch 1", "fetch 0", "launch 2", "fetch 1", "launch 3", "fetch 2"] + [
        "launch 4",
        "fetch 3",
        "fetch 4",
    ]
    assert len(got) == 2 and all(np.array_equal(a, b) for a, b in zip(got, one_at_a_time))
    both = predict.predict_index(m, idx, batch_size=5, both_strands=True)
    assert all(np.allclose(a, (b + c) / 2, atol=1e-7) for a, b, c in zip(both, one_at_a_time, rc))
    assert all(a.dtype == np.float32 and len(a) == 23 for a in both)


def test_a_source_is_predicted_in_order_and_its_read_errors_reach_the_caller(monkeypatch):
    from dlbio.data import pipeline, sources
    from dlbio.predict import predict_index, predict_source
    from dlbio.utils.errors import DlbioError

    monkeypatch.setattr(pipeline, "CHUNK", 8)
    m = _two_output_model()
    idx = np.random.default_rng(2).integers(0, 5, (37, 40)).astype(np.uint8)
    got = predict_source(m, sources.ArraySource(idx), batch_size=6)
    assert all(np.array_equal(a, b) for a, b in zip(got, predict_index(m, idx, batch_size=6)))

    class Damaged(sources.ArraySource):
        def read(self, start, stop):
            if start >= 16:
                raise DlbioError("store.dlbio: base code 9 at row 17")
            return super().read(start, stop)

    with pytest.raises(DlbioError, match="row 17"):
        predict_source(m, Damaged(idx), batch_size=6)
