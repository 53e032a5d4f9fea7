"""`train.start_at_naive`: a forecast starts as persistence and keeps it unless beaten.

The start is exact (an output layer at zero under a difference target is the
last value), the trained model replaces it only when a paired test on
validation says it is better, and the key is refused where it cannot act.
"""

import keras
import numpy as np
import pandas as pd
import pytest

import rnnbench
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache as data_cache
from rnnbench.data import tasks
from rnnbench.errors import UserError
from rnnbench.runs import naive_start


def series_csv(path, changes):
    values = 100 + np.cumsum(changes)
    path.write_text("step,value\n" + "".join(f"{i},{v:.6f}\n" for i, v in enumerate(values)))
    return path


def forecast(path, transform="difference", epochs=30, **train):
    return {"name": "naive_start", "seed": 42,
            "data": {"name": "file_series", "path": str(path), "time_column": "step",
                     "targets": "value", "window": 12, "scale": "standard",
                     "target_transform": transform},
            "model": {"layers": [{"cell": "lstm", "units": 8}]},
            "train": {"epochs": epochs, "batch_size": 32, "start_at_naive": True,
                      "early_stopping": {"monitor": "val_loss", "patience": 8}, **train}}


def test_a_clear_gain_replaces_the_start_and_noise_does_not():
    rng = np.random.default_rng(0)
    start = rng.normal(1.0, 0.3, 200)
    assert not naive_start.choose(start, start * 0.5)["kept_start"]
    noise = start + rng.normal(0, 0.3, 200)
    assert naive_start.choose(start, noise)["kept_start"]
    same = naive_start.choose(start, start)
    assert same["kept_start"] and same["p"] == 1.0 and same["windows"] == 200
    assert naive_start.choose(start[:1], start[:1] * 0.5)["kept_start"]  # one window: no test
    assert "squared error" in same["test"]
    assert "absolute error" in naive_start.choose(start, start, loss="mae")["test"]


def test_the_per_window_errors_follow_the_loss():
    y = np.array([[1.0], [2.0], [3.0]])
    predicted = np.array([[3.0], [2.0], [2.0]])
    mse, mae = (tasks.TASKS.get("forecast")(loss=loss) for loss in ("auto", "mae"))
    np.testing.assert_array_equal(mse.window_errors(predicted, y), [4.0, 0.0, 1.0])
    np.testing.assert_array_equal(mae.window_errors(predicted, y), [2.0, 0.0, 1.0])
    assert (mse.loss_name, mae.loss_name) == ("mse", "mae")
    # `loss` in a split's scores is the trained loss, under the common name.
    assert mae.score(y, predicted)["loss"] == pytest.approx(1.0)
    assert mse.score(y, predicted)["loss"] == pytest.approx(5 / 3)


@pytest.mark.parametrize("change, match", [
    ({"data.target_transform": "none"}, "`data.target_transform` is 'none'"),
    ({"data.target_transform": "window_standard"}, "is 'window_standard'"),
    ({"train.early_stopping.restore_best_weights": False}, "restore_best_weights: true"),
    ({"train.early_stopping.monitor": "loss"}, "a `val_` monitor"),
])
def test_the_key_is_refused_where_it_cannot_act(tmp_path, change, match):
    raw = forecast(series_csv(tmp_path / "s.csv", np.ones(100)))
    for key, value in change.items():
        config_lib.set_path(raw, key, value)
    with pytest.raises(UserError, match=r"train\.start_at_naive") as raised:
        config_lib.validate(raw)
    assert match in " ".join(str(raised.value).split())


def test_the_untrained_model_is_exactly_persistence(tmp_path):
    raw = forecast(series_csv(tmp_path / "s.csv", np.random.default_rng(1).normal(0, 1, 200)))
    exp = config_lib.validate(raw)
    splits = data_cache.load(exp)
    model = rnnbench.build_model(exp)
    x = np.asarray(splits.test.x)
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], x[:, -1, 0], atol=1e-6)


@pytest.mark.slow
def test_on_a_random_walk_the_run_keeps_persistence(tmp_path):
    raw = forecast(series_csv(tmp_path / "walk.csv", np.random.default_rng(2).normal(0, 1, 400)))
    result = rnnbench.run(config_lib.validate(raw), results_dir=tmp_path, verbose=0)
    m = result.metrics
    assert (m["evaluated_weights"], m["evaluated_epoch"]) == ("naive start", 0)
    assert m["naive_start"]["kept_start"] and m["epochs_run"] > 1
    assert m["test_mase"] == pytest.approx(m["baseline_test_mase"], rel=1e-6)
    # model.keras holds the start: reloaded in plain Keras, it forecasts the last value.
    model = keras.saving.load_model(result.run_dir / "model.keras")
    x = np.zeros((2, 12, 1), "float32") + np.arange(12, dtype="float32")[None, :, None]
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], [11, 11], atol=1e-6)


@pytest.mark.slow
def test_where_there_is_structure_the_trained_model_replaces_the_start(tmp_path):
    rng, changes = np.random.default_rng(3), np.zeros(500)
    for t in range(1, 500):  # changes that persist: a step's change predicts the next
        changes[t] = 0.8 * changes[t - 1] + rng.normal(0, 1)
    # Trained on MAE (as `rnnbench new` writes): the start is judged by absolute errors.
    raw = forecast(series_csv(tmp_path / "ar.csv", changes), loss="mae")
    result = rnnbench.run(config_lib.validate(raw), results_dir=tmp_path, verbose=0)
    m = result.metrics
    assert m["evaluated_weights"] == "best" and m["evaluated_epoch"] >= 1
    assert not m["naive_start"]["kept_start"] and m["naive_start"]["p"] < naive_start.ALPHA
    assert "absolute error" in m["naive_start"]["test"]
    assert m["test_loss"] == m["test_mae"] != m["test_mse"]
    history = pd.read_csv(result.run_dir / "history.csv")  # what Keras trained on
    np.testing.assert_allclose(history["val_loss"], history["val_mae"], rtol=1e-5)
    assert m["test_mase"] < 0.9 * m["baseline_test_mase"]
