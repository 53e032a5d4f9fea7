"""What a user's file holds, for `rnnbench new` (which `data:` block fits) and `check`.

`inspect(path)` reads a table's columns and a sample of its rows (all rows
are counted), a text's characters, or an array file's shapes, and
`data_block(...)` picks the file dataset and its keys from them.
"""

import csv
import dataclasses
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
LABEL_NAMES = ("label", "labels", "class", "sentiment", "category", "target", "y")
TASKS = ("forecast", "classify", "regress", "language_model")


@dataclasses.dataclass
class Column:
    name: str
    kind: str  # "number", "integer", "time", "text", "category", "sequence" (in a cell)
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
    files = reading.source_files(path, "--data")
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
    files = labelled[0] if labelled else reading.source_files(path)
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

# Why `new` reads some texts by characters.
UNSPACED_WHY = "its words run together, as in a script written without spaces"

def _text_seq_len(tokens_per_text):
    """A classifier's `seq_len`: 1.5x the mean tokens (words or characters) a text, 8-200."""
    return int(min(MAX_TEXT_SEQ_LEN, max(8, round(tokens_per_text * 1.5))))


# The longest `seq_len` new writes: a recurrent layer's step count costs time linearly.
MAX_TEXT_SEQ_LEN = 200


def _truncation_note(tokens_per_text, seq_len, unit):
    """A note when texts are longer on average than the `seq_len` new wrote: the model
    reads the first `seq_len` tokens of each, and nothing says so otherwise."""
    if tokens_per_text <= seq_len:
        return []
    return [f"seq_len {seq_len}: the texts hold {tokens_per_text:,.0f} {unit} on average, "
            f"and the model reads the first {seq_len} of each (the rest is cut); raise "
            f"`data.seq_len` to read more (each token more is one recurrent step more), or "
            f"split long texts into parts"]


def distinct_tokens(texts, by_characters):
    """How many distinct tokens `texts` hold, as `file_text` reads them (lower-cased
    words without punctuation, or characters)."""
    level = "char" if by_characters else "word"
    seen = set()
    for text in texts:
        seen.update(text_files.tokenize(str(text), level, True))
    return len(seen)


def _vocabulary_note(block, tokens, by_characters):
    """The `chosen:` line for a `max_tokens` that `_max_tokens` set, else nothing."""
    if "max_tokens" not in block:
        return []
    return [f"max_tokens {block['max_tokens']}: the texts hold {tokens:,} distinct "
            f"{'characters' if by_characters else 'words'} (plus the padding and unknown "
            "ids), so the embedding has no rows that no text uses"]


def _max_tokens(tokens):
    """`{"max_tokens": ...}` where the file's distinct tokens (plus padding and unknown)
    are fewer than `file_text`'s default, which would give the embedding rows no text uses."""
    default = text_files.FileText.params["max_tokens"].default
    return {"max_tokens": tokens + 2} if 0 < tokens + 2 < default else {}


# Why labels of several per sample are regressed: rnnbench classifies whole sequences.
NOT_TRAINED = ("several tags a sample is not a task rnnbench trains (a class at every "
               "step, labels shaped like the inputs' steps, is)")


def inspect_arrays(path, target=None):
    """An `.npz`'s arrays (or an `.npy` and its labels' `.npy`), and its classes.

    Args:
        target: `new`'s `--target`: the labels' array in an `.npz`, or the
            labels' `.npy` beside an inputs `.npy` (else one named like it,
            `y.npy` for `x.npy`).
    """
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
    elif y is not None and y.dtype.kind in "iubUSO":
        values, counts = np.unique(y.astype(str) if y.dtype.kind == "O" else y,
                                   return_counts=True)
        facts["classes"] = dict(zip(values.tolist(), counts.tolist()))
    # measurements or counts, in any units: scaled (0/1 flags are left as they are)
    facts["_x_scaled"] = x is not None and x.dtype.kind in "fiu"
    return Inspection(Path(path), "arrays", facts=facts)


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


def _csv_layout(path):
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
        if len(non_null) and isinstance(non_null.iloc[0], (list, tuple, np.ndarray)):
            columns.append(_list_column(str(name), non_null))  # Parquet/JSON lists
            continue
        example = non_null.iloc[0] if len(non_null) else None
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
            if kind == "time" and time_column is None:
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
    layout = _csv_layout(path)
    return Inspection(path, "table", rows, columns, time_column,
                      facts={"layout": layout} if layout else {}, time_is_counter=counter)


MAX_FOOTER_ROWS = 5


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


def class_balance(path, column):
    """`{label: rows}` of a label column over the whole file; a UserError where the
    default split would leave a part without a row (`require_room`)."""
    labels = labels_of(path, column)
    values, counts = np.unique([label for label in labels if label.strip()],
                               return_counts=True)
    if not len(values):
        raise UserError(f"Expected labels in column {column!r} (`--target`) of {str(path)!r}. "
                        f"Received: {len(labels)} rows, every cell of it empty.")
    balance = dict(zip(values.tolist(), counts.tolist()))
    require_room(balance, path, "rows")
    return balance


def require_room(balance, path, unit):
    """Refuses classes too few to split: the run would refuse the experiment `new` wrote.

    Args:
        balance: `{class: samples}`.
        unit: what a sample is in the file (rows, files, sequences).
    """
    from rnnbench.config.experiment import SplitConfig
    from rnnbench.data.text import split_documents
    split = dataclasses.asdict(SplitConfig())
    try:
        split_documents(np.repeat(np.arange(len(balance)), list(balance.values())), split, 1)
    except UserError:
        raise UserError(
            f"Expected enough {unit} in {str(path)!r} to put one in every part of the "
            f"default split {split} (split by class: a part takes round(n x its fraction) "
            f"of a class of n). Received: {sum(balance.values())} {unit} "
            f"({balance}); add {unit}, or write the experiment by hand with a larger "
            "`data.split`.") from None


def labels_of(path, column):
    """A label column over the whole file, as strings ("" where a cell is empty)."""
    _, others, _ = reading.read_table(path, other=[column], key="--target")
    return reading.as_strings(others[column], column, path, allow_null=True)


def choose(found, target=None, task=None):
    """`(task, data block, notes)` for a file: the dataset and keys `new` writes.

    Raises:
        UserError: when the file does not say what to predict (no `--target`).
    """
    if task is not None and task not in TASKS:
        raise UserError(f"Expected `--task` to be one of {list(TASKS)}. Received: {task!r}")
    if found.kind == "text" and target is not None:
        raise UserError(
            f"Expected no `--target` for {str(found.path)!r}: " + (
                "its labels are the names of its class subfolders" if "classes (subfolders)"
                in found.facts else "a plain text is modelled, not labelled") +
            f". Received: --target {target!r}; leave it out (a table of texts and labels "
            "takes `--target`, naming its label column)")
    if found.kind == "text" and "classes (subfolders)" in found.facts and \
            task in (None, "classify"):
        chars = found.facts.get("characters per document")
        seq_len = _text_seq_len(chars or found.facts["words per document"])
        unit = f"characters of each ({UNSPACED_WHY})" if chars else "words of each"
        tokens = found.facts["distinct tokens"]
        block = {"name": "file_text", "path": str(found.path),
                 "level": "char" if chars else "word", "seq_len": seq_len,
                 **_max_tokens(tokens)}
        require_room(found.facts["classes (subfolders)"], found.path, "files")
        return "classify", block, [
            f"classify each .txt file by its subfolder, {seq_len} {unit} (class "
            f"balance {found.facts['classes (subfolders)']})",
            *_truncation_note(chars or found.facts["words per document"], seq_len,
                              "characters" if chars else "words"),
            *_vocabulary_note(block, tokens, bool(chars))]
    if found.kind == "text":
        if task not in (None, "language_model"):
            raise UserError(f"Expected `--task language_model` for the text {str(found.path)!r}"
                            f" (a plain text is modelled, not labelled). Received: {task!r}")
        chars = found.facts["characters"]
        seq_len = int(min(100, max(8, chars // 200)))
        return "language_model", {
            "name": "file_corpus", "path": str(found.path), "level": "char",
            "seq_len": seq_len, "max_vocab": int(found.facts["distinct characters"]) + 2}, [
            f"a character-level language model on {chars:,} characters, windows of "
            f"{seq_len}"]
    if found.kind == "table files":
        return _classify_files(found, target, task)
    if found.kind == "arrays" and "classes by step" in found.facts and \
            task in (None, "classify"):
        return _label_steps_of_arrays(found)
    if found.kind == "arrays":
        y = found.facts.get("classes")
        wanted = task or ("classify" if y else "regress")
        block, said = _arrays_block(found, "classes" if wanted == "classify" else "values")
        many = found.facts.get("_labels_per_sample")
        if many and wanted == "classify":
            raise UserError(f"Expected one class label per sample in {str(found.path)!r} for "
                            f"`--task classify`. Received: {many} labels per sample ({NOT_TRAINED}"
                            f"); leave out `--task` to predict the {many} values of each sample.")
        if many:
            said.append(f"regress the {many} values of each sample: the labels are not one "
                        f"class per sample ({NOT_TRAINED})")
        return wanted, block, said
    return _choose_table(found, target, task)


def _classify_files(found, target, task):
    """`("classify", file_sequences block, notes)` for a folder of a sequence a table."""
    if target is not None or task not in (None, "classify"):
        raise UserError(f"Expected neither `--target` nor a `--task` other than classify for "
                        f"the folder {str(found.path)!r}: its subfolders name the classes "
                        f"of the tables in them, a sequence each. Received: "
                        f"{'--target ' + repr(target) if target else '--task ' + task}")
    require_room(found.facts["classes (subfolders)"], found.path, "files")
    steps = next((c.name for c in found.columns if STEP_NAMES.match(c.name)), None)
    time = found.time_column or steps
    values = [c.name for c in found.columns if c.kind in ("number", "integer")
              and c.name != time and not c.counter]
    if not values:
        raise UserError(f"Expected columns of numbers in the tables of {str(found.path)!r}, "
                        "the features of each step. Received: the columns "
                        f"{[c.name for c in found.columns]} in {found.facts['files']} files")
    block = {"name": "file_sequences", "path": str(found.path), "layout": "files",
             "time_column": time, "value_columns": values, "scale": "standard"}
    notes = [f"classify each file by its subfolder: its rows the steps of a sequence of "
             f"{values}" + (f", ordered by {time!r}" if time else "") +
             f" ({found.facts['files']} files; class balance "
             f"{found.facts['classes (subfolders)']})"]
    unread = [c.name for c in found.columns if c.name not in (*values, time)]
    if unread:
        notes.append(f"not read: {unread} (not numbers, or a counter)")
    return "classify", {k: v for k, v in block.items() if v is not None}, notes


def _arrays_block(found, target):
    """`(file_arrays block, notes)` for `target`: the labels' .npy, and the .npz's
    array names where they are not `x` and `y` (said on a note)."""
    data = {"name": "file_arrays", "path": str(found.path), "target": target,
            "scale": "standard" if found.facts.get("_x_scaled") else None,
            "y_path": found.facts.get("_y_path")}
    keys = {k: found.facts[f"_{k}"] for k in ("x_key", "y_key")
            if str(found.path).endswith(".npz") and found.facts[f"_{k}"] != k[0]}
    said = [f"inputs {found.facts['_x_key']!r}, labels {found.facts['_y_key']!r} of the "
            ".npz"] if keys else []
    return {k: v for k, v in {**data, **keys}.items() if v is not None}, said


def _label_steps_of_arrays(found):
    """`("sequence_label", file_arrays block, notes)` for labels shaped like the inputs'
    steps: a class at every step."""
    block, said = _arrays_block(found, "steps")
    return "sequence_label", block, said + [
        f"label every step: the labels are shaped like the inputs' steps, a class each "
        f"(class balance by step {found.facts['classes by step']})"]


def _default_target(found):
    """`(column, why)` to learn when `--target` is not given: a text's label, or a
    series' only column of values; else a UserError asking for `--target`."""
    names = [c.name for c in found.columns]
    labels = [c.name for c in found.columns if c.name.lower() in LABEL_NAMES]
    values = [c.name for c in found.columns if c.kind in ("number", "integer")
              and c.name != found.time_column and not c.counter]
    texts = [c.name for c in found.columns if c.kind == "text"]
    others = [c.name for c in found.columns if c.kind != "text" and not c.counter]
    if texts and (labels or len(texts) == 1 and len(others) == 1):
        label = (labels or others)[0]
        return label, f"target {label!r}: the label column beside the texts"
    if len(labels) == 1:
        return labels[0], f"target {labels[0]!r}: the one column named like a label"
    if found.time_column and len(values) == 1 and len(names) <= 3:
        return values[0], (f"target {values[0]!r}: the only column of values beside the "
                           f"time column {found.time_column!r}")
    if names == values:  # one column, and it holds numbers
        return values[0], f"target {values[0]!r}: the file's only column"
    together = (f" Several columns of values beside a time column are forecast together "
                f"by naming them all: `--target {','.join(values)}`."
                if found.time_column and len(values) > 1 else "")
    raise UserError(
        f"Expected `--target COLUMN` for the table {str(found.path)!r}: the column to "
        f"forecast or classify. Received: nothing; the columns are {names}.{together}")


def _choose_table(found, target, task):
    why = None
    if target is None:
        target, why = _default_target(found)
    targets = target_columns(found, target)
    if len(targets) > 1:
        if task not in (None, "forecast"):
            raise UserError(f"Expected one `--target` column for `--task {task}` (several, "
                            f"joined by commas, are forecast together). Received: "
                            f"--target {target!r}")
        return _forecast(_without_counter_clock(found, targets), targets)
    chosen, block, notes = _choose_table_for(found, target, task)
    notes += _skip_unlabelled(found, block)
    return chosen, block, [why, *notes] if why else notes


def _skip_unlabelled(found, block):
    """Sets `unlabelled: skip` where a row per sample leaves some label cells empty;
    returns the note that says so."""
    sample_a_row = block["name"] == "file_text" or (
        block["name"] == "file_sequences" and block.get("layout") in ("wide", "cell"))
    if not sample_a_row or "label_column" not in block:
        return []
    labels = labels_of(found.path, block["label_column"])
    empty = sum(not label.strip() for label in labels)
    if not empty:
        return []
    block["unlabelled"] = "skip"
    return [f"unlabelled skip: {empty} of {len(labels)} rows have no {block['label_column']!r}"
            "; they are left out of training and scoring, and `rnnbench predict RUN_DIR "
            "--data FILE` labels every row"]


def _without_counter_clock(found, targets):
    """`found` without its time column where that is a growing target (rows sorted by it)."""
    if found.time_column in targets and found.time_is_counter:
        return dataclasses.replace(found, time_column=None, time_is_counter=False)
    return found


def _choose_table_for(found, target, task):
    found = _without_counter_clock(found, [target])
    texts = [c for c in found.columns if c.kind == "text"]
    column = found.column(target)
    label_like = column.kind in ("category", "text") or (
        column.kind == "integer" and column.distinct <= 20)
    cells = [c for c in found.columns if c.kind == "sequence" and c.name != target]
    if cells and task in (None, "classify", "regress"):
        return _cell_sequences(found, target, cells,
                               task or ("classify" if label_like else "regress"))
    if not texts and task in (None, "classify", "regress"):
        long = _long_sequences(found, target, task or ("classify" if label_like else "regress"),
                               asked=task is not None)
        if long:
            return long
    steps_named = None
    if task is None:
        # Numbered columns (t0, t1, ...) with no time are a sequence a row, when the
        # target does not follow from row to row (eight sensors read along a series do).
        samples = not found.time_column and column.lag1 is not None and \
            abs(column.lag1) < INDEPENDENT_LAG1
        steps_named = _numbered_steps([c.name for c in found.columns if c.kind in (
            "number", "integer") and c.name != target]) if samples else None
        # Classes ordered only by a growing number (a row id) are samples to classify;
        # so is a number per text (a rating, a price; maybe sorted), learned from the text.
        task = "classify" if label_like and (texts or found.time_column is None
                                             or found.time_is_counter) else \
            "regress" if steps_named or texts and not found.time_column else \
            "forecast" if found.time_column or column.kind in ("number", "integer") else \
            "classify"
    if task == "language_model":
        raise UserError("Expected a .txt file, a folder or a glob for `--task language_model`. "
                        f"Received: the table {str(found.path)!r}.")
    numeric = [c.name for c in found.columns if c.kind in ("number", "integer")
               and c.name not in (target, found.time_column)]
    if task == "forecast":
        return _forecast(found, [target])
    numeric = [name for name in numeric if not _row_id(found, found.column(name))]
    balance = class_balance(found.path, target) if task == "classify" else None
    short = [c for c in found.columns if c.kind == "category" and c.name != target]
    if texts or (not numeric and short):
        # Without numbers to learn from, the category column of the most distinct
        # values holds short texts ("superb", "waste of time"): classify those.
        text = max(texts, key=lambda c: c.mean_words) if texts else \
            max(short, key=lambda c: (c.distinct, c.mean_words))
        seq_len = _text_seq_len(text.mean_chars if text.unspaced else text.mean_words)
        block = {"name": "file_text", "path": str(found.path), "text_column": text.name,
                 "label_column": target, "level": "char" if text.unspaced else "word",
                 "seq_len": seq_len, **_max_tokens(text.tokens)}
        if task == "regress":
            if column.kind not in ("number", "integer"):
                raise UserError(f"Expected `--target` {target!r} to be numeric to regress "
                                f"it from the text of {text.name!r}. Received: a "
                                f"{column.kind} column (e.g. {column.example!r}); "
                                "`--task classify` classifies into its values")
            block["target"] = "values"
        elif task != "classify":
            raise UserError(f"Expected `--task classify` or `regress` for text column "
                            f"{text.name!r}. Received: {task!r}")
        size = (f"{text.mean_chars:.1f} characters a row, read by characters: {UNSPACED_WHY}"
                if text.unspaced else f"{text.mean_words:.1f} words a row")
        said = "" if texts and not text.unspaced else (
            f", {'texts' if texts else 'short texts'} ({size}"
            f"{'' if texts else '; no numeric column to learn from'})")
        notes = [f"classify the text of {text.name!r}{said} into {target!r} (class "
                 f"balance {balance})" if task == "classify" else
                 f"regress {target!r} from the text of {text.name!r}{said}, a number per "
                 "text (standardized on the training part; predictions in its units)"]
        unread = [c.name for c in found.columns if c.name not in (text.name, target)
                  and not _row_id(found, c)]
        if unread:
            notes.append(f"not read: {unread}, as a text classifier reads one text column "
                         "(to use another text, join it to this one in the file)")
        notes += _truncation_note(text.mean_chars if text.unspaced else text.mean_words,
                                  seq_len, "characters" if text.unspaced else "words")
        return task, block, notes + _vocabulary_note(block, text.tokens, text.unspaced)
    if not numeric:
        raise UserError(f"Expected a column to learn {target!r} from in {str(found.path)!r}: "
                        "numbers (a sequence per row) or texts. Received: the columns "
                        f"{[c.name for c in found.columns]}, none of which is either "
                        "(a row id or a clock is not a feature)")
    block = _sequences_block(found, target, task, "wide", numeric)
    notes = [f"{task} each row: its {len(numeric)} numeric columns as a sequence"
             + (f" (class balance {balance})" if balance else "")]
    if steps_named and task == "regress":
        notes.append(f"regress, not forecast: no time column orders the rows, the "
                     f"columns {steps_named} number the steps of a sequence in each row, and "
                     f"{target!r} does not follow from one row to the next (lag-1 "
                     f"correlation {column.lag1:.2f}); to forecast it along the rows "
                     "instead: --task forecast")
    return task, block, notes


def _forecast(found, targets):
    """`("forecast", file_series block, notes)` for the `targets` columns of a table."""
    for target in targets:
        column = found.column(target)
        if column.kind not in ("number", "integer"):
            raise UserError(f"Expected `--target` {target!r} to be numeric to forecast it. "
                            + (f"Received: a column of numbers with {column.strays} cells "
                               f"that are not numbers among the first {SAMPLE_ROWS:,} rows, "
                               f"e.g. {column.stray!r}. Write them as numbers in the file, "
                               "or leave them empty where a value is missing."
                               if column.strays else
                               f"Received: a {column.kind} column (e.g. {column.example!r})."))
    numeric = [c.name for c in found.columns if c.kind in ("number", "integer")
               and c.name not in (*targets, found.time_column)]
    counters = [c.name for c in found.columns if c.counter and c.name in numeric]
    numeric = [name for name in numeric if name not in counters]
    series = _series_id(found, targets)
    numeric = [name for name in numeric if series is None or name != series[0]]
    window = int(min(30, max(2, found.rows // 20 // (series[1] if series else 1))))
    words = [c for c in found.columns if c.kind in ("category", "text")
             and c.name not in (found.time_column, series and series[0])]
    # A few values a row can take (a weekday, a flag): inputs one-hot. Texts, ids and
    # numbers with strays stay out.
    categories = [c.name for c in words if c.kind == "category" and not c.strays
                  and 2 <= c.distinct <= MAX_CATEGORY_VALUES]
    block = {"name": "file_series", "path": str(found.path),
             "time_column": found.time_column,
             "targets": targets[0] if len(targets) == 1 else list(targets),
             "id_column": series[0] if series else None,
             "features": numeric or None, "categories": categories or None,
             "window": window, "horizon": 1, "scale": "standard"}
    named = repr(targets[0]) if len(targets) == 1 else \
        f"{targets} together (each window predicts all {len(targets)})"
    notes = [f"forecast {named} one step ahead from windows of {window} rows" +
             (f" of {targets + numeric}" if numeric else "") +
             (f", per series of {series[0]!r} ({series[1]:,} series; its timestamps "
              "repeat across them)" if series else "")]
    if found.time_column is None:
        notes.append("no time column found: rows are taken in file order")
    if counters:
        notes.append(f"not a feature: {counters} only grow (a counter or clock), so their "
                     "test part would lie outside anything training sees")
    if categories:
        notes.append(f"one-hot inputs: {categories} ("
                     + ", ".join(f"{c.distinct} values" for c in words if c.name in categories)
                     + "), a 0/1 column per value (`data.categories`)")
    words = [c.name for c in words if c.name not in categories]
    if words:
        notes.append(f"not a feature: {words} hold words (texts, or more than "
                     f"{MAX_CATEGORY_VALUES} values), and a series reads numbers (to use "
                     "one, add a 0/1 column per value to the file and name them in "
                     "`data.features`)")
    return "forecast", {k: v for k, v in block.items() if v is not None}, notes


# A column of words with at most this many values is a one-hot input of a forecast.
MAX_CATEGORY_VALUES = 20


def target_columns(found, target):
    """The columns `--target` names: one, or several joined by commas (`temp,humidity`),
    forecast together. A column whose own name holds a comma is taken whole."""
    if target is None or "," not in target or any(c.name == target for c in found.columns):
        return [target]
    names = [part.strip() for part in target.split(",")]
    for name in names:
        found.column(name)  # an unknown one refused, with the nearest name
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UserError(f"Expected each `--target` column once. Received: {target!r}, which "
                        f"names {twice} more than once")
    return names


def _sequences_block(found, target, task, layout, value_columns):
    """The `file_sequences` block of a table of a sequence a row (`wide` or `cell`)."""
    names = [c.name for c in found.columns if c.name != target and _row_id(found, c)]
    block = {"name": "file_sequences", "path": str(found.path), "layout": layout,
             "id_column": names[0] if names else None,
             "value_columns": value_columns, "label_column": target,
             "target": "classes" if task == "classify" else "values", "scale": "standard"}
    return {k: v for k, v in block.items() if v is not None}


def _cell_sequences(found, target, cells, task):
    """`(task, file_sequences block, notes)` for a table holding a sequence in a cell."""
    if task == "classify":
        balance = f" (class balance {class_balance(found.path, target)})"
    else:
        balance = ""
    names = [c.name for c in cells]
    block = _sequences_block(found, target, task, "cell", names)
    notes = [f"{task} each row: the numbers in {names} as a sequence (about "
             f"{round(max(c.mean_words for c in cells))} steps; shorter ones are padded and "
             f"masked){balance}"]
    unread = [c.name for c in found.columns if c.name not in (*names, target,
                                                             block.get("id_column"))]
    if unread:
        notes.append(f"not read: {unread}, beside the sequences in {names} (to use them, "
                     "write them into the cells as more steps, or as a feature a step)")
    return task, block, notes


# Columns numbering a sequence's steps (t0..t29, x_1..x_50, 0..99): this many at least.
NUMBERED_STEPS = 8
# Below this lag-1 correlation a target does not follow from row to row: rows are samples
# (a series' next value, even a noisy one, correlates with the last well above it).
INDEPENDENT_LAG1 = 0.3


def _numbered_steps(names):
    """`'t0'..'t29'` when at least `NUMBERED_STEPS` of `names` share a prefix and carry
    consecutive numbers (the steps of a sequence written across a row), else None."""
    runs = {}
    for name in names:
        match = re.fullmatch(r"(.*?)(\d+)", name)
        if match:
            runs.setdefault(match.group(1), []).append((int(match.group(2)), name))
    steps = sorted(max(runs.values(), key=len, default=[]))
    numbers = [number for number, _ in steps]
    if len(steps) < NUMBERED_STEPS or numbers != list(range(numbers[0],
                                                            numbers[0] + len(numbers))):
        return None
    return f"{steps[0][1]!r}..{steps[-1][1]!r}"


def _row_id(found, column):
    """Whether `column` names each row (an id, a different value in every row): no feature."""
    return bool(ID_NAMES.search(column.name)) and column.distinct >= min(found.rows, SAMPLE_ROWS)


def _series_id(found, targets):
    """`(column, series count)` naming each series of a panel, or None for one series.

    A panel (sales per store and day) repeats its timestamps, once per series:
    the column is the one with the fewest values under which no timestamp repeats.
    """
    candidates = [c.name for c in found.columns if c.kind in ("category", "integer")
                  and c.name not in (*targets, found.time_column)]
    if not found.time_column or not candidates:
        return None
    _, others, rows = reading.read_table(found.path, other=[found.time_column, *candidates],
                                         key="--data")
    times = reading.as_strings(others[found.time_column], found.time_column, found.path,
                               allow_null=True)
    if len(set(times)) == rows:
        return None
    best = None
    for name in candidates:
        ids = reading.as_strings(others[name], name, found.path, allow_null=True)
        count = len(set(ids))
        if 1 < count <= rows // 2 and len(set(zip(ids, times))) == rows and \
                (best is None or count < best[1]):
            best = (name, count)
    return best


# A long table of labelled sequences: a column naming each sequence, and maybe one
# ordering its steps (besides a time column `inspect_table` found).
ID_NAMES = re.compile(r"^(id|sid|uid|seq|sequence|series|sample|subject|session|trial|"
                      r"recording|episode|unit)(_?(id|no|nr|number))?$|_id$", re.IGNORECASE)
STEP_NAMES = re.compile(r"^(step|t|timestep|time_step|frame|tick|position)$", re.IGNORECASE)


def _long_sequences(found, target, task, asked=False):
    """`(task, file_sequences block, notes)` when the table is long, else None.

    Long: a column named like an id (`ID_NAMES`) repeats, and the target never
    changes within one id; each row is then a step of a sequence, not a sample,
    and classifying rows would score each sequence once per step. Classes that
    change within an id label each step (`target: steps`, task `sequence_label`),
    unless dates order the rows and no `--task classify` was `asked`: a panel of series
    (a 0/1 promotion per store and day) stays a forecast, as it was.
    """
    candidates = [c.name for c in found.columns if c.name != target
                  and c.kind in ("integer", "category") and ID_NAMES.search(c.name)]
    if not candidates:
        return None
    _, others, rows = reading.read_table(found.path, other=[target, *candidates], key="--data")
    labels = reading.as_strings(others[target], target, found.path, allow_null=True)
    dated = found.time_column is not None and found.column(found.time_column).kind == "time"
    for id_column in candidates:
        ids = reading.as_strings(others[id_column], id_column, found.path, allow_null=True)
        per_sequence = dict(zip(ids, labels))
        changing = len(set(zip(ids, labels))) != len(per_sequence)
        if 2 * len(per_sequence) > rows or changing and (
                task != "classify" or dated and not asked):
            continue
        steps = [c.name for c in found.columns if c.name not in (id_column, target)
                 and (c.name == found.time_column or
                      (c.kind == "integer" and STEP_NAMES.search(c.name)))]
        values = [c.name for c in found.columns if c.kind in ("number", "integer")
                  and c.name not in (id_column, target, *steps)]
        if not values:
            return None
        block = {"name": "file_sequences", "path": str(found.path), "layout": "long",
                 "id_column": id_column, "time_column": steps[0] if steps else None,
                 "value_columns": values, "label_column": target,
                 "target": "steps" if changing else "classes" if task == "classify"
                 else "values", "scale": "standard"}
        what = f"label every step of each sequence of {id_column!r}" if changing else \
            f"{task} each sequence of {id_column!r}"
        notes = [f"{what} ({len(per_sequence):,} sequences, a row per step" +
                 (f" ordered by {steps[0]!r}" if steps else ", in file order") +
                 f") from {values}"]
        if changing:
            names, counts = np.unique(labels, return_counts=True)
            notes[0] += (f": {target!r} changes within a sequence (class balance by step "
                         f"{dict(zip(names.tolist(), counts.tolist()))})")
            return "sequence_label", {k: v for k, v in block.items() if v is not None}, notes
        if task == "classify":
            names, counts = np.unique(list(per_sequence.values()), return_counts=True)
            require_room(dict(zip(names.tolist(), counts.tolist())), found.path, "sequences")
            notes[0] += f" (class balance by sequence {dict(zip(names.tolist(), counts.tolist()))})"
        return task, {k: v for k, v in block.items() if v is not None}, notes
    return None


SHOWN_FILES = 5  # files `check` lists one a line; the manifest records them all


def data_report(exp):
    """The data side of `rnnbench check` for the user's own data (a file dataset or
    a class named by import path; None for other datasets).

    Loads the data as a run would (so a bad file is the same error here):
    files, rows, samples (windows) per split, input shape, classes.
    """
    from rnnbench.data import cache
    from rnnbench.data.own import user_data

    if not user_data(exp):
        return None
    splits = cache.load(exp)
    info = splits.info
    lines = ["data:"]
    files = info.get("files", [])
    for f in files[:SHOWN_FILES]:
        layout = _csv_layout(f["path"])
        lines.append(f"  file {f['path']} ({f['size']:,} bytes, SHA-256 {f['sha256'][:16]}..."
                     f"{'; ' + layout if layout else ''})")
    if len(files) > SHOWN_FILES:  # a folder of a file per sequence or document
        lines.append(f"  ... {len(files) - SHOWN_FILES:,} more files "
                     f"({sum(f['size'] for f in files):,} bytes in all; each in the manifest)")
    for key in ("rows", "series", "sequences", "tokens", "vocabulary_size"):
        if key in info:
            lines.append(f"  {key}: {info[key]}")
    sizes = {p: len(getattr(splits, p)) for p in ("train", "val", "test")}
    unit = "windows" if exp.data.task in ("forecast", "language_model") else "samples"
    lines.append(f"  {unit} per split: " + ", ".join(f"{p} {n:,}" for p, n in sizes.items()))
    lines.append(f"  input shape per sample: {tuple(splits.train.x.shape[1:])} "
                 f"({splits.spec.input_dtype})")
    lines.append(f"  target shape per sample: {tuple(np.shape(splits.train.y)[1:]) or 'one'}")
    if info.get("class_names"):
        counts = info.get("class_counts", {}).get("train")
        lines.append(f"  classes: {info['class_names']}" +
                     (f" (train counts {counts})" if counts else ""))
    if info.get("periods"):
        lines.append("  periods: " + ", ".join(f"{p} {a} .. {b}"
                                               for p, (a, b) in info["periods"].items()))
    lines.append(f"  baseline: {splits.baseline_name}")
    return "\n".join(lines)


# ------------------------------------------------------------------ target transform

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
