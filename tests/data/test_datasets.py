"""Tests for the datasets in rnnbench.data: shapes, determinism, layouts, leakage."""

import math
import sys

import numpy as np
import pytest
from helpers import dataset_params

import rnnbench.data.series  # noqa: F401  (registers sunspots)
import rnnbench.data.synthetic  # noqa: F401  (registers adding, copy_memory)
from rnnbench.config.registry import DATASETS
from rnnbench.data.preprocessing import Scaler, chronological_split, make_windows
from rnnbench.errors import UserError

SMALL = {"train_size": 64, "val_size": 16, "test_size": 8}
SPLIT = {"val": 0.1, "test": 0.1}
PARTS = ("train", "val", "test")

CASES = {
    "adding": {"seq_len": 20, **SMALL},
    "copy_memory": {"delay": 12, "length": 4, **SMALL},
    "sunspots": {"window": 30, "horizon": 1},
}


def load(name, scale=None, split=SPLIT, seed=0, **overrides):
    params = dataset_params(name, CASES[name], **overrides)
    return DATASETS.get(name)().load(params, split, scale, seed), params


def sunspot_values():
    return DATASETS.get("sunspots")().raw_series().to_numpy()


# ---------------------------------------------------------------- common


@pytest.mark.parametrize("name", sorted(CASES))
def test_shapes_and_dtypes_match_spec(name):
    splits, params = load(name, scale="minmax")
    spec = DATASETS.get(name)().spec(params)
    assert splits.spec == spec
    assert DATASETS.get(name).tasks
    for part in PARTS:
        split = getattr(splits, part)
        assert split.x.shape[1:] == spec.input_shape
        assert split.x.dtype == np.dtype(spec.input_dtype)
        assert len(split.x) == len(split.y) > 0
        if spec.num_classes is None:
            assert split.y.shape[1:] == (spec.output_dim,)
            assert split.y.dtype == np.float32
        else:
            assert split.y.dtype == np.int32
            assert split.y.min() >= 0 and split.y.max() < spec.num_classes
        prediction = splits.baseline_predict(split.x)
        if spec.num_classes is None:
            assert prediction.shape == split.y.shape
        else:
            assert prediction.shape == split.y.shape + (spec.num_classes,)
            np.testing.assert_allclose(prediction.sum(-1), 1.0, rtol=1e-6)
    assert splits.baseline_name
    assert splits.info["sizes"] == {p: len(getattr(splits, p)) for p in PARTS}


@pytest.mark.parametrize("name", ["adding", "copy_memory"])
def test_generated_data_is_deterministic(name):
    a, _ = load(name, seed=0)
    b, _ = load(name, seed=99)  # model seed must not change the data
    c, _ = load(name, data_seed=4321)
    for part in PARTS:
        np.testing.assert_array_equal(getattr(a, part).x, getattr(b, part).x)
        np.testing.assert_array_equal(getattr(a, part).y, getattr(b, part).y)
        assert not np.array_equal(getattr(a, part).x, getattr(c, part).x)
    # Parts are distinct streams, and val/test do not move with train_size.
    assert not np.array_equal(a.train.x[:8], a.test.x)
    d, _ = load(name, train_size=32)
    np.testing.assert_array_equal(a.val.x, d.val.x)


@pytest.mark.parametrize("name", ["adding", "copy_memory"])
def test_generated_sizes_come_from_params(name):
    splits, _ = load(name, split={"val": 0.5, "test": 0.4})
    assert [len(getattr(splits, p)) for p in PARTS] == [64, 16, 8]


# ---------------------------------------------------------------- adding


def test_adding_layout():
    splits, params = load("adding")
    x, y = splits.train.x, splits.train.y
    seq_len, half = params["seq_len"], params["seq_len"] // 2
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0 and values.max() < 1
    assert set(np.unique(markers)) <= {0.0, 1.0}
    assert np.all(markers[:, :half].sum(1) == 1)
    assert np.all(markers[:, half:].sum(1) == 1)
    marked = np.where(markers == 1, values, 0).sum(1, dtype=np.float32)
    np.testing.assert_allclose(y[:, 0], marked, rtol=0, atol=1e-6)
    assert y.shape == (64, 1) and seq_len == x.shape[1]


def test_adding_marker_positions_cover_both_halves():
    splits, params = load("adding", train_size=2000)
    positions = np.nonzero(splits.train.x[..., 1])[1].reshape(-1, 2)
    half = params["seq_len"] // 2
    assert positions[:, 0].min() == 0 and positions[:, 0].max() == half - 1
    assert positions[:, 1].min() == half
    assert positions[:, 1].max() == params["seq_len"] - 1


def test_adding_baseline_mse_is_one_sixth():
    splits, _ = load("adding", seq_len=50, test_size=5000)
    prediction = splits.baseline_predict(splits.test.x)
    np.testing.assert_array_equal(prediction, np.ones((5000, 1)))
    mse = np.mean((prediction - splits.test.y) ** 2)
    assert abs(mse - 1 / 6) < 0.01


# ---------------------------------------------------------------- copy_memory


def test_copy_memory_layout():
    splits, params = load("copy_memory")
    delay, length = params["delay"], params["length"]
    x, y = splits.train.x, splits.train.y
    assert x.shape == (64, delay + 2 * length)
    head = x[:, :length]
    assert head.min() >= 1 and head.max() <= 8
    assert np.all(x[:, length:delay + length - 1] == 0)  # T - 1 blanks
    assert np.all(x[:, delay + length - 1] == 9)  # the delimiter
    assert np.all(x[:, delay + length:] == 0)  # L blanks while recalling
    assert np.all(y[:, :delay + length] == 0)
    np.testing.assert_array_equal(y[:, delay + length:], head)
    assert (x == 9).sum() == len(x)


@pytest.mark.parametrize("delay,length", [(12, 4), (100, 10)])
def test_copy_memory_baseline_cross_entropy(delay, length):
    splits, _ = load("copy_memory", delay=delay, length=length)
    probs = np.clip(splits.baseline_predict(splits.test.x), 1e-7, 1.0)
    y = splits.test.y
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
    ce = -np.log(picked).mean()
    assert abs(ce - length * math.log(8) / (delay + 2 * length)) < 1e-6


# ---------------------------------------------------------------- sunspots


def test_sunspots_raw_series():
    raw = DATASETS.get("sunspots")().raw_series()
    assert len(raw) == 309
    assert raw.index[0] == 1700 and raw.index[-1] == 2008


def sunspot_target_indices(splits, part, horizon):
    """Series indices of every target of `part`, as a (windows, horizon) array."""
    lo, _ = splits.info["target_index"][part]
    n = len(getattr(splits, part))
    return lo + np.arange(n)[:, None] + np.arange(horizon)[None, :]


@pytest.mark.parametrize("horizon", [1, 3])
def test_sunspots_chronological_split(horizon):
    window = 30
    splits, _ = load("sunspots", horizon=horizon)
    indices = {p: sunspot_target_indices(splits, p, horizon) for p in PARTS}
    assert indices["train"].max() < indices["val"].min()
    assert indices["val"].max() < indices["test"].min()
    for part in PARTS:
        lo, hi = splits.info["target_index"][part]
        assert lo <= indices[part].min() and indices[part].max() < hi
    sets = [set(indices[p].ravel()) for p in PARTS]
    assert not (sets[0] & sets[1] or sets[1] & sets[2] or sets[0] & sets[2])
    # Target ranges tile the target positions; each part drops horizon-1 windows.
    bounds = [splits.info["target_index"][p] for p in PARTS]
    assert bounds[0][0] == window and bounds[-1][1] == 309
    assert bounds[0][1] == bounds[1][0] and bounds[1][1] == bounds[2][0]
    total = sum(len(getattr(splits, p)) for p in PARTS)
    assert total == 309 - window - 3 * (horizon - 1)
    assert splits.info["target_periods"]["train"][0] == 1700 + window
    assert splits.info["target_periods"]["test"][1] == 2008


@pytest.mark.parametrize("horizon", [1, 3])
def test_sunspots_windows_are_naive_slices(horizon):
    window = 30
    splits, _ = load("sunspots", horizon=horizon)  # scale=None: raw units
    values = sunspot_values()
    for part in PARTS:
        split = getattr(splits, part)
        lo, _ = splits.info["target_index"][part]
        for row in (0, 1, len(split) // 2, len(split) - 1):
            start = lo + row - window
            np.testing.assert_allclose(split.x[row, :, 0], values[start:start + window], rtol=1e-6)
            np.testing.assert_allclose(
                split.y[row], values[lo + row:lo + row + horizon], rtol=1e-6
            )
    # Val/test inputs reach back into the preceding part.
    assert splits.val.x[0, -1, 0] == splits.train.y[-1, -1]
    assert splits.test.x[0, -1, 0] == splits.val.y[-1, -1]


def test_sunspots_minmax_scaler_fitted_on_train_only():
    splits, _ = load("sunspots", scale="minmax")
    values = sunspot_values()
    train_stop = splits.info["target_index"]["train"][1]
    config = splits.info["scaler"]
    assert config["kind"] == "minmax"
    assert config["data_min"] == values[:train_stop].min()
    assert config["data_max"] == values[:train_stop].max()
    assert config["data_max"] < values.max()  # so a leak would show
    assert splits.train.y.min() >= 0 and splits.train.y.max() <= 1
    assert splits.train.x.min() >= 0 and splits.train.x.max() <= 1
    # Later cycles are stronger than any training year: scaled values exceed 1.
    assert splits.test.y.max() > 1 and splits.val.y.max() > 1
    assert splits.info["scaler_fit_period"] == [
        1700, splits.info["target_periods"]["train"][1]
    ]


def test_sunspots_standard_scaler_and_inverse_transform():
    splits, _ = load("sunspots", scale="standard")
    values = sunspot_values()
    train_stop = splits.info["target_index"]["train"][1]
    config = splits.info["scaler"]
    assert config["mean"] == pytest.approx(values[:train_stop].mean())
    assert config["std"] == pytest.approx(values[:train_stop].std())
    lo, hi = splits.info["target_index"]["test"]
    np.testing.assert_allclose(
        splits.inverse_transform(splits.test.y)[:, 0], values[lo:hi], rtol=1e-5, atol=1e-4
    )


def test_sunspots_persistence_baseline():
    splits, _ = load("sunspots", scale="minmax", horizon=4)
    for part in PARTS:
        x = getattr(splits, part).x
        prediction = splits.baseline_predict(x)
        assert prediction.shape == (len(x), 4)
        np.testing.assert_array_equal(prediction, np.repeat(x[:, -1, :], 4, axis=1))
    assert splits.baseline_name == "persistence (last value)"


@pytest.mark.parametrize("horizon", [1, 3, 7])
def test_seasonal_naive_repeats_the_value_one_season_back(horizon):
    splits, _ = load("sunspots", scale="minmax", window=12, season=4, horizon=horizon)
    x = splits.test.x
    prediction = splits.baseline_predict(x)
    for h in range(1, horizon + 1):
        back = 4 * math.ceil(h / 4)  # steps from the forecast step to its source
        np.testing.assert_array_equal(prediction[:, h - 1], x[:, 12 + h - 1 - back, 0])
    assert "4 steps back" in splits.baseline_name


def test_mase_scale_is_the_in_sample_seasonal_naive_mae():
    splits, _ = load("sunspots", scale="minmax", season=11)
    values = sunspot_values()
    train_stop = splits.info["target_index"]["train"][1]
    expected = np.mean(np.abs(values[11:train_stop] - values[:train_stop - 11]))
    assert splits.score_context["mase_scale"] == pytest.approx(expected)


def test_forecast_scores_on_the_original_scale():
    from rnnbench.data.tasks import Forecast

    splits, _ = load("sunspots", scale="minmax", season=1)
    y = splits.test.y
    prediction = y + 0.05
    scores = Forecast().score(y, prediction, splits.inverse_transform,
                              **splits.score_context)
    true, predicted = splits.inverse_transform(y), splits.inverse_transform(prediction)
    mae = np.mean(np.abs(predicted - true))
    assert scores["mae_original"] == pytest.approx(mae)
    assert scores["mase"] == pytest.approx(mae / splits.score_context["mase_scale"])
    assert scores["smape"] == pytest.approx(
        100 * np.mean(2 * np.abs(predicted - true) / (np.abs(true) + np.abs(predicted))))
    assert np.all(true != 0)  # no spotless year among the test targets: MAPE is defined
    assert scores["mape"] == pytest.approx(100 * np.mean(np.abs(predicted - true) / true))
    # The persistence baseline scores MASE ~ 1 by construction on its training data.
    train = splits.train
    baseline = Forecast().score(train.y, splits.baseline_predict(train.x),
                                splits.inverse_transform, **splits.score_context)
    assert 0.9 < baseline["mase"] < 1.1


def test_mape_is_nan_when_a_target_is_zero():
    from rnnbench.data.tasks import forecast_scores

    scores = forecast_scores(np.array([0.0, 2.0]), np.array([0.0, 1.0]), mase_scale=1.0)
    assert math.isnan(scores["mape"])
    assert scores["smape"] == pytest.approx(100 * (0 + 2 * 1 / 3) / 2)


def test_sunspots_no_scaler_has_no_inverse():
    splits, _ = load("sunspots", scale=None)
    assert splits.inverse_transform is None
    assert splits.info["scaler"] == {"kind": None}


def test_sunspots_without_statsmodels_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "statsmodels.api", None)
    with pytest.raises(UserError, match="pip install statsmodels"):
        load("sunspots")


def test_sunspots_spec_needs_no_data(monkeypatch):
    monkeypatch.setitem(sys.modules, "statsmodels.api", None)
    params = dataset_params("sunspots", CASES["sunspots"], window=12, horizon=2)
    spec = DATASETS.get("sunspots")().spec(params)
    assert spec.input_shape == (12, 1) and spec.output_dim == 2


def test_sunspots_bad_split_is_user_error():
    with pytest.raises(UserError, match="non-empty"):
        load("sunspots", split={"val": 0.0, "test": 0.1})


# ---------------------------------------------------------------- helpers


def test_chronological_split():
    assert chronological_split(100, 0.1, 0.2) == (70, 80)
    with pytest.raises(UserError):
        chronological_split(5, 0.05, 0.1)
    with pytest.raises(UserError):
        chronological_split(100, 0.5, 0.5)


@pytest.mark.parametrize("kind", [None, "minmax", "standard"])
@pytest.mark.parametrize("shape", [(50,), (50, 3)])
def test_scaler_round_trip(kind, shape):
    rng = np.random.default_rng(0)
    train = rng.normal(5, 2, size=shape)
    other = rng.normal(5, 4, size=(20,) + shape[1:])
    scaler = Scaler(kind).fit(train)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(other)), other)
    scaled = scaler.transform(train)
    if kind == "minmax":
        np.testing.assert_allclose(scaled.min(0), 0, atol=1e-12)
        np.testing.assert_allclose(scaled.max(0), 1)
    elif kind == "standard":
        np.testing.assert_allclose(scaled.mean(0), 0, atol=1e-12)
        np.testing.assert_allclose(scaled.std(0), 1)
    else:
        np.testing.assert_array_equal(scaled, train)


def test_scaler_rejects_unknown_kind_and_constant_feature():
    with pytest.raises(UserError):
        Scaler("robust")
    scaler = Scaler("minmax").fit(np.full(10, 3.0))
    np.testing.assert_array_equal(scaler.transform([3.0, 4.0]), [0.0, 1.0])


def test_make_windows_matches_naive_slices():
    series = np.arange(40, dtype=np.float64).reshape(20, 2)
    x, y = make_windows(series, window=5, horizon=3)
    assert x.shape == (13, 5, 2) and y.shape == (13, 6)
    for i in range(13):
        np.testing.assert_array_equal(x[i], series[i:i + 5])
        np.testing.assert_array_equal(y[i], series[i + 5:i + 8].ravel())
    x1, y1 = make_windows(series, window=5, horizon=3, target_columns=[1])
    np.testing.assert_array_equal(y1, y[:, 1::2])
    x2, y2 = make_windows(series[:, 0], window=4, horizon=1)
    assert x2.shape == (16, 4, 1) and y2.shape == (16, 1)
    assert x.flags.c_contiguous and x.flags.writeable
    with pytest.raises(UserError):
        make_windows(series, window=19, horizon=2)
