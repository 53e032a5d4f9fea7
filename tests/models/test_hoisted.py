"""The `hoisted` kernels: chosen by `train.*_kernel`, and the projection really leaves the loop.

Their equivalence with the Keras layers (outputs, states, gradients, masks,
dropout, saving, XLA) is `test_conformance.py`'s grid.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import experiment_config

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.models import builders, check, kernels, saving, speed
from rnnbench.models.hoisted import HoistedGRU, HoistedLSTM, HoistedSimpleRNN

LAYERS = [pytest.param(cls, keras_cls, cell, id=cell) for cls, keras_cls, cell in (
    (HoistedLSTM, keras.layers.LSTM, "lstm"), (HoistedGRU, keras.layers.GRU, "gru"),
    (HoistedSimpleRNN, keras.layers.SimpleRNN, "simple_rnn"))]


def sequence_matmuls(layer, batch=2, steps=6, features=3, **call):
    """Matmuls over all `batch x steps` rows at once in the traced call (outside the loop:
    Keras' loop multiplies `batch` rows per step)."""
    @tf.function
    def fn(x):
        return layer(x, **call)
    graph = fn.get_concrete_function(tf.TensorSpec([batch, steps, features])).graph
    return [op for op in graph.get_operations()
            if op.type == "MatMul" and op.inputs[0].shape[0] == batch * steps]


@pytest.mark.parametrize("cls,keras_cls,cell", LAYERS)
@pytest.mark.slow
def test_the_input_projection_runs_before_the_loop(cls, keras_cls, cell):
    assert sequence_matmuls(cls(4))  # one matmul over the whole sequence
    assert not sequence_matmuls(keras_cls(4))  # Keras': every matmul inside the loop
    # A mask is Keras' loop's business: still hoisted.
    mask = tf.constant([[True] * 6, [True] * 3 + [False] * 3])
    assert sequence_matmuls(cls(4), mask=mask)
    assert cls(4).fallback_reasons(masked=True, xla=True) == []


@pytest.mark.parametrize("cls,keras_cls,cell", LAYERS)
@pytest.mark.slow
def test_recurrent_dropout_falls_back_to_keras_loop(cls, keras_cls, cell):
    layer = cls(4, recurrent_dropout=0.2)
    assert layer.fallback_reasons() == [
        "recurrent_dropout is set (its masks act inside the loop)"]
    assert not sequence_matmuls(layer, training=True)


def test_auto_keeps_keras_loop_for_gru():
    exp = experiment_config(cells=("gru",))
    key, choice = speed.layer_kernel(exp, config_lib.data_spec(exp), 0)
    assert (key, choice.chosen) == ("gru_kernel", "keras")
    assert "measured faster" in choice.reason
    assert type(builders.recurrent_layers(builders.build_model(exp))[0]) is keras.layers.GRU


@pytest.mark.parametrize("key,value,wording", [
    ("gru_kernel", "block", "one of ['auto', 'keras', 'hoisted', 'unrolled']"),
    ("simple_rnn_kernel", "hoist", "did you mean 'hoisted'"),
    ("lstm_kernel", "hoist", "did you mean 'hoisted'"),
])
def test_bad_kernel_values_name_the_key(key, value, wording):
    with pytest.raises(UserError, match=rf"`train\.{key}`") as caught:
        experiment_config(train={key: value})
    assert wording in str(caught.value)


def outputs_and_gradients(layer, x, training, mask=None):
    """The layer's output and the gradients (input, then weights) of its sum of squares."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training, mask=mask)
        loss = tf.reduce_sum(y ** 2)
    grads = tape.gradient(loss, [x] + [w.value for w in layer.trainable_weights])
    return [np.asarray(y)] + [np.asarray(tf.convert_to_tensor(g)) for g in grads]


# Options beyond test_conformance.py's grid (which every stand-in runs): the
# hoisted step's own branches (GRU's reset_after=False), and the options that
# fall back to Keras' loop in training, where the masks are drawn per gate.
OPTIONS = [
    pytest.param(HoistedGRU, keras.layers.GRU, {"reset_after": False}, False,
                 id="gru_reset_after_false"),
    pytest.param(HoistedGRU, keras.layers.GRU,
                 {"reset_after": False, "dropout": 0.4, "seed": 3}, True,
                 id="gru_reset_after_false_dropout_training"),
    pytest.param(HoistedSimpleRNN, keras.layers.SimpleRNN,
                 {"activation": None, "use_bias": False}, False, id="simple_rnn_linear_no_bias"),
    pytest.param(HoistedSimpleRNN, keras.layers.SimpleRNN, {"dropout": 0.4, "seed": 3}, True,
                 id="simple_rnn_dropout_training"),
    *(pytest.param(cls, keras_cls, {"recurrent_dropout": 0.3, "dropout": 0.2, "seed": 3},
                   True, id=f"{cell}_recurrent_dropout_training")
      for cls, keras_cls, cell in ((HoistedLSTM, keras.layers.LSTM, "lstm"),
                                   (HoistedGRU, keras.layers.GRU, "gru"),
                                   (HoistedSimpleRNN, keras.layers.SimpleRNN, "simple_rnn"))),
    # Keras 3.15's own LSTM and GRU raise in training with implementation=1 and
    # dropout (a BroadcastTo of the per-gate masks); the layer falls back, so it
    # raises alike there, and matches at inference.
    *(pytest.param(cls, keras_cls, {"implementation": 1, "dropout": 0.4, "seed": 3}, False,
                   id=f"{cell}_implementation_1_dropout")
      for cls, keras_cls, cell in ((HoistedLSTM, keras.layers.LSTM, "lstm"),
                                   (HoistedGRU, keras.layers.GRU, "gru"))),
    pytest.param(HoistedLSTM, keras.layers.LSTM,
                 {"dropout": 0.4, "seed": 3, "go_backwards": True, "return_sequences": True},
                 True, id="lstm_dropout_masked_backwards_training"),
]


@pytest.mark.parametrize("cls,keras_cls,options,training", OPTIONS)
@pytest.mark.slow
def test_hoisted_matches_keras_with_more_options(cls, keras_cls, options, training):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    mask = tf.constant([[True] * 6, [True] * 4 + [False] * 2, [False] * 6])
    reference, hoisted = keras_cls(5, **options), cls(5, **options)
    for layer in (reference, hoisted):  # build, and draw the seeds' first masks alike
        layer(x, training=training, mask=mask)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32")
               for w in reference.get_weights()]
    reference.set_weights(weights)
    hoisted.set_weights(weights)
    expected = outputs_and_gradients(reference, x, training, mask)
    found = outputs_and_gradients(hoisted, x, training, mask)
    for a, b in zip(found, expected, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    if options.get("recurrent_dropout") or options.get("implementation") == 1:
        assert hoisted.fallback_reasons()  # Keras' loop, so its masks are Keras' own
