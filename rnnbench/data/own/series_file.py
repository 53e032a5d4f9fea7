"""`file_series`: forecasting from the user's own table (CSV, CSV.gz, Parquet, JSONL).

Rows are ordered by `time_column` (unsorted rows are sorted; a repeated
timestamp is an error unless `duplicates` says which row to keep). The
inputs are the `targets` then the `features` columns; a window of `window`
rows predicts the next `horizon` rows of the targets (step-major: all
targets of the first future step, then the next). With an `id_column` each
series of the long table is windowed and split on its own, chronologically.

Columns of words (`categories`: a weekday, a holiday flag) are inputs one-hot, a
0/1 column per value the file holds (`weekday=Mon`), after the numeric ones; a value
new data brings that the file did not hold is all zeros.

The split, scaler and persistence baseline follow `rnnbench.data.series`:
target positions are split chronologically, a window belongs to the part
that holds all its targets, and the scaler is fitted on the rows the
training windows see. Windows are strided views of one float32 array (one
series), so a 10M-row file costs its float32 size, not rows x window.
"""

import functools
import typing

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import DataSpec, NewInputs, Param, Split, Splits, forecast_columns
from rnnbench.data.own import common, parallel, reading, timestamps
from rnnbench.data.preprocessing import Scaler, chronological_split
from rnnbench.data.series import baseline_name, series_params
from rnnbench.data import targets as targets_lib
from rnnbench.errors import UserError

MISSING = ("error", "drop", "ffill", "interpolate")
# Readings of dates written as text that a run records for `predict` (`timestamps.parse`).
DATE_READINGS = (timestamps.DAY_FIRST, timestamps.MONTH_FIRST)
DUPLICATES = ("error", "first", "last")


@DATASETS.register("file_series")
class FileSeries(common.FileDataset):
    """Windows of the user's own time series table, for forecasting."""

    name = "file_series"
    description = ("Your own time series table (CSV, CSV.gz, Parquet, JSONL): forecast "
                   "`targets` from a window of rows.")
    tasks = ("forecast",)
    takes_split = True
    takes_scale = True
    params = {
        "path": common.path_param("the table: .csv, .csv.gz, .parquet, .jsonl or .json"),
        "time_column": common.optional_str("column the rows are ordered by (dates or "
                                           "numbers); none: the file's order"),
        "targets": common.names_param("column(s) to forecast"),
        "features": common.names_param("more input columns besides the targets"),
        "categories": common.names_param("columns of words (a weekday, a holiday flag) as "
                                         "inputs, one-hot: a 0/1 column per value"),
        "id_column": common.optional_str("column naming each series of a long table"),
        **series_params(window=30),
        "missing": Param(str, "error", "empty/NaN/inf cells: error, or drop the row, "
                                       "ffill, interpolate", choices=MISSING),
        "duplicates": Param(str, "error", "repeated timestamps: error, or keep the "
                                          "first/last row", choices=DUPLICATES),
    }

    def check_params(self, params):
        super().check_params(params)
        common.require(params, "targets", self.name, "the column(s) to forecast")
        if params["season"] > params["window"]:
            raise SchemaError("data.season", "Expected `data.season` to be <= `data.window`."
                              f" Received: season={params['season']}, "
                              f"window={params['window']}")
        used = {}
        for key in ("targets", "features", "categories", "time_column", "id_column"):
            for column in common.names(params[key]):
                if column in used:
                    raise SchemaError(f"data.{key}", f"Expected each column once among "
                                      f"targets, features, categories, time_column and "
                                      f"id_column. "
                                      f"Received: {column!r} in `data.{used[column]}` and "
                                      f"`data.{key}`")
                used[column] = key

    def columns(self, params):
        """The numeric input columns, targets first."""
        return [*common.names(params["targets"]), *common.names(params["features"])]

    def vocabulary(self, params, path=None):
        """`{category column: its sorted distinct values}` over the whole file."""
        path = reading.require_file(path or params["path"])
        key = (reading.file_key(path), tuple(common.names(params["categories"])))
        if key not in _VOCABULARIES:
            found = {}
            for column in common.names(params["categories"]):
                values = reading.light_column(path, column, "data.categories")
                if values is None:  # Parquet: through pyarrow
                    values = reading.as_strings(reading.read_table(
                        path, other=[column], key="data.categories")[1][column], column,
                        path, allow_null=True)
                found[column] = sorted({str(v) for v in values if v is not None and v != ""})
            _VOCABULARIES.clear()
            _VOCABULARIES[key] = found
        return _VOCABULARIES[key]

    def input_names(self, params, vocabulary):
        """Every input column: the numeric ones, then `column=value` per category value."""
        return self.columns(params) + one_hot_names(vocabulary)

    def spec(self, params):
        params = self.with_defaults(params)
        n_targets = len(common.names(params["targets"])) or 1
        inputs = len(self.columns(params)) + (len(one_hot_names(self.vocabulary(params)))
                                              if params["categories"] else 0)
        return DataSpec(input_shape=(params["window"], inputs or 1),
                        output_dim=params["horizon"] * n_targets)

    # ------------------------------------------------------------ reading

    def read(self, params, path, vocabulary=None, dates=None, source_key="data.path"):
        """The table's rows, ordered and cleaned, as `SeriesRows`.

        Args:
            vocabulary: the category values to one-hot (a run's saved ones for new
                data); None: the file's own.
            dates: the training file's reading of its dates (`timestamps.DAY_FIRST` or
                `MONTH_FIRST`), taken for new data that both read.
            source_key: how messages name the file (`--data` for new data).
        """
        columns = self.columns(params)
        categories = list(common.names(params["categories"]))
        if categories and vocabulary is None:
            vocabulary = self.vocabulary(params, path)
        fmt = reading.table_format(path, "auto")
        keys = [params["time_column"], params["id_column"]]
        reading.check_fits(path, fmt, len(columns) + sum(k is not None for k in keys)
                           + len(one_hot_names(vocabulary or {})))
        other = [k for k in keys if k] + categories
        present = reading.table_columns(path)
        for key in ("targets", "features", "categories", "time_column", "id_column"):
            reading.require_columns(path, common.names(params[key]), present, f"data.{key}")
        time_column = params["time_column"]
        time_reader = TimeReader(time_column, path, dates)
        converters = {time_column: time_reader} if time_column else {}
        table, others, rows = reading.read_matrix(path, columns, other, converters,
                                                  key=source_key)
        if categories:
            table = np.hstack([table] + [one_hot(reading.as_strings(
                others.pop(c).combine_chunks(), c, path, allow_null=True), vocabulary[c])
                for c in categories])
            columns = columns + one_hot_names(vocabulary)
        time = others.pop(time_column) if time_column else None
        ids = None
        if params["id_column"]:
            ids = reading.as_strings(others.pop(params["id_column"]).combine_chunks(),
                                     params["id_column"], path)
        rows_of = RowNumbers(rows)  # the file's row of each row kept (0-based)
        order = sort_order(time, ids)
        if order is not None:
            table, rows_of = table[order], rows_of.take(order)
            time = time[order] if time is not None else None
            ids = ids[order] if ids is not None else None
        if time is not None:
            keep = duplicates(time, ids, rows_of, params, path, time_reader.utc)
            if keep is not None:
                table, time, rows_of = table[keep], time[keep], rows_of.take(keep)
                ids = ids[keep] if ids is not None else None
        table, keep, filled = fill_missing(table, columns, ids, rows_of, params["missing"],
                                           path, time)
        if keep is not None:
            rows_of = rows_of.take(keep)
            time = time[keep] if time is not None else None
            ids = ids[keep] if ids is not None else None
        return SeriesRows(table, time, ids, rows_of, time_reader.utc, filled, time_reader.how)

    def load(self, params, split, scale, seed=None):
        """Returns chronological `Splits`; `seed` is unused (the file is the data)."""
        params = self.with_defaults(params)
        path = reading.require_file(params["path"])
        window, horizon, season = params["window"], params["horizon"], params["season"]
        vocabulary = self.vocabulary(params, path) if params["categories"] else {}
        columns = self.input_names(params, vocabulary)
        targets = list(common.names(params["targets"]))
        nt = len(targets)
        table, time, ids, rows_of, utc, filled, dates = self.read(params, path, vocabulary)
        groups = group_bounds(ids, len(table))
        bounds = []
        for name, (lo, hi) in groups:
            n = hi - lo
            need = window + fewest_targets(split, horizon, season)
            if n < need:
                raise UserError(
                    f"{str(path)!r}{series_label(name)} has {n} rows, too few for "
                    f"`data.window`={window}, `data.horizon`={horizon} and `data.split` "
                    f"{split['val']}/{split['test']}: it needs at least {need} rows (a "
                    f"window, then {horizon} or more target rows in each part).")
            train_end, val_end = chronological_split(n - window, split["val"], split["test"])
            bounds.append((lo, {"train": (window, window + train_end),
                                "val": (window + train_end, window + val_end),
                                "test": (window + val_end, n)}))
        train_rows = [table[lo:lo + b["train"][1]] for lo, b in bounds]
        mase = float(np.mean([mase_scale_of([rows[:, j] for rows in train_rows], season,
                                            targets[j]) for j in range(nt)]))
        scaler = common.fit_scaler(scale, train_rows)
        actual = table[:, :nt].copy()  # the test split's `actual`: the file's, not unscaled
        if filled is not None:
            actual[filled[:, :nt]] = np.nan
        common.scale_in_place(table, scaler)
        targets_lib.check_transform(params["target_transform"], table, scale)
        windows = common.window_view(table, window)
        futures = np.lib.stride_tricks.sliding_window_view(table[:, :nt], horizon, axis=0)
        futures = futures.transpose(0, 2, 1)  # (starts, horizon, targets)
        parts = {}
        for part in common._PARTS:
            starts = []
            for (lo, b), (name, _) in zip(bounds, groups):
                p_lo, p_hi = b[part]
                first, stop = p_lo - window, p_hi - window - horizon + 1
                if stop <= first:
                    raise UserError(
                        f"The {part} part of {str(path)!r}{series_label(name)} has "
                        f"{p_hi - p_lo} target rows, too few for `data.horizon`={horizon}. "
                        "Use larger `data.split` fractions, a smaller horizon, or a "
                        "longer file.")
                starts.append((lo + first, lo + stop))
            if part == "test":
                test_labels = functools.partial(_window_labels, starts, window, time, ids,
                                                rows_of, utc, actual, targets, horizon)
            if len(starts) == 1:
                (a, b), = starts
                x = windows[a:b]
                y = np.ascontiguousarray(futures[a + window:b + window]).reshape(b - a, -1)
            else:  # several series: windows are gathered (a copy of this part's windows)
                index = np.concatenate([np.arange(a, b) for a, b in starts])
                x = np.asarray(windows)[index]
                y = np.ascontiguousarray(futures[index + window]).reshape(len(index), -1)
            parts[part] = Split(x, y.astype(np.float32, copy=False))
        out_scaler = tiled(scaler, nt, horizon) if scale else None
        steps = [window - season + (h % season) for h in range(horizon)]

        def baseline(x):
            return np.asarray(x)[:, steps, :nt].reshape(len(x), -1)

        files = reading.file_facts([path])
        preprocessing = common.record(
            inputs={"kind": "series", "path": str(path), "format": reading.table_format(path),
                    "columns": columns, "targets": targets,
                    "time_column": params["time_column"], "id_column": params["id_column"],
                    "window": window, "horizon": horizon,
                    "missing": params["missing"], "duplicates": params["duplicates"],
                    **({"categories": vocabulary} if vocabulary else {}),
                    **({"dates": dates} if dates in DATE_READINGS else {}),
                    "scalers": common.column_scalers(scaler, columns),
                    "dtype": "float32"},
            outputs={"kind": "values", "columns": targets, "horizon": horizon,
                     "layout": "step-major: (horizon, targets) flattened",
                     "scaler": scaler_subset(scaler, nt).get_config(),
                     "target_transform": targets_lib.record(
                         params["target_transform"], horizon, season, nt)})
        return Splits(
            **parts, spec=self.spec(params), baseline_name=baseline_name(season),
            baseline_predict=baseline,
            inverse_transform=out_scaler.inverse_transform if out_scaler else None,
            score_context={"mase_scale": mase}, preprocessing=preprocessing,
            test_labels=test_labels,
            info={"source": str(path), "files": files, "rows": len(table),
                  "series": len(groups), "columns": columns, "targets": targets,
                  "sizes": common.sizes(parts), "scaler": scaler.get_config(),
                  "periods": periods(time, bounds, utc),
                  "target_transform": params["target_transform"],
                  "target_range": targets_lib.range_facts(
                      parts["train"].y, {p: parts[p].y for p in ("val", "test")}, nt),
                  # [lo, hi) row indices of each part's targets (one series): for ETS.
                  **({"target_index": {p: list(v) for p, v in bounds[0][1].items()}}
                     if len(groups) == 1 else {})})

    def series_values(self, params):
        """The target columns in original units, `(rows, targets)`, as `load` orders and
        cleans them (the ETS baseline is fitted on their training part); None for a long
        table (`id_column`: several series)."""
        params = self.with_defaults(params)
        if params["id_column"]:
            return None
        table = self.read(params, reading.require_file(params["path"]))[0]
        return np.asarray(table[:, :len(common.names(params["targets"]))], np.float64)

    def new_inputs(self, params, preprocessing, source):
        """Every full window of a new table (rows as in training), scaled as in training.

        The index is the time (or 1-based row number) the forecast is for: the
        row after the window (the last window's: one median step after the
        file's end); a horizon > 1 covers the rows from there on.
        """
        params = self.with_defaults(params)
        inputs = preprocessing["inputs"]
        path = reading.require_file(source, "--data")
        params = {**params, "missing": inputs.get("missing", params["missing"]),
                  "duplicates": inputs.get("duplicates", params["duplicates"])}
        present = reading.table_columns(path, "auto", "--data")
        vocabulary = inputs.get("categories") or {}
        named = set(one_hot_names(vocabulary))
        needed = [*[c for c in inputs["columns"] if c not in named], *vocabulary,
                  *[c for c in (inputs["time_column"], inputs["id_column"]) if c]]
        for column in needed:
            if column not in present:
                raise UserError(
                    f"Expected {str(path)!r} to have the column {column!r} the run was "
                    f"trained on (inputs: {inputs['columns']}). Received: columns "
                    f"{present}" + reading.did_you_mean(column, present))
        table, time, ids, rows_of, utc, filled, _ = self.read(params, path, vocabulary,
                                                              inputs.get("dates"), "--data")
        scaler = common.scaler_of_columns(inputs["scalers"], inputs["columns"])
        targets = inputs["targets"]  # the first columns of the table, as in training
        values = table[:, :len(targets)].copy()
        if filled is not None:  # `actual` is what the file holds, never a filled-in value
            values[filled[:, :len(targets)]] = np.nan
        common.scale_in_place(table, scaler)
        window = inputs["window"]
        groups = group_bounds(ids, len(table))
        index, starts, followed, daily = [], [], [], dates_only(time)
        for name, (lo, hi) in groups:
            if hi - lo < window:
                raise UserError(f"{str(path)!r}{series_label(name)} has {hi - lo} "
                                f"row{'s' * (hi - lo != 1)}; "
                                f"a forecast needs a window of {window}.")
            # The forecast of a window is for the row after it: the file's next row,
            # or past the end one usual step later.
            starts.extend(range(lo, hi - window + 1))
            index += _row_labels(np.arange(lo + window, hi), time, rows_of, utc, daily)
            index.append(rows_of[hi - 1] + 2 if time is None else
                         time_label(time_after(time[lo:hi]).astype(time.dtype), utc, daily))
            followed.append(_what_followed(values[lo:hi], window, inputs["horizon"]))
        x = np.asarray(common.window_view(table, window))[np.asarray(starts)]
        extra = {"series": [str(ids[s]) for s in starts]} if ids is not None else {}
        extra["actual"] = forecast_columns(
            common.as_written(np.concatenate(followed)), targets,
            inputs["horizon"], word="actual")
        return NewInputs(x=x, index=index, extra=extra)


def _window_labels(starts, window, time, ids, rows_of, utc, actual, targets, horizon):
    """What labels each window of a part (`starts`: `(first, stop)` window starts per
    series): the time (or file row) of its first target, its series and the file's
    values of its targets (`actual`), as `new_inputs` labels a new file's."""
    rows = np.concatenate([np.arange(a, b) for a, b in starts]) + window
    index = _row_labels(rows, time, rows_of, utc, dates_only(time))
    extra = {"series": [str(ids[r]) for r in rows]} if ids is not None else {}
    values = actual[rows[:, None] + np.arange(horizon)]  # (windows, horizon, targets)
    extra["actual"] = forecast_columns(common.as_written(values.reshape(len(rows), -1)),
                                       targets, horizon, word="actual")
    return NewInputs(x=None, index=index, extra=extra)


def _row_labels(rows, time, rows_of, utc, daily):
    """The label of each of `rows` in predictions: its time, or its row of the file (from
    1) without a time column; a panel's series is a column of its own."""
    if time is None:
        return [rows_of[int(r)] + 1 for r in rows]
    return [time_label(time[r], utc, daily) for r in rows]


def time_after(time):
    """The time one usual step after a series' last: by the calendar where its last
    times step evenly in calendar terms (month ends, quarters: pandas' inferred
    frequency, as months differ in days), else one median step later."""
    if len(time) < 2:
        return time[-1] + 1 if len(time) else None
    if time.dtype.kind in "iu" and len(time) >= 3:  # int64 nanoseconds: dates
        import pandas as pd
        tail = pd.DatetimeIndex(time[-12:].astype("datetime64[ns]"))
        try:
            freq = pd.infer_freq(tail)
        except (TypeError, ValueError):
            freq = None
        if freq is not None:
            return np.int64(pd.date_range(tail[-1], periods=2, freq=freq)[1].value)
    return (time[-1] + np.median(np.diff(time))).astype(time.dtype)


def _what_followed(values, window, horizon):
    """The targets of the `horizon` rows after each window of one series' `values`,
    step-major (as a forecast's outputs; windowed as training windows its targets);
    NaN past the series' end (the forecasts beyond the file)."""
    ahead = np.concatenate([values[window:],
                            np.full((horizon, values.shape[1]), np.nan, values.dtype)])
    futures = np.lib.stride_tricks.sliding_window_view(ahead, horizon, axis=0)
    return futures[:len(values) - window + 1].transpose(0, 2, 1).reshape(-1, horizon *
                                                                         values.shape[1])


_VOCABULARIES = {}  # one file's category values at a time: validation reads them often


def one_hot_names(vocabulary):
    """`column=value` for each value of each category column, in order."""
    return [f"{column}={value}" for column, values in vocabulary.items() for value in values]


def one_hot(strings, values):
    """`(rows, len(values))` float32 0/1; a value not in `values` (or empty) is all zeros."""
    index = {value: i for i, value in enumerate(values)}
    out = np.zeros((len(strings), len(values)), np.float32)
    codes = np.array([index.get(str(v), -1) if v is not None else -1 for v in strings])
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    return out


def fewest_targets(split, horizon, season):
    """The fewest target rows whose chronological split leaves every part a window."""
    for m in range(3, 10**7):
        n_val, n_test = int(round(m * split["val"])), int(round(m * split["test"]))
        if min(n_val, n_test) >= horizon and m - n_val - n_test >= max(horizon, season + 1):
            return m
    return 10**7


class RepeatedTimestamps(UserError):
    """A timestamp repeats within a series and `data.duplicates` is `error`.

    Args:
        repeats: how many rows repeat the timestamp of the row before them.
        example: `(timestamp, row, row)` of the first repeat (rows 1-based).
    """

    def __init__(self, message, repeats, example):
        super().__init__(message)
        self.repeats, self.example = repeats, example


class RowNumbers:
    """Which row of the file each row of the table came from, without an index
    array while nothing was reordered or dropped (80 MB for 10M rows)."""

    def __init__(self, rows, index=None):
        self.rows, self.index = rows, index

    def take(self, selection):
        index = np.arange(self.rows) if self.index is None else self.index
        return RowNumbers(self.rows, index[selection])

    def __getitem__(self, i):
        return int(i if self.index is None else self.index[i])


def series_label(name):
    return "" if name is None else f" (series {name!r})"


def parse_time(array, name, path):
    """Timestamps as int64 nanoseconds (or numbers as float64); unparseable: a UserError.

    `array` may be chunked (a streamed CSV): each chunk is converted into the
    result in turn, so only one chunk's temporaries exist at a time.
    """
    import pyarrow as pa
    convert = TimeReader(name, path)
    if isinstance(array, pa.ChunkedArray):
        parts = array.chunks or [pa.array([], array.type)]
        first = convert(parts[0], 0)
        out = np.empty(len(array), first.dtype)
        out[:len(first)] = first
        start = len(first)
        for chunk in parts[1:]:
            out[start:start + len(chunk)] = convert(chunk, start)
            start += len(chunk)
        return out
    return convert(array, 0)


class SeriesRows(typing.NamedTuple):
    """A series table's rows, ordered and cleaned (`FileSeries.read`).

    Attributes:
        table: the values, `(rows, columns)`, targets first.
        time: int64 nanoseconds (UTC where the file gave offsets) or float64
            numbers, one a row; None without a time column.
        ids: the series of each row (`data.id_column`), or None.
        rows_of: the file's row of each row (`RowNumbers`).
        utc: whether the file's times carried UTC offsets (then `time` is UTC).
    """

    table: np.ndarray
    time: typing.Optional[np.ndarray]
    ids: typing.Optional[np.ndarray]
    rows_of: "RowNumbers"
    utc: bool
    # Cells `data.missing` filled in (interpolate, ffill), `(rows, columns)`, or None.
    filled: typing.Optional[np.ndarray] = None
    # How the time column was read (`timestamps.parse`'s reading), or None.
    dates: typing.Optional[str] = None


class TimeReader:
    """Converts the time column's chunks (`read_matrix`'s `converters`), reading every
    chunk as the first was read (day first or month first: `timestamps.parse`).

    Attributes:
        utc: True once a chunk held times with UTC offsets (converted to UTC).
    """

    def __init__(self, name, path, prefer=None):
        self.name, self.path, self.how, self.utc = name, path, None, False
        self.prefer = prefer  # a trained run's reading, for dates both readings read

    def __call__(self, chunk, first_row):
        values, self.how, utc = _parse_time_chunk(chunk, self.name, self.path, first_row,
                                                  self.how, self.prefer)
        self.utc = self.utc or utc
        return values


def _parse_time_chunk(array, name, path, offset, how=None, prefer=None):
    """`(int64 nanoseconds or float64 numbers, the text's reading, whether the times
    had UTC offsets)`: `how` is the `timestamps.parse` reading to apply, None to choose
    it from this chunk (`prefer` where both day and month first read it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if array.null_count:
        row = offset + int(np.flatnonzero(reading._null_mask(array))[0])
        raise UserError(f"Column {name!r} (`data.time_column`) of {str(path)!r} is empty "
                        f"in row {row + 1}. Expected a timestamp in every row.")
    if pa.types.is_time(array.type):  # pyarrow reads `22:00` as a time of day
        raise UserError(f"Expected column {name!r} (`data.time_column`) of {str(path)!r} to "
                        f"hold dates, or dates and times. Received: times of day only "
                        f"({str(array[0].as_py())[:8]!r} in row {offset + 1}), which order no "
                        "rows across midnight: write the date beside each time (2021-01-01 "
                        "22:00), or leave `data.time_column` out to keep the file's row order.")
    if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
        utc = pa.types.is_timestamp(array.type) and array.type.tz is not None
        return pc.cast(pc.cast(array, pa.timestamp("ns")), pa.int64()).to_numpy(), how, utc
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        values = array.to_numpy(zero_copy_only=False)
        if how in (None, timestamps.COMPACT):  # whole numbers that are all yyyymmdd dates
            dates = timestamps.compact_dates(values)
            if dates is not None:
                return dates, timestamps.COMPACT, False
            if how == timestamps.COMPACT:  # the first chunk's were: so must these be
                row = offset + int(np.flatnonzero([timestamps.compact_dates([v]) is None
                                                   for v in values])[0])
                raise UserError(f"Expected column {name!r} (`data.time_column`) of "
                                f"{str(path)!r} to hold dates written yyyymmdd, as its first "
                                f"rows do. Received: {values[row - offset]!r} in row "
                                f"{row + 1}, which is not one.")
        # Every later chunk is read as numbers too, even one whose values look like dates.
        return values.astype(np.float64), timestamps.NUMBERS, False
    import pandas as pd
    text = pd.Series(array.to_numpy(zero_copy_only=False))
    parsed, how = timestamps.parse(text, how, prefer)
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise UserError(f"Expected column {name!r} (`data.time_column`) of {str(path)!r} to "
                        f"hold dates or times. Received: {text.iloc[row]!r} in row "
                        f"{offset + row + 1}, "
                        "which does not parse as one.")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    # Whether the times carry offsets, from a chunk's first cell: a regex over every cell
    # of a 10M-row file would cost seconds, and an exporter writes them on all or none.
    return (parsed.to_numpy("datetime64[ns]").astype(np.int64), how,
            timestamps.has_offset(text.iloc[0]) if len(text) else False)


NS_PER_DAY = 86_400 * 10**9


def dates_only(time):
    """Whether every time of `time` (int64 nanoseconds) is a midnight: a daily series,
    labelled by dates; an hourly one keeps `T00:00:00` at midnight like every hour."""
    return time is not None and time.dtype.kind in "iu" and \
        bool(np.all(time % NS_PER_DAY == 0))


def time_label(value, utc=False, date_alone=None):
    """A time as predictions and messages show it: ISO 8601 (with `Z` when the file's
    times had UTC offsets), or the number itself.

    Args:
        date_alone: whether to drop `T00:00:00` (the series' `dates_only`); None: at any
            midnight, for a time shown alone.
    """
    if isinstance(value, (np.integer, int)):
        text = str(np.datetime64(int(value), "ns").astype("datetime64[s]"))
        if utc:
            return text + "Z"
        midnight = text.endswith("T00:00:00")
        return text.replace("T00:00:00", "") if (
            midnight if date_alone is None else date_alone) else text
    value = float(value)
    return int(value) if value.is_integer() else value


def sort_order(time, ids):
    """The stable order by (id, time), or None when the rows are in it already."""
    if time is None and ids is None:
        return None
    if ids is None:
        if np.all(time[1:] >= time[:-1]):
            return None
        return np.argsort(time, kind="stable")
    keys = [time] if time is not None else []
    codes = np.unique(ids, return_inverse=True)[1]
    same = codes[1:] == codes[:-1]
    ordered = np.all(codes[1:] >= codes[:-1]) and (
        time is None or np.all(time[1:][same] >= time[:-1][same]))
    return None if ordered else np.lexsort((*keys, codes))


def duplicates(time, ids, rows_of, params, path, utc=False):
    """Rows to keep when timestamps repeat (in a series), or None when none repeat.

    Args:
        utc: whether the file's times had UTC offsets: a repeat is named in UTC (`Z`).
    """
    same = time[1:] == time[:-1]
    if ids is not None:
        same &= ids[1:] == ids[:-1]
    if not same.any():
        return None
    if params["duplicates"] == "error":
        i = int(np.argmax(same))
        raise RepeatedTimestamps(
            f"Column {params['time_column']!r} of {str(path)!r} repeats the timestamp "
            f"{time_label(time[i], utc)!r} in rows {rows_of[i] + 1} and {rows_of[i + 1] + 1} "
            f"({int(same.sum())} repeats in all). Set `data.duplicates` to first or last "
            "to keep one row of each, or fix the file.",
            repeats=int(same.sum()), example=(time_label(time[i], utc), rows_of[i] + 1,
                                              rows_of[i + 1] + 1))
    keep = np.ones(len(time), bool)
    if params["duplicates"] == "first":
        keep[1:][same] = False
    else:
        keep[:-1][same] = False
    return keep


def fill_missing(table, columns, ids, rows_of, policy, path, time=None):
    """Applies `data.missing` to non-finite cells.

    Returns:
        `(table, kept rows or None, the cells filled in or None)`; `interpolate` is
        linear in `time` (in row order without one), a series' first or last gap
        taking its nearest value.
    """
    if all(np.isfinite(table[i:i + (1 << 20)]).all() for i in range(0, len(table), 1 << 20)):
        return table, None, None  # checked in blocks: no (rows, features) mask for a clean file
    bad = ~np.isfinite(table)
    if policy == "error":
        row, col = map(int, np.argwhere(bad)[0])
        found = "an infinite value" if np.isinf(table[row, col]) else \
            "a missing value (empty, NA or NaN)"
        raise UserError(
            f"Column {columns[col]!r} of {str(path)!r} has {found} in row "
            f"{rows_of[row] + 1} ({reading.cells(int(bad.sum()))} in all). Set `data.missing` "
            "to drop, ffill or interpolate in the experiment (a trained run's `predict` "
            "keeps the setting it was trained with), or fill the cells in.")
    if policy == "drop":
        keep = ~bad.any(axis=1)
        return table[keep], keep, None
    if policy == "interpolate":
        table = _interpolated(np.array(table, np.float32), bad, ids, time)
    else:
        import pandas as pd
        frame = pd.DataFrame(np.where(bad, np.nan, table), columns=range(table.shape[1]))
        grouped = frame.groupby(ids, sort=False) if ids is not None else frame
        table = grouped.ffill().to_numpy(np.float32, copy=True)  # pandas 3: read-only views
    keep = np.isfinite(table).all(axis=1)  # leading gaps ffill cannot fill
    return (table[keep], keep, bad[keep]) if not keep.all() else (table, None, bad)


def _interpolated(table, bad, ids, time):
    """`table` with its `bad` cells linear in `time` (row numbers without one) between
    each series' neighbouring values; a series' first or last gap takes its nearest."""
    x = np.arange(len(table), dtype=np.float64) if time is None else time.astype(np.float64)
    for _, (lo, hi) in group_bounds(ids, len(table)):  # sorted: a series' rows in a run
        rows = np.arange(lo, hi)
        for col in np.flatnonzero(bad[lo:hi].any(axis=0)):
            gap = bad[rows, col]
            if gap.all():
                continue  # no value to fill from: the row is dropped
            known = rows[~gap]
            table[rows[gap], col] = np.interp(x[rows[gap]], x[known], table[known, col])
    return table


def group_bounds(ids, rows):
    """`[(series name or None, (lo, hi))]` of consecutive runs of one id."""
    if ids is None:
        return [(None, (0, rows))]
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    edges = [0, *change.tolist(), rows]
    return [(str(ids[lo]), (lo, hi)) for lo, hi in zip(edges[:-1], edges[1:])]


def mase_scale_of(values, season, target):
    """The in-sample seasonal-naive MAE of a target's training rows (per series)."""
    block = 1 << 20

    def block_sum(start):  # in blocks: no float64 copy of a long training part
        v, i = start
        n = min(block, len(v) - i)
        now = parallel.scratch((n,), np.float64)
        np.subtract(v[i:i + n], v[i - season:i - season + n], out=now, dtype=np.float64)
        return float(np.abs(now, out=now).sum()), n
    starts = [(v, i) for v in values for i in range(season, len(v), block)]
    total, count = 0.0, 0
    for block_total, n in parallel.in_threads(block_sum, starts):  # summed in order
        total += block_total
        count += n
    scale = total / count if count else 0.0
    if scale == 0 and all(np.ptp(v) == 0 for v in values if len(v)):
        raise UserError(f"Expected target {target!r} to vary over its training rows. "
                        f"Received: the same value in every one: there is nothing to "
                        f"forecast (persistence is exact, and MASE undefined). Use another "
                        f"target column.")
    if scale == 0:
        raise UserError(f"The training rows of target {target!r} are constant at lag "
                        f"`data.season` ({season}); MASE is undefined. Use another target "
                        f"or season.")
    return scale


def scaler_subset(scaler, n):
    """The scaler of the first `n` features (the targets)."""
    config = scaler.get_config()
    return Scaler.from_config({k: (v[:n] if isinstance(v, list) else v)
                               for k, v in config.items()})


def tiled(scaler, n_targets, horizon):
    """The targets' scaler repeated over the horizon, for `(N, horizon * targets)` arrays."""
    config = scaler_subset(scaler, n_targets).get_config()
    return Scaler.from_config({k: (v * horizon if isinstance(v, list) else v)
                               for k, v in config.items()})


def periods(time, bounds, utc=False):
    """Each part's first and last target timestamp over every series, for the manifest
    and `check` (a panel's stores may start and end apart)."""
    if time is None:
        return None
    daily = dates_only(time)
    out = {}
    for part in bounds[0][1]:
        spans = [(lo + a, lo + z - 1) for lo, b in bounds for a, z in [b[part]] if z > a]
        if spans:
            out[part] = [time_label(min(time[a] for a, _ in spans), utc, daily),
                         time_label(max(time[z] for _, z in spans), utc, daily)]
    return out
