"""The statistical baseline of a forecast series: exponential smoothing (ETS).

Forecasters read a model against exponential smoothing, not only persistence
(the M-competitions' lesson). Holt-Winters with an additive damped trend (and
an additive season of `data.season` steps when the training part holds two
seasons) is fitted once on the training part's values; its one-step-ahead
forecasts over the whole series are then computed with those parameters and
initial states held fixed (the filter only reads each value after forecasting
it), so nothing of validation or test is fitted. The forecasts for each
part's targets are scored by the task's own code, like the naive baseline
(`ets_<part>_<metric>` in metrics.json).

statsmodels is imported inside the functions: `rnnbench list/show` stay light.
"""

import functools
import json
import logging
import warnings

import numpy as np

log = logging.getLogger("rnnbench.data")


def ets_forecasts(values, train_end, season):
    """One-step-ahead ETS forecasts of every value of `values`.

    Args:
        values: the series in original units (1-D).
        train_end: the parameters and initial states are fitted on
            `values[:train_end]` only.
        season: the seasonal period (1: no season).

    Returns:
        `(forecasts, name)`: float64 array like `values` (entry `t` uses
        `values[:t]` only), and a short description of the model.
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
    return np.asarray(full.fittedvalues, np.float64), name


@functools.lru_cache(maxsize=8)
def _cached_forecasts(key, values_bytes, train_end, season):
    return ets_forecasts(np.frombuffer(values_bytes, np.float64), train_end, season)


def series_ets(dataset, params, splits):
    """The ETS forecasts of a `SeriesDataset`'s parts, in the model's (scaled) units.

    Returns:
        `(name, {part: (N, 1) array})`, or None where ETS does not apply (a
        dataset without one univariate series, `horizon > 1`).
    """
    index = splits.info.get("target_index")
    values_of = getattr(dataset, "series_values", None)
    if index is None or values_of is None or params.get("horizon", 1) != 1:
        return None
    values = np.ascontiguousarray(values_of(params), np.float64)
    key = json.dumps([type(dataset).__name__, params, index], sort_keys=True, default=str)
    forecasts, name = _cached_forecasts(key, values.tobytes(), index["train"][1],
                                        int(params.get("season", 1)))
    to_model = forward(splits.inverse_transform)
    return name, {part: to_model(forecasts[lo:hi, None]) for part, (lo, hi) in index.items()}


def forward(inverse):
    """The map from original units to the model's, given its affine inverse (a scaler)."""
    if inverse is None:
        return lambda v: v
    zero = np.asarray(inverse(np.zeros((1, 1))), np.float64)
    unit = np.asarray(inverse(np.ones((1, 1))), np.float64) - zero
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
