"""The statistical baseline of a forecast series: exponential smoothing (ETS).

Forecasters read a model against exponential smoothing, not only persistence
(the M-competitions' lesson). Holt-Winters with an additive damped trend (and
an additive season of `data.season` steps when the training part holds two
seasons) is fitted once on the training part's values; the filter then runs
over the whole series with those parameters and initial states held fixed
(it only reads each value after forecasting it), so nothing of validation or
test is fitted. Each window's target, `data.horizon` steps, is forecast from
the filter's states at the window's last input: `l + (φ + ... + φ^h) b + s`
for step h, the model's own h-step forecast. A `file_series` table is fitted
per target column. The forecasts for each part's targets are scored by the
task's own code, like the naive baseline (`ets_<part>_<metric>` in
metrics.json).

statsmodels is imported inside the functions: `rnnbench list/show` stay light.
"""

import functools
import json
import logging
import warnings

import numpy as np

log = logging.getLogger("rnnbench.data")

# Longer series get no ETS row: statsmodels' fit grows faster than the series
# (measured, docs/forecasting.md: 100,000 values with a season of 24, 24 s;
# 400,000, 110 s), and the row must not cost more than the run it sits beside.
MAX_VALUES = 100_000


def ets_forecasts(values, train_end, season, horizon=1):
    """ETS forecasts of every value of `values`, from every origin.

    Args:
        values: the series in original units (1-D).
        train_end: the parameters and initial states are fitted on
            `values[:train_end]` only.
        season: the seasonal period (1: no season).
        horizon: steps forecast from each origin.

    Returns:
        `(forecasts, name)`: with `horizon=1` a float64 array like `values`
        (entry `t` uses `values[:t]` only); else `(len(values), horizon)`,
        row `t` the forecasts of `values[t:t + horizon]` from `values[:t]`
        (NaN for row 0 and, with a season, rows before the first full season,
        where no seasonal state exists; a window starts later, at
        `data.window >= data.season`). `name`: a short description.
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    values = np.asarray(values, np.float64)
    seasonal = season > 1 and train_end >= 2 * season + 2
    options = {"trend": "add", "damped_trend": True,
               "seasonal": "add" if seasonal else None,
               "seasonal_periods": season if seasonal else None}
    with warnings.catch_warnings():  # convergence chatter: the fit is still usable
        warnings.simplefilter("ignore")
        fitted = ExponentialSmoothing(values[:train_end], initialization_method="estimated",
                                      **options).fit()
        p = fitted.params
        full = ExponentialSmoothing(
            values, initialization_method="known", initial_level=p["initial_level"],
            initial_trend=p["initial_trend"],
            initial_seasonal=p["initial_seasons"] if seasonal else None, **options).fit(
            smoothing_level=p["smoothing_level"], smoothing_trend=p["smoothing_trend"],
            smoothing_seasonal=p["smoothing_seasonal"] if seasonal else None,
            damping_trend=p["damping_trend"], optimized=False)
    name = ("ETS (Holt-Winters: additive damped trend"
            + (f", additive season of {season}" if seasonal else "") + "; fitted on train)")
    if horizon == 1:
        return np.asarray(full.fittedvalues, np.float64), name
    return ahead(full, len(values), horizon, season if seasonal else 0), name


def ahead(full, n, horizon, season):
    """`(n, horizon)`: row `t` forecasts steps t..t+horizon-1 from the states after
    value t-1 (level l, trend b, seasons s): `l + (φ + ... + φ^h) b + s[t-1+h-m(k+1)]`,
    k = (h-1) // m, as statsmodels' own `forecast` from the last state."""
    level, trend = np.asarray(full.level, np.float64), np.asarray(full.trend, np.float64)
    phi = float(full.params["damping_trend"])
    out = np.full((n, horizon), np.nan)
    origins = np.arange(n - 1)  # the states after value o forecast row o + 1
    for h in range(1, horizon + 1):
        step = level[origins] + sum(phi ** i for i in range(1, h + 1)) * trend[origins]
        if season:
            back = origins + h - season * ((h - 1) // season + 1)
            seasons = np.asarray(full.season, np.float64)
            # An origin before the first season has no state to repeat (windows start later).
            step = np.where(back >= 0, step + seasons[np.maximum(back, 0)], np.nan)
        out[1:, h - 1] = step
    return out


@functools.lru_cache(maxsize=8)
def _cached_forecasts(key, values_bytes, train_end, season, horizon):
    forecasts, name = ets_forecasts(np.frombuffer(values_bytes, np.float64), train_end,
                                    season, horizon)
    return forecasts.reshape(len(forecasts), horizon), name


def series_ets(dataset, params, splits):
    """The ETS forecasts of a series dataset's parts, in the model's (scaled) units.

    The dataset gives `series_values(params)` (the series in original units,
    `(n,)` or `(n, targets)`, or None) and `splits.info["target_index"]` (each
    part's targets as `[lo, hi)` indices of it).

    Returns:
        `(name, {part: (N, horizon * targets) array})` (step-major, as the
        model's outputs), or None where ETS does not apply (no single series:
        a classifier, a long table with `id_column`; over `MAX_VALUES` values).
    """
    index = splits.info.get("target_index")
    values_of = getattr(dataset, "series_values", None)
    if index is None or values_of is None:
        return None
    if index["test"][1] > MAX_VALUES:  # known before a file is read a second time
        log.info(f"no ETS baseline: the series has {index['test'][1]:,} values, more than "
                 f"the {MAX_VALUES:,} it is fitted for")
        return None
    params = dataset.with_defaults(params)  # horizon and season as the run has them
    values = values_of(params)
    if values is None:
        return None
    values = np.asarray(values, np.float64)
    values = values.reshape(len(values), -1)  # (n, targets)
    horizon = int(params.get("horizon", 1))
    key = json.dumps([type(dataset).__name__, params, index], sort_keys=True, default=str)
    found = [_cached_forecasts(key, np.ascontiguousarray(values[:, j]).tobytes(),
                               index["train"][1], int(params.get("season", 1)), horizon)
             for j in range(values.shape[1])]
    # (n, horizon, targets) -> step-major rows: all targets of step 1, then step 2, ...
    forecasts = np.stack([f for f, _ in found], axis=2).reshape(len(values), -1)
    to_model = forward(splits.inverse_transform, forecasts.shape[1])
    # A part's windows: one per target index from which `horizon` steps stay in the part.
    return found[0][1], {part: to_model(forecasts[lo:hi - horizon + 1])
                         for part, (lo, hi) in index.items()}


def forward(inverse, width=1):
    """The map from original units to the model's, given its affine inverse (a scaler
    of `width` output columns)."""
    if inverse is None:
        return lambda v: v
    zero = np.asarray(inverse(np.zeros((1, width))), np.float64)
    unit = np.asarray(inverse(np.ones((1, width))), np.float64) - zero
    return lambda v: (np.asarray(v, np.float64) - zero) / unit


def ets_metrics(exp, splits, task, parts=("train", "val", "test"), dataset=None):
    """`ets_<part>_<metric>` scored by `task.score` like the naive baseline, and `ets`
    (its description); empty where ETS does not apply or cannot be fitted.

    Args:
        dataset: the `Dataset` instance (default: the experiment's registered one).
    """
    from rnnbench.config import experiment as config_lib

    params = dict(exp.data.params)
    try:
        found = series_ets(dataset or config_lib.dataset_of(exp), params, splits)
    except Exception as e:  # noqa: BLE001  (an extra baseline never fails the run)
        log.warning(f"no ETS baseline: statsmodels could not fit the training part "
                    f"({type(e).__name__}: {e})")
        return {}
    if found is None:
        return {}
    name, predicted = found
    metrics = {}
    for part in parts:
        split = getattr(splits, part)
        if not len(split):
            continue
        scores = task.score(split.y, predicted[part], splits.inverse_transform,
                            **splits.score_context)
        metrics.update({f"ets_{part}_{key}": value for key, value in scores.items()})
    metrics["ets"] = name
    return metrics
