"""A sweep's `evaluation: {backtest: {folds: K}}` (issue 31 part 2): each trial's
objective is the mean over K rolling-origin folds of its validation metric."""

import json

import pandas as pd
import pytest
import yaml

from helpers import TINY_SWEEP_BASE, write_yaml

# A generated sine series: 290 target positions, validation and test blocks of 44.
SERIES_BASE = {
    "description": "tiny forecast", "seed": 1,
    "data": {"name": "sine", "task": "forecast", "length": 300, "window": 10},
    "model": {"layers": [{"cell": "gru", "units": 4}]},
    "train": {"epochs": 1, "batch_size": 32},
}
SPACE = {"model.layers[0].units": {"int": [2, 8]}}


def sweep_file(folder, evaluation, base=None, objective="val_rmse", **extra):
    base_file = write_yaml(folder / "base.yaml", base or SERIES_BASE)
    return write_yaml(folder / "s.yaml", {
        "experiment": str(base_file),
        "tuner": {"algorithm": "random", "max_trials": 2, "objective": objective, "seed": 1},
        "space": SPACE, "evaluation": evaluation, **extra})


@pytest.mark.parametrize("evaluation, base, objective, extra, expected", [
    ({"backtest": {"folds": 1}}, None, "val_rmse", {},
     ["`evaluation.backtest.folds`", ">= 2", "Received: 1"]),
    ({"backtest": {"fold": 2}}, None, "val_rmse", {},
     ["`evaluation.backtest.fold`", "'folds'"]),
    ({}, None, "val_rmse", {}, ["`evaluation`", "backtest: {folds: K}", "Received: {}"]),
    ({"backtest": {"folds": 2}}, None, "test_rmse", {},
     ["`tuner.objective`", "`val_*`", "`evaluation.backtest`", "'test_rmse'"]),
    ({"backtest": {"folds": 2}}, TINY_SWEEP_BASE, "val_loss", {},
     ["`evaluation.backtest`", "forecast experiment on a series", "dataset 'adding'"]),
    ({"backtest": {"folds": 50}}, None, "val_rmse", {},
     ["`evaluation.backtest.folds`", "at most 4", "Received: 50"]),
    ({"backtest": {"folds": 2}}, None, "val_rmse", {"confirm": {"top": 1, "seeds": 2}},
     ["`confirm:`", "`evaluation.backtest`"]),
], ids=["one fold", "unknown key", "empty block", "test objective", "not a forecast",
        "too many folds", "with confirm"])
def test_a_bad_evaluation_exits_2_naming_it_before_any_trial(
        tmp_path, capsys, evaluation, base, objective, extra, expected):
    from rnnbench.cli import main
    sweep = sweep_file(tmp_path, evaluation, base, objective, **extra)
    results = tmp_path / "results"
    assert main(["tune", str(sweep), "--results-dir", str(results)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.count("rnnbench: error:") == 1 and "Traceback" not in err
    for text in expected:
        assert text in err, (text, err)
    assert not results.exists()


def test_a_sweep_without_evaluation_records_no_such_key():
    """Old sweep folders' records stay as they were (a resume compares them)."""
    from rnnbench.sweeps import definition
    raw = {"name": "s", "experiment": "x", "space": SPACE}
    assert "evaluation" not in yaml.safe_load(
        definition.sweep_yaml(definition.parse_sweep(raw, "s.yaml")))
    raw["evaluation"] = {"backtest": {"folds": 3}}
    assert yaml.safe_load(definition.sweep_yaml(definition.parse_sweep(raw, "s.yaml")))[
        "evaluation"] == {"backtest": {"folds": 3}}


def fold_values(trial_dir, objective="val_rmse"):
    record = json.loads((trial_dir / "evaluation.json").read_text())
    return [row["metrics"][objective] for row in record["folds"]], record


@pytest.mark.slow
def test_tune_selects_on_the_mean_over_folds_and_resumes_exactly(tmp_path, monkeypatch):
    from rnnbench.cli import main
    from rnnbench.errors import Interrupted
    from rnnbench.sweeps import tuning

    sweep = sweep_file(tmp_path, {"backtest": {"folds": 2}})
    results = tmp_path / "results"
    assert main(["tune", str(sweep), "--results-dir", str(results)]) == 0
    [sweep_dir] = (results / "sweeps" / "s").iterdir()
    board = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    assert sorted(board["trial_id"]) == ["0", "1"] and (board["status"] == "COMPLETED").all()
    scores = {}
    for _, row in board.iterrows():
        trial_dir = sweep_dir / "trials" / row["trial_id"]
        values, record = fold_values(trial_dir)
        folds = record["folds"]
        # Fold 2 is the experiment's own split, in the trial folder; fold 1 beside it.
        assert [f["run_dirs"] for f in folds] == [["folds/fold1"], ["."]]
        for fold, value in zip(folds, values):
            run = trial_dir / fold["run_dirs"][0]
            metrics = json.loads((run / "metrics.json").read_text())
            assert metrics["val_rmse"] == value  # each fold's own validation block
        assert folds[0]["val_positions"][1] == folds[1]["val_positions"][0]
        fold1 = yaml.safe_load((trial_dir / "folds" / "fold1" / "config.yaml").read_text())
        own = yaml.safe_load((trial_dir / "config.yaml").read_text())
        assert fold1["data"]["split"] != own["data"]["split"]
        assert own["data"]["split"] == {"val": 0.15, "test": 0.15}
        mean = sum(values) / 2
        assert record["summary"]["val_rmse"]["mean"] == pytest.approx(mean, rel=1e-12)
        assert row["objective (val_rmse)"] == pytest.approx(mean, rel=1e-12)
        assert [row["val_rmse fold 1"], row["val_rmse fold 2"]] == pytest.approx(values)
        assert row["val_rmse over folds (mean ± std)"].endswith("(2)")
        assert row["val_rmse over folds (mean ± std)"].startswith(f"{mean:.4g} ± ")
        state = json.loads((sweep_dir / "tuner" / f"trial_{row['trial_id']}" /
                            "trial.json").read_text())
        assert state["score"] == pytest.approx(mean, rel=1e-12)
        assert not [k for k in state["metrics"]["metrics"] if "test" in k.split("_")]
        scores[row["trial_id"]] = values

    # Interrupted in trial 1's second fold, then resumed: the same folds' values.
    calls = []
    real = tuning.SweepTuner.run_once

    def stop_in_trial_1(self, exp, run_dir, label):
        calls.append(label)
        if label.startswith("trial 1 fold 1/"):
            raise KeyboardInterrupt
        return real(self, exp, run_dir, label)

    monkeypatch.setattr(tuning.SweepTuner, "run_once", stop_in_trial_1)
    with pytest.raises(Interrupted):
        tuning.tune(str(sweep), str(tmp_path / "again"))
    monkeypatch.setattr(tuning.SweepTuner, "run_once", real)
    assert calls == ["trial 0 fold 2/2", "trial 0 fold 1/2", "trial 1 fold 2/2",
                     "trial 1 fold 1/2"]
    [again] = (tmp_path / "again" / "sweeps" / "s").iterdir()
    assert not (again / "trials" / "1" / "evaluation.json").exists()
    assert main(["tune", str(sweep), "--resume", "--results-dir",
                 str(tmp_path / "again")]) == 0
    assert (again / "trials" / "1.interrupted-1").is_dir()
    for trial_id, values in scores.items():
        assert fold_values(again / "trials" / trial_id)[0] == values


def test_a_metric_that_is_nan_in_a_fold_averages_to_nan_without_a_std():
    """Sunspots' training part holds zeros, so its MAPE is NaN in every fold."""
    import math

    from rnnbench.sweeps import evaluation
    mean, std, n = evaluation.summary([0.5, float("nan")])
    assert math.isnan(mean) and std is None and n == 2
    assert evaluation.summary([1.0, 2.0]) == (1.5, pytest.approx(0.7071067811865476), 2)
