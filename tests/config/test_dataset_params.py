"""Dataset params: one schema (type, default, bounds, help), checked by the experiment validator.

Every case goes through `rnnbench show`, which validates without TensorFlow, so
what it rejects is what `check`, `run` and sweeps reject.
"""

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from helpers import write_yaml
from own_files import own_data_files, probe_bases

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.config import schema
from rnnbench.config.registry import DATASETS

NAMES = DATASETS.names()
# The file datasets (issue 23) need a file: one of each kind, written once.
_OWN_ROOT = Path(tempfile.mkdtemp(prefix="rnnbench-own-data-"))
atexit.register(shutil.rmtree, _OWN_ROOT, True)
OWN_BASES = probe_bases(own_data_files(_OWN_ROOT))


def experiment_file(directory, name, **data):
    raw = {"name": f"{name}_exp", "description": "dataset param test",
           "data": {"name": name, **OWN_BASES.get(name, {}), **data},
           "model": {"layers": [{"cell": "lstm", "units": 4}]}}
    return write_yaml(directory / f"{name}_exp.yaml", raw)


def show(capsys, path, *sets):
    """`(exit code, stdout, stderr as one line)` of `rnnbench show PATH --set ...`."""
    argv = ["show", str(path)]
    for item in sets:
        argv += ["--set", item]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def bad_values(param):
    """`(why, value)` pairs the param must reject: each bound crossed, a wrong type."""
    step = 1 if param.type is int else 0.5
    cases = []
    if param.min is not None:
        cases.append(("below min", param.min if param.exclusive_min else param.min - step))
    if param.max is not None:
        cases.append(("above max", param.max + step))
    if param.choices:
        cases.append(("not a choice", f"no_{param.choices[0]}"))
    cases.append(("wrong type", [1]))
    return cases


PARAM_CASES = [
    pytest.param(name, key, value, id=f"{name}.{key}-{why}")
    for name in NAMES for key, param in DATASETS.get(name).params.items()
    for why, value in bad_values(param)
]


@pytest.mark.parametrize("name, key, value", PARAM_CASES)
def test_show_rejects_a_param_out_of_its_schema_with_the_validators_wording(
        tmp_path, capsys, name, key, value):
    param = DATASETS.get(name).params[key]
    with pytest.raises(schema.SchemaError) as expected:  # the message any key would get
        schema.convert(param.annotation, value, f"data.{key}", param.bounds)
    code, _, err = show(capsys, experiment_file(tmp_path, name),
                        f"data.{key}={json.dumps(value)}")  # JSON is YAML
    assert code == 2
    assert str(expected.value) in err
    assert f"`data.{key}`" in err


def test_every_bounded_param_of_the_built_in_datasets_has_help():
    for name in NAMES:
        if name == "toy":  # the tests' own dataset
            continue
        for key, param in DATASETS.get(name).params.items():
            assert param.help, f"{name}.{key} has no help"


@pytest.mark.parametrize("name", [n for n in NAMES if not DATASETS.get(n).takes_split])
def test_split_is_rejected_by_a_dataset_that_does_not_take_it(tmp_path, capsys, name):
    code, _, err = show(capsys, experiment_file(tmp_path, name), "data.split.val=0.2")
    assert code == 2
    assert f"Expected no `data.split` for dataset {name!r}" in err


@pytest.mark.parametrize("name", [n for n in NAMES if not DATASETS.get(n).takes_scale])
def test_scale_is_rejected_by_a_dataset_that_does_not_take_it(tmp_path, capsys, name):
    code, _, err = show(capsys, experiment_file(tmp_path, name), "data.scale=minmax")
    assert code == 2
    assert f"Expected no `data.scale` for dataset {name!r}" in err


@pytest.mark.parametrize("name", NAMES)
def test_shown_config_loads_back_equal_with_split_only_where_taken(tmp_path, capsys, name):
    dataset = DATASETS.get(name)
    sets = (["data.split.val=0.2"] if dataset.takes_split else []) + \
        (["data.scale=standard"] if dataset.takes_scale else [])
    code, out, err = show(capsys, experiment_file(tmp_path, name), *sets)
    assert code == 0, err
    shown = yaml.safe_load(out)["data"]
    assert shown["split"] == ({"val": 0.2, "test": 0.15} if dataset.takes_split else None)
    assert shown["scale"] == ("standard" if dataset.takes_scale else None)
    copy = tmp_path / "copy.yaml"
    copy.write_text(out)
    assert config_lib.load_experiment(copy) == config_lib.load_experiment(
        experiment_file(tmp_path, name), sets)


@pytest.mark.parametrize("name, sets, expected", [
    # Cross-field rules: the dataset's `check_params`, called by the validator.
    ("sunspots", ["data.window=10", "data.season=11"],
     "Expected `data.season` to be <= `data.window`"),
    ("sine", ["data.window=30", "data.length=32"],
     "Expected `data.length` to be >= `data.window` + 3"),
    # Split rules, for every dataset that takes a split (these were checks in `load`).
    ("sunspots", ["data.split.val=0.5", "data.split.test=0.5"],
     "Expected `data.split.val + data.split.test` to be < 1"),
    ("news", ["data.split.val=0.6", "data.split.test=0.4"],
     "Expected `data.split.val + data.split.test` to be < 1"),
    ("sentiment", ["data.split.test=0"], "Expected `data.split.test` to be > 0.0 and <= 0.9"),
    ("sine", ["data.split.val=0.95"], "Expected `data.split.val` to be > 0.0 and <= 0.9"),
])
def test_show_rejects_what_only_load_used_to(tmp_path, capsys, name, sets, expected):
    code, _, err = show(capsys, experiment_file(tmp_path, name), *sets)
    assert code == 2
    assert expected in err


def test_a_rule_across_params_accepts_its_boundary(tmp_path, capsys):
    path = experiment_file(tmp_path, "sine")
    assert show(capsys, path, "data.window=10", "data.season=10", "data.length=13")[0] == 0


def test_unknown_key_lists_split_and_scale_only_where_taken(tmp_path, capsys):
    _, _, err = show(capsys, experiment_file(tmp_path, "adding"), "data.seqlen=3")
    assert "Unknown key `data.seqlen` for dataset 'adding'" in err
    assert "'split'" not in err and "'scale'" not in err and "did you mean 'seq_len'" in err
