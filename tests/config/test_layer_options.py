"""Layer keys are checked against what the Keras layer or cell accepts, as data."""

from pathlib import Path

import pytest
from helpers import experiment_dict

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


# ------------------------------------------------------------ optimizer options


def test_the_optimizer_table_matches_the_installed_keras():
    from rnnbench.config.layer_arguments import OPTIMIZERS, OPTIMIZERS_CLASS_NAMES
    regenerated = layer_options.generate_optimizers()
    assert {name: arguments for name, (_, arguments) in regenerated.items()} == OPTIMIZERS
    assert {name: cls for name, (cls, _) in regenerated.items()} == OPTIMIZERS_CLASS_NAMES


def validate_optimizer(**optimizer):
    raw = experiment_dict()
    raw["train"] = {"optimizer": optimizer}
    return config_lib.validate(raw, source="<test>")


@pytest.mark.parametrize("optimizer, path, hint", [
    ({"name": "sgd", "momentumm": 0.9}, "train.optimizer.momentumm", "'momentum'"),
    ({"name": "adam", "momentum": 0.9}, "train.optimizer.momentum", None),
    ({"name": "adamm"}, "train.optimizer.name", "'adam'"),
])
def test_a_misspelt_optimizer_key_is_refused_at_validation(optimizer, path, hint):
    with pytest.raises(UserError) as raised:
        validate_optimizer(**optimizer)
    message = str(raised.value)
    assert f"`{path}`" in message
    if hint:
        assert f"did you mean {hint}" in message


def test_optimizer_options_that_keras_takes_are_accepted():
    exp = validate_optimizer(name="sgd", momentum=0.9, nesterov=True)
    assert dict(exp.train.optimizer.options) == {"momentum": 0.9, "nesterov": True}


def test_show_refuses_a_misspelt_optimizer_option_without_importing_tensorflow():
    import subprocess
    import sys
    code = ("import sys\nfrom rnnbench.cli import main\n"
            "code = main(['show', 'sine_lstm', '--set', 'train.optimizer.momentumm=0.9'])\n"
            "assert 'tensorflow' not in sys.modules\nsys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).parents[2])
    assert result.returncode == 2, result.stderr
    assert "train.optimizer.momentumm" in result.stderr and "Traceback" not in result.stderr


def test_a_sweep_domain_that_sets_a_bad_optimizer_option_is_refused_before_any_trial(
        tmp_path, capsys):
    import yaml

    from rnnbench.cli import main
    raw = experiment_dict()
    raw["name"] = "opt_exp"
    (tmp_path / "opt_exp.yaml").write_text(yaml.safe_dump(raw))
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump({
        "name": "opt_sweep", "experiment": "opt_exp.yaml",
        "tuner": {"algorithm": "random", "max_trials": 2},
        "space": {"train.optimizer.momentum": {"float": [0.1, 0.9]}}}))
    code = main(["tune", str(tmp_path / "sweep.yaml"), "--results-dir",
                 str(tmp_path / "out")])
    assert code == 2
    assert "train.optimizer.momentum" in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "out").exists()
