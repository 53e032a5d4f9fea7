"""Tables in JSON: JSON Lines, and one JSON document of records or columns.

JSON Lines (one object per line) is read by pyarrow, streaming. A file that is
one JSON document is read whole, in the layouts pandas' `DataFrame.to_json`
writes for a table: an array of records (`orient="records"`), an object of
columns (`orient="columns"`, pandas' default, `{"col": {"0": v, ...}}`),
`orient="split"` and `orient="table"`; and an object of column lists
(`{"col": [v, ...]}`). Anything else is a `UserError` saying which layouts
are read.
"""

import json

from rnnbench.errors import UserError

LAYOUTS = ("JSON Lines (one object per line)", "an array of records (`[{...}, ...]`)",
           "an object of columns (`{\"col\": [...]}` or pandas' `{\"col\": {\"0\": ...}}`)")


def _open(path):
    if str(path).endswith(".gz"):
        import gzip
        return gzip.open(path, "rb")
    return open(path, "rb")


def is_document(path):
    """Whether the file is one JSON document rather than JSON Lines.

    JSON Lines start with an object that ends on the first line, and go on
    (one line of columns is a document); anything else is one document.
    """
    with _open(path) as raw:
        head = raw.read(1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] != b"{":
        return True  # an array (or a scalar, refused as no table)
    first, _, rest = head.partition(b"\n")
    try:
        value = json.loads(first)
    except ValueError:
        return True  # an object spanning several lines
    columns = bool(value) and all(isinstance(v, (list, dict)) for v in value.values())
    return columns and not rest.strip()  # one line of columns, not lines of sequences


def _layout_error(path, key, received):
    return UserError(f"Expected {str(path)!r} (`{key}`) to hold a table as "
                     f"{', '.join(LAYOUTS[:-1])} or {LAYOUTS[-1]}. Received: {received}. "
                     "From pandas, `df.to_json(path, orient='records', lines=True)` "
                     "writes JSON Lines.")


def records(path, key="data.path"):
    """The rows of a one-document JSON table, as a list of dicts."""
    try:
        with _open(path) as raw:
            doc = json.loads(raw.read().decode("utf-8-sig"))
    except ValueError as e:
        raise UserError(f"Could not read {str(path)!r} (`{key}`) as JSON: {e}") from None
    if isinstance(doc, list):
        return records_of_array(doc, path, key)
    if isinstance(doc, dict) and {"columns", "data"} <= set(doc):  # orient="split"
        if not all(isinstance(row, list) for row in doc["data"]):
            raise _layout_error(path, key, '"columns" and "data" whose rows are not all arrays')
        return [dict(zip(doc["columns"], row)) for row in doc["data"]]
    if isinstance(doc, dict) and {"schema", "data"} <= set(doc):  # orient="table"
        return records_of_array(doc["data"], path, key)
    if isinstance(doc, dict) and doc:
        columns = list(doc.values())
        if all(isinstance(c, list) for c in columns):
            if len({len(c) for c in columns}) != 1:
                raise _layout_error(path, key, "column lists of different lengths "
                                    f"{sorted({len(c) for c in columns})}")
            return [dict(zip(doc, row)) for row in zip(*columns)]
        if all(isinstance(c, dict) for c in columns):
            index = list(dict.fromkeys(i for c in columns for i in c))
            return [{name: doc[name].get(i) for name in doc} for i in index]
    raise _layout_error(path, key, f"a JSON {type(doc).__name__}")


def records_of_array(doc, path, key):
    """`doc` when it is a non-empty array of objects; else a UserError."""
    if isinstance(doc, list) and doc and all(isinstance(row, dict) for row in doc):
        return doc
    raise _layout_error(path, key, "an array whose items are not all objects" if doc
                        else "an empty array")


def read(path, key="data.path"):
    """The table in a JSON file, as a pyarrow Table."""
    import pyarrow as pa
    if is_document(path):
        rows = records(path, key)
        # Every key of every record (pyarrow's from_pylist keeps the first record's only).
        names = dict.fromkeys(name for row in rows for name in row)
        try:
            return pa.table({name: [row.get(name) for row in rows] for name in names})
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise UserError(f"Could not read {str(path)!r} (`{key}`) as a table: a column "
                            f"mixes kinds of values ({str(e).splitlines()[0]})") from None
    from pyarrow import json as pa_json
    return pa_json.read_json(path)
