"""Filter influence: silencing one first-layer filter, on a model whose answer is known."""

import keras
import numpy as np
import pytest
from genomic_helpers import motif_model

from dlbio.utils.errors import DlbioError


def test_silencing_a_filter_lowers_only_the_targets_that_read_it():
    from dlbio.data.encoding import encode
    from dlbio.motifs.influence import filter_influence

    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("AT"), 60)) for _ in range(6)]  # no C or G: no site by chance
    for i in (0, 1):
        seqs[i] = seqs[i][:10] + "GATAAG" + seqs[i][16:]
    for i in (2, 3):
        seqs[i] = seqs[i][:40] + "CCCCCC" + seqs[i][46:]
    idx = np.stack([encode(s) for s in seqs])
    model = motif_model()
    before = [w.copy() for w in model.get_weights()]
    change, mean = filter_influence(model, idx, batch_size=4)
    assert change.shape == (3, 2) and mean.shape == (2,)
    # filter 1 (GATAAG) feeds target 1 only; filter 3 (CCCCCC) target 2 only; a Dense weight of 0 is no change
    assert change[0, 0] < -0.25 and change[2, 1] < -0.25
    assert change[0, 1] == 0.0 and change[1, 1] == 0.0 and change[2, 0] == 0.0
    assert abs(change[1, 0]) < 1e-6  # CTTATC is in none of them
    # by hand: the filter's maximum becomes its mean output m0 in every sequence: 2 of 6 go from
    # sigmoid(8 * 1 - 4) to sigmoid(8 * m0 - 4), the 4 without the site from sigmoid(0 - 4)
    sub = keras.Model(model.inputs, model.get_layer("motif_conv").output)
    m0 = float(np.mean(sub.predict(np.eye(4, dtype=np.float32)[np.minimum(idx, 3)], verbose=0)[..., 0]))
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert m0 > 0 and change[0, 0] == pytest.approx(sig(8 * m0 - 4) - (2 * sig(4.0) + 4 * sig(-4.0)) / 6, rel=1e-4)
    assert all((a == b).all() for a, b in zip(before, model.get_weights()))  # restored


def test_influence_needs_a_constant_it_can_make():
    from dlbio.motifs.influence import filter_influence

    x = keras.Input((20, 4))
    h = keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(2, 3, activation="tanh")(x))
    model = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))
    with pytest.raises(DlbioError, match="relu or linear activation; .* has tanh"):
        filter_influence(model, np.zeros((2, 20), np.uint8))


@pytest.mark.tf_only
def test_one_trace_per_model_is_not_reported_as_retracing():
    """TensorFlow counts traces by code object, so several models served by dlbio_predict looked
    like one function retraced (two warnings in every `dlbio motifs --influence` run).  The
    warning is filtered for dlbio's traced functions only."""
    import logging

    import dlbio.backend.tensorflow_only as predict
    from dlbio.backend import predict_function
    from dlbio.interpret.gradients import target_gradient

    x = keras.Input((30, 4))
    model = keras.Model(x, keras.layers.Dense(2)(keras.layers.Flatten()(x)))
    ours = [predict_function(model).compiled, target_gradient(model, 0, False).compiled]
    assert predict._RETRACING_FILTER in logging.getLogger("tensorflow").filters

    def warning_about(function):  # TensorFlow's own wording (polymorphic_function.py)
        text = (
            f"5 out of the last 11 calls to {function} triggered tf.function retracing. Tracing is "
            "expensive and the excessive number of tracings could be due to ..."
        )
        return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, text, None, None)

    for fn in ours:
        assert not predict._RETRACING_FILTER.filter(warning_about(fn.python_function))
    assert predict._RETRACING_FILTER.filter(warning_about(_unrelated))  # anyone else's still shows
    assert predict._RETRACING_FILTER.filter(
        logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, "something else about dlbio_predict", None, None)
    )


def _unrelated():
    pass
