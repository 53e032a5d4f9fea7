"""The ETS baseline of a forecast series (issue 31 part 3)."""

import json
import types

import numpy as np
import pandas as pd
import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.data import statistical
from rnnbench.data.series import SeriesDataset, series_params
from rnnbench.data.tasks import TASKS


class TrendSeason(SeriesDataset):
    """A rising line plus a 12-step season plus noise: what ETS is made for."""

    params = series_params(window=12, season=12)

    def raw_series(self):
        t = np.arange(240, dtype=np.float64)
        noise = np.random.default_rng(0).normal(0.0, 1.0, len(t))
        return pd.Series(50 + 0.8 * t + 10 * np.sin(2 * np.pi * t / 12) + noise,
                         index=pd.RangeIndex(len(t), name="t"), name="value")


def scored(scale):
    dataset = TrendSeason()
    params = dataset.with_defaults({})
    splits = dataset.load(params, {"val": 0.15, "test": 0.15}, scale)
    exp = types.SimpleNamespace(data=types.SimpleNamespace(params=params))
    task = TASKS.get("forecast")()
    return dataset, splits, task, statistical.ets_metrics(exp, splits, task, dataset=dataset)


@pytest.mark.parametrize("scale", [None, "minmax"])
@pytest.mark.slow
def test_ets_is_scored_by_the_same_code_as_the_naive_baseline(scale):
    dataset, splits, task, metrics = scored(scale)
    naive = task.score(splits.test.y, splits.baseline_predict(splits.test.x),
                       splits.inverse_transform, **splits.score_context)
    assert {k[len("ets_test_"):] for k in metrics if k.startswith("ets_test_")} == set(naive)
    # Its forecasts, by hand, in original units: the MAE the metrics report.
    values = dataset.raw_series().to_numpy()
    forecasts, _ = statistical.ets_forecasts(values, splits.info["target_index"]["train"][1], 12)
    lo, hi = splits.info["target_index"]["test"]
    mae = float(np.mean(np.abs(forecasts[lo:hi] - values[lo:hi])))
    key = "ets_test_mae_original" if scale else "ets_test_mae"
    assert metrics[key] == pytest.approx(mae, rel=1e-5)


def test_ets_beats_persistence_and_seasonal_naive_on_a_trending_seasonal_series():
    _, splits, task, metrics = scored("minmax")
    for naive in (splits.test.x[:, -1:, 0], splits.baseline_predict(splits.test.x)):
        scores = task.score(splits.test.y, naive, splits.inverse_transform,
                            **splits.score_context)
        assert metrics["ets_test_mase"] < 0.7 * scores["mase"]
    assert metrics["ets"].startswith("ETS")


def test_ets_fits_on_the_training_part_only():
    values = TrendSeason().raw_series().to_numpy()
    changed = values.copy()
    changed[150:] += 1000.0  # a different future
    first, _ = statistical.ets_forecasts(values, 150, 12)
    second, _ = statistical.ets_forecasts(changed, 150, 12)
    np.testing.assert_array_equal(first[:151], second[:151])


@pytest.mark.slow
def test_a_run_writes_the_ets_baseline_beside_the_naive_one(tmp_path):
    import rnnbench
    from rnnbench.reports import results_table
    raw = {"name": "sine_ets", "seed": 1,
           "data": {"name": "sine", "task": "forecast", "window": 10, "length": 200,
                    "scale": "minmax"},
           "model": {"layers": [{"cell": "lstm", "units": 4}]},
           "train": {"epochs": 1, "batch_size": 32}}
    exp = config_lib.validate(json.loads(json.dumps(raw)), source="<test>")
    result = rnnbench.run(exp, results_dir=tmp_path, verbose=0)
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert {"ets_test_mase", "baseline_test_mase", "test_mase"} <= set(metrics)
    frame = results_table.table(tmp_path, sort="test_mase")
    assert frame["ets_test_mase"].iloc[0] == metrics["ets_test_mase"]
    assert "ets_test_mase" in results_table.default_columns(frame, sort="test_mase")
