"""Initial weights drawn with NumPy: the same numbers on every backend for a seed, from the
distributions of Keras's own initializers."""

import numpy as np
import pytest


def _model(cell_layer):
    import keras

    x = keras.Input((10, 1))
    h = cell_layer(x)
    return keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(h)))


def test_the_same_start_on_every_backend():
    """These numbers are written down once: the TensorFlow, JAX and PyTorch runs of the suite
    each check them, so they hold on all three."""
    from dlbio.models import toy

    model = toy.motif_detector("conv1d", 10, seed=7)
    kernel, bias = model.get_layer(toy.MOTIF_LAYER).get_weights()
    np.testing.assert_allclose(
        kernel[:, 0, :], [[0.20428005, 0.6486474], [0.45019284, -0.4487348], [-0.3263271, 0.6100102]], atol=1e-6
    )
    assert not bias.any()
    again = toy.motif_detector("conv1d", 10, seed=7).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again))
    other = toy.motif_detector("conv1d", 10, seed=8).get_weights()[0]
    assert not np.array_equal(other, model.get_weights()[0])


def test_draws_follow_the_layers_initializers():
    import keras

    from dlbio.models.initial_weights import draw_initial_weights

    lstm = draw_initial_weights(_model(keras.layers.LSTM(8, return_sequences=True)), 0)
    kernel, recurrent, bias = lstm.layers[1].get_weights()
    limit = np.sqrt(6 / (1 + 32))  # Glorot uniform: fan_in 1, fan_out 4 x 8 gates
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(8), atol=1e-5)  # orthogonal rows
    np.testing.assert_array_equal(bias, np.r_[np.zeros(8), np.ones(8), np.zeros(16)])  # the forget gate opens
    conv = draw_initial_weights(_model(keras.layers.Conv1D(4, 5)), 0)
    k = conv.layers[1].get_weights()[0]
    assert k.shape == (5, 1, 4) and np.abs(k).max() <= np.sqrt(6 / (5 + 20))  # fans times the receptive field


def test_a_drawn_model_saves_with_kerass_own_initializers(tmp_path):
    """The saved file names Keras's initializers, so that it loads without dlbio."""
    import json
    import zipfile

    from dlbio.models import toy

    path = tmp_path / "m.keras"
    toy.motif_detector("conv1d", 10, seed=3).save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    conv = next(layer for layer in config["config"]["layers"] if layer["name"] == toy.MOTIF_LAYER)
    assert conv["config"]["kernel_initializer"]["class_name"] == "GlorotUniform"


def test_an_initializer_without_a_numpy_draw_is_refused():
    import keras

    from dlbio.models.initial_weights import draw_initial_weights

    model = _model(keras.layers.Conv1D(2, 3, kernel_initializer="he_normal"))
    with pytest.raises(ValueError, match="no NumPy draw for the HeNormal initializer"):
        draw_initial_weights(model, 0)

    class Scaled(keras.layers.Layer):  # a weight whose initializer the layer does not keep
        def build(self, shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale

    with pytest.raises(ValueError, match="no initializer for scaled/scale"):
        draw_initial_weights(_model(Scaled(name="scaled")), 0)
