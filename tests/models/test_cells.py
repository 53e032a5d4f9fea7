"""Tests for the custom recurrent cells, against numpy references."""

import keras
import numpy as np
import pytest

from rnnbench.models.cells import MGUCell, PeepholeLSTMCell, TextbookLSTMCell

BATCH, STEPS, INPUT_DIM, UNITS = 3, 5, 4, 6
CELLS = [TextbookLSTMCell, PeepholeLSTMCell, MGUCell]
NUM_STATES = {TextbookLSTMCell: 2, PeepholeLSTMCell: 2, MGUCell: 1}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _weights(cell):
    """The cell's weights as numpy arrays, keyed by variable name."""
    return dict(zip((w.name for w in cell.weights), cell.get_weights()))


def _lstm_step(w, x, h, c, peephole):
    """One LSTM step; gates [i, f, c~, o] in the fused kernels."""
    u = UNITS
    z = x @ w["kernel"] + h @ w["recurrent_kernel"] + w.get("bias", 0.0)
    z_i, z_f, z_c, z_o = (z[:, k * u : (k + 1) * u] for k in range(4))
    if peephole:
        z_i = z_i + w["input_peephole"] * c
        z_f = z_f + w["forget_peephole"] * c
    i, f = _sigmoid(z_i), _sigmoid(z_f)
    c_new = f * c + i * np.tanh(z_c)
    if peephole:
        z_o = z_o + w["output_peephole"] * c_new
    h_new = _sigmoid(z_o) * np.tanh(c_new)
    return h_new, [h_new, c_new]


def _mgu_step(w, x, h):
    """One MGU step; gates [f, h~] in the fused kernels."""
    u = UNITS
    w_f, w_h = w["kernel"][:, :u], w["kernel"][:, u:]
    u_f, u_h = w["recurrent_kernel"][:, :u], w["recurrent_kernel"][:, u:]
    b = w.get("bias", np.zeros(2 * u))
    f = _sigmoid(x @ w_f + h @ u_f + b[:u])
    h_tilde = np.tanh(x @ w_h + (f * h) @ u_h + b[u:])
    h_new = (1 - f) * h + f * h_tilde
    return h_new, [h_new]


def _reference_step(cell, x, states):
    w = _weights(cell)
    if isinstance(cell, MGUCell):
        return _mgu_step(w, x, states[0])
    return _lstm_step(w, x, *states, isinstance(cell, PeepholeLSTMCell))


def _randomize(cell, rng):
    """Sets every weight (kernels, biases, peepholes) to random non-zero."""
    cell.set_weights(
        [0.5 * rng.standard_normal(w.shape) for w in cell.get_weights()]
    )


def _built_cell(cell_cls, rng, **kwargs):
    cell = cell_cls(UNITS, **kwargs)
    cell.build((None, INPUT_DIM))
    _randomize(cell, rng)
    return cell


def _random(rng, *shape):
    return rng.standard_normal(shape).astype("float32")


def _random_states(cell_cls, rng):
    return [_random(rng, BATCH, UNITS) for _ in range(NUM_STATES[cell_cls])]


def _np(tensors):
    return [keras.ops.convert_to_numpy(t) for t in tensors]


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("cell_cls", CELLS)
def test_one_step_matches_numpy_reference(cell_cls, use_bias):
    rng = np.random.default_rng(0)
    cell = _built_cell(cell_cls, rng, use_bias=use_bias)
    x = _random(rng, BATCH, INPUT_DIM)
    states = _random_states(cell_cls, rng)

    output, new_states = cell(x, states)

    expected_output, expected_states = _reference_step(cell, x, states)
    np.testing.assert_allclose(_np([output])[0], expected_output, atol=1e-5)
    assert len(new_states) == len(expected_states)
    for got, expected in zip(_np(new_states), expected_states):
        np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("cell_cls", CELLS)
def test_full_sequence_matches_unrolled_reference(cell_cls):
    rng = np.random.default_rng(1)
    x = _random(rng, BATCH, STEPS, INPUT_DIM)
    rnn = keras.layers.RNN(cell_cls(UNITS), return_sequences=True)
    rnn(x)  # builds the cell
    _randomize(rnn.cell, rng)

    outputs = keras.ops.convert_to_numpy(rnn(x))

    states = [np.zeros((BATCH, UNITS))] * NUM_STATES[cell_cls]
    expected = []
    for t in range(STEPS):
        h, states = _reference_step(rnn.cell, x[:, t], states)
        expected.append(h)
    assert outputs.shape == (BATCH, STEPS, UNITS)
    np.testing.assert_allclose(outputs, np.stack(expected, 1), atol=1e-5)


def test_mgu_accepts_a_bare_state_tensor():
    rng = np.random.default_rng(2)
    cell = _built_cell(MGUCell, rng)
    x, h = _random(rng, BATCH, INPUT_DIM), _random(rng, BATCH, UNITS)

    output, new_state = cell(x, h)

    expected, _ = _mgu_step(_weights(cell), x, h)
    np.testing.assert_allclose(_np([new_state])[0], expected, atol=1e-5)
    np.testing.assert_allclose(_np([output])[0], expected, atol=1e-5)


@pytest.mark.parametrize("cell_cls", [TextbookLSTMCell, PeepholeLSTMCell])
def test_unit_forget_bias_initializes_only_the_forget_slice(cell_cls):
    cell = cell_cls(UNITS)
    cell.build((None, INPUT_DIM))
    bias = _weights(cell)["bias"]
    expected = np.zeros(4 * UNITS)
    expected[UNITS : 2 * UNITS] = 1.0  # gate order [i, f, c~, o]
    np.testing.assert_array_equal(bias, expected)

    off = cell_cls(UNITS, unit_forget_bias=False)
    off.build((None, INPUT_DIM))
    np.testing.assert_array_equal(_weights(off)["bias"], np.zeros(4 * UNITS))


def test_textbook_lstm_adds_no_constant_to_the_forget_gate():
    cell = TextbookLSTMCell(UNITS)
    cell.build((None, INPUT_DIM))
    cell.set_weights([np.zeros(w.shape) for w in cell.get_weights()])
    x = np.random.default_rng(3).standard_normal((BATCH, INPUT_DIM))
    h_prev = np.zeros((BATCH, UNITS), "float32")
    # A zero cell state would hide f (c = f * 0); use ones so c = f.
    c_prev = np.ones((BATCH, UNITS), "float32")

    h, (_, c) = cell(x.astype("float32"), [h_prev, c_prev])

    # Every pre-activation is 0, so f = i = o = sigmoid(0) = 0.5 and
    # c~ = tanh(0) = 0: c = f * c_prev, which would be ~1 had `call`
    # added `units` (or any constant) to the forget pre-activation.
    np.testing.assert_allclose(_np([c])[0], 0.5, atol=1e-7)
    np.testing.assert_allclose(_np([h])[0], 0.5 * np.tanh(0.5), atol=1e-7)


def test_peephole_lstm_with_zero_peepholes_equals_textbook_lstm():
    rng = np.random.default_rng(4)
    textbook = _built_cell(TextbookLSTMCell, rng)
    peephole = PeepholeLSTMCell(UNITS)
    peephole.build((None, INPUT_DIM))
    zeros = [np.zeros(UNITS)] * 3
    peephole.set_weights(textbook.get_weights() + zeros)
    x = _random(rng, BATCH, INPUT_DIM)
    states = _random_states(TextbookLSTMCell, rng)

    expected_h, expected_states = textbook(x, states)
    h, new_states = peephole(x, states)

    np.testing.assert_allclose(*_np([h, expected_h]), atol=1e-6)
    for got, expected in zip(_np(new_states), _np(expected_states)):
        np.testing.assert_allclose(got, expected, atol=1e-6)

    _randomize(peephole, rng)  # and the peepholes do change the result
    h, _ = peephole(x, states)
    assert not np.allclose(*_np([h, expected_h]), atol=1e-3)


def _sequential(cell):
    return keras.Sequential(
        [
            keras.Input((STEPS, INPUT_DIM)),
            keras.layers.RNN(cell),
            keras.layers.Dense(1),
        ]
    )


@pytest.mark.parametrize("cell_cls", CELLS)
@pytest.mark.slow
def test_model_save_and_reload(cell_cls, tmp_path):
    rng = np.random.default_rng(5)
    model = _sequential(cell_cls(UNITS))
    _randomize(model.layers[0].cell, rng)
    x = _random(rng, BATCH, STEPS, INPUT_DIM)
    expected = model.predict(x, verbose=0)

    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)

    assert type(loaded.layers[0].cell) is cell_cls
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), expected, atol=1e-6
    )


CELL_ARGS = {
    TextbookLSTMCell: {"unit_forget_bias": False},
    PeepholeLSTMCell: {
        "unit_forget_bias": False,
        "peephole_initializer": "zeros",
    },
    MGUCell: {},
}


@pytest.mark.parametrize("cell_cls", CELLS)
def test_config_round_trip_keeps_every_arg(cell_cls):
    args = {
        "units": 7,
        "activation": "softsign",
        "recurrent_activation": "hard_sigmoid",
        "use_bias": False,
        "kernel_initializer": keras.initializers.RandomNormal(
            stddev=0.3, seed=1
        ),
        "recurrent_initializer": "glorot_normal",
        "bias_initializer": "ones",
        "name": "my_cell",
        **CELL_ARGS[cell_cls],
    }
    cell = cell_cls(**args)
    config = cell.get_config()
    assert set(args) <= set(config)
    for key in ("units", "use_bias", "name", "unit_forget_bias"):
        if key in args:
            assert config[key] == args[key]

    clone = cell_cls.from_config(config)

    assert clone.get_config() == config
    assert clone.activation is keras.activations.softsign
    assert clone.recurrent_activation is keras.activations.hard_sigmoid
    assert clone.kernel_initializer.stddev == 0.3
    assert clone.kernel_initializer.seed == 1


def test_constructor_args_are_positional_in_the_documented_order():
    cell = PeepholeLSTMCell(UNITS, "relu", "hard_sigmoid", False)
    assert cell.activation is keras.activations.relu
    assert cell.recurrent_activation is keras.activations.hard_sigmoid
    assert cell.use_bias is False
    with pytest.raises(ValueError, match="units"):
        MGUCell(0)


@pytest.mark.slow
@pytest.mark.parametrize("cell_cls", CELLS)
def test_training_smoke(cell_cls):
    rng = np.random.default_rng(6)
    x, y = _random(rng, 32, STEPS, INPUT_DIM), _random(rng, 32, 1)
    model = _sequential(cell_cls(UNITS))
    model.compile(optimizer="adam", loss="mse")

    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)

    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["loss"]))
