"""The delimiter and decimal mark of a user's CSV, found from its first lines.

A comma-separated file with a decimal point is the default and is read as
before. A file whose header and first rows split into the same number of
fields (more than one) on `;`, a tab or `|`, and not on commas, is read
with that delimiter: the exports of spreadsheets in locales that write
`3,14`, and `.tsv` files. Such a file's numbers are read with a decimal
comma when its cells hold numbers like `3,14` and none like `3.14`.
Standard library only: `rnnbench show` reads headers without pyarrow.
"""

import csv
import gzip
import io
import re
from pathlib import Path
from typing import NamedTuple

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 << 10
_NUMBER_WITH_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
_NUMBER_WITH_POINT = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class Dialect(NamedTuple):
    """How a CSV separates its fields and writes the decimal mark of its numbers."""

    delimiter: str = ","
    decimal: str = "."

    def describe(self):
        """`"semicolon-separated, decimal comma"`; empty for the default."""
        if self == Dialect():
            return ""
        mark = "comma" if self.decimal == "," else "point"
        return f"{_NAMES[self.delimiter]}-separated, decimal {mark}"


def sniff(text, complete=True):
    """The `Dialect` of CSV `text` (a file's first bytes, decoded).

    Args:
        complete: whether `text` is the whole file; if not, its last line
            may be cut and is left out.
    """
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    sample = "".join(lines)
    widths = {d: _consistent_width(sample, d) for d in DELIMITERS}
    if widths[","] > 1:
        return Dialect()
    delimiter = max(DELIMITERS[1:], key=lambda d: widths[d])
    if widths[delimiter] <= 1:
        return Dialect()
    cells = [c.strip() for row in list(csv.reader(io.StringIO(sample), delimiter=delimiter))[1:]
             for c in row]
    comma = any(_NUMBER_WITH_COMMA.match(c) for c in cells)
    point = any(_NUMBER_WITH_POINT.match(c) for c in cells)
    return Dialect(delimiter, "," if comma and not point else ".")


def _consistent_width(sample, delimiter):
    """The number of fields every non-blank row has on `delimiter`, or 0 if they differ."""
    try:
        widths = {len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter)
                  if row}
    except csv.Error:
        return 0
    return widths.pop() if len(widths) == 1 else 0


_CACHE = {}


def of_file(path):
    """The `Dialect` of the CSV at `path` (a `.gz` is read through gzip), once per version."""
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        opener = gzip.open if str(path).endswith(".gz") else open
        try:
            with opener(path, "rb") as f:
                head = f.read(SAMPLE_BYTES + 1)
        except (OSError, EOFError):  # the reader that follows names the problem
            return Dialect()
        complete = len(head) <= SAMPLE_BYTES
        text = head[:SAMPLE_BYTES].decode("utf-8-sig", errors="ignore")
        _CACHE[key] = sniff(text, complete)
    return _CACHE[key]
