"""`rnnbench tune` with the other algorithms: Hyperband's epoch budgets, grid search
over every combination once, Bayesian optimization."""

import itertools

import pytest
import yaml

from helpers import read_json, trial_states
from sweeps.tuning_helpers import SMALL_SPACE, read_board, tune, write_sweep


# ------------------------------------------------------------- other algorithms

@pytest.mark.slow
def test_hyperband_trials_run_within_their_epoch_budget(tmp_path, tiny):
    sweep = write_sweep(tmp_path, "hb", tiny, SMALL_SPACE, algorithm="hyperband",
                        max_epochs=3, factor=3, seed=1)
    sweep_dir = tune(sweep, tmp_path / "results")
    board = read_board(sweep_dir)
    states = trial_states(sweep_dir, SMALL_SPACE)
    assert len(states) >= 4 and sorted(board["trial_id"]) == sorted(states)
    assert (board["status"] == "COMPLETED").all()
    budgets = set()
    for trial_id, (_, _, all_values) in states.items():
        budget = all_values["tuner/epochs"]
        budgets.add(budget)
        trial_dir = sweep_dir / "trials" / trial_id
        exp = yaml.safe_load((trial_dir / "config.yaml").read_text())
        assert exp["train"]["epochs"] == budget
        epochs_run = read_json(trial_dir / "metrics.json")["epochs_run"]
        assert 1 <= epochs_run <= budget
        assert board.set_index("trial_id").loc[trial_id, "epochs_run"] == epochs_run
    assert budgets == {1, 3}


@pytest.mark.slow
def test_grid_search_runs_every_combination_exactly_once(tmp_path, tiny):
    space = {"model.layers[0].cell": {"choice": ["simple_rnn", "gru"]},
             "model.layers[0].units": {"int": [2, 4], "step": 2}}
    sweep = write_sweep(tmp_path, "grid", tiny, space, algorithm="grid", max_trials=10)
    sweep_dir = tune(sweep, tmp_path / "results")
    board = read_board(sweep_dir)
    assert len(board) == 4 and (board["status"] == "COMPLETED").all()
    seen = []
    for trial_id in board["trial_id"]:
        layer = yaml.safe_load((sweep_dir / "trials" / trial_id / "config.yaml").read_text()
                               )["model"]["layers"][0]
        seen.append((layer["cell"], layer["units"]))
    assert sorted(seen) == sorted(itertools.product(["simple_rnn", "gru"], [2, 4]))


@pytest.mark.slow
def test_bayesian_search_runs(tmp_path, tiny):
    space = {"model.layers[0].units": {"int": [2, 8]},
             "train.optimizer.learning_rate": {"float": [1e-4, 1e-2], "sampling": "log"}}
    sweep = write_sweep(tmp_path, "bo", tiny, space, algorithm="bayesian", max_trials=3,
                        seed=1)
    sweep_dir = tune(sweep, tmp_path / "results")
    board = read_board(sweep_dir)
    assert sorted(board["trial_id"]) == ["0", "1", "2"]
    assert (board["status"] == "COMPLETED").all()
    for _, row in board.iterrows():
        exp = yaml.safe_load((sweep_dir / "trials" / row["trial_id"] / "config.yaml")
                             .read_text())
        lr = exp["train"]["optimizer"]["learning_rate"]
        assert 1e-4 <= lr <= 1e-2 and lr == pytest.approx(
            row["train.optimizer.learning_rate"], rel=1e-12)
