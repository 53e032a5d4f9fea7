"""Univariate time series shipped with statsmodels, as windowed forecasting data.

A new series is one small `SeriesDataset` subclass that implements
`raw_series()`; windowing, the chronological split, leak-free scaling and
the persistence baseline are shared.
"""

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits
from rnnbench.data.preprocessing import Scaler, chronological_split, make_windows
from rnnbench.data import targets
from rnnbench.errors import UserError

_PARTS = ("train", "val", "test")


def statsmodels_datasets(dataset_name):
    """Returns `statsmodels.api.datasets`, imported on first use.

    Raises:
        UserError: when statsmodels is not installed, with the install command.
    """
    try:
        import statsmodels.api as sm
    except ImportError as e:
        raise UserError(
            f"The `{dataset_name}` dataset is loaded from statsmodels, which "
            f"could not be imported ({e}). Install it with: pip install statsmodels"
        ) from e
    return sm.datasets


def series_params(window=30, season=1, season_note="", target_transform="none"):
    """The params of every series: `window`, `horizon`, `season`, `target_transform`
    (defaults vary)."""
    note = f"{season_note}; " if season_note else ""
    return {
        "window": Param(int, window, "number of past values fed to the model", min=1),
        "horizon": Param(int, 1, "number of future values to predict", min=1),
        "season": Param(int, season, "seasonal period of the naive baseline and of MASE, "
                                     f"at most `window` ({note}1: persistence, the last "
                                     "value)", min=1),
        "target_transform": targets.target_param(target_transform),
    }


def _json_label(label):
    """Makes a time label (year, timestamp, ...) fit for the manifest."""
    if hasattr(label, "isoformat"):
        return label.isoformat()
    if isinstance(label, (int, np.integer)):
        return int(label)
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return int(label)
    return str(label)


class SeriesDataset(Dataset):
    """A univariate series cut into `(window, 1)` inputs and `horizon` targets.

    Target positions are the series indices `window .. n - 1` (the first
    `window` values only ever serve as inputs). They are split
    chronologically by the `split` fractions; a window belongs to a part
    when all of its `horizon` targets lie in that part, so no target index
    is in two parts (with `horizon > 1`, the last `horizon - 1` windows of
    each part are dropped). Inputs of val/test windows may reach back into
    earlier parts. The scaler is fitted on every value before the first
    validation target, i.e. on exactly the values the training windows see.

    Subclasses implement `raw_series()` and may override `params`.
    """

    tasks = ("forecast",)
    params = series_params()
    takes_split = True
    takes_scale = True
    source = ""

    def raw_series(self):
        """Returns the series as a pandas Series indexed by its time labels."""
        raise NotImplementedError

    def check_params(self, params):
        if params["season"] > params["window"]:
            raise SchemaError(
                "data.season",
                f"Expected `data.season` to be <= `data.window`, since the "
                f"seasonal-naive baseline repeats the value `season` steps back "
                f"from inside the window. Received: season={params['season']}, "
                f"window={params['window']}"
            )

    def spec(self, params):
        params = self.with_defaults(params)
        return DataSpec(input_shape=(params["window"], 1), output_dim=params["horizon"])

    def load(self, params, split, scale, seed=None):
        """Returns chronological `Splits`; `seed` is unused (the data is fixed)."""
        params = self.with_defaults(params)
        window, horizon, season = params["window"], params["horizon"], params["season"]
        raw = self.raw_series()
        values = raw.to_numpy(dtype=np.float64)
        labels = list(raw.index)
        n = len(values)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{type(self).__name__}.raw_series() has missing values.")
        if n - window < 3:
            raise UserError(
                f"Expected `data.window` to leave at least 3 target values in "
                f"the {n}-value series. Received: window={window}"
            )

        train_end, val_end = chronological_split(n - window, split["val"], split["test"])
        bounds = {
            "train": (window, window + train_end),
            "val": (window + train_end, window + val_end),
            "test": (window + val_end, n),
        }
        scaler = Scaler(scale).fit(values[: bounds["train"][1]])
        scaled = scaler.transform(values)
        targets.check_transform(params["target_transform"], scaled, scale)
        x, y = make_windows(scaled, window, horizon)

        parts = {}
        for part, (lo, hi) in bounds.items():
            # Window i predicts indices [i + window, i + window + horizon).
            first, stop = lo - window, hi - window - horizon + 1
            if stop <= first:
                raise UserError(
                    f"The {part} part of {type(self).__name__} has {hi - lo} "
                    f"target values, too few for `data.horizon`={horizon}. "
                    "Use larger `split` fractions or a smaller horizon."
                )
            parts[part] = Split(
                x[first:stop].astype(np.float32), y[first:stop].astype(np.float32)
            )

        def label(i):
            return _json_label(labels[i])

        return Splits(
            **parts,
            spec=self.spec(params),
            baseline_name=baseline_name(season),
            baseline_predict=lambda x: seasonal_naive(x, horizon, season),
            inverse_transform=scaler.inverse_transform if scale else None,
            score_context={"mase_scale": mase_scale(values[: bounds["train"][1]], season)},
            preprocessing=series_preprocessing(raw, params, scaler),
            info={
                "source": self.source,
                "n_values": n,
                "sizes": {part: len(parts[part]) for part in _PARTS},
                # Half-open [lo, hi) series indices of each part's targets.
                "target_index": {part: list(bounds[part]) for part in _PARTS},
                "target_periods": {
                    part: [label(lo), label(hi - 1)] for part, (lo, hi) in bounds.items()
                },
                "scaler": scaler.get_config(),
                "scaler_fit_period": [label(0), label(bounds["train"][1] - 1)],
                "target_transform": params["target_transform"],
                # Share of val/test targets outside the training targets' range.
                "target_range": targets.range_facts(
                    parts["train"].y, {p: parts[p].y for p in ("val", "test")}),
            },
        )

    def new_inputs(self, params, preprocessing, source):
        """Windows of a CSV/Parquet series (the run's value column, its time column
        optional), scaled with the run's scaler; see `reading.series_inputs`."""
        from rnnbench.data import reading
        return reading.series_inputs(source, preprocessing)

    def split_index(self, params, splits, part):
        """The time label of the first forecast step of each window of `part`."""
        labels = self.series_labels(params)
        first = splits.info["target_index"][part][0]
        return [_json_label(labels[first + i]) for i in range(len(getattr(splits, part)))]

    def series_values(self, params):
        """The series in original units (the ETS baseline is fitted on its training part)."""
        return self.raw_series().to_numpy(dtype=np.float64)

    def series_labels(self, params):
        """The time label of every value of the series."""
        return list(self.raw_series().index)


def series_preprocessing(raw, params, scaler):
    """The `preprocessing.json` of a windowed univariate series."""
    column = str(raw.name) if raw.name is not None else "value"
    time_column = str(raw.index.name) if raw.index.name is not None else "time"
    return {
        "inputs": {"kind": "series", "columns": [column], "time_column": time_column,
                   "window": params["window"], "horizon": params["horizon"],
                   "scalers": {column: scaler.get_config()}},
        "outputs": {"kind": "values", "columns": [column], "horizon": params["horizon"],
                    "scaler": scaler.get_config(),
                    "target_transform": targets.record(
                        params["target_transform"], params["horizon"], params["season"], 1)},
    }


def seasonal_naive(x, horizon, season):
    """The seasonal-naive forecast: each step repeats the value one season earlier.

    Step `h` (1-based) of the forecast is the input `season * ceil(h / season)`
    steps before it; with `season=1` this is persistence.

    Args:
        x: inputs of shape `(N, window, features)`, `window >= season`;
            feature 0 is the target.

    Returns:
        Array of shape `(N, horizon)` in the units of `x` (scaled).
    """
    x = np.asarray(x)
    window = x.shape[1]
    steps = [window - season + (h % season) for h in range(horizon)]
    return x[:, steps, 0]


def mase_scale(train_values, season):
    """The in-sample MAE of the seasonal-naive forecast: the MASE denominator."""
    train_values = np.asarray(train_values, np.float64)
    if len(train_values) <= season:
        raise UserError(f"The training part has {len(train_values)} values, too few "
                        f"for `data.season`={season}.")
    scale = float(np.mean(np.abs(train_values[season:] - train_values[:-season])))
    if scale == 0:
        raise UserError("The training part is constant at lag `data.season`; MASE "
                        "is undefined. Use another `data.season`.")
    return scale


def baseline_name(season):
    if season == 1:
        return "persistence (last value)"
    return f"seasonal naive (the value {season} steps back)"


@DATASETS.register("sunspots")
class Sunspots(SeriesDataset):
    """Yearly mean sunspot numbers, 1700-2008 (309 values), from statsmodels."""

    description = "Yearly sunspot numbers 1700-2008 (statsmodels)."
    source = "statsmodels.datasets.sunspots (SUNACTIVITY, yearly 1700-2008)"
    reads = "statsmodels' sunspots data (statsmodels is a dependency of rnnbench)"

    def raw_series(self):
        data = statsmodels_datasets("sunspots").sunspots.load_pandas().data
        return data.set_index(data["YEAR"].astype(int))["SUNACTIVITY"]
