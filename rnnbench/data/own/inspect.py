"""What a user's file holds, for `rnnbench new` (which `data:` block fits) and `check`.

`inspect(path)` reads a table's columns and a sample of its rows (all rows
are counted), a text's characters, or an array file's shapes, into an
`Inspection`; `choose.py` picks the file dataset and its keys from it.
"""

import csv
import dataclasses
import datetime
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from rnnbench.data.own import dialect, reading, tables, text_files, timestamps
from rnnbench.errors import UserError

ARRAY_SUFFIXES = (".npz", ".npy")

SAMPLE_ROWS = 200_000
TIME_NAMES = re.compile(r"^(date|time|timestamp|datetime|day|ds|period|month|year)$|"
                        r"(_date|_time|_at)$", re.IGNORECASE)


@dataclasses.dataclass
class Column:
    name: str
    # "number", "integer", "time", "text", "category", "sequence" (in a cell), or
    # "empty" (no value in the sample: read as nothing, never a feature).
    kind: str
    distinct: int
    example: Any
    mean_words: float = 0.0
    # Of a text column: whether its words run together (`unspaced`), so `new` reads
    # it by characters, and its mean characters per row.
    unspaced: bool = False
    mean_chars: float = 0.0
    # Of a text column: its distinct tokens (lower-cased words, or characters where
    # unspaced), which bound the vocabulary a classifier can use.
    tokens: int = 0
    # Of a numeric column: the correlation of each row's value with the next row's, in
    # file order (near 0 for independent samples, high along a series), or None.
    lag1: Optional[float] = None
    # Strictly increasing over the sample: a row counter or a clock, never a feature
    # (its test part lies outside its training range by construction).
    counter: bool = False
    # A column of mostly numbers (at least 9 in 10 cells) read as categories: how many
    # of its sampled cells are not numbers, and the first of them (`12%`, `n.a.`).
    strays: int = 0
    stray: Any = None


@dataclasses.dataclass
class Inspection:
    """What `inspect` found: the file kind and its facts."""

    path: Path
    kind: str  # "table", "text", "arrays", "table files" (a sequence a file)
    rows: int = 0
    columns: List[Column] = dataclasses.field(default_factory=list)
    time_column: Optional[str] = None
    facts: Dict[str, Any] = dataclasses.field(default_factory=dict)
    # The time column is only a column of numbers that always grows (a row id, maybe).
    time_is_counter: bool = False

    def column(self, name):
        for c in self.columns:
            if c.name == name:
                return c
        names = [c.name for c in self.columns]
        raise UserError(f"Expected `--target` to be a column of {str(self.path)!r}. Received: "
                        f"{name!r}; the columns are {names}" + reading.did_you_mean(name, names))

    def lines(self):
        """The inspection as lines for the terminal."""
        out = [f"{self.path}: {self.kind}"]
        if self.kind in ("table", "table files"):
            out.append(f"  rows: {self.rows:,}" + " (of the first file)" * (
                self.kind == "table files"))
            for c in self.columns:
                if c.kind == "empty":
                    out.append(f"  column {c.name!r}: empty (no value in the sample)")
                    continue
                extra = f", {c.mean_words:.1f} words per row" if c.kind == "text" else \
                    f", {c.mean_words:.1f} numbers per row" if c.kind == "sequence" else ""
                out.append(f"  column {c.name!r}: {c.kind} ({c.distinct:,} distinct in the "
                           f"sample{extra}), e.g. {c.example!r}")
            if self.time_column:
                out.append(f"  time column: {self.time_column!r}" +
                           " (a number that only grows)" * self.time_is_counter)
        for key, value in self.facts.items():
            if not key.startswith("_"):  # "_name": for `choose`, not shown
                out.append(f"  {key}: {value}")
        return out


def inspect(path, target=None):
    """Inspects a table, a text (file, folder, glob) or an array file.

    Args:
        target: `new`'s `--target`, which names an array file's labels.
    """
    text = str(path)
    name = text.lower()
    if reading.has_glob(text) or Path(text).is_dir():
        tables = reading.labelled_folder(text, reading.TABLE_SUFFIXES)
        if tables and not text_files.labelled_folder(text):
            return inspect_table_files(text, *tables)
        _refuse_loose_tables(text)
        return inspect_text(text)
    if name.endswith(reading.TEXT_SUFFIXES):
        # A `.txt` of columns (an instrument's export) is a table; so is one whose
        # column `--target` names. Otherwise it is text to model.
        if target is None and not dialect.is_table(reading.require_file(text, "--data")):
            return inspect_text(text)
        return inspect_table(text)
    if name.endswith(ARRAY_SUFFIXES):
        return inspect_arrays(text, target)
    return inspect_table(text)


# Scripts written without spaces between words: CJK ideographs, kana, Thai, Lao, Khmer.
_UNSPACED = re.compile("[\u0e00-\u0eff\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                       "\u4e00-\u9fff\uf900-\ufaff]")


def unspaced(texts):
    """Whether `texts` are mostly in a script written without spaces between words.

    Split on spaces, their "words" would be whole phrases, each seen once:
    `new` then reads them by characters.
    """
    sample = "".join(texts)
    letters = sum(not c.isspace() for c in sample)
    return bool(letters) and len(_UNSPACED.findall(sample)) > 0.3 * letters


def _refuse_loose_tables(path):
    """Refuses a folder (or glob) of tables not in class subfolders: read as one text, a
    character language model of their cells was written. One command joins them."""
    files = reading.source_files(path, "--data", empty_ok=True)
    if not files or not all(f.name.lower().endswith(reading.TABLE_SUFFIXES) for f in files):
        return
    folder = Path(path) if Path(path).is_dir() else files[0].parent
    pattern = f"*{''.join(files[0].suffixes)}"
    raise UserError(
        f"Expected one table, or tables in a subfolder per class (a sequence a file, to "
        f"classify). Received: {str(path)!r}, {len(files)} tables side by side, e.g. "
        f"{files[0].name!r}. Several series (a file per store or sensor) are one table "
        f"with a column naming the file, which `new` reads as a panel: python -c \"import "
        f"pandas as pd, pathlib; pd.concat(pd.read_csv(f).assign(series=f.stem) for f in "
        f"sorted(pathlib.Path('{folder}').glob('{pattern}'))).to_csv('{folder.name}.csv', "
        f"index=False)\", then rnnbench new NAME --data {folder.name}.csv --target COLUMN")


def inspect_table_files(path, files, labels):
    """A folder of tables in class subfolders, a sequence a file: the first file's columns."""
    first = inspect_table(files[0])
    names, counts = np.unique(labels, return_counts=True)
    facts = {"files": len(files), "classes (subfolders)": dict(zip(names.tolist(),
                                                                   counts.tolist()))}
    return dataclasses.replace(first, path=Path(path), kind="table files",
                               facts={**facts, **first.facts})


def inspect_text(path):
    labelled = text_files.labelled_folder(path)
    files = labelled[0] if labelled else reading.source_files(path, empty_ok=True)
    texts = text_files.read_documents(files, "--data")
    text = "\n".join(texts)
    if not text.strip():
        raise UserError(f"Expected {path!r} to hold text. Received: only whitespace.")
    facts = {"files": len(files), "characters": len(text), "words": len(text.split()),
             "distinct characters": len(set(text))}
    if labelled:  # a subfolder per class: documents to classify
        names, counts = np.unique(labelled[1], return_counts=True)
        facts["classes (subfolders)"] = dict(zip(names.tolist(), counts.tolist()))
        facts["words per document"] = round(facts["words"] / len(files), 1)
        if unspaced(texts[:1000]):
            facts["characters per document"] = round(sum(map(len, texts)) / len(files), 1)
        facts["distinct tokens"] = distinct_tokens(
            texts, "characters per document" in facts)
    return Inspection(Path(path), "text", facts=facts)


# Characters a row from which a column in such a script reads as texts (like 4 words).
UNSPACED_TEXT_CHARS = 8


def distinct_tokens(texts, by_characters):
    """How many distinct tokens `texts` hold, as `file_text` reads them (lower-cased
    words without punctuation, or characters)."""
    level = "char" if by_characters else "word"
    seen = set()
    for text in texts:
        seen.update(text_files.tokenize(str(text), level, True))
    return len(seen)


def inspect_arrays(path, target=None):
    """An `.npz`'s arrays (or an `.npy` and its labels' `.npy`), and its classes.

    Args:
        target: `new`'s `--target`: the labels' array in an `.npz`, or the
            labels' `.npy` beside an inputs `.npy` (else one named like it,
            `y.npy` for `x.npy`).
    """
    from rnnbench.data.own import labelled
    from rnnbench.data.own.arrays import (class_ids_of_one_hot, labels_per_sample,
                                          read_arrays)
    # read as a run reads them: plain arrays only, an object (pickled) array refused
    if path.endswith(".npy"):
        y_path = labels_file(path, target)
        arrays = dict(read_arrays(path, str(y_path)))
        facts = {"array 'x'": f"{arrays['x'].dtype} {arrays['x'].shape}",
                 "labels": f"{y_path} ({arrays['y'].dtype} {arrays['y'].shape})",
                 "_y_path": str(y_path)}
    else:
        arrays = read_arrays(path)
        facts = {f"array {k!r}": f"{v.dtype} {v.shape}" for k, v in arrays.items()}
    x_key, y_key = array_keys(path, arrays, None if path.endswith(".npy") else target)
    facts.update(_x_key=x_key, _y_key=y_key)
    y = arrays.get(y_key, arrays.get(f"{y_key}_train"))
    empty = None if y is None else labelled.unlabelled_mask(y)
    if empty is not None and empty.any() and not empty.all():
        # NaN labels: the samples the user wants labelled, not a regression target
        facts.update(unlabelled=f"{int(empty.sum())} samples (NaN labels)",
                     _unlabelled=int(empty.sum()), _samples=len(y))
        y = y[~empty]
    ids = None if y is None else class_ids_of_one_hot(y)
    if ids is not None and ids.ndim < y.ndim:
        facts["labels"] = f"one-hot, {y.shape[1]} classes (read as class ids)"
        y = ids
    x = arrays.get(x_key, arrays.get(f"{x_key}_train"))
    if y is not None and labels_per_sample(y) > 1:
        if y.dtype.kind in "iubUSO" and x is not None and y.shape[:2] == x.shape[:2] and \
                y.ndim <= 2 + (y.ndim == 3 and y.shape[2] == 1):
            labels = y.reshape(y.shape[:2])  # a class at every step (NaN padding aside)
            real = ~np.isnan(x.reshape(*x.shape[:2], -1)).all(axis=-1) \
                if x.dtype.kind == "f" else np.ones(y.shape[:2], bool)
            values, counts = np.unique(labels[real].astype(str), return_counts=True)
            facts["classes by step"] = dict(zip(values.tolist(), counts.tolist()))
        elif y.dtype.kind in "iubUSO":  # labels, not measurements: say why it is not classify
            facts["_labels_per_sample"] = labels_per_sample(y)
    elif y is not None and (y.dtype.kind in "iubUSO" or _whole_classes(y)):
        y = y.astype(np.int64) if y.dtype.kind == "f" else y
        values, counts = np.unique(y.astype(str) if y.dtype.kind == "O" else y,
                                   return_counts=True)
        facts["classes"] = dict(zip(values.tolist(), counts.tolist()))
    # measurements or counts, in any units: scaled (0/1 flags are left as they are)
    facts["_x_scaled"] = x is not None and x.dtype.kind in "fiu"
    return Inspection(Path(path), "arrays", facts=facts)


MAX_FLOAT_CLASSES = 20  # float labels of at most this many whole numbers are classes


def _whole_classes(y):
    """Whether float labels are class ids saved as floats (0.0, 1.0, 2.0), as a NumPy
    file of labels with NaN for the unknown ones holds them."""
    y = np.asarray(y)
    return y.dtype.kind == "f" and y.ndim == 1 and bool(np.all(np.isfinite(y))) and \
        bool(np.all(y == np.round(y))) and len(np.unique(y)) <= MAX_FLOAT_CLASSES


# An inputs `.npy`'s stem -> its labels' stem, tried in order (`X_train` -> `y_train`).
_LABEL_STEMS = (("x", "y"), ("X", "y"), ("X", "Y"), ("features", "labels"),
                ("inputs", "targets"), ("inputs", "labels"), ("data", "labels"))


def labels_file(path, target=None):
    """The labels' `.npy` of the inputs `.npy` at `path`: `target`, or one named like it."""
    path = Path(path)
    if target:
        found = Path(target) if Path(target).is_absolute() else Path.cwd() / target
        if not found.is_file() and (path.parent / target).is_file():
            found = path.parent / target
        if not found.is_file() or found.suffix != ".npy":
            raise UserError(f"Expected `--target` to be the labels' .npy of {str(path)!r}. "
                            f"Received: {target!r}, which is not a .npy file there")
        return found
    for x_name, y_name in _LABEL_STEMS:
        if path.stem.startswith(x_name):
            found = path.with_name(y_name + path.stem[len(x_name):] + ".npy")
            if found.is_file():
                return found
    raise UserError(f"Expected the labels of {str(path)!r} (one label or value per sample) "
                    f"as `--target LABELS.npy`. Received: no `--target`, and no labels' .npy "
                    f"named like it beside it (e.g. y.npy for x.npy, y_train.npy for "
                    f"X_train.npy)" + _series_hint(path))


def _series_hint(path):
    """For a lone 1-D array, or a 2-D one of (time, features): how to forecast it."""
    try:
        shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
    except (OSError, ValueError):
        return ""
    if len(shape) not in (1, 2):
        return ""
    return (f". A {'1-D array' if len(shape) == 1 else '2-D array of (time, features)'} "
            f"{tuple(shape)} without labels reads as a series to forecast, which rnnbench "
            f"takes from a table: save it as one first, e.g. python -c \"import numpy as np, "
            f"pandas as pd; pd.DataFrame(np.load('{path.name}')).to_csv('{path.stem}.csv', "
            f"index=False)\", then rnnbench new NAME --data {path.stem}.csv --target 0")


def array_keys(path, arrays, target=None):
    """`(x_key, y_key)` of an `.npz`: `x`/`y` (any case), `--target` and the one other
    array, or the only two arrays of as many samples (the labels: fewer dimensions).

    Keys with `_train`, `_val`, `_test` count by their stem (`feats_train` -> `feats`).
    """
    stems = {}
    for key in arrays:
        stem = next((key[:-len(s)] for s in ("_train", "_val", "_test") if key.endswith(s)),
                    key)
        stems.setdefault(stem, arrays[key])
    names = list(stems)
    if target is not None:
        if target not in stems:
            raise UserError(f"Expected `--target` to name the labels' array in {str(path)!r}. "
                            f"Received: {target!r}; the arrays are {sorted(names)}"
                            + reading.did_you_mean(target, names))
        others = [k for k in names if k != target]
        x_key = next((k for k in others if k.lower() == "x"), others[0] if len(others) == 1
                     else None)
        if x_key is None:
            raise UserError(f"Expected {str(path)!r} to hold one array of inputs beside "
                            f"{target!r} (or one named `x`). Received: arrays {sorted(names)}")
        return x_key, target
    x_key, y_key = (next((k for k in names if k.lower() == w), None) for w in ("x", "y"))
    if x_key and y_key:
        return x_key, y_key
    if len(names) == 2:  # as many samples; the labels have fewer dimensions
        y_key, x_key = sorted(names, key=lambda k: stems[k].ndim)
        if len(stems[x_key]) == len(stems[y_key]) and stems[x_key].ndim > stems[y_key].ndim:
            return x_key, y_key
    raise UserError(f"Expected {str(path)!r} to hold arrays named `x` (inputs) and `y` "
                    f"(labels). Received: arrays {sorted(names)}; name the labels with "
                    f"`--target ARRAY`")


def _sample(path):
    """`(pandas sample of the first SAMPLE_ROWS rows, total rows)`, read with pyarrow.

    Raises:
        UserError: for a column that is not UTF-8 text or holds nested values.
    """
    reading.table_columns(path, key="--data")  # refuses a name two columns share
    table, rows = _arrow_sample(path)
    # The empty columns without a name a spreadsheet leaves at the right are no data.
    table = table.select([i for i, name in enumerate(table.column_names) if name.strip()])
    _require_flat_text(path, table.schema)
    # Text cells as a run reads them: `a, b` without the spaces, `1,234.5` as numbers.
    frame = table.to_pandas()
    texts = [field.name for field in table.schema if reading.is_text(field.type)]
    found = dialect.of_file(path) if reading.table_format(path) == "csv" else None
    padded = reading.padded_cells(path)
    if padded:
        for name in texts:
            frame[name] = reading.unpadded(path, table.column(name)).to_pandas()
    return reading.convert_number_columns(frame, found, texts), rows


def _arrow_sample(path):
    fmt = reading.table_format(path)
    with reading.arrow_errors(path, fmt, "--data"):
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            table = pq.ParquetFile(path)
            batch = next(table.iter_batches(batch_size=SAMPLE_ROWS))
            return pa.Table.from_batches([batch]), table.metadata.num_rows
        if fmt == "jsonl":
            table = reading._read_json(path, "--data")
            return table.slice(0, SAMPLE_ROWS), table.num_rows
        from pyarrow import csv
        batches, rows = [], 0
        parse, convert = reading.csv_options(path, strings_can_be_null=True)
        with csv.open_csv(path, read_options=reading.read_options(path), parse_options=parse,
                          convert_options=convert) as reader:
            for batch in reader:
                if rows < SAMPLE_ROWS:
                    batches.append(batch)
                rows += batch.num_rows
        import pyarrow as pa
        return pa.Table.from_batches(batches, schema=reader.schema).slice(0, SAMPLE_ROWS), rows


def _require_flat_text(path, schema):
    """Refuses bytes that are not UTF-8 (pyarrow reads them as binary) and nested cells."""
    import pyarrow as pa
    for field in schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            raise reading.not_utf8(path, "--data")
        if pa.types.is_nested(field.type) and not reading.is_number_list(field.type):
            raise UserError(f"Expected column {field.name!r} of {str(path)!r} to hold one "
                            f"value per cell. Received: nested values ({field.type}); "
                            "flatten them into columns of their own first (a list of "
                            "numbers a cell is a sequence).")


def _require_header(path, names):
    """Refuses a first row of measurements (a file without a header row).

    Names that are all numbers and not all whole (`20.13`, `-3.5`) are data: the
    file's first row would be lost as a header and its columns named by values.
    Whole numbers (`0`, `2021`) stay possible names of steps or years.
    """
    def number(text):
        try:
            return float(text)
        except ValueError:
            return None
    values = [number(name) for name in names]
    if all(v is not None for v in values) and any(v != round(v) for v in values):
        raise UserError(f"Expected {str(path)!r} to start with a header row of column names. "
                        f"Received: a first row of numbers {names[:5]}. Add a line of names "
                        "(e.g. `date,value`) at the top of the file.")


def _lag1(values):
    """The correlation of consecutive values (file order), or None where undefined."""
    if len(values) < 10 or np.std(values[:-1]) == 0 or np.std(values[1:]) == 0:
        return None
    return float(np.corrcoef(values[:-1], values[1:])[0, 1])


def csv_layout(path):
    """How a CSV that is not comma-separated is read (`dialect`); empty otherwise (for
    any file that is not a CSV: arrays, Parquet, JSON, or one a user's class reads)."""
    if str(path).lower().endswith(ARRAY_SUFFIXES) or reading.table_format(path) != "csv":
        return ""
    try:
        return dialect.of_file(path).describe()
    except (csv.Error, UnicodeDecodeError, UserError):  # not a CSV after all
        return ""


def _is_time(strings, name):
    """Whether a column of text holds dates: every cell parses, and unless the name says
    time (`TIME_NAMES`), with one format (`12.03.2021`, not a mix of words and numbers)."""
    if not len(strings) or not strings.str.contains(r"\d").all():
        return False
    parsed, how = timestamps.parse(strings)
    return bool(parsed.notna().all()) and (
        how != timestamps.EACH_CELL or bool(TIME_NAMES.search(name)))


def inspect_table(path):
    path = reading.require_file(path, "--data")
    frame, rows = _sample(str(path))
    if rows == 0:
        raise UserError(f"Expected {str(path)!r} to have data rows. Received: a header only.")
    _require_header(path, [str(name) for name in frame.columns])
    _refuse_repeated_header(frame, path)
    import pandas as pd
    columns, time_column = [], None
    for name in frame.columns:
        series = frame[name]
        non_null = series.dropna()
        if not len(non_null):  # a spreadsheet's unused column: nothing to read or type
            columns.append(Column(str(name), "empty", 0, None))
            continue
        if isinstance(non_null.iloc[0], (list, tuple, np.ndarray)):
            columns.append(_list_column(str(name), non_null))  # Parquet/JSON lists
            continue
        example = non_null.iloc[0]
        example = example.item() if hasattr(example, "item") else example
        distinct = int(non_null.nunique())
        if pd.api.types.is_datetime64_any_dtype(series):
            kind, example = "time", str(example)
        elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
            kind = "integer"
        elif pd.api.types.is_numeric_dtype(series):
            kind = "integer" if len(non_null) and np.all(non_null == np.round(non_null)) \
                else "number"
        else:
            strings = non_null.astype(str)
            words = float(strings.str.split().str.len().mean()) if len(strings) else 0.0
            chars = float(strings.str.len().mean()) if len(strings) else 0.0
            run_together = unspaced(strings.head(1000))
            steps = _steps_per_cell(non_null.head(1000))
            if steps is not None:
                words, example = steps, str(example)[:60] + "..." * (len(str(example)) > 60)
            if _is_time(strings.head(1000), str(name)):
                kind, example = "time", str(example)
            elif steps is not None:
                kind = "sequence"
            elif words >= 4 or run_together and chars >= UNSPACED_TEXT_CHARS:
                kind = "text"
            else:
                kind = "category"
            column = Column(str(name), kind, distinct, example, words,
                            unspaced=run_together, mean_chars=chars,
                            tokens=distinct_tokens(strings, run_together)
                            if kind in ("text", "category") else 0)
            if kind == "category":
                _refuse_a_footer(series, str(name), path, rows)
                _note_strays(column, strings, path)
            columns.append(column)
            # A clock without dates (22:00, 23:59, 00:00) orders no rows across midnight:
            # the rows keep the file's order.
            if kind == "time" and time_column is None and not _times_of_day(non_null):
                time_column = str(name)
            continue
        if kind == "integer" and TIME_NAMES.search(str(name)) and \
                timestamps.compact_dates(non_null.to_numpy()) is not None:
            kind, example = "time", str(example)  # 20240102: a date written yyyymmdd
        counter = kind != "time" and len(non_null) == len(series) > 2 and \
            bool(np.all(np.diff(non_null.to_numpy(np.float64)) > 0))
        lag1 = None if kind == "time" else _lag1(non_null.to_numpy(np.float64))
        columns.append(Column(str(name), kind, distinct, example, counter=counter, lag1=lag1))
        if kind == "time" and time_column is None:
            time_column = str(name)
    counter = False
    if time_column is None:
        numeric = [c for c in columns if c.kind in ("integer", "number")]
        time_column = next((c.name for c in numeric if TIME_NAMES.search(c.name)), None)
        if time_column is None:
            time_column = next((c.name for c in numeric if c.counter), None)
            counter = time_column is not None
    layout = csv_layout(path)
    return Inspection(path, "table", rows, columns, time_column,
                      facts={"layout": layout} if layout else {}, time_is_counter=counter)


MAX_FOOTER_ROWS = 5

# Columns numbering a sequence's steps (t0..t29, x_1..x_50, 0..99): this many at least.
NUMBERED_STEPS = 8


_TIME_OF_DAY = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([aApP][mM])?\s*$")


def _times_of_day(cells):
    """Whether `cells` hold times of day without a date (`22:00`, datetime.time)."""
    head = cells.head(1000)
    return bool(len(head)) and all(isinstance(c, datetime.time) or isinstance(c, str)
                                   and _TIME_OF_DAY.match(c) for c in head)


def _steps_per_cell(cells, fewest=None):
    """The mean count of numbers per cell where every cell holds a sequence of them
    (`0.1 0.2 0.3 ...`, `[1, 2, ...]`, a list), `fewest` or more on average (fewer in a
    text are more likely a phone number or a score; default NUMBERED_STEPS), else None."""
    fewest = NUMBERED_STEPS if fewest is None else fewest
    counts = []
    for cell in cells:
        numbers = tables.cell_numbers(cell)
        if numbers is None or len(numbers) < min(2, fewest):
            return None
        counts.append(len(numbers))
    return float(np.mean(counts)) if counts and np.mean(counts) >= fewest else None


def _list_column(name, non_null):
    """The `Column` of cells that are lists (Parquet, JSON): a sequence a cell."""
    steps = _steps_per_cell(non_null.head(1000), fewest=1)
    example = [float(v) for v in non_null.iloc[0][:8]]
    return Column(name, "sequence", int(non_null.map(lambda cell: tuple(cell)).nunique()),
                  f"{example}"[:-1] + ", ...]", steps or 0.0)


def _refuse_repeated_header(frame, path):
    """A UserError for data rows that repeat the header (exports joined one after the
    other): every column would read as text, its name one more value."""
    import pandas as pd
    if len(frame.columns) < 2 or any(pd.api.types.is_numeric_dtype(dtype) or
                                     pd.api.types.is_datetime64_any_dtype(dtype)
                                     for dtype in frame.dtypes):
        return  # a column of numbers or times holds no name: no row repeats the header
    names = [str(name).strip() for name in frame.columns]
    cells = frame.astype(str).apply(lambda column: column.str.strip())
    repeats = np.flatnonzero((cells == names).all(axis=1).to_numpy())
    if len(repeats):
        raise UserError(
            f"Expected {str(path)!r} to name its columns once, in its first line. Received: "
            f"data row {repeats[0] + 1} repeats that line ({len(repeats)} such row"
            f"{'' if len(repeats) == 1 else 's'} among the first {len(frame):,}), as where "
            "files were joined one after the other; delete those lines and use the file.")


def _refuse_a_footer(series, name, path, rows):
    """Refuses a time column whose last few rows are blank or not times (a spreadsheet's
    totals or notes under the data): each would be read as one more step of the series.

    Only a whole file read in the sample is checked, and only a column named as a time.
    """
    if len(series) != rows or not TIME_NAMES.search(name) or rows <= MAX_FOOTER_ROWS:
        return
    cells = series.astype(object).where(series.notna(), "").astype(str)
    footer = 0
    while footer < MAX_FOOTER_ROWS and not _is_time(cells.iloc[[-1 - footer]], name):
        footer += 1
    if footer == 0 or not _is_time(cells.iloc[:-footer], name):
        return
    first = rows - footer + 1
    raise UserError(
        f"Expected every row of column {name!r} of {str(path)!r} to hold a date or time. "
        f"Received: {footer} row{'s' * (footer > 1)} at the end of the file that do not "
        f"({', '.join(repr(c) for c in cells.iloc[-footer:])}; rows {first}-{rows}), after "
        f"{rows - footer:,} that do: a footer of totals or notes? Delete "
        f"{'them' if footer > 1 else 'it'} from the file, since every row is read as data.")


def _note_strays(column, strings, path):
    """Records the cells that keep a column of mostly numbers (some with a unit, `12%`,
    `$3`) from being numeric."""
    found = dialect.of_file(path) if reading.table_format(path) == "csv" else None
    numbers = reading.numbers_of_text(strings, found)
    unitless = reading.numbers_of_text(strings.str.replace(dialect.UNIT_MARKS, r"\1",
                                                           regex=True), found)
    if len(strings) and unitless.notna().mean() >= 0.9:
        column.strays = int(numbers.isna().sum())
        column.stray = strings[numbers.isna()].iloc[0]
