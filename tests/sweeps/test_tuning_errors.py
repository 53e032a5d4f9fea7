"""`rnnbench tune`: sweep files and resumes that cannot run are clear user errors,
found before any folder is made (no training)."""

import pytest

from helpers import write_yaml
from rnnbench.errors import UserError
from sweeps.tuning_helpers import SMALL_SPACE, tune, write_sweep


# ------------------------------------------------------------ sweep file errors

def _sweep_file_cases():
    space = {"model.layers[0].units": {"int": [2, 8]}}
    return [
        ("unknown algorithm", {"tuner": {"algorithm": "randm"}, "space": space},
         ["tuner.algorithm", "['random', 'grid', 'bayesian', 'hyperband']", "'randm'"]),
        ("two kinds", {"space": {"model.layers[0].units": {"int": [2, 8],
                                                            "choice": [2, 4]}}},
         ["model.layers[0].units", "exactly one of", "['choice', 'int']"]),
        ("no kind", {"space": {"model.layers[0].units": {"step": 2}}},
         ["model.layers[0].units", "exactly one of", "['step']"]),
        ("low == high", {"space": {"model.layers[0].units": {"int": [8, 8]}}},
         ["model.layers[0].units", "low < high", "[8, 8]"]),
        ("low > high", {"space": {"model.layers[0].dropout": {"float": [0.5, 0.1]}}},
         ["model.layers[0].dropout", "low < high", "[0.5, 0.1]"]),
        ("log sampling from 0", {"space": {"train.optimizer.learning_rate": {
            "float": [0.0, 0.1], "sampling": "log"}}},
         ["train.optimizer.learning_rate", "low > 0", "log sampling"]),
        ("empty space", {"space": {}}, ["`space`", "at least one parameter"]),
        ("typo in a layer key", {"space": {"model.layers[0].unitz": {"int": [2, 8]}}},
         ["model.layers[0].unitz", "'unitz'", "did you mean 'units'"]),
        ("layer that does not exist", {"space": {"model.layers[3].units": {"int": [2, 8]}}},
         ["model.layers[3].units", "index 3 is out of range", "1 entries"]),
        ("unknown top-level key", {"space": space, "spaec": {}},
         ["Unknown key `spaec`", "did you mean 'space'"]),
        # val_loss would be MSE in some trials and MAE in others: not one yardstick.
        ("loss searched under val_loss", {"space": {"train.loss": {"choice": ["mse", "mae"]}}},
         ["`train.loss` to ['mae', 'mse']", "'val_loss'", "'val_mae'", "'val_rmse'"]),
    ]


@pytest.mark.parametrize("raw, expected", [c[1:] for c in _sweep_file_cases()],
                         ids=[c[0] for c in _sweep_file_cases()])
def test_sweep_file_errors_are_clear_user_errors(tmp_path, tiny, raw, expected):
    from rnnbench.sweeps import definition
    raw = {"experiment": str(tiny), **raw}
    raw.setdefault("space", {"model.layers[0].units": {"int": [2, 8]}})
    path = write_yaml(tmp_path / "bad.yaml", raw)
    with pytest.raises(UserError) as info:
        definition.load_sweep(str(path))
    message = str(info.value)
    assert str(path) in message  # names the file
    for part in expected:
        assert part in message, message
    # Nothing is started for a sweep that cannot load.
    with pytest.raises(UserError):
        tune(path, tmp_path / "results")
    assert not (tmp_path / "results").exists()


def test_a_loss_search_loads_under_an_objective_every_trial_shares(tmp_path, tiny):
    from rnnbench.sweeps import definition
    path = write_yaml(tmp_path / "losses.yaml", {
        "experiment": str(tiny), "tuner": {"objective": "val_mae"},
        "space": {"train.loss": {"choice": ["mse", "mae"]}}})
    sweep, _ = definition.load_sweep(str(path))
    assert sweep.tuner.objective == "val_mae"


def test_bad_experiment_name_is_a_user_error_with_a_close_match(tmp_path):
    from rnnbench.sweeps import definition
    path = write_yaml(tmp_path / "bad.yaml", {
        "experiment": "adding_lstn", "space": {"model.layers[0].units": {"int": [2, 8]}}})
    with pytest.raises(UserError, match=r"Unknown experiment 'adding_lstn'.*adding_lstm"):
        definition.load_sweep(str(path))


def test_experiment_path_is_resolved_next_to_the_sweep_file(tmp_path, tiny):
    from rnnbench.sweeps import definition
    path = write_yaml(tmp_path / "rel.yaml", {
        "experiment": "tiny.yaml", "space": {"model.layers[0].units": {"int": [2, 8]}}})
    sweep, base_raw = definition.load_sweep(str(path))
    assert sweep.name == "rel" and base_raw["name"] == "tiny"
    assert base_raw["data"]["train_size"] == 48


def test_misspelled_tuner_option_is_a_user_error(tmp_path, tiny):
    sweep = write_yaml(tmp_path / "opts.yaml", {
        "experiment": str(tiny), "tuner": {"max_trails": 3},
        "space": {"model.layers[0].units": {"int": [2, 8]}}})
    with pytest.raises(UserError, match=r"Unknown key `tuner.max_trails`.*did you mean 'max_trials'"):
        tune(sweep, tmp_path / "results")
    assert not (tmp_path / "results").exists()  # rejected before any folder is made


def test_resume_of_a_grid_sweep_is_a_user_error(tmp_path, tiny):
    sweep = write_sweep(tmp_path, "grid", tiny,
                        {"model.layers[0].units": {"int": [2, 4], "step": 2}},
                        algorithm="grid")
    with pytest.raises(UserError, match="grid search cannot resume"):
        tune(sweep, tmp_path / "results", resume=True)


@pytest.mark.parametrize("resume", [True, "20260101-000000-abcd"])
def test_resume_with_nothing_to_resume_is_a_user_error(tmp_path, tiny, resume):
    sweep = write_sweep(tmp_path, "fresh", tiny, SMALL_SPACE, max_trials=2)
    with pytest.raises(UserError, match="Nothing to resume.*'fresh'"):
        tune(sweep, tmp_path / "results", resume=resume)


@pytest.mark.parametrize("case", ["unknown algorithm", "nothing to resume"])
def test_cli_user_errors_exit_2_without_a_traceback(tmp_path, tiny, case, capfd,
                                                   monkeypatch):
    if case == "unknown algorithm":
        sweep = write_sweep(tmp_path, "bad", tiny, SMALL_SPACE, algorithm="randm")
        args, expected = [], "Expected `tuner.algorithm` to be one of"
    else:
        sweep = write_sweep(tmp_path, "fresh", tiny, SMALL_SPACE, max_trials=2)
        args, expected = ["--resume"], "Nothing to resume"
    # The command line's main() in this process (a fresh one paid TensorFlow's
    # import for an error message); capfd catches whatever reaches the file
    # descriptors, and an uncaught exception fails the test.
    from rnnbench.cli import main
    monkeypatch.chdir(tmp_path)
    capfd.readouterr()
    code = main(["tune", str(sweep), *args, "--results-dir", str(tmp_path / "results")])
    stderr = capfd.readouterr().err
    assert code == 2, stderr[-3000:]
    assert "Traceback" not in stderr
    assert "rnnbench: error:" in stderr
    assert expected in " ".join(stderr.split())
