"""A sweep file is checked whole before the first trial: every value of every
domain, `when:` parents, the objective and the oracle's options.

Each bad sweep goes through `rnnbench tune` in this process and must end with
exit 2, one `rnnbench: error:` paragraph naming the key path, no traceback,
and no sweep folder. Nothing here trains.
"""

import pytest

from helpers import TINY_SWEEP_BASE, write_yaml

UNITS = {"model.layers[0].units": {"int": [2, 8]}}


def _case(name, expected, space=None, tuner=None, base=None, **extra):
    return pytest.param(space or UNITS, tuner or {}, base, extra, expected, id=name)


BAD_SWEEPS = [
    # ---------------------------------------------------------------- domains
    _case("boolean false", ["space.model.layers[0].bidirectional", "true", "overrides"],
          space={"model.layers[0].bidirectional": {"boolean": False}}),
    _case("boolean not a bool", ["space.model.layers[0].bidirectional", "'yes'"],
          space={"model.layers[0].bidirectional": {"boolean": "yes"}}),
    _case("empty choice", ["space.model.layers[0].cell", "non-empty list"],
          space={"model.layers[0].cell": {"choice": []}}),
    _case("duplicate choice", ["space.model.layers[0].cell", "twice", "'gru'"],
          space={"model.layers[0].cell": {"choice": ["gru", "gru"]}}),
    _case("int min > max", ["space.model.layers[0].units", "low < high", "[8, 2]"],
          space={"model.layers[0].units": {"int": [8, 2]}}),
    _case("int bounds not integers", ["space.model.layers[0].units", "integers", "2.5"],
          space={"model.layers[0].units": {"int": [2.5, 8]}}),
    _case("step 0", ["space.model.layers[0].units.step", "> 0", "0"],
          space={"model.layers[0].units": {"int": [2, 8], "step": 0}}),
    _case("step beyond the range", ["space.model.layers[0].units.step", "<= 6", "16"],
          space={"model.layers[0].units": {"int": [2, 8], "step": 16}}),
    _case("int step not an integer", ["space.model.layers[0].units.step", "integer", "1.5"],
          space={"model.layers[0].units": {"int": [2, 8], "step": 1.5}}),
    _case("log step not above 1", ["space.train.optimizer.learning_rate.step", "> 1",
                                   "log"],
          space={"train.optimizer.learning_rate": {"float": [0.001, 0.1], "step": 0.5,
                                                   "sampling": "log"}}),
    _case("unknown sampling", ["space.model.layers[0].units.sampling", "'logarithmic'"],
          space={"model.layers[0].units": {"int": [2, 8], "sampling": "logarithmic"}}),
    _case("sampling on a choice", ["space.model.layers[0].cell", "'sampling'"],
          space={"model.layers[0].cell": {"choice": ["gru"], "sampling": "log"}}),
    _case("step on a boolean", ["space.model.layers[0].bidirectional", "'step'"],
          space={"model.layers[0].bidirectional": {"boolean": True, "step": 1}}),
    # ------------------------------------------- later values of a domain
    _case("second choice misspelt", ["space.model.layers[0].cell", "'lstn'",
                                     "did you mean 'lstm'"],
          space={"model.layers[0].cell": {"choice": ["lstm", "lstn"]}}),
    _case("float high out of range", ["space.model.layers[0].dropout", "1.5", "0.99"],
          space={"model.layers[0].dropout": {"float": [0.1, 1.5]}}),
    _case("int low out of range", ["space.model.layers[0].units", ">= 1", "0"],
          space={"model.layers[0].units": {"int": [0, 8]}}),
    _case("depth 0", ["space.model.depth", ">= 1", "[0, 2]"],
          space={"model.depth": {"int": [0, 2]}}),
    _case("depth as a choice", ["space.model.depth", "{int: [low, high]}"],
          space={"model.depth": {"choice": [1, 2]}}),
    _case("depth never reaches a swept layer", ["space.model.layers[3].units",
                                                "model.depth", "at most 2"],
          space={"model.depth": {"int": [1, 2]}, "model.layers[3].units": {"int": [2, 8]}}),
    _case("bad merge mode", ["space.model.layers[0].bidirectional", "'max'",
                             "concat", "sum"],
          space={"model.layers[0].bidirectional": {"choice": ["concat", "max"]}}),
    _case("virtual merge_mode", ["space.model.layers[0].merge_mode", "bidirectional",
                                 "{choice: [false, concat, sum]}"],
          space={"model.layers[0].bidirectional": {"boolean": True},
                 "model.layers[0].merge_mode": {"choice": ["concat", "sum"]}}),
    _case("path missing in the base", ["space.train.optimizr.learning_rate", "optimizr",
                                       "did you mean 'optimizer'"],
          space={"train.optimizr.learning_rate": {"float": [0.001, 0.01]}}),
    _case("layer missing in the base", ["space.model.layers[2].units", "index 2",
                                        "1 entries"],
          space={"model.layers[2].units": {"int": [2, 8]}}),
    _case("cell-only key invalid for a later cell",
          ["space.model.layers[0].cell", "'mgu'", "unit_forget_bias"],
          space={"model.layers[0].cell": {"choice": ["lstm", "mgu"]}},
          base={"model.layers[0].unit_forget_bias": False}),
    # ----------------------------------------------------------------- when
    _case("when names an unknown parent", ["space.model.layers[0].dropout.when",
                                           "model.layers[0].cel",
                                           "did you mean 'model.layers[0].cell'"],
          space={"model.layers[0].cell": {"choice": ["lstm", "gru"]},
                 "model.layers[0].dropout": {"float": [0.0, 0.5],
                                             "when": {"model.layers[0].cel": "gru"}}}),
    _case("when value the parent never takes", ["space.model.layers[0].dropout.when",
                                                "'lstn'", "['lstm', 'gru']"],
          space={"model.layers[0].cell": {"choice": ["lstm", "gru"]},
                 "model.layers[0].dropout": {"float": [0.0, 0.5],
                                             "when": {"model.layers[0].cell": "lstn"}}}),
    _case("when on itself", ["space.model.layers[0].dropout.when", "itself"],
          space={"model.layers[0].dropout": {"float": [0.0, 0.5],
                                             "when": {"model.layers[0].dropout": 0.0}}}),
    _case("when cycle", ["space.", ".when", "cycle"],
          space={"model.layers[0].dropout": {"choice": [0.0, 0.5],
                                             "when": {"train.batch_size": 16}},
                 "train.batch_size": {"choice": [16, 32],
                                      "when": {"model.layers[0].dropout": 0.5}}}),
    # ------------------------------------------------------------ objective
    _case("misspelt objective", ["tuner.objective", "'val_los'", "did you mean 'val_loss'"],
          tuner={"objective": "val_los"}),
    _case("objective the task never writes", ["tuner.objective", "'val_accuracy'",
                                              "val_mse"],
          tuner={"objective": "val_accuracy"}),
    # ------------------------------------------------------- oracle options
    _case("bayesian option of the wrong type", ["tuner.num_initial_points", "integer",
                                                "'4'"],
          tuner={"algorithm": "bayesian", "num_initial_points": "4"}),
    _case("bayesian float option as text", ["tuner.alpha", "number", "'small'"],
          tuner={"algorithm": "bayesian", "alpha": "small"}),
    _case("hyperband factor below 2", ["tuner.factor", ">= 2", "1"],
          tuner={"algorithm": "hyperband", "factor": 1}),
    _case("option of another tuner", ["tuner.factor", "'random'",
                                      "max_retries_per_trial"],
          tuner={"algorithm": "random", "factor": 3}),
    # ------------------------------------------------ overrides and --set
    _case("depth in overrides", ["model.depth", "sweep's `space`", "model.layers"],
          overrides={"model.depth": 2}),
]


@pytest.mark.parametrize("space, tuner, base, extra, expected", BAD_SWEEPS)
def test_a_bad_sweep_exits_2_before_any_trial_naming_the_key(
        tmp_path, capsys, space, tuner, base, extra, expected):
    from rnnbench.cli import main
    raw_base = {**TINY_SWEEP_BASE, "model": {"layers": [{"cell": "lstm", "units": 4}]}}
    for key, value in (base or {}).items():
        raw_base["model"]["layers"][0][key.rpartition(".")[2]] = value
    experiment = write_yaml(tmp_path / "tiny.yaml", raw_base)
    sweep = write_yaml(tmp_path / "bad.yaml", {
        "experiment": str(experiment), "tuner": {"max_trials": 2, **tuner},
        "space": space, **extra})
    results = tmp_path / "results"
    assert main(["tune", str(sweep), "--results-dir", str(results)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    message = " ".join(err.split())
    assert message.startswith("rnnbench: error:"), err
    for part in expected:
        assert part in message, (part, message)
    assert not results.exists()  # no sweep folder, so no trial


@pytest.mark.parametrize("item, expected", [
    ("model.depth=2", ["model.depth", "sweep's `space`", "--set model.depth=2"]),
    ("model.layers[0].merge_mode=sum", ["model.layers[0].merge_mode", "bidirectional: sum"]),
    ("model.layers[0].bidirectional=max", ["model.layers[0].bidirectional", "'max'"]),
])
@pytest.mark.parametrize("command", ["run", "tune"])
def test_set_uses_the_experiment_vocabulary_in_run_and_tune(tmp_path, capsys, command,
                                                            item, expected):
    from rnnbench.cli import main
    experiment = write_yaml(tmp_path / "tiny.yaml", TINY_SWEEP_BASE)
    target = experiment
    if command == "tune":
        target = write_yaml(tmp_path / "sw.yaml", {"experiment": str(experiment),
                                                   "space": UNITS})
    results = tmp_path / "results"
    assert main([command, str(target), "--set", item, "--results-dir", str(results)]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in message
    for part in expected:
        assert part in message, (part, message)
    assert not results.exists()


# ------------------------------------------------------------- what passes

def _load(tmp_path, space, base=None, **tuner):
    from rnnbench.sweeps import definition
    experiment = write_yaml(tmp_path / "tiny.yaml", base or TINY_SWEEP_BASE)
    sweep = write_yaml(tmp_path / "ok.yaml", {"experiment": str(experiment),
                                              "tuner": tuner, "space": space})
    return definition.load_sweep(str(sweep))


def test_the_domain_values_checked_are_every_value_the_tuner_can_pick():
    from rnnbench.sweeps import space
    domain = space.domain_values
    assert domain(space.parse_param("a", {"int": [16, 64], "step": 16})) == [
        16, 32, 48, 64]
    assert domain(space.parse_param("a", {"int": [2, 9], "step": 3})) == [2, 5, 8]
    assert domain(space.parse_param("a", {"int": [1, 8], "step": 2,
                                               "sampling": "log"})) == [1, 2, 4, 8]
    assert domain(space.parse_param("a", {"float": [0.1, 0.5]})) == [0.1, 0.5]
    assert domain(space.parse_param("a", {"choice": [False, "sum"]})) == [False, "sum"]
    assert domain(space.parse_param("a", {"boolean": True})) == [False, True]


def test_a_conditional_key_is_checked_with_its_parent_active(tmp_path):
    # unit_forget_bias is an LSTM argument: valid only while the cell is lstm.
    sweep, _ = _load(tmp_path, {
        "model.layers[0].cell": {"choice": ["gru", "lstm"]},
        "model.layers[0].unit_forget_bias": {"boolean": True,
                                             "when": {"model.layers[0].cell": "lstm"}}})
    assert [p.path for p in sweep.params] == ["model.layers[0].cell",
                                              "model.layers[0].unit_forget_bias"]


def test_parents_are_declared_before_children_whatever_the_file_order(tmp_path):
    sweep, _ = _load(tmp_path, {
        "model.layers[0].dropout": {"choice": [0.0, 0.25],
                                    "when": {"train.batch_size": 16}},
        "train.batch_size": {"choice": [16, 32]}})
    assert [p.path for p in sweep.params] == ["train.batch_size", "model.layers[0].dropout"]


def test_a_bidirectional_choice_in_the_experiment_vocabulary_loads(tmp_path):
    from rnnbench.sweeps import definition, tuning
    sweep, base_raw = _load(tmp_path, {
        "model.depth": {"int": [1, 3]},
        "model.layers[*].bidirectional": {"choice": [False, "concat", "sum"]},
        "model.layers[0].dropout": {"choice": [0.0, 0.25], "when": {
            "model.layers[*].bidirectional": ["sum"]}},
        "model.layers[2].units": {"int": [2, 6], "step": 2}})
    hp = tuning.declare_space(sweep)  # mixed choices and their children declare
    hp.values["model.layers[*].bidirectional"] = "sum"
    assert hp.is_active("model.layers[0].dropout")
    hp.values["model.layers[*].bidirectional"] = "false"
    assert not hp.is_active("model.layers[0].dropout")
    raw = definition.trial_raw(base_raw, {"model.depth": 3,
                                          "model.layers[*].bidirectional": "sum",
                                          "model.layers[2].units": 6})
    layers = raw["model"]["layers"]
    assert [layer["bidirectional"] for layer in layers] == ["sum"] * 3
    assert layers[2]["units"] == 6


def test_tuner_option_table_matches_the_installed_keras_tuner():
    import inspect

    from rnnbench.config.registry import TUNERS
    from rnnbench.sweeps import definition
    for algorithm, options in definition.ORACLE_OPTIONS.items():
        accepted = set(inspect.signature(TUNERS.get(algorithm).__init__).parameters)
        assert set(options) == accepted - definition.SET_BY_RNNBENCH - {"self"}, algorithm
