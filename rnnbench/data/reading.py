"""Reading new data for `rnnbench predict`, with the preprocessing a run fitted.

The built-in datasets' `new_inputs` share these readers: a series from a CSV
or Parquet table, documents from a text file, a table or a folder, and
arrays from an `.npz`. Nothing is fitted here: every transform comes from
the run's `preprocessing.json` (`rnnbench.data.base.PREPROCESSING_FORMAT`).
Heavy imports (pandas, keras) happen inside the functions.
"""

from pathlib import Path

import numpy as np

from rnnbench.data.base import NewInputs
from rnnbench.data.preprocessing import Scaler
from rnnbench.errors import UserError

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")
TEXT_COLUMN, LABEL_COLUMN = "text", "label"


def existing(source, allowed):
    """`source` as a Path; refuses a missing one or one of another kind.

    Args:
        allowed: the suffixes this dataset reads (".csv", ...), "folder" for a
            folder of text files.
    """
    path = Path(source)
    if not path.exists():
        raise UserError(f"Expected `--data` to be an existing file. Received: {str(source)!r} "
                        "(no such file or folder)")
    kind = "folder" if path.is_dir() else path.suffix.lower()
    if kind not in allowed:
        raise UserError(f"Expected `--data` to be one of {list(allowed)} for this run's "
                        f"dataset. Received: {str(source)!r}")
    return path


def read_table(path):
    """A CSV, TSV or Parquet file as a pandas DataFrame (UserError when unreadable)."""
    import pandas as pd
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        from rnnbench.data.own import dialect
        from rnnbench.data.own import reading as own_reading
        found = dialect.of_file(path)  # `;`, tab or `|`, a decimal comma: as own tables
        # `1,234.5` and `$3.50` are read as text, then as numbers where every cell is
        # one (pandas' own `thousands=` reads the date `18.02.2020` as 18022020).
        frame = pd.read_csv(path, sep=found.delimiter, decimal=found.decimal,
                            skiprows=found.skip_lines,
                            dtype=str if found.numbers_as_text else None,
                            na_values=list(dialect.MISSING_MARKS),
                            skipinitialspace=bool(found.names))
        return own_reading.convert_number_columns(frame, found)
    except ImportError as e:
        raise UserError(f"Reading {path} needs a Parquet engine ({e}). Install one with: "
                        "pip install pyarrow") from None
    except (ValueError, OSError, UnicodeDecodeError) as e:
        raise UserError(f"Could not read {path} as a table: {e}") from None


# ------------------------------------------------------------------ series


def series_inputs(source, preprocessing):
    """Windows of a new series, scaled as in training, one per forecast origin.

    The file is a table with the run's value column (or a single numeric
    column) and, optionally, its time column. Window `i` holds values
    `i .. i + window - 1` and forecasts the `horizon` values after them; the
    last window forecasts past the end of the file.

    Returns:
        `NewInputs`: `index` is the time label of each window's first
        forecast step (extrapolated past the file's end where the labels
        have a regular step, else empty); `extra` holds the actual values
        where the file has them (`actual`, or `actual_K` for step K).
    """
    inputs = preprocessing["inputs"]
    window, horizon = inputs["window"], inputs["horizon"]
    path = existing(source, TABLE_SUFFIXES)
    frame = read_table(path)
    column = value_column(frame, inputs, path)
    time_column = inputs.get("time_column")
    try:
        values = frame[column].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise UserError(f"Expected column {column!r} of {path} to hold numbers. Received "
                        f"values such as {frame[column].iloc[:3].tolist()}") from None
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise UserError(f"Expected every value of column {column!r} of {path} to be a "
                        f"finite number. Received: {frame[column].iloc[bad]!r} in data row "
                        f"{bad + 1}")
    if len(values) < window:
        raise UserError(f"Expected at least `data.window`={window} values in {path}, the "
                        f"run's input window. Received: {len(values)}")
    labels = (list(frame[time_column]) if time_column and time_column in frame.columns
              else list(range(len(values))))
    scaler = Scaler.from_config(inputs["scalers"][inputs["columns"][0]])
    scaled = scaler.transform(values)
    n = len(values) - window + 1
    x = np.lib.stride_tricks.sliding_window_view(scaled, window)[:n]
    x = np.ascontiguousarray(x[:, :, None]).astype(np.float32)
    labels = labels + future_labels(labels, horizon)
    index = [labels[i + window] if i + window < len(labels) else None for i in range(n)]
    actual = np.full((n, horizon), np.nan)
    for k in range(horizon):
        known = np.arange(n) + window + k < len(values)
        actual[known, k] = values[np.arange(n)[known] + window + k]
    return NewInputs(x=x, index=index, extra={"actual": actual})


def value_column(frame, inputs, path):
    """The column of `frame` that holds the series the run was trained on."""
    wanted = inputs["columns"][0]
    if wanted in frame.columns:
        return wanted
    numeric = [c for c in frame.columns if c != inputs.get("time_column")
               and np.issubdtype(frame[c].dtype, np.number)]
    if len(numeric) == 1:
        return numeric[0]
    raise UserError(f"Expected {path} to have the run's value column {wanted!r} (or a single "
                    f"numeric column). Received columns: {[str(c) for c in frame.columns]}")


def future_labels(labels, count):
    """The `count` time labels after `labels`, when they step regularly; else Nones."""
    import pandas as pd
    if len(labels) >= 2 and all(isinstance(v, (int, np.integer)) for v in labels[-2:]):
        step = int(labels[-1]) - int(labels[-2])
        return [int(labels[-1]) + step * (k + 1) for k in range(count)]
    try:
        times = pd.DatetimeIndex(pd.to_datetime(pd.Series(labels[-12:]).astype(str)))
        freq = pd.infer_freq(times) if len(times) >= 3 else None
    except (ValueError, TypeError):
        freq = None
    if freq is None:
        return [None] * count
    future = pd.date_range(times[-1], periods=count + 1, freq=freq)[1:]
    text = str(labels[-1])
    return [t.strftime("%Y-%m") if len(text) == 7 else t.date().isoformat()
            if len(text) == 10 else t.isoformat() for t in future]


# ------------------------------------------------------------------ documents


def non_blank_lines(text):
    """`(lines, line numbers from 1)` of the lines of `text` that are not blank: a text
    file of one document per line, each labelled by its line in the file."""
    lines = text.splitlines()
    numbers = [i + 1 for i, line in enumerate(lines) if line.strip()]
    return [lines[i - 1] for i in numbers], numbers


def read_documents(source, label_names=None):
    """Documents from a text file (one per line), a table or a folder of `.txt` files.

    A table needs a `text` column (or a single text column); a `label` column,
    when present, is checked against `label_names` and carried as `label`. In
    a folder, each `.txt` file is one document, named by its path; files in
    subfolders take the subfolder's name as their label.

    Returns:
        `(texts, index, extra)`.
    """
    path = existing(source, (".txt", *TABLE_SUFFIXES, "folder"))
    extra = {}
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        if not files:
            raise UserError(f"Expected `.txt` files in the folder {path}. Received none")
        texts = [read_text(p) for p in files]
        index = [str(p.relative_to(path)) for p in files]
        labels = [p.parent.name for p in files if p.parent != path]
        if len(labels) == len(files):
            extra[LABEL_COLUMN] = check_labels(labels, label_names, path)
        return texts, index, extra
    if path.suffix.lower() == ".txt":
        texts, numbers = non_blank_lines(read_text(path))
        if not texts:
            raise UserError(f"Expected at least one non-blank line in {path}. Received none")
        return texts, numbers, extra
    frame = read_table(path)
    column = TEXT_COLUMN if TEXT_COLUMN in frame.columns else None
    if column is None:
        strings = [c for c in frame.columns if frame[c].dtype == object and c != LABEL_COLUMN]
        if len(strings) != 1:
            raise UserError(f"Expected {path} to have a `{TEXT_COLUMN}` column (or a single "
                            f"text column). Received columns: "
                            f"{[str(c) for c in frame.columns]}")
        column = strings[0]
    texts = frame[column].fillna("").astype(str).tolist()
    extra[column] = texts
    if LABEL_COLUMN in frame.columns:
        extra[LABEL_COLUMN] = check_labels(frame[LABEL_COLUMN].astype(str).tolist(),
                                           label_names, path)
    return texts, list(range(1, len(texts) + 1)), extra


def read_text(path):
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def check_labels(labels, label_names, path):
    """`labels`, refused when one is outside the run's label space."""
    if label_names is not None:
        unknown = sorted(set(labels) - set(label_names))
        if unknown:
            raise UserError(f"Expected the labels of {path} to be among the run's classes "
                            f"{list(label_names)}. Received: {unknown[:10]}")
    return labels


def word_tokens(texts, inputs):
    """Token ids of `texts` through a `TextVectorization` with the run's vocabulary."""
    import keras
    vectorizer = keras.layers.TextVectorization(
        output_mode="int", output_sequence_length=inputs["max_length"],
        standardize=inputs.get("standardize", "lower_and_strip_punctuation"),
        split=inputs.get("split", "whitespace"), vocabulary=inputs["vocabulary"])
    texts = np.array(texts, dtype=object)
    return np.concatenate([np.asarray(vectorizer(texts[i:i + 4096]))
                           for i in range(0, len(texts), 4096)]).astype(np.int32)


# ------------------------------------------------------------------ arrays


def array_inputs(source, preprocessing, label_names=None):
    """Model inputs from an `.npz` holding `x` (raw, unscaled), and `y` optionally.

    `x` has one sample per row, shaped like the run's inputs
    (`preprocessing["inputs"]["shape"]`, None meaning any length; a missing
    last axis of size 1 is added). The run's scaler is applied per feature;
    NaN steps (padding of shorter series) become the mask value.
    """
    inputs = preprocessing["inputs"]
    path = existing(source, (".npz",))
    try:
        with np.load(path, allow_pickle=False) as arrays:
            found = dict(arrays)
    except (OSError, ValueError) as e:
        raise UserError(f"Could not read {path} as an .npz file: {e}") from None
    if "x" not in found and len(found) != 1:
        raise UserError(f"Expected {path} to hold an array named `x` (the inputs). Received "
                        f"arrays: {sorted(found)}")
    x = np.asarray(found.get("x", next(iter(found.values()))))
    shape = tuple(inputs["shape"])
    if x.ndim == len(shape) and len(shape) > 1 and shape[-1] == 1:
        x = x[..., None]
    if x.ndim != len(shape) + 1 or any(
            want is not None and got != want for want, got in zip(shape, x.shape[1:])):
        raise UserError(f"Expected `x` in {path} to have shape (samples, "
                        f"{', '.join('any' if s is None else str(s) for s in shape)}), as the "
                        f"run's inputs. Received: {x.shape}")
    if inputs.get("dtype") == "int32":
        if not np.issubdtype(x.dtype, np.integer) or x.min(initial=0) < 0 \
                or x.max(initial=0) >= inputs["vocab_size"]:
            raise UserError(f"Expected `x` in {path} to hold integer token ids in "
                            f"[0, {inputs['vocab_size']}). Received dtype {x.dtype}, values "
                            f"{x.min(initial=0)}..{x.max(initial=0)}")
        x = x.astype(np.int32)
    else:
        x = x.astype(np.float64)
        padding = np.all(np.isnan(x), axis=-1)
        if inputs.get("scaler"):
            x = Scaler.from_config(inputs["scaler"]).transform(x)
        if "mask_value" in inputs:
            x[padding] = inputs["mask_value"]
        if not np.all(np.isfinite(x)):
            raise UserError(f"Expected `x` in {path} to hold finite numbers (NaN only for "
                            "whole padded steps). Received other NaN or inf values")
        x = x.astype(np.float32)
    extra = {}
    if "y" in found:
        y = np.asarray(found["y"])
        if label_names is not None:
            names = [label_names[int(v)] if np.issubdtype(y.dtype, np.integer)
                     and 0 <= int(v) < len(label_names) else str(v) for v in y.reshape(len(y))]
            extra["actual"] = check_labels(names, label_names, path)
        elif y.ndim <= 2:
            extra["actual"] = y.reshape(len(y), -1)
    return NewInputs(x=x, index=list(range(len(x))), extra=extra)
