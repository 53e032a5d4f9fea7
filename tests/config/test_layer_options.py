"""Layer keys are checked against what the Keras layer or cell accepts, as data."""

from pathlib import Path

import pytest
from conftest import experiment_dict

from rnnbench.config import experiment as config_lib
from rnnbench.config import layer_options
from rnnbench.config.layer_arguments import ARGUMENTS
from rnnbench.errors import UserError


@pytest.fixture(autouse=True)
def user_cells_importable(monkeypatch):
    """`user_cells:ScaledTanhCell`, a user's own cell module on the path."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "models"))


def validate(cell="lstm", **options):
    raw = experiment_dict(cells=(cell,))
    raw["model"]["layers"][0].update(options)
    return config_lib.validate(raw, source="<test>")


def test_the_table_matches_the_installed_keras():
    regenerated = layer_options.generate()
    assert regenerated == ARGUMENTS, (
        "Keras' layer signatures changed: python -m rnnbench.config.layer_options")


def test_the_table_covers_every_registered_cell():
    from rnnbench.config.registry import CELLS
    assert set(CELLS.names()) == set(ARGUMENTS)


def test_arguments_keras_takes_out_of_kwargs_count_and_what_the_layer_fills_does_not():
    import keras
    lstm = layer_options.accepted_arguments(keras.layers.LSTM)
    # LSTM pops `implementation` from **kwargs; RNN and Layer take the rest.
    assert {"implementation", "zero_output_for_mask", "trainable", "dtype"} <= set(lstm)
    assert "cell" not in lstm  # LSTM passes RNN its own cell


@pytest.mark.parametrize("cell, key, hint", [
    ("lstm", "unitz", "did you mean 'units'?"),
    ("gru", "reset_afterr", "did you mean 'reset_after'?"),
    ("textbook_lstm", "use_cudnn", "an argument of the Keras cell"),
    ("user_cells:ScaledTanhCell", "scal", "did you mean 'scale'?"),
])
def test_a_key_the_class_does_not_accept_is_an_error_naming_the_path(cell, key, hint):
    with pytest.raises(UserError) as info:
        validate(cell, **{key: 1})
    message = str(info.value)
    assert f"Unknown key `model.layers[0].{key}` for cell {cell!r}" in message
    assert hint in message


@pytest.mark.parametrize("cell, options", [
    ("lstm", {"recurrent_dropout": 0.1, "implementation": 1, "unroll": True}),
    ("gru", {"reset_after": False, "trainable": False}),
    ("peephole_lstm", {"peephole_initializer": "zeros"}),
    ("user_cells:ScaledTanhCell", {"scale": 0.5}),
])
def test_keras_arguments_pass(cell, options):
    assert dict(validate(cell, **options).model.layers[0].options) == options


def test_keys_rnnbench_sets_itself_are_refused():
    with pytest.raises(UserError, match="rnnbench sets `return_sequences`"):
        validate("lstm", return_sequences=True)


def test_an_import_path_that_is_not_a_class_is_left_to_the_builder():
    # The builder's error says what the path should name (a Layer subclass).
    exp = validate("user_cells:NOT_A_LAYER", scale=1)
    assert exp.model.layers[0].options == {"scale": 1}
