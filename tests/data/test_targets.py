"""`data.target_transform` (issue 31 part 1) and the training-range check (part 4)."""

import json

import keras
import numpy as np
import pytest
from keras import ops

from rnnbench.config import experiment as config_lib
from rnnbench.data import cache as data_cache
from rnnbench.data import targets
from rnnbench.errors import UserError
from rnnbench.models import builders, check

KINDS = [k for k in targets.TRANSFORMS if k != "none"]


def sine_experiment(**data):
    sine = {"length": 200} if data.get("name", "sine") == "sine" else {}
    raw = {"name": "sine_targets", "seed": 1,
           "data": {"name": "sine", "task": "forecast", "window": 10, **sine,
                    "scale": "minmax", **data},
           "model": {"layers": [{"cell": "lstm", "units": 4}]},
           "train": {"epochs": 1, "batch_size": 32}}
    return config_lib.validate(json.loads(json.dumps(raw)), source="<test>")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("horizon,season,n_targets", [(1, 1, 1), (3, 4, 1), (2, 3, 2)])
def test_a_transform_and_its_inverse_round_trip(kind, horizon, season, n_targets):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, (7, 12, n_targets + 1))  # a covariate after the targets
    y = rng.uniform(0.5, 2.0, (7, horizon * n_targets))
    changed = targets.transform_targets(y, x, kind, horizon, season, n_targets)
    assert not np.allclose(changed, y)
    back = targets.inverse_targets(changed, x, kind, horizon, season, n_targets)
    np.testing.assert_allclose(back, y, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("kind", KINDS)
def test_the_model_runs_the_same_math_as_numpy(kind):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, (5, 12, 2)).astype(np.float32)
    out = rng.normal(size=(5, 6)).astype(np.float32) * 0.1
    np.testing.assert_allclose(
        ops.convert_to_numpy(targets.transform_inputs(ops.convert_to_tensor(x), kind, 4, ops)),
        targets.transform_inputs(x, kind, 4), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        ops.convert_to_numpy(targets.inverse_targets(
            ops.convert_to_tensor(out), ops.convert_to_tensor(x), kind, 3, 4, 2, ops)),
        targets.inverse_targets(out, x, kind, 3, 4, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data", [
    {"target_transform": "difference"},
    {"target_transform": "seasonal_difference", "season": 5},
    {"target_transform": "window_last"},
    # log_return needs a positive series: co2, unscaled.
    {"target_transform": "log_return", "name": "co2", "scale": None, "window": 52,
     "season": 52}], ids=lambda d: d["target_transform"])
@pytest.mark.slow
def test_a_model_predicting_no_change_scores_exactly_the_naive_baseline(data):
    exp = sine_experiment(**data)
    splits = data_cache.load(exp)
    model = builders.build_model(exp, spec=splits.spec)
    output = model.get_layer("output")
    output.set_weights([np.zeros_like(w) for w in output.get_weights()])
    predicted = model.predict(splits.test.x, verbose=0)
    # No change: the seasonal-naive forecast for a seasonal difference, else
    # persistence (the last value), whatever `season` the baseline uses.
    naive = (splits.baseline_predict(splits.test.x)
             if data["target_transform"] == "seasonal_difference"
             else splits.test.x[:, -1:, 0])
    task = config_lib.task_of(exp)
    ours = task.score(splits.test.y, predicted, splits.inverse_transform,
                      **splits.score_context)
    theirs = task.score(splits.test.y, naive, splits.inverse_transform,
                        **splits.score_context)
    if data["target_transform"] == "log_return":  # last * exp(0): float32 rounding
        assert ours == pytest.approx(theirs, rel=1e-6)
    else:
        assert ours == theirs


def test_log_return_refuses_a_series_scaled_to_zero():
    exp = sine_experiment(name="co2", window=52, season=52, target_transform="log_return")
    with pytest.raises(UserError, match="scale: null"):
        data_cache.load(exp)


def test_the_transform_is_recorded_and_leaves_the_data_in_original_units():
    plain, changed = (data_cache.load(sine_experiment(target_transform=k))
                      for k in ("none", "difference"))
    np.testing.assert_array_equal(plain.test.y, changed.test.y)
    assert changed.preprocessing["outputs"]["target_transform"]["kind"] == "difference"
    assert changed.info["target_transform"] == "difference"


# ------------------------------------------------------------------ range (part 4)

def test_range_facts_count_the_targets_outside_the_training_range():
    train = np.array([[0.0], [1.0], [0.5]])
    facts = targets.range_facts(train, {"val": np.array([[0.2], [1.5]]),
                                        "test": np.array([[-1.0], [2.0], [3.0], [0.9]])})
    assert facts == {"train_min": 0.0, "train_max": 1.0,
                     "outside": {"val": 0.5, "test": 0.75}}
    warning = targets.range_warning({"target_range": facts})
    assert "50% of the val targets" in warning and "target_transform=difference" in warning
    inside = targets.range_facts(train, {"val": np.array([[0.3]]), "test": np.array([[1.0]])})
    assert targets.range_warning({"target_range": inside}) is None


def test_check_and_the_manifest_facts_say_when_the_test_leaves_the_training_range():
    trend = sine_experiment(noise=0.0, period=10000.0)
    facts = data_cache.load(trend).info["target_range"]  # a quarter sine: rising
    assert facts["outside"]["test"] == 1.0
    text = check.report(trend)
    assert "targets outside the training range: val 100.0%, test 100.0%" in text
    assert "WARNING:" in text and "target_transform=difference" in text
    assert "WARNING:" not in check.report(sine_experiment())


@pytest.mark.slow
def test_a_run_with_a_transform_predicts_and_reloads_in_original_units(tmp_path):
    import rnnbench
    exp = sine_experiment(target_transform="window_standard", horizon=2)
    result = rnnbench.run(exp, results_dir=tmp_path, verbose=0)
    assert result.manifest["data"]["target_transform"] == "window_standard"
    record = json.loads((result.run_dir / "preprocessing.json").read_text())
    assert record["outputs"]["target_transform"]["kind"] == "window_standard"
    table = rnnbench.load_run(result.run_dir).predict()  # model.keras reloaded
    forecast = table[["forecast_1", "forecast_2"]].to_numpy()
    actual = table[["actual_1", "actual_2"]].to_numpy()
    mse = float(np.mean((forecast - actual) ** 2))
    assert mse == pytest.approx(result.metrics["test_mse_original"], rel=1e-5)


def test_a_file_series_takes_the_transform_and_reports_its_range(tmp_path):
    path = tmp_path / "rising.csv"
    t = np.arange(120)
    path.write_text("day,sales\n" + "".join(f"{i},{10 + i + (i % 7)}\n" for i in t))
    base = {"name": "file_series", "path": str(path), "time_column": "day",
            "targets": ["sales"], "window": 14, "season": 7}
    exp = sine_experiment(**base, target_transform="difference")
    splits = data_cache.load(exp)
    assert splits.info["target_range"]["outside"] == {"val": 1.0, "test": 1.0}
    assert splits.preprocessing["outputs"]["target_transform"]["kind"] == "difference"
    # The remedy is set: a note, not a warning (a warning names the remedy).
    report = check.report(exp)
    assert "note: 100% of the val targets" in report and "WARNING:" not in report
    assert "WARNING:" in check.report(sine_experiment(**base, target_transform="none"))
    with pytest.raises(UserError, match="scale: null"):
        data_cache.load(sine_experiment(**base, target_transform="log_return"))
