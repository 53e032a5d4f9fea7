"""Every stand-in kernel computes what the Keras layer it replaces computes.

A stand-in kernel is a Keras recurrent layer subclass with a faster inner
loop where it can have one (`FusedLSTM`: TensorFlow's `BlockLSTM`; the hoisted
input projection; the unrolled loop) and Keras' own loop everywhere else. Each grid cell builds the stand-in and the Keras
layer with the same weights and compares outputs, final states and gradients
(inputs and weights) to 1e-5, or to the compute dtype's precision: matched,
whether the stand-in runs fused or falls back, and nothing raises where Keras
does not. A new kernel joins the grid with one line in `STAND_INS`.

The grid's coverage follows Keras' own `layers/rnn/lstm_test.py` and
`bidirectional_test.py` (basics with dropout, masking, statefulness, initial
state, return_state, every merge mode, integer inputs); those upstream tests
also run unchanged against each stand-in (`test_keras_own_tests_pass_with_the_stand_in`).
"""

import dataclasses
import functools
import inspect
import types
import unittest

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnnbench.models import saving
from rnnbench.models.fused import FusedLSTM
from rnnbench.models.hoisted import HoistedGRU, HoistedLSTM, HoistedSimpleRNN
from rnnbench.models.unrolled import UnrolledGRU, UnrolledLSTM, UnrolledSimpleRNN

# (stand-in kernel, the Keras layer it replaces).
STAND_INS = [
    pytest.param(FusedLSTM, keras.layers.LSTM, id="FusedLSTM"),
    pytest.param(HoistedLSTM, keras.layers.LSTM, id="HoistedLSTM"),
    pytest.param(HoistedGRU, keras.layers.GRU, id="HoistedGRU"),
    pytest.param(HoistedSimpleRNN, keras.layers.SimpleRNN, id="HoistedSimpleRNN"),
    pytest.param(UnrolledLSTM, keras.layers.LSTM, id="UnrolledLSTM"),
    pytest.param(UnrolledGRU, keras.layers.GRU, id="UnrolledGRU"),
    pytest.param(UnrolledSimpleRNN, keras.layers.SimpleRNN, id="UnrolledSimpleRNN"),
]

UNITS, BATCH, STEPS, FEATURES, VOCAB = 4, 3, 5, 2, 7


@dataclasses.dataclass(frozen=True)
class Case:
    """One grid cell: how the layer is built, what it is fed and how it is run."""

    layer: dict = dataclasses.field(default_factory=dict)  # the recurrent layer's kwargs
    inputs: str = "float32"     # float32 | float64 | int64 | int32 | tokens
    before: str = ""            # "" | masking | embedding (mask_zero=True)
    mask: str = ""              # "" | explicit (with an all-masked row)
    bidirectional: str = ""     # "" or a merge mode ("none" for merge_mode=None)
    policy: str = ""            # a dtype policy for the layers, "" for float32
    mode: str = "eager"         # eager | graph | xla
    initial_state: bool = False
    training: bool = False
    atol: float = 1e-5


SEQ = {"return_sequences": True}
CASES = {
    # Run modes, and what the layer returns.
    "eager": Case(),
    "graph": Case(mode="graph"),
    "xla": Case(layer=SEQ, mode="xla"),
    "sequences_and_state": Case(layer={**SEQ, "return_state": True}),
    "state_only": Case(layer={"return_state": True}),
    "go_backwards": Case(layer={**SEQ, "go_backwards": True}),
    "go_backwards_state_int64_xla": Case(
        layer={"go_backwards": True, "return_state": True}, inputs="int64", mode="xla"),
    "initial_state": Case(layer={"return_state": True}, initial_state=True),
    "initial_state_backwards": Case(layer={"go_backwards": True}, initial_state=True),
    # Input dtypes: a float32 layer casts them as keras.layers.LSTM does.
    "float64_inputs": Case(inputs="float64"),
    "int64_inputs": Case(inputs="int64", layer=SEQ),
    "int32_inputs_graph": Case(inputs="int32", mode="graph"),
    # Dtype policies (fused where the op has a kernel, else Keras' loop).
    "mixed_float16": Case(policy="mixed_float16", layer=SEQ, atol=3e-3),
    "mixed_bfloat16": Case(policy="mixed_bfloat16", layer=SEQ, atol=3e-2),
    "float64_policy": Case(policy="float64", inputs="float64", layer=SEQ),
    # Masks.
    "masking_layer": Case(before="masking", layer=SEQ),
    "masking_layer_backwards": Case(before="masking", layer={"go_backwards": True}),
    "mask_zero_embedding": Case(inputs="tokens", before="embedding",
                                layer={**SEQ, "return_state": True}),
    "explicit_mask_all_masked_row": Case(mask="explicit", layer=SEQ),
    # Bidirectional, every merge mode.
    **{f"bidirectional_{m}": Case(bidirectional=m, layer=SEQ)
       for m in ("concat", "sum", "mul", "ave")},
    "bidirectional_none_state": Case(bidirectional="none", layer={"return_state": True}),
    "bidirectional_masked": Case(bidirectional="concat", before="masking"),
    "bidirectional_int64": Case(bidirectional="ave", inputs="int64",
                                layer={"return_state": True}),
    # Dropout: at inference it is off; in training the same seed gives the same masks.
    "dropout_at_inference": Case(layer={"dropout": 0.5, "recurrent_dropout": 0.3, **SEQ}),
    "dropout_in_training": Case(layer={"dropout": 0.5, "seed": 3, **SEQ}, training=True),
    # Options the fused op does not have: Keras' loop.
    "unroll": Case(layer={"unroll": True, **SEQ}),
    "relu_activation": Case(layer={"activation": "relu"}),
    "no_bias": Case(layer={"use_bias": False}),
}


def build(cls, case):
    """The layers of one grid cell, bottom up, for recurrent layer class `cls`."""
    dtype = {"dtype": case.policy} if case.policy else {}
    layers = []
    if case.before == "masking":
        layers.append(keras.layers.Masking(0.0, **dtype))
    elif case.before == "embedding":
        layers.append(keras.layers.Embedding(VOCAB, FEATURES, mask_zero=True, **dtype))
    rnn = cls(UNITS, **case.layer, **dtype)
    if case.bidirectional:
        merge = None if case.bidirectional == "none" else case.bidirectional
        rnn = keras.layers.Bidirectional(rnn, merge_mode=merge, **dtype)
    return layers + [rnn]


def inputs_of(case, rng, states):
    """`(x, call kwargs)`: the batch and any mask or `states` initial states."""
    if case.inputs in ("tokens", "int64", "int32"):
        x = rng.integers(0, VOCAB, size=(BATCH, STEPS)
                         if case.inputs == "tokens" else (BATCH, STEPS, FEATURES))
        x = x.astype("int32" if case.inputs == "int32" else "int64")
        if case.inputs == "tokens":
            x[1, 3:] = 0  # padding, masked by the embedding
    else:
        x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(case.inputs)
        if case.before == "masking":
            x[1, 2:] = 0.0
            x[2, :] = 0.0  # an all-masked row
    kwargs = {}
    if case.mask:
        mask = np.ones((BATCH, STEPS), bool)
        mask[0, 3:] = False
        mask[2, :] = False  # an all-masked row
        kwargs["mask"] = tf.constant(mask)
    if case.initial_state:
        kwargs["initial_state"] = [tf.constant(rng.normal(size=(BATCH, UNITS)), "float32")
                                   for _ in range(states)]
    return x, kwargs


def run(layers, x, kwargs, case):
    """Outputs (flattened) and gradients of the sum of squared outputs, in `case.mode`."""
    def step(x):
        with tf.GradientTape() as tape:
            if x.dtype.is_floating:
                tape.watch(x)
            y = x
            for layer in layers[:-1]:
                y = layer(y)
            outputs = keras.tree.flatten(layers[-1](y, training=case.training, **kwargs))
            loss = tf.add_n([tf.reduce_sum(tf.cast(o, "float32") ** 2) for o in outputs])
        watched = ([x] if x.dtype.is_floating else []) + [
            w.value for layer in layers for w in layer.trainable_weights]
        return outputs, tape.gradient(loss, watched)

    if case.mode != "eager":
        step = tf.function(step, jit_compile=case.mode == "xla")
    outputs, grads = step(tf.constant(x))
    return ([np.asarray(o, "float64") for o in outputs],
            [np.asarray(tf.convert_to_tensor(g), "float64") for g in grads])


def given_weights(layers, x, kwargs, case):
    """Builds `layers` on `x` and sets the grid's random weights (the same for a shape).

    One eager forward call builds them (a dropout layer draws its masks as the
    measured call will, so both stacks of a cell stay in step); no gradient.
    """
    y = tf.constant(x)
    for layer in layers[:-1]:
        y = layer(y)
    layers[-1](y, training=case.training, **kwargs)
    rng = np.random.default_rng(7)
    for layer in layers:
        layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype(w.dtype)
                           for w in layer.get_weights()])


def same_weights(reference, stand_in, x, kwargs, case):
    """Builds both stacks on `x` and gives both the same random weights."""
    for layers in (reference, stand_in):
        given_weights(layers, x, kwargs, case)


@functools.cache
def keras_result(keras_layer, name):
    """The Keras layer's outputs and gradients in grid cell `name`.

    Computed once per layer and cell: the stand-ins of one Keras layer (three
    for LSTM) are compared with the same result, which is deterministic (fixed
    weights, inputs and dropout seed), so a second computation would repeat the
    first.
    """
    case = CASES[name]
    reference = build(keras_layer, case)
    x, kwargs = grid_inputs(reference, case)
    given_weights(reference, x, kwargs, case)
    return run(reference, x, kwargs, case)


def grid_inputs(layers, case):
    """The batch and call kwargs of grid cell `case` for the stack `layers`."""
    inner = getattr(layers[-1], "forward_layer", layers[-1])
    return inputs_of(case, np.random.default_rng(1),
                     len(keras.tree.flatten(inner.cell.state_size)))


@pytest.mark.parametrize("kernel,keras_layer", STAND_INS)
@pytest.mark.parametrize("name", [
    # An XLA compile takes ~3 s a case: CI runs them, the fast lane leaves them out.
    pytest.param(name, marks=pytest.mark.slow) if case.mode == "xla" else name
    for name, case in CASES.items()])
def test_the_stand_in_matches_the_keras_layer(kernel, keras_layer, name):
    case = CASES[name]
    stand_in = build(kernel, case)
    assert isinstance(getattr(stand_in[-1], "forward_layer", stand_in[-1]), kernel)
    x, kwargs = grid_inputs(stand_in, case)
    given_weights(stand_in, x, kwargs, case)
    y_new, g_new = run(stand_in, x, kwargs, case)
    y_ref, g_ref = keras_result(keras_layer, name)
    assert len(y_new) == len(y_ref)
    for a, b in zip(y_new, y_ref):
        np.testing.assert_allclose(a, b, atol=case.atol, rtol=case.atol)
    assert len(g_new) == len(g_ref)
    for a, b in zip(g_new, g_ref):
        np.testing.assert_allclose(a, b, atol=case.atol, rtol=case.atol)


@pytest.mark.parametrize("kernel,keras_layer", STAND_INS)
def test_stateful_layers_carry_and_reset_their_state_the_same(kernel, keras_layer):
    x = np.random.default_rng(2).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    case = Case(layer={"stateful": True, **SEQ})
    reference, stand_in = build(keras_layer, case), build(kernel, case)
    same_weights(reference, stand_in, x, {}, case)
    for layers in (reference, stand_in):
        layers[-1].reset_state()
    for _ in range(2):
        for _ in range(2):  # the second call starts from the first call's final state
            (y_ref, _), (y_new, _) = (run(layers, x, {}, case)
                                      for layers in (reference, stand_in))
            np.testing.assert_allclose(y_new[0], y_ref[0], atol=1e-5, rtol=1e-5)
        for a, b in zip(reference[-1].states, stand_in[-1].states):
            np.testing.assert_allclose(np.asarray(b), np.asarray(a), atol=1e-5)
        for layers in (reference, stand_in):
            layers[-1].reset_state()
        assert not np.any(np.asarray(stand_in[-1].states[0]))


@pytest.mark.slow  # fits a model
@pytest.mark.parametrize("kernel,keras_layer", STAND_INS)
def test_a_model_compiled_with_jit_compile_trains_and_matches(kernel, keras_layer):
    """Keras' `jit_compile=True`, as a user may compile a loaded model: `fit` runs."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(8, STEPS, FEATURES)).astype("float32")
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), kernel(UNITS),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse", jit_compile=True)
    history = model.fit(x, rng.normal(size=(8, 1)), batch_size=4, verbose=0)
    assert model.jit_compile and np.isfinite(history.history["loss"][0])
    plain = keras.Sequential([keras.Input((STEPS, FEATURES)), keras_layer(UNITS),
                              keras.layers.Dense(1)])
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(model(x), plain(x), atol=1e-5)


@pytest.mark.parametrize("kernel,keras_layer", STAND_INS)
@pytest.mark.parametrize("bidirectional", ["", "sum"])
@pytest.mark.slow
def test_saved_and_loaded_the_model_predicts_the_same(tmp_path, kernel, keras_layer,
                                                      bidirectional):
    case = Case(layer=SEQ, bidirectional=bidirectional)
    layers = build(kernel, case)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), *layers,
                              keras.layers.Dense(1)])
    x = np.random.default_rng(6).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "as_is.keras")  # the stand-in's own class (registered)
    saving.save_model(model, tmp_path / "portable.keras")  # as the Keras layer
    for name, cls in (("as_is", kernel), ("portable", keras_layer)):
        loaded = keras.saving.load_model(tmp_path / f"{name}.keras")
        inner = loaded.layers[0]
        assert type(getattr(inner, "forward_layer", inner)) is cls
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-5)
    assert type(getattr(layers[-1], "forward_layer", layers[-1])) is kernel  # restored


def _upstream_tests(keras_layer):
    """`(modules, tests)`: Keras' own tests of `keras_layer`, and those of
    `Bidirectional` that use it."""
    modules = {keras.layers.LSTM: "lstm_test", keras.layers.GRU: "gru_test",
               keras.layers.SimpleRNN: "simple_rnn_test"}
    own = pytest.importorskip(f"keras.src.layers.rnn.{modules[keras_layer]}")
    wrapper = pytest.importorskip("keras.src.layers.rnn.bidirectional_test")
    loader, tests = unittest.TestLoader(), []
    for module in (own, wrapper):
        for case in vars(module).values():
            if isinstance(case, type) and issubclass(case, unittest.TestCase):
                tests += [test for test in loader.loadTestsFromTestCase(case)
                          if not _skipped_here(getattr(case, test._testMethodName))
                          and (module is own or f"layers.{keras_layer.__name__}(" in
                               inspect.getsource(getattr(case, test._testMethodName)))]
    return [own, wrapper], tests


def _skipped_here(method):
    """Whether pytest would skip `method` here (`skipif` marks, which unittest ignores:
    e.g. gru_test's torch-backend-only tests)."""
    return any(mark.name == "skipif" and mark.args and mark.args[0]
               for mark in getattr(method, "pytestmark", []))


@pytest.mark.slow  # Keras' run_layer_test fits a model
@pytest.mark.parametrize("kernel,keras_layer", STAND_INS)
def test_keras_own_tests_pass_with_the_stand_in(monkeypatch, kernel, keras_layer):
    """`keras/src/layers/rnn/lstm_test.py` and `bidirectional_test.py`, with the
    stand-in in place of the Keras layer (Keras v3.15.1's test_output_shape
    feeds integers)."""
    modules, tests = _upstream_tests(keras_layer)
    public = {k: getattr(keras.layers, k) for k in dir(keras.layers) if not k.startswith("_")}
    replaced = types.SimpleNamespace(**{**public, keras_layer.__name__: kernel})
    for module in modules:
        monkeypatch.setattr(module, "layers", replaced)
    result = unittest.TestResult()
    unittest.TestSuite(tests).run(result)
    problems = [f"{test.id()}: {trace.splitlines()[-1]}"
                for test, trace in result.failures + result.errors]
    assert result.testsRun >= 5 and not problems, problems
    names = {test._testMethodName for test in tests}
    assert "test_masking" in names and any(n.startswith("test_correctness") for n in names)
    if keras_layer is keras.layers.LSTM:
        assert any("test_output_shape" in test.id() for test in tests)
