"""Config loading, overrides, round trips and every user-error path."""

import dataclasses

import pytest
import yaml
from helpers import experiment_dict

from rnnbench.config import experiment as config_lib
from rnnbench.config.registry import Registry, import_path
from rnnbench.errors import UserError


def write(tmp_path, data, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def test_show_output_loads_back_to_an_equal_config(tmp_path):
    exp = config_lib.load_experiment("adding_lstm", ["model.layers[0].units=8"])
    path = write(tmp_path, config_lib.to_yaml(exp), "copy.yaml")
    assert config_lib.load_experiment(path) == exp


def test_defaults_are_filled_and_task_defaults_to_the_datasets_first(tmp_path):
    raw = experiment_dict()
    del raw["data"]["task"]
    exp = config_lib.load_experiment(write(tmp_path, raw))
    assert exp.data.task == "regress"
    assert exp.train.optimizer.name == "adam"
    assert exp.data.params["steps"] == 6  # the dataset's default
    assert exp.name == "toy_regress"


def test_name_defaults_to_the_file_stem(tmp_path):
    raw = experiment_dict()
    del raw["name"]
    assert config_lib.load_experiment(write(tmp_path, raw, "my_exp.yaml")).name == "my_exp"


def test_config_is_frozen(make_experiment):
    exp = make_experiment()
    with pytest.raises(dataclasses.FrozenInstanceError):
        exp.seed = 3
    with pytest.raises(TypeError):
        exp.model.layers[0].options["x"] = 1


def test_extra_layer_keys_are_kept_for_keras(tmp_path):
    raw = experiment_dict()
    raw["model"]["layers"][0]["recurrent_dropout"] = 0.1
    exp = config_lib.load_experiment(write(tmp_path, raw))
    assert exp.model.layers[0].options == {"recurrent_dropout": 0.1}
    assert config_lib.to_dict(exp)["model"]["layers"][0]["recurrent_dropout"] == 0.1


def test_bidirectional_true_means_concat(tmp_path):
    raw = experiment_dict(bidirectional=True)
    assert config_lib.load_experiment(write(tmp_path, raw)).model.layers[0].bidirectional == "concat"


def test_float_written_without_a_dot_is_a_number(tmp_path):
    raw = experiment_dict()
    text = yaml.safe_dump(raw) + ""
    path = write(tmp_path, text.replace("train:", "train:\n  optimizer: {learning_rate: 1e-3}"))
    assert config_lib.load_experiment(path).train.optimizer.learning_rate == 0.001


@pytest.mark.parametrize("overrides, check", [
    (["model.layers[0].units=64"], lambda e: e.model.layers[0].units == 64),
    (["train.optimizer.learning_rate=0.01"], lambda e: e.train.optimizer.learning_rate == 0.01),
    (["model.layers[*].cell=gru"], lambda e: all(l.cell == "gru" for l in e.model.layers)),
    (["train.early_stopping.patience=3"], lambda e: e.train.early_stopping.patience == 3),
    (["data.steps=9"], lambda e: e.data.params["steps"] == 9),
    (["model.layers[1].bidirectional=sum"], lambda e: e.model.layers[1].bidirectional == "sum"),
    ({"seed": 7}, lambda e: e.seed == 7),
])
def test_overrides(tmp_path, overrides, check):
    path = write(tmp_path, experiment_dict(cells=("lstm", "lstm")))
    assert check(config_lib.load_experiment(path, overrides))


@pytest.mark.parametrize("mutate, expected", [
    (lambda r: r.update(modle={}), ["Unknown key `modle`", "did you mean 'model'"]),
    (lambda r: r["model"].update(layres=[]), ["Unknown key `model.layres`", "Expected one of"]),
    (lambda r: r["model"]["layers"][0].update(cell="lstn"),
     ["Expected `model.layers[0].cell` to be one of", "Received: 'lstn'", "'lstm'"]),
    (lambda r: r["model"]["layers"][0].update(units="abc"),
     ["Expected `model.layers[0].units` to be an integer", "Received: 'abc'"]),
    (lambda r: r["model"]["layers"][0].update(units=0),
     ["Expected `model.layers[0].units` to be >= 1", "Received: 0"]),
    (lambda r: r["model"]["layers"][0].update(units=True),
     ["Expected `model.layers[0].units` to be an integer", "Received: True"]),
    (lambda r: r["model"]["layers"][0].update(bidirectional="cat"),
     ["`model.layers[0].bidirectional`", "'concat'", "Received: 'cat'"]),
    (lambda r: r["model"]["layers"][0].pop("units"), ["Missing required key `model.layers[0].units`"]),
    (lambda r: r.pop("model"), ["Missing required key `model`"]),
    (lambda r: r["model"].update(layers=[]), ["`model.layers` to hold at least one layer"]),
    (lambda r: r["model"].update(layers={"cell": "lstm"}), ["Expected `model.layers` to be a list"]),
    (lambda r: r["data"].update(name="sunspot"),
     ["Expected `data.name` to be one of", "did you mean 'sunspots'"]),
    (lambda r: r["data"].update(task="clasify"), ["Expected `data.task` to be one of", "'classify'"]),
    (lambda r: r.update(data={"name": "adding", "task": "classify"}),
     ["Expected `data.task` to be one of ['regress'] for dataset 'adding'"]),
    (lambda r: r["data"].update(stepz=3), ["Unknown key `data.stepz`", "did you mean 'steps'"]),
    (lambda r: r["data"].update(steps="many"), ["Expected `data.steps` to be an integer"]),
    (lambda r: r.update(data={"name": "sunspots", "split": {"val": 2.0}}),
     ["Expected `data.split.val` to be > 0.0 and <= 0.9"]),
    (lambda r: r["train"].update(jit_compile="sometimes"), ["`train.jit_compile`", "'auto'"]),
    (lambda r: r["train"].update(optimizer={"learning_rate": -1}),
     ["Expected `train.optimizer.learning_rate` to be > 0.0"]),
    (lambda r: r.update(seed=1.5), ["Expected `seed` to be an integer", "Received: 1.5"]),
])
def test_errors_name_the_file_the_key_path_and_what_is_allowed(tmp_path, mutate, expected):
    raw = experiment_dict()
    mutate(raw)
    path = write(tmp_path, raw)
    with pytest.raises(UserError) as info:
        config_lib.load_experiment(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message


def test_bad_yaml_is_a_user_error(tmp_path):
    path = write(tmp_path, "data: {name: adding\nmodel: [")
    with pytest.raises(UserError, match="is not valid YAML"):
        config_lib.load_experiment(path)


def test_a_file_that_is_not_a_mapping_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="Expected the file to hold a mapping"):
        config_lib.load_experiment(write(tmp_path, "- just\n- a list\n"))


def test_unknown_experiment_name_suggests_close_matches():
    with pytest.raises(UserError, match=r"Unknown experiment 'adding_lstn'\. Did you mean 'adding_lstm'"):
        config_lib.load_experiment("adding_lstn")


@pytest.mark.parametrize("item, expected", [
    ("model.layers[0].units", "Expected `--set` to be of the form key=value"),
    ("model.layers[5].units=3", "index 5 is out of range"),
    ("model..units=3", "Expected a key path like"),
    ("model.layers[x].units=3", "Expected a key path like"),
    ("model.layers[0].units=[1", "the value is not valid YAML"),
    ("seed.x=3", "Expected a mapping at `seed.x`"),
])
def test_bad_overrides(tmp_path, item, expected):
    path = write(tmp_path, experiment_dict())
    with pytest.raises(UserError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        config_lib.load_experiment(path, [item])


def test_an_override_that_breaks_validation_is_named(tmp_path):
    path = write(tmp_path, experiment_dict())
    with pytest.raises(UserError, match=r"came from --set model.layers\[\*\].units='x'"):
        config_lib.load_experiment(path, ["model.layers[*].units=x"])


def test_registry_rejects_duplicates_and_lists_names_on_a_miss():
    registry = Registry("widget")
    registry.register("a", 1)

    @registry.register("b")
    def b():
        pass

    with pytest.raises(ValueError, match="already registered"):
        registry.register("a", 2)
    with pytest.raises(UserError, match=r"Expected the widget name to be one of \['a', 'b'\]"):
        registry.get("c")
    assert registry.get("b") is b


def test_registry_resolves_lazy_import_paths_once():
    registry = Registry("thing")
    registry.register("dumps", "json:dumps")
    import json
    assert registry.get("dumps") is json.dumps


@pytest.mark.parametrize("path, expected", [
    ("json", "Expected an import path of the form"),
    ("no_such_module_xyz:Thing", "Could not import module 'no_such_module_xyz'"),
    ("json:NoSuchThing", "has no attribute 'NoSuchThing'"),
])
def test_import_path_errors(path, expected):
    with pytest.raises(UserError, match=expected):
        import_path(path)
