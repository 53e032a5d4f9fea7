"""Tests for `rnnbench.models.builders`: config -> Keras model, with real Keras/TF.

Models are tiny and built, not trained (except one 1-epoch fit per task).
"""

from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import ALL_TASKS, experiment_config, experiment_dict

import rnnbench
from rnnbench.config import experiment as config_lib
from rnnbench.config import layer_options
from rnnbench.errors import UserError
from rnnbench.models import builders

ALL_CELLS = ("simple_rnn", "lstm", "gru", "textbook_lstm", "peephole_lstm", "mgu")
BUILTIN_CELLS = ("simple_rnn", "lstm", "gru")
CUSTOM_CELLS = ("textbook_lstm", "peephole_lstm", "mgu")
MERGE_MODES = ("concat", "sum", "mul", "ave")
PER_STEP_TASKS = ("sequence_label", "language_model")

# Toy data sizes, all different so a mixed-up dimension shows.
STEPS, FEATURES, NUM_CLASSES, VOCAB, OUTPUT_DIM = 5, 3, 4, 9, 2
DATA = dict(steps=STEPS, features=FEATURES, num_classes=NUM_CLASSES,
            vocab_size=VOCAB, output_dim=OUTPUT_DIM)


def experiment(task="regress", data=None, **kwargs):
    """`conftest.experiment_config` on this file's toy data sizes (`data` overrides them)."""
    return experiment_config(task=task, **kwargs, **{**DATA, **(data or {})})


def build(exp):
    return builders.build_model(exp, compile=False)


def expected_output_shape(task, steps=STEPS):
    if task in ("regress", "forecast"):
        return (None, OUTPUT_DIM)
    if task == "classify":
        return (None, NUM_CLASSES)
    if task == "sequence_label":
        return (None, steps, NUM_CLASSES)
    return (None, steps, VOCAB)  # language_model: next token over the vocabulary


def rnn_layers(model):
    return builders.recurrent_layers(model)


def inner(layer):
    """The RNN layer itself, or the forward layer of a Bidirectional."""
    if isinstance(layer, keras.layers.Bidirectional):
        return layer.forward_layer
    return layer


def sample_inputs(exp, batch=2):
    spec = config_lib.data_spec(exp)
    steps = spec.input_shape[0] or STEPS
    rng = np.random.default_rng(0)
    if spec.vocab_size:
        return rng.integers(1, spec.vocab_size, size=(batch, steps)).astype("int32")
    return rng.normal(size=(batch, steps, spec.input_shape[-1])).astype("float32")


# 1. Output shapes ------------------------------------------------------------


@pytest.mark.parametrize("task", ALL_TASKS)
@pytest.mark.parametrize("cell", ALL_CELLS)
def test_output_shape_per_cell_and_task(cell, task):
    model = build(experiment(task, cells=(cell,)))
    assert model.output_shape == expected_output_shape(task)


@pytest.mark.parametrize("task", ["classify", "sequence_label"])
@pytest.mark.parametrize("cell", ["lstm", "mgu"])
@pytest.mark.parametrize("mode", MERGE_MODES)
def test_output_shape_bidirectional(mode, cell, task):
    model = build(experiment(task, cells=(cell,), units=4, bidirectional=mode))
    assert model.output_shape == expected_output_shape(task)
    (layer,) = rnn_layers(model)
    assert isinstance(layer, keras.layers.Bidirectional)
    assert layer.merge_mode == mode
    # concat joins both directions; sum/mul/ave keep `units` features.
    assert layer.output.shape[-1] == (8 if mode == "concat" else 4)


@pytest.mark.parametrize("cell", ["lstm", "textbook_lstm"])
def test_binary_classify_has_one_sigmoid_output(cell):
    model = build(experiment("classify", cells=(cell,), data={"num_classes": 2}))
    assert model.output_shape == (None, 1)
    assert model.get_layer("output").activation is keras.activations.sigmoid


def test_multiclass_classify_uses_softmax():
    model = build(experiment("classify"))
    assert model.get_layer("output").activation is keras.activations.softmax


@pytest.mark.parametrize("tokens", [False, True])
@pytest.mark.parametrize("task", PER_STEP_TASKS)
def test_variable_length_per_step_output_has_unknown_steps(task, tokens):
    exp = experiment(task, data={"variable_length": True, "tokens": tokens})
    assert build(exp).output_shape == expected_output_shape(task, steps=None)


def test_head_dense_layers_sit_before_the_output():
    exp = experiment("regress", head=(7, 5))
    model = build(exp)
    assert model.get_layer("head_0").units == 7
    assert model.get_layer("head_1").units == 5
    assert model.get_layer("head_1").output.shape == (None, 5)
    assert model.output_shape == (None, OUTPUT_DIM)


# 2. Stacking -----------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, "concat"])
@pytest.mark.parametrize("task", ["regress", "classify", "sequence_label", "language_model"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_stack_return_sequences(num_layers, task, bidirectional):
    cells = ("lstm", "mgu", "gru")[:num_layers]
    model = build(experiment(task, cells=cells, bidirectional=bidirectional))
    layers = rnn_layers(model)
    assert len(layers) == num_layers
    per_step = task in PER_STEP_TASKS
    for i, layer in enumerate(layers):
        assert isinstance(layer, keras.layers.Bidirectional) == bool(bidirectional)
        top = i == num_layers - 1
        want = per_step if top else True
        assert inner(layer).return_sequences is want, (i, layer.name)
        if bidirectional:
            assert layer.backward_layer.return_sequences is want
            assert layer.return_sequences is want
    assert model.output_shape == expected_output_shape(task)


# 3. Exact parameter counts ---------------------------------------------------


def rnn_params(cell, d, u):
    """Weights of one (unidirectional) recurrent layer: input dim d, units u."""
    one_gate = u * (d + u) + u  # input kernel + recurrent kernel + bias
    return {
        "simple_rnn": one_gate,
        "lstm": 4 * one_gate,                      # gates i, f, c~, o
        "gru": 3 * (u * (d + u) + 2 * u),          # reset_after: 2 biases per gate
        "textbook_lstm": 4 * one_gate,             # same layout as LSTM
        "peephole_lstm": 4 * one_gate + 3 * u,     # + peepholes p_i, p_f, p_o
        "mgu": 2 * one_gate,                       # gates f, h~
        "user_cells:ScaledTanhCell": one_gate,
    }[cell]


@pytest.mark.parametrize("bidirectional", [False, "concat", "sum"])
@pytest.mark.parametrize("cell", ALL_CELLS + ("user_cells:ScaledTanhCell",))
def test_parameter_counts(cell, bidirectional):
    d, u1, u2, out = 4, 5, 3, OUTPUT_DIM
    exp = experiment("regress", cells=(cell, cell), bidirectional=bidirectional,
                     layer_options={0: {"units": u1}, 1: {"units": u2}},
                     data={"features": d})
    model = build(exp)
    directions = 2 if bidirectional else 1
    # concat doubles the features that reach the next layer; sum keeps them.
    widen = 2 if bidirectional == "concat" else 1
    first = directions * rnn_params(cell, d, u1)
    second = directions * rnn_params(cell, widen * u1, u2)
    dense = (widen * u2) * out + out
    bottom, top = rnn_layers(model)
    assert bottom.count_params() == first
    assert top.count_params() == second
    assert model.get_layer("output").count_params() == dense
    assert model.count_params() == first + second + dense


def test_parameter_counts_with_embedding_and_head():
    exp = experiment("classify", cells=("gru",), units=3, head=(6,),
                     model={"embedding": {"dim": 5}}, data={"tokens": True})
    model = build(exp)
    embedding = VOCAB * 5
    gru = 3 * (3 * (5 + 3) + 2 * 3)
    head = 3 * 6 + 6
    output = 6 * NUM_CLASSES + NUM_CLASSES
    assert model.count_params() == embedding + gru + head + output


# 4. Inputs -------------------------------------------------------------------


@pytest.mark.parametrize("tokens", [False, True])
@pytest.mark.parametrize("variable_length", [False, True])
def test_input_encoding(tokens, variable_length):
    # An embedding is refused for float inputs, which build none.
    exp = experiment("regress", model={"embedding": {"dim": 7}} if tokens else None,
                     data={"tokens": tokens, "variable_length": variable_length})
    model = build(exp)
    kinds = [type(layer) for layer in model.layers]
    has_embedding = keras.layers.Embedding in kinds
    has_masking = keras.layers.Masking in kinds
    assert has_embedding == tokens
    assert has_masking == (variable_length and not tokens)
    steps = None if variable_length else STEPS
    assert model.input_shape == ((None, steps) if tokens else (None, steps, FEATURES))
    (layer,) = rnn_layers(model)
    if tokens:
        embedding = model.get_layer("embedding")
        assert embedding.mask_zero is variable_length
        assert embedding.input_dim == VOCAB
        assert embedding.output_dim == 7  # model.embedding.dim
        assert layer.cell.kernel.shape[0] == 7
    else:
        assert layer.cell.kernel.shape[0] == FEATURES
    if has_masking:
        assert model.get_layer("masking").mask_value == 0.0


def test_language_model_always_embeds_tokens():
    exp = experiment("language_model", model={"embedding": {"dim": 6}})
    embedding = build(exp).get_layer("embedding")
    assert (embedding.input_dim, embedding.output_dim, embedding.mask_zero) == (VOCAB, 6, False)


def test_masked_padding_does_not_change_the_last_output():
    """Right-padded float steps are skipped: padding more leaves outputs equal."""
    exp = experiment("regress", data={"variable_length": True})
    model = build(exp)
    x = sample_inputs(exp, batch=1)[:, :3]
    padded = np.concatenate([x, np.zeros((1, 4, FEATURES), "float32")], axis=1)
    np.testing.assert_allclose(model(x), model(padded), rtol=1e-5, atol=1e-6)


# 5. Keras arguments pass through ---------------------------------------------

PASS_THROUGH = [
    ("lstm", {"recurrent_dropout": 0.1, "kernel_initializer": "zeros"},
     lambda c: c.recurrent_dropout == 0.1
     and isinstance(c.kernel_initializer, keras.initializers.Zeros)
     and not np.any(keras.ops.convert_to_numpy(c.kernel))),
    ("gru", {"reset_after": False, "recurrent_activation": "hard_sigmoid"},
     lambda c: c.reset_after is False
     and c.recurrent_activation is keras.activations.hard_sigmoid),
    ("simple_rnn", {"activation": "relu", "use_bias": False},
     lambda c: c.activation is keras.activations.relu and c.use_bias is False),
    ("textbook_lstm", {"unit_forget_bias": False, "bias_initializer": "ones"},
     lambda c: c.unit_forget_bias is False
     and np.all(keras.ops.convert_to_numpy(c.bias) == 1.0)),
    ("peephole_lstm", {"peephole_initializer": "ones"},
     lambda c: np.all(keras.ops.convert_to_numpy(c.output_peephole) == 1.0)),
    ("mgu", {"recurrent_activation": "hard_sigmoid", "use_bias": False},
     lambda c: c.recurrent_activation is keras.activations.hard_sigmoid
     and c.use_bias is False and c.bias is None),
    ("user_cells:ScaledTanhCell", {"scale": 0.5}, lambda c: c.scale == 0.5),
]


@pytest.mark.parametrize("bidirectional", [False, "concat"])
@pytest.mark.parametrize("cell, options, check", PASS_THROUGH,
                         ids=[p[0] for p in PASS_THROUGH])
def test_keras_arguments_reach_the_cell(cell, options, check, bidirectional):
    exp = experiment("regress", cells=("lstm", cell), bidirectional=bidirectional,
                     layer_options={1: options})
    bottom, top = rnn_layers(model := build(exp))
    assert model.output_shape == (None, OUTPUT_DIM)
    cells = [inner(top).cell]
    if bidirectional:
        cells.append(top.backward_layer.cell)
    for cell_obj in cells:
        assert check(cell_obj), cell_obj.get_config()
    # The options are the second layer's alone.
    assert inner(bottom).cell.get_config()["kernel_initializer"]["class_name"] != "Zeros"


def test_lstm_layer_attributes_from_options():
    exp = experiment("regress", cells=("lstm",), layer_options={
        0: {"recurrent_dropout": 0.1, "kernel_initializer": "zeros", "unroll": True}})
    (layer,) = rnn_layers(build(exp))
    assert layer.recurrent_dropout == 0.1
    assert layer.unroll is True
    assert isinstance(layer.cell.kernel_initializer, keras.initializers.Zeros)


@pytest.mark.parametrize("cell", ALL_CELLS + ("user_cells:ScaledTanhCell",))
@pytest.mark.parametrize("index", [0, 1])
def test_unknown_argument_names_the_layer(cell, index):
    with pytest.raises(UserError, match=rf"model\.layers\[{index}\]") as info:
        # Validation rejects it (config.layer_options), before any build.
        experiment("regress", cells=("lstm", cell) if index else (cell, "lstm"),
                   layer_options={index: {"foo": 1}})
    assert "foo" in str(info.value)


def test_bad_argument_value_is_a_user_error():
    exp = experiment("regress", layer_options={0: {"activation": "not_an_activation"}})
    with pytest.raises(UserError, match=r"model\.layers\[0\]"):
        build(exp)


# 6. cuDNN eligibility ----------------------------------------------------------


def report_of(exp):
    return builders.cudnn_report(build(exp), config_lib.data_spec(exp))


@pytest.mark.parametrize("bidirectional", [False, "concat"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_default_lstm_and_gru_are_cudnn_eligible(cell, bidirectional):
    (entry,) = report_of(experiment("regress", cells=(cell,), bidirectional=bidirectional))
    assert entry["cudnn_eligible"] is True
    assert entry["reasons"] == []
    # A small `cell: lstm` is a FusedLSTM on CPU (train.lstm_kernel: auto): still an LSTM.
    assert entry["class"] == {"lstm": "FusedLSTM", "gru": "GRU"}[cell]
    assert entry["cell"] == {"lstm": "LSTMCell", "gru": "GRUCell"}[cell]
    assert entry["layer"] == ("birnn_0" if bidirectional else "rnn_0")


def test_input_dropout_keeps_cudnn_eligibility():
    # Keras applies `dropout` outside the cuDNN kernel; only recurrent dropout blocks it.
    exp = experiment("regress", layer_options={0: {"dropout": 0.2}})
    assert report_of(exp)[0]["cudnn_eligible"] is True


BREAKING = [
    ("activation", "relu"),
    ("recurrent_activation", "hard_sigmoid"),
    ("recurrent_dropout", 0.1),
    ("unroll", True),
    ("use_bias", False),
    ("use_cudnn", False),
]


@pytest.mark.parametrize("cell, key, value",
                         [(c, k, v) for c in ("lstm", "gru") for k, v in BREAKING]
                         + [("gru", "reset_after", False)])
def test_breaking_argument_makes_layer_ineligible(cell, key, value):
    exp = experiment("regress", cells=(cell,), layer_options={0: {key: value}})
    (entry,) = report_of(exp)
    assert entry["cudnn_eligible"] is False
    assert len(entry["reasons"]) == 1, entry["reasons"]
    # Each reason starts with the argument it is about ("activation must be ...").
    assert entry["reasons"][0].startswith(key), entry["reasons"]


def test_several_breaking_arguments_give_several_reasons():
    exp = experiment("regress", cells=("gru",), layer_options={
        0: {"activation": "relu", "reset_after": False, "use_cudnn": False}})
    (entry,) = report_of(exp)
    assert entry["cudnn_eligible"] is False
    assert len(entry["reasons"]) == 3
    for key in ("activation", "reset_after", "use_cudnn"):
        assert any(r.startswith(key) for r in entry["reasons"]), key


@pytest.mark.parametrize("cell, cell_class", [
    ("simple_rnn", "SimpleRNNCell"), ("textbook_lstm", "TextbookLSTMCell"),
    ("peephole_lstm", "PeepholeLSTMCell"), ("mgu", "MGUCell"),
    ("user_cells:ScaledTanhCell", "ScaledTanhCell")])
def test_cells_without_cudnn_kernel_are_ineligible(cell, cell_class):
    (entry,) = report_of(experiment("regress", cells=(cell,)))
    assert entry["cudnn_eligible"] is False
    assert entry["cell"] == cell_class
    assert len(entry["reasons"]) == 1
    assert cell_class in entry["reasons"][0]
    assert "no cuDNN kernel" in entry["reasons"][0]


@pytest.mark.parametrize("tokens", [False, True])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_masked_eligible_layer_mentions_right_padding(cell, tokens):
    exp = experiment("regress", cells=(cell,),
                     data={"variable_length": True, "tokens": tokens})
    (entry,) = report_of(exp)
    assert entry["cudnn_eligible"] is True
    assert len(entry["reasons"]) == 1
    assert "right-padded" in entry["reasons"][0]


def test_report_has_one_entry_per_layer_bottom_up():
    exp = experiment("regress", cells=("lstm", "simple_rnn", "gru"),
                     layer_options={2: {"unroll": True}})
    report = report_of(exp)
    assert [e["layer"] for e in report] == ["rnn_0", "rnn_1", "rnn_2"]
    assert [e["cudnn_eligible"] for e in report] == [True, False, False]


# 7. Dropout ------------------------------------------------------------------


def spatial_dropouts(model):
    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.SpatialDropout1D)]


@pytest.mark.parametrize("cell", BUILTIN_CELLS)
def test_builtin_layers_take_dropout_themselves(cell):
    exp = experiment("regress", cells=(cell,), layer_options={0: {"dropout": 0.25}})
    model = build(exp)
    (layer,) = rnn_layers(model)
    assert layer.dropout == 0.25
    assert layer.cell.dropout == 0.25
    assert spatial_dropouts(model) == []


@pytest.mark.parametrize("bidirectional", [False, "concat"])
@pytest.mark.parametrize("dropout", [0.0, 0.25])
@pytest.mark.parametrize("cell", CUSTOM_CELLS + ("user_cells:ScaledTanhCell",))
def test_custom_cell_without_dropout_arg_gets_spatial_dropout(cell, dropout, bidirectional):
    exp = experiment("sequence_label", cells=("lstm", cell), bidirectional=bidirectional,
                     layer_options={1: {"dropout": dropout}})
    model = build(exp)
    found = spatial_dropouts(model)
    if not dropout:
        assert found == []
        return
    (sd,) = found
    assert sd.rate == 0.25
    assert sd.name == "rnn_1_dropout"
    # Right before the recurrent layer it belongs to, after the one below.
    names = [layer.name for layer in model.layers]
    top = "birnn_1" if bidirectional else "rnn_1"
    below = "birnn_0" if bidirectional else "rnn_0"
    assert names.index(sd.name) == names.index(top) - 1
    assert names.index(below) < names.index(sd.name)
    assert model.output_shape == expected_output_shape("sequence_label")


def test_custom_cell_with_dropout_arg_takes_it_itself():
    exp = experiment("regress", cells=("user_cells:DropoutTanhCell",),
                     layer_options={0: {"dropout": 0.25}})
    model = build(exp)
    (layer,) = rnn_layers(model)
    assert layer.cell.dropout == 0.25
    assert spatial_dropouts(model) == []


# 8. User cells by import path --------------------------------------------------


def test_user_cells_module_is_importable_from_tests_dir():
    import user_cells
    assert Path(user_cells.__file__).resolve().parent == Path(__file__).resolve().parent


@pytest.mark.parametrize("task", ["regress", "classify", "sequence_label"])
@pytest.mark.parametrize("bidirectional", [False, "concat"])
def test_user_cell_builds(task, bidirectional):
    import user_cells
    exp = experiment(task, cells=("user_cells:ScaledTanhCell",), units=3,
                     bidirectional=bidirectional)
    model = build(exp)
    assert model.output_shape == expected_output_shape(task)
    (layer,) = rnn_layers(model)
    assert type(inner(layer)) is keras.layers.RNN
    assert type(inner(layer).cell) is user_cells.ScaledTanhCell
    assert inner(layer).cell.units == 3
    out = model(sample_inputs(exp))
    assert out.shape[1:] == expected_output_shape(task)[1:]


def test_cell_without_state_size_is_rejected():
    exp = experiment("regress", cells=("user_cells:NoStateCell",))
    with pytest.raises(UserError, match="state_size") as info:
        build(exp)
    assert "model.layers[0]" in str(info.value)
    assert "NoStateCell" in str(info.value)


@pytest.mark.parametrize("path, message", [
    ("no_such_module:Cell", r"Could not import module 'no_such_module'"),
    ("user_cells:Nope", r"has no attribute 'Nope'"),
    ("user_cells:ScaledTanhCell:extra", r"has no attribute"),
    (":ScaledTanhCell", r"Expected an import path of the form `package\.module:ClassName`"),
    ("user_cells:", r"Expected an import path of the form `package\.module:ClassName`"),
    ("user_cells:NOT_A_LAYER", r"keras\.layers\.Layer subclass"),
    ("rnnbench.config.experiment:ExperimentConfig", r"keras\.layers\.Layer subclass"),
])
def test_bad_import_paths_are_user_errors(path, message):
    exp = experiment("regress", cells=(path,))  # paths are resolved at build time
    with pytest.raises(UserError, match=message):
        build(exp)


def test_resolve_cell_names_the_key():
    with pytest.raises(UserError, match=r"model\.layers\[2\]\.cell"):
        builders.resolve_cell("user_cells:NOT_A_LAYER", "model.layers[2].cell")
    assert builders.resolve_cell("lstm", "x") is keras.layers.LSTM


def test_dotted_name_without_colon_is_an_unknown_cell():
    d = experiment_dict(cells=("user_cells.ScaledTanhCell",))
    with pytest.raises(UserError, match=r"model\.layers\[0\]\.cell"):
        config_lib.validate(d)


# 9. Save and reload ----------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, "ave"])
@pytest.mark.parametrize("cell", CUSTOM_CELLS)
def test_save_and_reload_custom_cells(cell, bidirectional, tmp_path):
    exp = experiment("sequence_label", cells=(cell,), bidirectional=bidirectional)
    model = build(exp)
    x = sample_inputs(exp, batch=3)
    before = keras.ops.convert_to_numpy(model(x))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    (layer,) = rnn_layers(loaded)
    assert type(inner(layer).cell) is type(inner(rnn_layers(model)[0]).cell)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), before,
                               rtol=1e-6, atol=1e-6)


# 10. Mixed precision -----------------------------------------------------------


@pytest.mark.parametrize("cell", ALL_CELLS)
def test_mixed_precision_layers(cell):
    exp = experiment("classify", cells=(cell, cell), head=(5,),
                     train={"mixed_precision": True}, data={"tokens": True})
    model = build(exp)
    for layer in rnn_layers(model):
        assert layer.dtype_policy.name == "mixed_float16", layer.name
    assert model.get_layer("embedding").dtype_policy.name == "mixed_float16"
    assert model.get_layer("head_0").dtype_policy.name == "mixed_float16"
    output = model.get_layer("output")
    assert output.dtype_policy.name == "float32"
    assert model.output.dtype == "float32"
    assert keras.ops.convert_to_numpy(model(sample_inputs(exp))).dtype == np.float32
    # Variables stay float32 under mixed precision.
    assert all(w.dtype == "float32" for w in model.weights)


def test_without_mixed_precision_everything_is_float32():
    model = build(experiment("regress", cells=("lstm", "mgu")))
    assert {layer.dtype_policy.name for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer)} == {"float32"}


@pytest.mark.parametrize("cell", list(BUILTIN_CELLS) + list(CUSTOM_CELLS))
def test_mixed_precision_cells_compute_in_float16(cell):
    exp = experiment("regress", cells=(cell,), train={"mixed_precision": True})
    (layer,) = rnn_layers(build(exp))
    assert layer.cell.dtype_policy.name == "mixed_float16"
    assert layer.cell.compute_dtype == "float16"


# 11. Optimizer ---------------------------------------------------------------


def optimizer(**opt):
    return builders.optimizer_from_config(experiment(train={"optimizer": opt}).train.optimizer)


def test_adam_with_learning_rate_and_clipnorm():
    opt = optimizer(name="adam", learning_rate=0.01, clipnorm=1.5)
    assert isinstance(opt, keras.optimizers.Adam)
    assert float(keras.ops.convert_to_numpy(opt.learning_rate)) == pytest.approx(0.01)
    assert opt.clipnorm == 1.5
    assert opt.clipvalue is None


@pytest.mark.parametrize("opt, cls, attrs", [
    ({"name": "Adam"}, keras.optimizers.Adam, {}),
    ({"name": "sgd", "momentum": 0.9, "clipvalue": 0.5}, keras.optimizers.SGD,
     {"momentum": 0.9, "clipvalue": 0.5}),
    ({"name": "rmsprop", "rho": 0.8}, keras.optimizers.RMSprop, {"rho": 0.8}),
    ({"name": "adamw", "weight_decay": 0.01}, keras.optimizers.AdamW,
     {"weight_decay": 0.01}),
])
def test_other_optimizers_and_options(opt, cls, attrs):
    built = optimizer(learning_rate=0.005, **opt)
    assert isinstance(built, cls)
    assert float(keras.ops.convert_to_numpy(built.learning_rate)) == pytest.approx(0.005)
    for key, value in attrs.items():
        assert getattr(built, key) == pytest.approx(value), key


def test_unknown_optimizer_lists_known_names():
    with pytest.raises(UserError) as info:
        optimizer(name="adamm")
    message = str(info.value)
    assert "train.optimizer.name" in message
    assert "'adamm'" in message
    for name in ("'adam'", "'sgd'", "'rmsprop'", "'adamw'"):
        assert name in message
    assert "'lossscaleoptimizer'" not in message


def test_every_public_keras_optimizer_class_is_known_by_name():
    # Lamb is public but missing from `keras.optimizers.get`'s table (Keras 3.15).
    assert isinstance(optimizer(name="lamb"), keras.optimizers.Lamb)
    names = set(layer_options.optimizer_classes())
    assert {"adam", "adamw", "sgd", "rmsprop", "nadam", "lion", "lamb"} <= names
    assert not {"optimizer", "lossscaleoptimizer", "multioptimizer"} & names


def test_unknown_optimizer_option_is_a_user_error():
    with pytest.raises(UserError, match=r"train\.optimizer"):
        optimizer(name="sgd", momentumm=0.9)


def test_abstract_optimizer_name_is_rejected():
    with pytest.raises(UserError, match="to be one of"):
        optimizer(name="optimizer")


# 12. Public API: compiled model, one tiny fit per task ------------------------


EXPECTED_LOSS = {"regress": "mse", "forecast": "mse",
                 "classify": "sparse_categorical_crossentropy",
                 "sequence_label": "sparse_categorical_crossentropy",
                 "language_model": "sparse_categorical_crossentropy"}


@pytest.mark.slow
@pytest.mark.parametrize("task", ALL_TASKS)
def test_public_build_model_is_compiled_and_fits(task):
    exp = experiment(task, units=3, data={"size": 16},
                     train={"optimizer": {"name": "adam", "learning_rate": 0.01}})
    model = rnnbench.build_model(exp)
    assert model.compiled is True
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.01)
    assert model.loss == EXPECTED_LOSS[task]
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params),
                                         {"val": 0.15, "test": 0.15}, None, 0)
    x, y = splits.train.x, splits.train.y
    assert len(x) == 16
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_binary_classify_compiles_with_binary_crossentropy():
    model = rnnbench.build_model(experiment("classify", data={"num_classes": 2}))
    assert model.loss == "binary_crossentropy"


def test_public_build_model_without_compile():
    model = rnnbench.build_model(experiment("regress"), compile=False)
    assert model.compiled is False
    assert getattr(model, "optimizer", None) is None
