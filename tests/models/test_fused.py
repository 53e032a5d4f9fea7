"""`fused_lstm` computes what keras.layers.LSTM computes, through TensorFlow's BlockLSTM."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import experiment_config

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, check, kernels
from rnnbench.models.fused import FusedLSTM
from rnnbench.models.jit import MEASURE, choose_jit_compile


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


@pytest.mark.parametrize("policy,x_dtype,jit,fused,says", [
    (None, "int64", False, True, None),  # cast to float32, as keras.layers.LSTM does
    ("mixed_float16", "float32", False, True, None),  # BlockLSTM has a half kernel
    ("mixed_bfloat16", "float32", False, False, "compute dtype bfloat16"),
    ("float64", "float64", False, False, "compute dtype float64"),
    (None, "float32", True, False, "XLA-compiled"),
])
def test_the_fused_op_runs_only_where_it_can_and_says_why_not(policy, x_dtype, jit, fused,
                                                               says):
    layer = FusedLSTM(4, **({"dtype": policy} if policy else {}))
    x = tf.constant(np.ones((2, 3, 5)), x_dtype)
    graph = tf.function(layer, jit_compile=jit).get_concrete_function(x).graph
    assert ("BlockLSTM" in {op.type for op in graph.get_operations()}) is fused
    reasons = layer.fallback_reasons(xla=jit)
    assert (not reasons) is fused and (says is None or says in reasons[0])


def test_check_and_the_manifest_facts_say_per_layer_whether_it_runs_fused():
    exp = experiment_config(cells=("lstm", "gru"))
    text = check.report(exp)
    assert "rnn_0 (FusedLSTM): fused (BlockLSTM)" in text
    assert "rnn_1 (GRU): Keras' loop (the layer has no fused kernel)" in text
    masked = experiment_config(variable_length=True, train={"lstm_kernel": "block"})
    assert ("rnn_0 (FusedLSTM): falls back to Keras' loop: masked inputs"
            in check.report(masked))
    model = builders.build_model(exp)
    spec = config_lib.data_spec(exp)
    plain, xla = (kernels.layer_report(model, spec, x) for x in (False, True))
    assert [e["fused"] for e in plain] == [True, None] and plain[0]["runs"] == "BlockLSTM"
    assert xla[0]["fused"] is False and xla[0]["runs"] == "Keras' loop"
    assert "XLA" in xla[0]["fallback"][0]


def test_auto_jit_measures_a_model_with_fused_layers_which_are_safe_under_xla():
    exp = experiment_config(train={"deterministic": False})
    model = builders.build_model(exp)
    assert type(builders.recurrent_layers(model)[0]) is FusedLSTM
    assert choose_jit_compile(exp, model, config_lib.data_spec(exp))[0] == MEASURE
