"""The `unrolled` kernels: chosen by `train.*_kernel` and by `simple_rnn_kernel: auto`'s
rule, and the loop really is unrolled where the length is fixed.

Their equivalence with the Keras layers (outputs, states, gradients, masks,
dropout, saving, XLA) is `test_conformance.py`'s grid.
"""

import keras
import pytest
import tensorflow as tf
from helpers import experiment_config, gpu_visible

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, speed
from rnnbench.models.unrolled import UnrolledGRU, UnrolledLSTM, UnrolledSimpleRNN

LAYERS = [pytest.param(cls, keras_cls, cell, id=cell) for cls, keras_cls, cell in (
    (UnrolledLSTM, keras.layers.LSTM, "lstm"), (UnrolledGRU, keras.layers.GRU, "gru"),
    (UnrolledSimpleRNN, keras.layers.SimpleRNN, "simple_rnn"))]


def loop_ops(layer, steps=6, built_for=-1, **call):
    """The `While` ops of the traced call on inputs of `steps` time steps.

    Args:
        built_for: the time steps the layer is built for first (None: any);
            -1 builds it on the traced inputs themselves.
    """
    if built_for != -1:
        keras.Sequential([keras.Input((built_for, 3)), layer])

    @tf.function
    def fn(x):
        return layer(x, **call)
    graph = fn.get_concrete_function(tf.TensorSpec([2, steps, 3])).graph
    return [op for op in graph.get_operations() if op.type in ("While", "StatelessWhile")]


@pytest.mark.parametrize("cls,keras_cls,cell", LAYERS)
@pytest.mark.slow
def test_a_fixed_length_runs_unrolled_and_a_variable_one_keeps_the_loop(cls, keras_cls, cell):
    assert loop_ops(keras_cls(4))  # Keras' loop: a while op
    cudnn_due = gpu_visible() and cell != "simple_rnn"  # LSTM/GRU keep Keras' cuDNN path
    mask = tf.constant([[True] * 6, [True] * 3 + [False] * 3])
    for layer, call in ((cls(4), {}), (cls(4), {"mask": mask}),
                        (cls(4, go_backwards=True), {}),
                        (keras.layers.Bidirectional(cls(4)), {})):
        assert bool(loop_ops(layer, **call)) == cudnn_due, (layer, call)
    assert cls(4).get_config()["unroll"] is False  # saved as the user's own setting
    for steps in (None, 6):  # built for any length; called on any, or on a padded batch
        variable = cls(4)
        assert loop_ops(variable, steps=steps, built_for=None)  # the loop, and no error
        assert variable.fallback_reasons()[0] == (
            "the time dimension is not fixed (unrolling needs the length)")


def simple_rnn_choice(planned_steps=None, layer=None, **kwargs):
    exp = experiment_config(cells=("simple_rnn",), layer_options={0: layer or {}}, **kwargs)
    spec = config_lib.data_spec(exp)
    return exp, spec, speed.layer_kernel(exp, spec, 0, planned_steps)[1]


@pytest.mark.parametrize("planned", [None, speed.UNROLL_MIN_PLANNED_STEPS])
def test_auto_unrolls_a_simple_rnn_of_fixed_short_length_over_a_long_enough_run(planned):
    exp, spec, choice = simple_rnn_choice(planned, steps=speed.UNROLL_MAX_TIME_STEPS)
    assert choice.chosen == "unrolled", choice.reason
    assert f"{speed.UNROLL_MAX_TIME_STEPS} time steps" in choice.reason
    layer = builders.recurrent_layers(builders.build_model(exp, planned_steps=planned))[0]
    assert type(layer) is UnrolledSimpleRNN


@pytest.mark.parametrize("kwargs,planned,reason", [
    ({}, speed.UNROLL_MIN_PLANNED_STEPS - 1, "too few to repay the unrolled trace"),
    ({"steps": speed.UNROLL_MAX_TIME_STEPS + 1}, None, "where unrolling traces longer"),
    ({"variable_length": True}, None, "length is not fixed"),
    ({"layer": {"unroll": False}}, None, "unroll is set in the layer"),
    ({"train": {"jit_compile": True, "deterministic": False}}, None, "jit_compile is true"),
])
def test_auto_keeps_keras_loop_where_unrolling_was_not_measured_to_pay(kwargs, planned,
                                                                        reason):
    exp, spec, choice = simple_rnn_choice(planned, **kwargs)
    assert choice.chosen == "keras" and reason in choice.reason, choice.reason
    layer = builders.recurrent_layers(builders.build_model(exp, planned_steps=planned))[0]
    assert type(layer) is keras.layers.SimpleRNN


def test_planned_steps_count_every_epochs_batches():
    exp = experiment_config(epochs=3, train={"batch_size": 16})
    assert speed.planned_steps(exp, 33) == 9  # 3 batches (16, 16, 1) x 3 epochs
