"""Reading a user's own files: checks, hashes, columnar tables, text, memory estimates.

Every problem with a file is a `UserError` naming the file (and the row,
column and value where there is one), raised before a run folder exists.
Tables are read with pyarrow, one column at a time and typed as float32 while
parsing, so a large CSV never holds float64 or Python objects of all rows.
"""

import contextlib
import difflib
import glob as globlib
import hashlib
import os
import shlex
from pathlib import Path

import numpy as np

from rnnbench.data.own import dialect, json_tables
from rnnbench.data.own.parallel import worker_count
from rnnbench.errors import UserError

TABLE_FORMATS = ("auto", "csv", "parquet", "jsonl")
TEXT_SUFFIXES = (".txt", ".text", ".md")


# ------------------------------------------------------------ files

# The tables a folder of sequences may hold, one sequence a file (`.csv.gz`: by `.gz`).
TABLE_SUFFIXES = (".csv", ".tsv", ".gz", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def labelled_folder(path, suffixes):
    """`(files, labels)` of a folder with a subfolder per class (its name the label), each
    holding files ending in `suffixes` (found recursively), as Keras'
    `*_dataset_from_directory` reads one; None for a path that is not such a folder."""
    path = Path(path)
    if not path.is_dir():
        return None
    files, labels = [], []
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found = sorted(f for f in folder.rglob("*") if f.is_file() and not
                       f.name.startswith(".") and f.name.lower().endswith(suffixes))
        files += found
        labels += [folder.name] * len(found)
    return (files, labels) if len(set(labels)) >= 2 else None



def has_glob(text):
    return any(c in str(text) for c in "*?[")


def source_files(path, key="data.path", suffixes=None, empty_ok=False):
    """The files a path names: itself, a folder's files (sorted, recursive) or a glob's.

    Args:
        empty_ok: whether a folder's or a glob's empty files are taken (documents:
            an empty file is an empty text); a path that names one file must hold data.

    Raises:
        UserError: when nothing is there, or a file cannot be read.
    """
    text = str(path)
    if has_glob(text):
        files = sorted(Path(p) for p in globlib.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise UserError(f"Expected `{key}` to match at least one file. Received: "
                            f"{text!r}, which matches none.")
    elif Path(text).is_dir():
        files = sorted(p for p in Path(text).rglob("*") if p.is_file()
                       and not p.name.startswith(".")
                       and (suffixes is None or p.suffix.lower() in suffixes))
        if not files:
            wanted = f" ending in {', '.join(suffixes)}" if suffixes else ""
            raise UserError(f"Expected the folder {text!r} (`{key}`) to hold files{wanted}. "
                            "Received: an empty folder.")
    else:
        files = [require_file(text, key)]
    for f in files:
        if not (empty_ok and f.stat().st_size == 0):
            require_file(f, key)
    return files


def require_file(path, key="data.path"):
    """`path` as a Path if it is a readable, non-empty file; else a UserError."""
    path = Path(path)
    if not path.exists():
        where = ("a relative path is read against the folder of the YAML file that names "
                 "it, then $RNNBENCH_DATA" if key.startswith("data.") else
                 f"a relative path is read against the working folder, {os.getcwd()}")
        raise UserError(f"Expected `{key}` to name an existing file. Received: {str(path)!r}, "
                        f"which does not exist ({where}).")
    if path.is_dir():
        raise UserError(f"Expected `{key}` to name a file. Received: the folder {str(path)!r}.")
    if not os.access(path, os.R_OK):
        raise UserError(f"Could not read {str(path)!r} (`{key}`): permission denied.")
    if path.stat().st_size == 0:
        raise UserError(f"Expected {str(path)!r} (`{key}`) to hold data. Received: an "
                        "empty file (0 bytes).")
    return path


# What a binary file's first bytes say it is, for the paragraph that refuses it.
_MAGIC = {b"\x93NUMPY": "a NumPy .npy array", b"PK\x03\x04": "a zip archive (.npz, "
          ".keras, .xlsx)", b"PAR1": "a Parquet file", b"\x80": "a Python pickle",
          b"\x1f\x8b": "a gzip file"}
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def require_text(path, key="data.path", expected="a text table (.csv, .tsv, .jsonl)"):
    """`path` if its first bytes are UTF-8 text (or gzip); a UserError for a UTF-16
    file (Excel's "Unicode text") or a binary one, which CSV readers read as garbage."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"\x1f\x8b") and str(path).endswith(".gz"):
        return path
    if head.startswith(_UTF16):
        plain = Path(path).name
        out = shlex.quote(f"{Path(plain).stem}.utf8{Path(plain).suffix}")
        raise UserError(f"Expected {str(path)!r} (`{key}`) to be UTF-8 text. Received: a "
                        "UTF-16 file (it starts with UTF-16's byte-order mark, as Excel's "
                        "\"Unicode text\" is saved). Re-save it as UTF-8 and use that file, "
                        f"e.g. `iconv -f utf-16 -t utf-8 {shlex.quote(plain)} > {out}`.")
    if b"\x00" in head:
        kind = next((name for magic, name in _MAGIC.items() if head.startswith(magic)),
                    "a binary file")
        raise UserError(f"Expected {str(path)!r} (`{key}`) to be {expected}. Received: "
                        f"{kind}, not text (its first bytes hold NUL bytes).")
    return path


# SHA-256 by (path, size, mtime): a file is hashed once per process, or while it is read.
_HASHES = {}


def file_key(path):
    stat = Path(path).stat()
    return str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns


def _sha256(path, size, mtime_ns):
    key = (path, size, mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def file_facts(files):
    """`[{path, size, sha256}]` of `files`: what the manifest records and reproduce checks."""
    facts = []
    for f in files:
        stat = Path(f).stat()
        facts.append({"path": str(Path(f).resolve()), "size": stat.st_size,
                      "sha256": _sha256(str(Path(f).resolve()), stat.st_size,
                                        stat.st_mtime_ns)})
    return facts


def read_text(path, key="data.path"):
    """A file's text, strictly UTF-8 (a BOM is dropped, CRLF becomes LF)."""
    raw = require_text(require_file(path, key), key, "text").read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise UserError(f"Expected {str(path)!r} (`{key}`) to be UTF-8 text. Received: "
                        f"byte 0x{raw[e.start]:02x} at line {line}, which is not UTF-8. "
                        f"{utf8_remedy(path)}") from None
    return text.replace("\r\n", "\n")


def not_utf8(path, key):
    return UserError(f"Expected {str(path)!r} (`{key}`) to be UTF-8 text. Received: a "
                     f"file with bytes that are not UTF-8. {utf8_remedy(path)}")


def utf8_remedy(path):
    """How to re-save `path` as UTF-8: for a text file, one sentence with the command."""
    path = Path(path)
    plain = Path(path.stem) if path.suffix == ".gz" else Path(path.name)
    if plain.suffix.lower() not in (".csv", ".tsv", ".txt", ".jsonl", ".json", ".tab"):
        return "Re-write its text as UTF-8."
    out = shlex.quote(f"{plain.stem}.utf8{plain.suffix}")
    name = shlex.quote(path.name)
    command = (f"zcat {name} | iconv -f cp1252 -t utf-8 > {out}" if path.suffix == ".gz"
               else f"iconv -f cp1252 -t utf-8 {name} > {out}")
    return (f"Re-save the file as UTF-8 and use that file, e.g. `{command}` for a file "
            f"that Excel saved on Windows (cp1252; `file -i {name}` names a file's "
            "encoding).")


# ------------------------------------------------------------ memory


def available_memory():
    """Bytes of memory available to this process now (MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate_rows(path, fmt, key="data.path"):
    """Rows of a table, exact for Parquet, else from the file size and its first lines."""
    if fmt == "parquet":
        import pyarrow.parquet as pq
        with arrow_errors(path, fmt, key):  # not Parquet at all: named, not a traceback
            return pq.ParquetFile(path).metadata.num_rows
    size = Path(path).stat().st_size
    opener = _gzip_open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        sample = f.read(1 << 20)
    lines = max(sample.count(b"\n"), 1)
    if str(path).endswith(".gz"):
        return None  # compressed size says little about rows; checked after reading
    return int(size / (len(sample) / lines)) if len(sample) < size else lines


def _gzip_open(path, mode):
    import gzip
    return gzip.open(path, mode)


def check_fits(path, fmt, n_columns, bytes_per_value=4, factor=3, what="the selected columns",
               key="data.path"):
    """Refuses a table whose float32 columns would not fit in memory, before reading it.

    The estimate is `factor` times the float32 size of `n_columns` over the
    estimated rows (for a series, the peak `benchmarks/own_data_scale.py`
    measures stays below 3x; `file_sequences` passes its own factor).
    """
    rows = estimate_rows(path, fmt, key)
    free = available_memory()
    if rows is None or free is None:
        return None
    need = rows * n_columns * bytes_per_value * factor
    if need > free:
        raise UserError(
            f"{str(path)!r} is too large for this machine: about {rows:,} rows x {n_columns} "
            f"columns needs about {need / 2**30:.1f} GiB while loading ({factor}x the float32 "
            f"size of {what}), and {free / 2**30:.1f} GiB is available. Select fewer "
            "columns, use a part of the file, or a machine with more memory.")
    return need


# Peak memory of a text load above the process's own, per byte of text, by token level:
# Python's strings and token lists, not the int32 ids, make it. Measured for file_corpus
# and file_text on a generated 30 MB ASCII text, word lists and labelled rows: 20-22x
# (characters) and 15x (words); rounded up.
TEXT_LOAD_FACTOR = {"char": 24, "word": 16}


def check_text_fits(files, level, key="data.path"):
    """Refuses text whose load would not fit in memory, before reading it.

    The estimate is `TEXT_LOAD_FACTOR[level]` times the files' size; a
    compressed file (`.gz`, Parquet) is not estimated, its size saying little.
    """
    files = [Path(f) for f in files]
    if not files or any(f.name.lower().endswith((".gz", ".parquet", ".pq")) for f in files):
        return None
    size = sum(f.stat().st_size for f in files)
    free = available_memory()
    if free is None:
        return None
    factor = TEXT_LOAD_FACTOR[level]
    need = size * factor
    if need > free:
        what = repr(str(files[0])) if len(files) == 1 else f"The {len(files)} files of `{key}`"
        raise UserError(
            f"{what} is too large for this machine: its {size / 2**20:,.1f} MiB of text needs "
            f"about {need / 2**30:.1f} GiB while loading ({factor}x its size at "
            f"`data.level: {level}`, for Python's strings and token lists), and "
            f"{free / 2**30:.1f} GiB is available. Use a part of the text, or a machine with "
            "more memory.")
    return need


# ------------------------------------------------------------ tables


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def table_format(path, fmt="auto"):
    if fmt != "auto":
        return fmt
    name = str(path).lower()
    if name.endswith(SPREADSHEET_SUFFIXES):
        raise UserError(f"Expected a table as .csv, .tsv, .parquet or .jsonl. Received: "
                        f"{str(path)!r}, a spreadsheet workbook; save its sheet as CSV "
                        "(UTF-8) and use that file.")
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")):
        return "jsonl"
    return "csv"


def csv_options(path, **convert):
    """pyarrow's `(ParseOptions, ConvertOptions)` for the CSV at `path`, in its dialect.

    Numeric `column_types` of a file with a thousands separator or currency and
    percent signs are read as text, which `_to_float32` converts (pyarrow parses
    neither `1,234.5` nor `$3.50`).

    Args:
        **convert: `ConvertOptions` arguments; the decimal mark is the file's,
            and `dialect.MISSING_MARKS` are empty cells beside pyarrow's own.
    """
    import pyarrow as pa
    from pyarrow import csv
    found = dialect.of_file(path)
    if found.numbers_as_text and "column_types" in convert:
        convert["column_types"] = {name: pa.string() if pa.types.is_floating(kind) else kind
                                   for name, kind in convert["column_types"].items()}
    nulls = [*csv.ConvertOptions().null_values, *dialect.MISSING_MARKS]
    return (csv.ParseOptions(delimiter=found.delimiter),
            csv.ConvertOptions(decimal_point=found.decimal, null_values=nulls, **convert))


def read_options(path, **options):
    """pyarrow's `ReadOptions` for the CSV at `path`: its comment lines skipped, and
    a header written with spaces after the delimiters read as names without them."""
    from pyarrow import csv
    found = dialect.of_file(path)
    if found.names and "column_names" not in options:
        return csv.ReadOptions(skip_rows=found.skip_lines + 1, column_names=found.names,
                               **options)
    return csv.ReadOptions(skip_rows=found.skip_lines, **options)


def _skip_comments(path, lines):
    """Advances the line iterator `lines` (an open file) past the CSV's comment lines."""
    for _ in range(dialect.of_file(path).skip_lines):
        next(lines, None)


def _header_of(path, reader):
    """The names a `csv.reader` over the CSV gives first, as `read_options` names them."""
    names = next(reader, [])
    return [n.strip() for n in names] if dialect.of_file(path).names else names


def did_you_mean(name, names):
    names = [str(n) for n in names]
    # `TEMP` for `temp`: difflib weighs case as any other letter and finds nothing
    close = [n for n in names if n.casefold() == str(name).casefold()] or \
        difflib.get_close_matches(str(name), names, n=2)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


def table_columns(path, fmt="auto", key="data.path"):
    """The column names of a table, reading only its header (or Parquet schema).

    Raises:
        UserError: for a name that two columns share (which one a key means is unknown).
    """
    path = require_file(path, key)
    fmt = table_format(path, fmt)
    if fmt != "parquet":
        require_text(path, key)
    with arrow_errors(path, fmt, key):
        if fmt == "parquet":
            import pyarrow.parquet as pq
            names = list(pq.read_schema(path).names)
        elif fmt == "jsonl":
            names = list(_read_json(path, key).column_names)
        else:
            from pyarrow import csv
            parse, convert = csv_options(path, strings_can_be_null=True)
            with csv.open_csv(path, read_options=read_options(path), parse_options=parse,
                              convert_options=convert) as reader:
                names = list(reader.schema.names)
    # Columns without a name (the empty columns a spreadsheet leaves at the right) are
    # named by no key, so only named ones must differ.
    repeated = sorted({n for n in names if n.strip() and names.count(n) > 1})
    if repeated:
        where = [i + 1 for i, n in enumerate(names) if n == repeated[0]]
        raise UserError(f"Expected the columns of {str(path)!r} (`{key}`) to have distinct "
                        f"names. Received: {repeated[0]!r} as columns {where} of {names}; "
                        "rename all but one in the header.")
    return names


def light_column(path, column, key="data.path"):
    """One column of a CSV or JSON Lines file as strings, read without pyarrow.

    For validation (`spec`: how many classes), which runs in `rnnbench show`
    and must not import pandas (importing pyarrow does). Returns None for a
    format only pyarrow reads (Parquet). Empty cells are left out.
    """
    import csv
    import json
    path = require_file(path, key)
    fmt = table_format(path)
    if fmt == "parquet":
        return None
    opener = _gzip_open if str(path).endswith(".gz") else open
    values = []
    try:
        with opener(path, "rb") as raw:
            import io
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            if fmt != "jsonl":
                _skip_comments(path, text)
            if fmt == "jsonl" and json_tables.is_document(path):
                rows = json_tables.records(path, key)
            elif fmt == "jsonl":
                rows = (json.loads(line) for line in text if line.strip())
            else:
                lines = csv.reader(text, delimiter=dialect.of_file(path).delimiter)
                rows = csv.DictReader(text, fieldnames=_header_of(path, lines) or None,
                                      delimiter=dialect.of_file(path).delimiter)
                if not rows.fieldnames or column not in rows.fieldnames:
                    names = list(rows.fieldnames or [])
                    raise UserError(f"Expected {str(path)!r} to have a column {column!r} "
                                    f"(`{key}`). Received: columns {names}" +
                                    did_you_mean(column, names))
            padded = padded_cells(path)
            for row in rows:
                value = row.get(column)
                if value is not None and padded:
                    value = value.strip()
                if value not in (None, ""):
                    values.append(str(value))
    except UnicodeDecodeError:
        raise not_utf8(path, key) from None
    except (ValueError, csv.Error) as e:
        raise UserError(f"Could not read {str(path)!r} (`{key}`): {e}") from None
    return values


def light_header(path, key="data.path"):
    """A CSV's column names, read without pyarrow (None for other formats)."""
    import csv
    import io
    path = require_file(path, key)
    if table_format(path) != "csv":
        return None
    opener = _gzip_open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            _skip_comments(path, text)
            return _header_of(path, csv.reader(text, delimiter=dialect.of_file(path).delimiter))
    except UnicodeDecodeError:
        raise not_utf8(path, key) from None


def require_columns(path, wanted, columns, key):
    """Raises a UserError for the first of `wanted` that `columns` lacks."""
    for name in wanted:
        if name not in columns:
            raise UserError(f"Expected {str(path)!r} to have a column {name!r} (`{key}`). "
                            f"Received: columns {list(columns)}" + did_you_mean(name, columns))


@contextlib.contextmanager
def arrow_errors(path, fmt, key):
    """pyarrow's and the disk's errors on reading `path` as UserErrors naming it."""
    import pyarrow as pa
    try:
        yield
    except pa.ArrowInvalid as e:
        raise _arrow_error(path, key, e) from None
    except UnicodeDecodeError:  # a header that is not UTF-8: pyarrow's names are str
        raise not_utf8(path, key) from None
    except (OSError, EOFError) as e:
        raise UserError(f"Could not read {str(path)!r} (`{key}`) as {fmt.upper()}: {e}") \
            from None


def _read_json(path, key="data.path"):
    return json_tables.read(path, key)


def _arrow_error(path, key, error):
    text = str(error)
    if "UTF8" in text or "utf-8" in text.lower() or "utf8" in text.lower():
        return not_utf8(path, key)
    if "Empty CSV file" in text or "no columns" in text.lower():
        return UserError(f"Expected {str(path)!r} (`{key}`) to have a header row and data. "
                         "Received: an empty table.")
    return UserError(f"Could not read {str(path)!r} (`{key}`): {text.splitlines()[0]}"
                     + _lone_carriage_returns(path, text))


def _lone_carriage_returns(path, error):
    """A hint for a row of the wrong width where the file holds a carriage return (`\\r`)
    with no line feed after it: an old Mac file, or a cell pasted from Windows left
    unquoted (pandas quotes a cell holding `\\n`, not one holding `\\r`)."""
    if "columns, got" not in error:
        return ""
    opener = _gzip_open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(1 << 20)
    if b"\r" not in head.replace(b"\r\n", b""):
        return ""
    return (". The file holds carriage returns (\\r) without a line feed, which end a row "
            "wherever they stand: end its lines with \\n and quote the cells that hold "
            "line breaks, or remove them (e.g. pandas: df.replace('\\r', ' ', regex=True)"
            ".to_csv(...)).")


def is_number_list(arrow_type):
    """Whether cells of `arrow_type` are lists of numbers (a sequence a cell)."""
    import pyarrow as pa
    return (pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
            or pa.types.is_fixed_size_list(arrow_type)) and (
        pa.types.is_integer(arrow_type.value_type)
        or pa.types.is_floating(arrow_type.value_type))


def read_table(path, numeric=(), other=(), fmt="auto", key="data.path"):
    """Reads the named columns of a table; `numeric` ones as float32 numpy arrays.

    Args:
        numeric: columns parsed as numbers (float32); a cell that is not a
            number is an error naming its row, column and value; empty cells
            and NA/NaN become NaN.
        other: columns returned as pyarrow arrays of their inferred type
            (time, text, labels, ids).

    Returns:
        `(values, others, rows)`: `{column: float32 array}`,
        `{column: pyarrow.Array}` and the number of rows.
    """
    import pyarrow as pa
    path = require_file(path, key)
    fmt = table_format(path, fmt)
    columns = table_columns(path, fmt, key)
    wanted = list(dict.fromkeys([*numeric, *other]))
    require_columns(path, wanted, columns, key)
    table = _read_arrow(path, fmt, numeric, wanted, key)
    if table.num_rows == 0:
        raise UserError(f"Expected {str(path)!r} (`{key}`) to have data rows. Received: "
                        "a header and no rows.")
    values, others = {}, {}
    for name in numeric:
        column = table.column(name)
        if column.type != pa.float32():
            column = _to_float32(path, name, column, fmt)
        values[name] = column.to_numpy().astype(np.float32, copy=False)
        if column.null_count:
            values[name] = np.where(_null_mask(column), np.float32(np.nan), values[name])
        table = table.drop_columns([name]) if name not in other else table
    for name in other:
        others[name] = unpadded(path, table.column(name).combine_chunks())
    return values, others, len(next(iter(values.values()))) if values else \
        len(next(iter(others.values())))


def read_matrix(path, numeric, other=(), converters=None, fmt="auto", key="data.path"):
    """Reads `numeric` columns into one float32 `(rows, len(numeric))` array.

    A CSV is streamed block by block straight into the result, which is
    allocated once for as many rows as the file could hold (pages that are
    never written cost no memory) and returned as a view of the rows read;
    so the peak stays near the float32 size of the columns (pyarrow's
    whole-table read held about twice that, pandas about seven times).
    Other formats go through `read_table`.

    Args:
        converters: `{column: fn(pyarrow chunk, first row) -> numpy array}`
            applied block by block (the time column), filled in the same way.

    Returns:
        `(matrix, others, rows)`: `others` maps each of `other` to its
        converted numpy array, or to a pyarrow ChunkedArray without a converter.
    """
    import pyarrow as pa
    converters = converters or {}
    path = require_file(path, key)
    fmt = table_format(path, fmt)
    if fmt != "csv" or dialect.of_file(path).numbers_as_text:  # `_to_float32` reads `$1,234.5`
        values, others, rows = read_table(path, numeric, other, fmt, key)
        matrix = np.empty((rows, len(numeric)), np.float32)
        for j, name in enumerate(numeric):
            matrix[:, j] = values.pop(name)
        return matrix, {k: converters[k](v, 0) if k in converters else pa.chunked_array([v])
                        for k, v in others.items()}, rows
    columns = table_columns(path, fmt, key)
    wanted = list(dict.fromkeys([*numeric, *other]))
    require_columns(path, wanted, columns, key)
    parse, convert = csv_options(path, include_columns=wanted,
                                 column_types={c: pa.float32() for c in numeric},
                                 strings_can_be_null=True)
    # A row takes at least one byte per column; a gzip file may hold ~1000x its size.
    size = Path(path).stat().st_size * (1000 if str(path).endswith(".gz") else 1)
    capacity = size // max(len(columns), 1) + 1
    matrix = np.empty((capacity, len(numeric)), np.float32)
    converted, chunks, rows = {}, {name: [] for name in other if name not in converters}, 0
    with arrow_errors(path, fmt, key):
        try:
            for batch, block in _csv_pieces(path, parse, convert, numeric, columns):
                n = batch.num_rows
                matrix[rows:rows + n] = block
                for name, convert_chunk in converters.items():
                    values = convert_chunk(batch.column(name), rows)
                    if name not in converted:
                        converted[name] = np.empty(capacity, values.dtype)
                    converted[name][rows:rows + n] = values
                for name in chunks:
                    chunks[name].append(batch.column(name))
                rows += n
        except pa.ArrowInvalid as e:
            if "CSV conversion" not in str(e):
                raise
            return _matrix_of_table(path, numeric, other, converters, fmt, key)
    if rows == 0:
        raise UserError(f"Expected {str(path)!r} (`{key}`) to have data rows. Received: "
                        "a header and no rows.")
    others = {name: c[:rows] for name, c in converted.items()}
    others.update({name: unpadded(path, pa.chunked_array(c)) for name, c in chunks.items()})
    return matrix[:rows], others, rows


def _matrix_of_table(path, numeric, other, converters, fmt, key):
    """`read_matrix`'s result through `read_table`, for a file pyarrow's parse of numbers
    refused: it names the cell that is no number, or reads what is one to us."""
    import pyarrow as pa
    values, found, rows = read_table(path, numeric, other, fmt, key)
    matrix = np.stack([values[name] for name in numeric], axis=1) if numeric else \
        np.empty((rows, 0), np.float32)
    others = {name: converters[name](found[name], 0) if name in converters
              else pa.chunked_array([found[name]]) for name in other}
    return matrix, others, rows


# Bytes of CSV parsed at once, by one thread: small enough that a few pieces per
# core in flight cost little memory beside the float32 result, large enough that
# a parse's fixed cost is amortised. (Before: 16 MiB pieces read, hashed and
# parsed in turn took 2.3x pandas' time on a 609 MiB CSV, these 1.4x;
# docs/benchmarks-history.md.)
PIECE_BYTES = 4 << 20


def _row_major(batch, numeric):
    """The `numeric` columns of a record batch as one float32 `(rows, columns)` array."""
    block = np.empty((batch.num_rows, len(numeric)), np.float32)
    for j, name in enumerate(numeric):
        block[:, j] = batch.column(name).to_numpy(zero_copy_only=False)
    return block


def _csv_pieces(path, parse, convert, numeric, names):
    """The CSV's rows as `(record batch, numeric block)` in the file's order.

    Each piece is whole lines after the header, about `PIECE_BYTES`, parsed
    and laid out row-major (`_row_major`) in a pool of threads; a file with
    quoted cells (which may hold line breaks a piece would cut) is read by
    pyarrow's streaming reader. The file's SHA-256 is computed from the same
    bytes on the way.

    Args:
        names: the header's column names (`table_columns`).
    """
    from pyarrow import csv
    opener = _gzip_open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        # The comment lines and the header: the rest is data.
        head = b"".join(f.readline() for _ in range(dialect.of_file(path).skip_lines + 1))
        sample = f.read(PIECE_BYTES)
    if b'"' in sample:  # a quoted header (pyarrow writes one) cuts nothing
        with csv.open_csv(path, parse_options=parse, convert_options=convert,
                          read_options=read_options(path, block_size=1 << 20)) as reader:
            for batch in reader:
                yield batch, _row_major(batch, numeric)
        return
    yield from _parsed_in_parallel(_raw_pieces(path, opener, head), names, parse,
                                   convert, numeric)


def _raw_pieces(path, opener, head):
    """The file's pieces of whole lines after `head` (its first bytes: the comment
    lines and the header), hashed as they are read.

    Each piece is read into its own buffer, cut after its last line break, and
    the cut-off start of a line begins the next one: no piece is copied.
    """
    key = file_key(path)
    digest = hashlib.sha256() if opener is open else None
    if digest:
        digest.update(head)
    with opener(path, "rb") as f:
        f.read(len(head))
        tail = b""
        while True:
            buffer = bytearray(len(tail) + PIECE_BYTES)
            buffer[:len(tail)] = tail
            size = len(tail) + f.readinto(memoryview(buffer)[len(tail):])
            if size == len(tail):  # the end of the file
                if tail:
                    yield _hashed(tail, digest)
                if digest and file_key(path) == key:  # the manifest's hash, read once
                    _HASHES[key] = digest.hexdigest()
                return
            cut = buffer.rfind(b"\n", 0, size) + 1
            if cut == 0:  # a line longer than a piece: read on
                tail = bytes(buffer[:size])
                continue
            tail = bytes(buffer[cut:size])
            yield _hashed(memoryview(buffer)[:cut], digest)


def _hashed(piece, digest):
    if digest:
        digest.update(piece)
    return piece


def _parsed_in_parallel(pieces, names, parse_options, convert, numeric):
    """Each piece parsed by `read_csv` and made `_row_major` in a pool of threads.

    A thread reads and hashes the pieces while one single-threaded parse per
    core runs (pyarrow, numpy's copies and hashlib release the GIL), and this
    generator yields `(batch, block)` in the file's order for a contiguous copy
    into the result; at most two pieces per core are in flight.
    An error in the reader or a parse is raised here, in the file's order.
    """
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    from pyarrow import csv
    workers = worker_count()
    options = csv.ReadOptions(use_threads=False, block_size=2 * PIECE_BYTES,
                              column_names=names)

    def parse(piece):
        table = csv.read_csv(pa.py_buffer(piece), read_options=options,
                             parse_options=parse_options, convert_options=convert)
        if not table.num_rows:  # a piece of blank lines
            return None
        batch, = table.combine_chunks().to_batches()  # columns of one chunk: one batch
        return batch, _row_major(batch, numeric)

    done, stop = object(), threading.Event()
    channel = queue.Queue(maxsize=2 * workers)
    with ThreadPoolExecutor(workers, thread_name_prefix="rnnbench-csv") as pool:
        def read():
            try:
                for piece in pieces:
                    if stop.is_set():
                        return
                    channel.put(pool.submit(parse, piece))
            except BaseException as e:  # handed to the consumer, in order
                channel.put(e)
                return
            channel.put(done)

        reader = threading.Thread(target=read, name="rnnbench-csv-read", daemon=True)
        reader.start()
        try:
            while True:
                item = channel.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                parsed = item.result()
                if parsed is not None:
                    yield parsed
        finally:
            stop.set()
            while reader.is_alive():  # unblock a reader waiting on a full queue
                try:
                    channel.get_nowait()
                except queue.Empty:
                    reader.join(0.01)


def _null_mask(column):
    import pyarrow.compute as pc
    return np.asarray(pc.is_null(column).to_numpy(zero_copy_only=False))


def _read_arrow(path, fmt, numeric, wanted, key):
    import pyarrow as pa
    with arrow_errors(path, fmt, key):
        if fmt == "parquet":
            import pyarrow.parquet as pq
            return pq.read_table(path, columns=wanted)
        if fmt == "jsonl":
            return _read_json(path, key).select(wanted)
        from pyarrow import csv
        parse, convert = csv_options(path, include_columns=wanted,
                                     column_types={c: pa.float32() for c in numeric},
                                     strings_can_be_null=True)
        try:
            return csv.read_csv(path, read_options=read_options(path), parse_options=parse,
                                convert_options=convert)
        except pa.ArrowInvalid as e:
            if "conversion error to float" not in str(e):
                raise
            # Find the offending cell ourselves, to name its row and value.
            parse, convert = csv_options(path, include_columns=wanted,
                                         column_types={c: pa.string() for c in numeric},
                                         strings_can_be_null=True)
            table = csv.read_csv(path, read_options=read_options(path), parse_options=parse,
                                 convert_options=convert)
            # Each column as numbers (or a cell named): what pyarrow's own parse
            # takes neither, `True`/`False` columns, is read here.
            for name in numeric:
                index = table.schema.get_field_index(name)
                table = table.set_column(index, name, _to_float32(path, name,
                                                                  table.column(name), fmt))
            return table


TRUE_FALSE = {"true": 1.0, "false": 0.0}


def _to_float32(path, name, column, fmt):
    """A column as float32; the first cell that is no number is named in a UserError."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) \
            or pa.types.is_boolean(column.type) or pa.types.is_null(column.type):
        return pc.cast(column, pa.float32())
    text = pc.cast(column, pa.string()).to_pandas()
    words = text.str.strip().str.lower()
    if words.notna().any() and words.dropna().isin(TRUE_FALSE).all():
        # A spreadsheet's (or pandas') True/False column: 1 and 0, as Parquet's booleans.
        return pa.chunked_array([pa.array(words.map(TRUE_FALSE).to_numpy(np.float32),
                                          pa.float32())])
    parsed = numbers_of_text(text, dialect.of_file(path) if fmt == "csv" else None)
    bad = parsed.isna() & text.notna() & ~text.str.strip().str.lower().isin(
        ["", "na", "nan", "n/a", "null", "none", "-nan", *dialect.MISSING_MARKS])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        line = row + 2 + (dialect.of_file(path).skip_lines if fmt == "csv" else 0)
        where = f"row {row + 1} (line {line} of the file)" if fmt == "csv" else \
            f"row {row + 1}"
        raise UserError(f"Expected column {name!r} of {str(path)!r} to hold numbers. "
                        f"Received: {text.iloc[row]!r} in {where}.")
    return pa.chunked_array([pa.array(parsed.to_numpy(np.float32), pa.float32())])


def convert_number_columns(frame, found, names=None):
    """Turns each text column of `frame` (or of `names`) whose every cell is a number in
    `found`'s dialect (`1,234.5`, `$3.50`) into numbers, in place; returns `frame`."""
    if found is None or not found.numbers_as_text:
        return frame
    for name in frame.columns if names is None else names:
        if frame[name].dtype.kind in "biufcmM":  # numbers, times already
            continue
        numbers = numbers_of_text(frame[name], found)
        if numbers.notna().sum() == frame[name].notna().sum():
            frame[name] = numbers
    return frame


def numbers_of_text(text, found=None):
    """A pandas Series of text as numbers (NaN where a cell is none), in `found`'s
    `dialect.Dialect` (its thousands separator, decimal mark and currency or percent
    signs, K/M/B multipliers) if given."""
    import pandas as pd
    exponent = ""
    if found is not None and found.units:
        text = text.str.replace(dialect.UNIT_MARKS, r"\1", regex=True)
        exponent = text.str.extract(dialect.MULTIPLIER, expand=False).map(
            dialect.MULTIPLIERS).fillna("")
        text = text.str.replace(dialect.MULTIPLIER, "", regex=True)
    if found is not None and found.numbers_as_text:  # `23.02.2024` is a date, not 23022024
        text = text.where(text.str.match(found.number_pattern(), case=False).fillna(False))
    if found is not None and found.thousands:
        text = text.str.replace(found.thousands, "", regex=False)
    if found is not None and found.decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text + exponent, errors="coerce")


def cells(n):
    return f"{n} such cell" + ("" if n == 1 else "s")


def as_strings(array, name, path, allow_null=False):
    """A pyarrow array as a numpy object array of str; nulls refused unless allowed."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if not allow_null and array.null_count:
        row = int(np.flatnonzero(_null_mask(array))[0])
        raise UserError(f"Column {name!r} of {str(path)!r} is empty in row {row + 1}. "
                        "Expected every row to have a value there. Received: an empty cell.")
    if pa.types.is_floating(array.type):
        values = array.to_numpy(zero_copy_only=False)
        if np.all(np.isnan(values) | (values == np.round(values))):
            array = pc.cast(array, pa.int64())
    if pa.types.is_boolean(array.type):  # as Python and the run's class names write them
        return np.array(["" if v is None else str(v) for v in array.to_pylist()], object)
    try:
        strings = pc.cast(array, pa.string()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        raise UserError(f"Expected column {name!r} of {str(path)!r} to be UTF-8 text. "
                        f"Received: bytes that are not UTF-8. {utf8_remedy(path)}") from None
    return np.array(["" if s is None else s for s in strings], dtype=object)


def padded_cells(path):
    """Whether `path` is a CSV written with a space after each delimiter (`a, b`): its
    text cells are read without it, as its header's names are."""
    return table_format(path) == "csv" and bool(dialect.of_file(path).names)


def is_text(arrow_type):
    """Whether a pyarrow column of `arrow_type` holds text cells."""
    import pyarrow as pa
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def unpadded(path, array):
    """A pyarrow array of text cells without the spaces around them, where `path`'s
    cells are padded (`padded_cells`); any other array as it is."""
    import pyarrow.compute as pc
    if padded_cells(path) and is_text(array.type):
        return pc.utf8_trim_whitespace(array)
    return array
