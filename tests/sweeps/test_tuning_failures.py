"""`rnnbench tune` when trials fail: a diverging trial is recorded and the sweep goes
on; a run of failures stops the sweep with exit 1."""

import pandas as pd
import pytest

from helpers import read_json, write_yaml
from sweeps.tuning_helpers import TINY, only_sweep_dir, read_board, tune, write_sweep


# ---------------------------------------------------------------------- failures

@pytest.mark.slow
def test_a_diverging_trial_is_recorded_failed_and_the_sweep_goes_on(tmp_path):
    base = write_yaml(tmp_path / "tiny.yaml", {
        **TINY, "train": {**TINY["train"], "optimizer": {"name": "sgd"}}})
    sweep = write_sweep(tmp_path, "lr", base,
                        {"train.optimizer.learning_rate": {"choice": [1.0e30, 0.001]}},
                        algorithm="grid", max_trials=5)
    sweep_dir = tune(sweep, tmp_path / "results")
    board = read_board(sweep_dir).set_index("trial_id")
    assert sorted(board.index) == ["0", "1"]
    assert board.loc["0", "status"] == "FAILED" and pd.isna(board.loc["0", "rank"])
    assert board.loc["0", "train.optimizer.learning_rate"] == 1.0e30
    assert "NaN" in board.loc["0", "error"]
    assert read_json(sweep_dir / "trials" / "0" / "manifest.json")["status"] == "failed"
    assert board.loc["1", "status"] == "COMPLETED" and board.loc["1", "rank"] == 1
    assert list(read_board(sweep_dir)["trial_id"]) == ["1", "0"]  # completed ranked first


@pytest.mark.slow
def test_a_sweep_of_failing_trials_stops_and_exits_1(tmp_path, capsys):
    from rnnbench.cli import main
    base = write_yaml(tmp_path / "tiny.yaml", {
        **TINY, "train": {**TINY["train"], "optimizer": {"name": "sgd"}}})
    sweep = write_sweep(tmp_path, "boom", base,
                        {"train.optimizer.learning_rate": {"float": [1.0e29, 1.0e30]}},
                        algorithm="random", max_trials=6, max_consecutive_failed_trials=2)
    code = main(["tune", str(sweep), "--results-dir", str(tmp_path / "results")])
    err = capsys.readouterr().err
    assert code == 1
    assert "rnnbench: run failed: sweep stopped" in err and "consecutive failures" in err
    sweep_dir = only_sweep_dir(tmp_path / "results", "boom")
    board = read_board(sweep_dir)
    assert sorted(board["trial_id"]) == ["0", "1"]  # stopped after 2 of 6
    assert (board["status"] == "FAILED").all()
    assert board["error"].str.contains("NaN").all()
    assert sorted(p.name for p in (sweep_dir / "tuner").glob("trial_*")) == [
        "trial_0", "trial_1"]
