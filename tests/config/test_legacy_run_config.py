"""Run folders written by rnnbench 0.1 still load for `rnnbench reproduce`."""

import pytest
import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError

# The data block rnnbench 0.1 wrote for the adding problem (which takes no split).
LEGACY = {
    "name": "adding_lstm", "seed": 42,
    "data": {"name": "adding", "task": "regress", "split": {"val": 0.15, "test": 0.15},
             "scale": None, "seq_len": 20},
    "model": {"layers": [{"cell": "lstm", "units": 4}], "embedding": {"dim": 32}},
}


def test_a_legacy_run_config_loads_without_the_split_it_never_used(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(LEGACY))
    exp = config_lib.load_run_config(path)
    assert exp.data.split is None and exp.data.params["seq_len"] == 20
    assert exp.model.embedding is None  # value inputs: the written default is dropped
    with pytest.raises(UserError, match="Expected no `data.split` for dataset 'adding'"):
        config_lib.load_experiment(path)  # a user's own file still gets the error


def test_a_split_the_user_chose_is_not_dropped(tmp_path):
    raw = {**LEGACY, "data": {**LEGACY["data"], "split": {"val": 0.3, "test": 0.1}}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(UserError, match="data.split"):
        config_lib.load_run_config(path)


def test_an_embedding_for_value_inputs_is_refused_even_at_its_default(tmp_path):
    raw = {**LEGACY, "data": {"name": "adding", "seq_len": 20}}
    with pytest.raises(UserError, match="Expected `model.embedding` to be left out"):
        config_lib.validate(raw)
    exp = config_lib.validate({**raw, "model": {"layers": [{"cell": "lstm", "units": 4}]}})
    assert exp.model.embedding is None
    assert config_lib.load_experiment(_written(tmp_path, exp)) == exp  # null loads back


def _written(tmp_path, exp):
    path = tmp_path / "written.yaml"
    path.write_text(config_lib.to_yaml(exp))
    return path
