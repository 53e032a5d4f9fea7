"""`fused_lstm` computes what keras.layers.LSTM computes, through TensorFlow's BlockLSTM."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders
from rnnbench.models.fused import FusedLSTM


def pair(x, **kwargs):
    """A keras LSTM and a FusedLSTM with the same (random) weights."""
    ref, fused = keras.layers.LSTM(7, **kwargs), FusedLSTM(7, **kwargs)
    ref.build(x.shape)
    fused.build(x.shape)
    rng = np.random.default_rng(0)
    ref.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                     for w in ref.get_weights()])
    fused.set_weights(ref.get_weights())
    return ref, fused


def outputs_and_gradients(layer, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y ** 2)
    return y, tape.gradient(loss, [x] + layer.trainable_weights)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_fused_matches_keras_lstm_outputs_and_gradients(return_sequences, go_backwards):
    x = (np.random.default_rng(1).normal(size=(5, 30, 3)) * 3).astype("float32")
    ref, fused = pair(x, return_sequences=return_sequences, go_backwards=go_backwards)
    y_ref, g_ref = outputs_and_gradients(ref, x)
    y_fused, g_fused = outputs_and_gradients(fused, x)
    np.testing.assert_allclose(y_fused, y_ref, atol=1e-5)
    for a, b in zip(g_fused, g_ref):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)


def op_types(function, x):
    return {op.type for op in
            tf.function(function).get_concrete_function(tf.TensorSpec(x.shape)).graph
            .get_operations()}


def test_fused_runs_the_block_lstm_op_and_masks_fall_back_to_keras():
    x = np.random.default_rng(2).normal(size=(4, 6, 3)).astype("float32")
    _, fused = pair(x)
    kinds = op_types(fused, x)
    assert "BlockLSTM" in kinds and "BlockLSTMV2" not in kinds
    mask = tf.constant([[True] * 6, [True] * 3 + [False] * 3] * 2)
    assert not {"BlockLSTM", "BlockLSTMV2"} & op_types(lambda v: fused(v, mask=mask), x)
    ref, _ = pair(x)
    np.testing.assert_allclose(fused(x, mask=mask), ref(x, mask=mask), atol=1e-5)


def test_fused_lstm_cell_builds_saves_and_reloads(tmp_path, make_experiment):
    exp = make_experiment(task="classify", cells=("fused_lstm",))
    model = builders.build_model(exp)
    assert type(builders.recurrent_layers(model)[0]).__name__ == "FusedLSTM"
    x = np.random.default_rng(3).normal(size=(2, *config_lib.data_spec(exp).input_shape))
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
