"""The forecast target's advice `rnnbench new` writes and says for a file's series.

`target_choice` picks `data.target_transform` from the training part (the
share of val/test targets outside its range, a trend) and says when the
series is close to a random walk; `read_series`, `missing_cells` and
`irregular_steps` read the series as a run would, for the gaps and steps.
"""

import numpy as np

from rnnbench.data.own import reading
from rnnbench.errors import UserError


# Above this share of validation/test targets outside the training range, `new`
# writes a level-robust target (the same threshold as the run's range warning).
OUTSIDE_SHARE = 0.05
# A trend: the last fifth of the training part's mean minus the first fifth's,
# in training-part standard deviations (a linear trend gives about 2.8).
TREND_STDS = 1.0
# Close to a random walk: the best linear forecast of the next change from the
# last `RANDOM_WALK_LAGS` changes, fitted on the first 70% of the training part,
# keeps at least this share of persistence's one-step squared error on the rest.
RANDOM_WALK_RATIO = 0.98
RANDOM_WALK_LAGS = 10


def target_choice(values, window, val=0.15, test=0.15):
    """`(transform, reason, random_walk_note)` for one series, from its training part.

    The validation/test share outside the training range is measured as the run
    will report it; the trend and the random-walk test use the training part only.

    Args:
        values: the target column, in time order (original units).
        window, val, test: the experiment's window and split fractions.

    Returns:
        `("difference" | "none", why, note or None)`; `note` says when no model
        should be expected to beat persistence.
    """
    from rnnbench.data.preprocessing import chronological_split
    from rnnbench.data.targets import range_facts

    values = np.asarray(values, np.float64)
    train_end, _ = chronological_split(len(values) - window, val, test)
    train = values[:window + train_end]
    if len(train) and np.ptp(train) == 0:
        raise UserError(f"Expected the target to vary over the training part. Received: "
                        f"{train[0]:g} in each of its {len(train)} rows: there is nothing to "
                        "forecast (persistence is exact). Choose another column with "
                        "`--target`.")
    facts = range_facts(values[window:window + train_end, None],
                        {"val/test": values[window + train_end:, None]})
    share = facts["outside"].get("val/test", 0.0)
    fifth = max(1, len(train) // 5)
    spread = float(np.std(train)) or 1.0
    trend = abs(float(np.mean(train[-fifth:]) - np.mean(train[:fifth]))) / spread
    measured = (f"{share:.1%} of the val/test targets lie outside the training part's range; "
                f"training trend {trend:.2f} std (last fifth's mean minus the first's)")
    if share > OUTSIDE_SHARE or trend > TREND_STDS:
        why = ("above the 5% limit" if share > OUTSIDE_SHARE else "a trend above 1 std")
        transform, reason = "difference", (
            f"difference: {measured}, {why}, so a level model would saturate "
            "(log_return also needs a positive series and `scale: null`)")
    else:
        transform, reason = "none", (f"none: {measured}, within the 5% and 1 std limits, "
                                     "so levels stay inside what training sees")
    ratio = random_walk_ratio(train)
    note = None
    if _too_short(len(train) - 1, RANDOM_WALK_LAGS):
        note = (f"the training part holds {len(train) - 1} changes, too few to test whether "
                f"the series is close to a random walk (the test needs at least "
                f"{_fewest_changes()}); with so little data, do not expect a model to "
                "beat persistence (within 2% of it is a good result)")
    elif ratio is not None and ratio >= RANDOM_WALK_RATIO:
        note = (f"the series is close to a random walk: a linear forecast of the next change "
                f"from the last {RANDOM_WALK_LAGS} changes keeps {ratio:.1%} of persistence's "
                "one-step squared error on the training part's last 30%; no model should be "
                "expected to beat persistence here (within 2% of it is a good result)")
    return transform, reason, note


def _fewest_changes(lags=RANDOM_WALK_LAGS):
    """The fewest training changes `random_walk_ratio` can test."""
    n = 1
    while _too_short(n, lags):
        n += 1
    return n


def _too_short(changes, lags):
    cut = int(changes * 0.7)
    return cut < 4 * lags or changes - cut < lags + 2


def random_walk_ratio(train, lags=RANDOM_WALK_LAGS):
    """The held-out MSE of a least-squares AR(`lags`) on the changes over persistence's.

    Fitted on the first 70% of `train`'s changes, scored on the rest; None when
    the part is too short for it (fewer than 4 * lags changes to fit).
    """
    changes = np.diff(np.asarray(train, np.float64))
    cut = int(len(changes) * 0.7)
    if _too_short(len(changes), lags):
        return None
    lagged = np.lib.stride_tricks.sliding_window_view(changes, lags + 1)
    x = np.column_stack([lagged[:, :-1], np.ones(len(lagged))])
    y = lagged[:, -1]
    fit = cut - lags
    coef, *_ = np.linalg.lstsq(x[:fit], y[:fit], rcond=None)
    persistence = float(np.mean(y[fit:] ** 2))
    if persistence == 0:
        return None
    return float(np.mean((y[fit:] - x[fit:] @ coef) ** 2)) / persistence


def _series(block):
    """`(FileSeries(), its params)` for a `file_series` block as `new` writes it."""
    from rnnbench.data.own.series_file import FileSeries

    dataset = FileSeries()
    return dataset, dataset.with_defaults({k: v for k, v in block.items() if k != "name"})


def missing_cells(block):
    """How many cells of the columns a `file_series` block reads are empty, NA, NaN or inf."""
    dataset, params = _series(block)
    matrix, _, _ = reading.read_matrix(reading.require_file(params["path"]),
                                       dataset.columns(params))
    return int((~np.isfinite(matrix)).sum())


def read_series(block):
    """`(values, time, ids)` of a `file_series` block: its rows ordered and cleaned as a
    run reads them (`time` and `ids` None without a time or id column)."""
    dataset, params = _series(block)
    table, time, ids = dataset.read(params, reading.require_file(params["path"]))[:3]
    return table, time, ids


def irregular_steps(time, dates=True):
    """`(usual step, steps 1.5x longer, the longest, steps)` between rows at `time` (in
    time order, as `read_series` gives it), or None when they are regular or unknown.

    Args:
        dates: whether `time` holds dates (nanoseconds), else plain numbers.
    """
    if time is None:
        return None
    steps = np.diff(np.asarray(time, dtype=np.int64 if dates else np.float64))
    if len(steps) < 2:
        return None
    values, counts = np.unique(steps, return_counts=True)
    usual = values[np.argmax(counts)]
    longer = int((steps > 1.5 * usual).sum())
    if not longer or usual <= 0:
        return None
    return (_step_text(usual, dates), longer, _step_text(steps.max(), dates), len(steps))


def _step_text(step, dates):
    """`1 day`, `3 days`, `1:00:00`; a plain number where the time column is one."""
    if not dates:
        return f"{step:g}"
    import pandas as pd
    step = pd.Timedelta(int(step))
    if step % pd.Timedelta(days=1) == pd.Timedelta(0):
        return f"{step.days} day{'' if step.days == 1 else 's'}"
    return str(step).replace("0 days ", "")


def target_values(values, ids, column=0):
    """A target `column` of `read_series`' values; of a panel (`ids`), the first
    series' (the levels of others would read as a jump)."""
    return values[:, column] if ids is None else values[ids == ids[0], column]
