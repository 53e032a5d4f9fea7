"""The ETS baseline beyond one step and beyond the built-in series (issue 31 part 3):
`data.horizon > 1` and a user's `file_series` table."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.data import cache, statistical


def trend_season(n=240, seed=0):
    t = np.arange(n, dtype=np.float64)
    noise = np.random.default_rng(seed).normal(0.0, 1.0, n)
    return 50 + 0.8 * t + 10 * np.sin(2 * np.pi * t / 12) + noise


def file_experiment(folder, horizon=1, targets=("y",), id_column=None, scale="standard"):
    """A `file_series` experiment on a generated CSV (two columns when asked)."""
    frame = pd.DataFrame({"date": pd.date_range("2001-01-01", periods=240, freq="D")
                          .strftime("%Y-%m-%d"), "y": np.round(trend_season(), 4),
                          "z": np.round(trend_season(seed=1)[::-1], 4)})
    if id_column:
        frame[id_column] = "a"
    frame.to_csv(folder / "series.csv", index=False)
    data = {"name": "file_series", "task": "forecast", "path": str(folder / "series.csv"),
            "time_column": "date", "targets": list(targets), "window": 12, "season": 12,
            "horizon": horizon, "scale": scale}
    if id_column:
        data["id_column"] = id_column
    raw = {"name": "mine", "seed": 1, "data": data,
           "model": {"layers": [{"cell": "gru", "units": 4}]},
           "train": {"epochs": 1, "batch_size": 16}}
    return config_lib.validate(json.loads(json.dumps(raw)), source="<test>")


def ets_of(exp):
    splits = cache.load(exp)
    task = config_lib.task_of(exp)
    return splits, task, statistical.ets_metrics(exp, splits, task)


def own_forecast(values, train_end, t, horizon, season=12):
    """statsmodels' own forecast from origin t, with the parameters fitted on train."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    options = {"trend": "add", "damped_trend": True, "seasonal": "add",
               "seasonal_periods": season}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ExponentialSmoothing(values[:train_end], initialization_method="estimated",
                                 **options).fit().params
        held = ExponentialSmoothing(
            values[:t], initialization_method="known", initial_level=p["initial_level"],
            initial_trend=p["initial_trend"], initial_seasonal=p["initial_seasons"],
            **options).fit(smoothing_level=p["smoothing_level"],
                           smoothing_trend=p["smoothing_trend"],
                           smoothing_seasonal=p["smoothing_seasonal"],
                           damping_trend=p["damping_trend"], optimized=False)
    return np.asarray(held.forecast(horizon))


@pytest.mark.slow
def test_each_row_is_statsmodels_own_forecast_from_that_origin():
    values = trend_season()
    forecasts, _ = statistical.ets_forecasts(values, 170, 12, horizon=5)
    one_step, _ = statistical.ets_forecasts(values, 170, 12)
    # Rows before the first season have no seasonal state (windows start later).
    assert forecasts.shape == (240, 5) and np.isnan(forecasts[:12, 0]).all()
    np.testing.assert_allclose(forecasts[12:, 0], one_step[12:], rtol=0, atol=1e-9)
    for t in (171, 200, 235):
        np.testing.assert_allclose(forecasts[t], own_forecast(values, 170, t, 5),
                                   rtol=1e-9, atol=1e-9)


def test_a_longer_horizon_keeps_fitting_on_the_training_part_only():
    values = trend_season()
    changed = values.copy()
    changed[150:] += 1000.0
    first, _ = statistical.ets_forecasts(values, 150, 12, horizon=4)
    second, _ = statistical.ets_forecasts(changed, 150, 12, horizon=4)
    np.testing.assert_array_equal(first[:151], second[:151])


@pytest.mark.parametrize("horizon", [1, 3])
@pytest.mark.slow
def test_a_file_series_is_scored_with_ets_in_its_original_units(tmp_path, horizon):
    exp = file_experiment(tmp_path, horizon=horizon)
    splits, task, metrics = ets_of(exp)
    naive = task.score(splits.test.y, splits.baseline_predict(splits.test.x),
                       splits.inverse_transform, **splits.score_context)
    assert {k[len("ets_test_"):] for k in metrics if k.startswith("ets_test_")} == set(naive)
    # By hand: the forecasts of the CSV's own column, against its test targets.
    values = pd.read_csv(tmp_path / "series.csv")["y"].to_numpy(np.float64)
    lo, hi = splits.info["target_index"]["test"]
    forecasts, _ = statistical.ets_forecasts(values.astype(np.float32).astype(np.float64),
                                             splits.info["target_index"]["train"][1], 12,
                                             horizon)
    forecasts = forecasts.reshape(len(values), horizon)[lo:hi - horizon + 1]
    truth = np.stack([values[lo + h:hi - horizon + 1 + h] for h in range(horizon)], axis=1)
    assert metrics["ets_test_mae_original"] == pytest.approx(
        float(np.mean(np.abs(forecasts - truth))), rel=1e-4)
    assert metrics["ets_test_mase"] < 0.7 * naive["mase"]  # a trend ETS follows


@pytest.mark.slow
def test_two_targets_are_fitted_each_and_laid_out_step_major(tmp_path):
    exp = file_experiment(tmp_path, horizon=2, targets=("y", "z"), scale=None)
    splits = cache.load(exp)
    _, predicted = statistical.series_ets(config_lib.dataset_of(exp), dict(exp.data.params),
                                          splits)
    assert predicted["test"].shape == splits.test.y.shape == (len(splits.test), 4)
    table = pd.read_csv(tmp_path / "series.csv")
    train_end = splits.info["target_index"]["train"][1]
    lo = splits.info["target_index"]["test"][0]
    for j, column in enumerate(("y", "z")):
        values = table[column].to_numpy(np.float32).astype(np.float64)
        own, _ = statistical.ets_forecasts(values, train_end, 12, horizon=2)
        for h in range(2):  # the model's outputs: step 1's targets, then step 2's
            np.testing.assert_allclose(predicted["test"][:, h * 2 + j],
                                       own[lo:lo + len(splits.test), h], rtol=1e-12)


def test_a_long_table_has_no_ets_row(tmp_path):
    exp = file_experiment(tmp_path, id_column="shop")
    assert ets_of(exp)[2] == {}


def test_rnnbench_baseline_shows_the_ets_rows_of_a_file_series_at_horizon_3(tmp_path,
                                                                             capsys):
    import yaml

    from rnnbench.cli import main
    exp = file_experiment(tmp_path, horizon=3)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(config_lib.to_dict(exp)), encoding="utf-8")
    assert main(["baseline", str(path)]) == 0
    out = capsys.readouterr().out
    mase = ets_of(exp)[2]["ets_test_mase"]
    row = next(line for line in out.splitlines() if "ETS (" in line and " test_mase " in line)
    assert row.split()[-1] == f"{mase:.4f}", (row, mase)


@pytest.mark.slow
def test_a_file_series_backtest_at_horizon_2_has_the_ets_row_of_its_runs(tmp_path, capsys):
    import yaml

    from rnnbench.cli import main
    exp = file_experiment(tmp_path, horizon=2)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(config_lib.to_dict(exp)), encoding="utf-8")
    assert main(["backtest", str(path), "--folds", "2", "--epochs", "1",
                 "--results-dir", str(tmp_path / "results")]) == 0
    assert "ETS " in capsys.readouterr().out
    [written] = (tmp_path / "results" / "backtests" / "mine").glob("*/backtest.json")
    result = json.loads(written.read_text())
    assert result["summary"]["ets"]["mase"]["n"] == 2
    # The last fold is the experiment's own split: its ETS score is the run's own.
    run = json.loads((written.parent / "fold2" / "metrics.json").read_text())
    assert result["fold_results"][1]["ets"]["mase"] == pytest.approx(run["ets_test_mase"])


def test_a_series_longer_than_ets_is_fitted_for_has_no_ets_row(tmp_path, monkeypatch):
    monkeypatch.setattr(statistical, "MAX_VALUES", 200)
    exp = file_experiment(tmp_path)  # 240 rows
    assert ets_of(exp)[2] == {}
