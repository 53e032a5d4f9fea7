"""The delimiter and decimal mark of a user's CSV, found from its first lines.

A comma-separated file with a decimal point is the default and is read as
before. A file whose header and first rows split into the same number of
fields (more than one) on `;`, a tab or `|`, and not on commas, is read
with that delimiter: the exports of spreadsheets in locales that write
`3,14`, and `.tsv` files. Such a file's numbers are read with a decimal
comma when its cells hold numbers like `3,14` and none like `3.14`.
Lines starting with `#` before the header (an export's notes on source and
units) are skipped, as is Excel's `sep=;` line, and numbers written with a thousands separator
(`"1,234.50"`, or `1.234,50` with a decimal comma) are read as numbers, as
are numbers written with a currency sign or a percent sign (`$172.62`,
`-€3,50`, `3,50 €`, `12.5%`: the number as written, 12.5) or a multiplier
(`1.23M`: 1,230,000), as finance sites export prices and volumes.
Standard library only: `rnnbench show` reads headers without pyarrow.
"""

import csv
import gzip
import io
import itertools
import re
from pathlib import Path
from typing import NamedTuple

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 << 10
_NUMBER_WITH_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
_NUMBER_WITH_POINT = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")
_GROUPED_BY_COMMA = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_GROUPED_BY_POINT = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# A currency sign before a number (after its sign, if any), or one or a percent sign
# after it.
UNIT_MARKS = r"^\s*([+-]?)\s*[$€£¥₹]\s*|\s*[%$€£¥₹]\s*$"
_UNITS = re.compile(UNIT_MARKS)
# Thousands, millions, billions after a number, as finance sites write volumes (`1.23M`).
MULTIPLIER = r"(?<=\d)\s*([KkMB])\s*$"
MULTIPLIERS = {"K": "e3", "k": "e3", "M": "e6", "B": "e9"}  # as exponents: 2.038K is 2038
_MULTIPLIER = re.compile(MULTIPLIER)
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d.,]*|\.\d+)(?:[eE][+-]?\d+)?$")
# Cells that mean "no value" besides pyarrow's own (`NA`, `n/a`, `null`, ...): UCI's
# `?` and a spreadsheet's dashes. An empty or NA cell is read the same way.
MISSING_MARKS = ("?", "-", "--", ".")


class Dialect(NamedTuple):
    """How a CSV separates its fields and writes the decimal mark of its numbers."""

    delimiter: str = ","
    decimal: str = "."
    skip_lines: int = 0  # comment lines before the header
    thousands: str = ""  # the separator of digit groups in numbers, if any
    # The header's names without the spaces written after each delimiter (`date, sales`);
    # empty when the header has none.
    names: tuple = ()
    units: bool = False  # numbers with a currency, percent or K/M/B sign (`$3.50`, `1.2M`)

    @property
    def numbers_as_text(self):
        """Whether numeric columns are read as text and converted by `reading.numbers_of_text`
        (pyarrow parses neither `1,234.5` nor `$3.50`)."""
        return bool(self.thousands or self.units)

    def number_pattern(self):
        """A regex of one number as this file writes it: digits grouped by its thousands
        separator in threes (so `23.02.2024` is no number), its decimal mark, or inf/NaN."""
        point = re.escape(self.decimal)
        whole = rf"\d{{1,3}}(?:{re.escape(self.thousands)}\d{{3}})+|\d+" if self.thousands \
            else r"\d+"
        return (rf"^\s*[+-]?(?:(?:{whole})(?:{point}\d*)?|{point}\d+)(?:[eE][+-]?\d+)?\s*$"
                r"|^\s*[+-]?(?:inf|infinity|nan)\s*$")

    def describe(self):
        """`"semicolon-separated, decimal comma"`; empty for the default."""
        parts = []
        if self.delimiter != "," or self.decimal != ".":
            mark = "comma" if self.decimal == "," else "point"
            parts.append(f"{_NAMES[self.delimiter]}-separated, decimal {mark}")
        if self.thousands:
            parts.append(f"thousands separated by {self.thousands!r}")
        if self.units:
            parts.append("currency and percent signs, K/M/B multipliers read off numbers")
        if self.skip_lines:
            parts.append(f"{self.skip_lines} comment (or `sep=`) line"
                         f"{'s' * (self.skip_lines > 1)} before the header skipped")
        if self.names:
            parts.append("spaces after the delimiters in the header dropped")
        return "; ".join(parts)


def sniff(text, complete=True, default=","):
    """The `Dialect` of CSV `text` (a file's first bytes, decoded).

    Args:
        complete: whether `text` is the whole file; if not, its last line
            may be cut and is left out.
        default: the delimiter where no delimiter splits every row alike (a table
            of one column): a tab for a `.tsv`, whose texts may hold commas.
    """
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    skip = _comment_lines(lines)
    sample = "".join(lines[skip:])
    widths = {d: _consistent_width(sample, d) for d in DELIMITERS}
    if widths[","] > 1:
        delimiter = ","
    else:
        delimiter = max(DELIMITERS[1:], key=lambda d: widths[d])
        if widths[delimiter] <= 1:
            delimiter = default
    cells = [c.strip() for row in _rows(sample, delimiter)[1:] for c in row]
    bare = [without_units(c) for c in cells]
    units = any(b != c and _PLAIN_NUMBER.match(b) for b, c in zip(bare, cells))
    decimal, thousands = _number_marks(bare, delimiter)
    header = next(iter(_rows(sample, delimiter)), [])
    padded = len(header) > 1 and all(n[:1] == " " and n.strip() for n in header[1:])
    return Dialect(delimiter, decimal, skip, thousands,
                   tuple(n.strip() for n in header) if padded else (), units)


def _rows(sample, delimiter):
    """`sample`'s rows; none where it is no CSV (a binary file's bytes), which the
    reader that follows names. Lines may end in `\r` (old Mac files, text pasted from
    Windows), as pyarrow reads them."""
    try:
        return list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
    except csv.Error:
        return []


def without_units(cell):
    """`cell` without a currency sign before its number, or a percent sign or a
    multiplier (`K`, `M`, `B`) after it."""
    return _MULTIPLIER.sub("", _UNITS.sub(r"\1", cell))


# Excel's first line naming the delimiter (`sep=;`), which it writes and reads itself.
_EXCEL_SEPARATOR = re.compile(r"^\s*sep=.\s*$", re.IGNORECASE)


def _comment_lines(lines):
    """How many lines before the header start with `#` or are Excel's `sep=;` line
    (blank lines among them count)."""
    count = 0
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#") and \
                not _EXCEL_SEPARATOR.match(line.rstrip("\r\n")):
            break
        count += 1
    return count if count < len(lines) else 0


def _number_marks(cells, delimiter):
    """`(decimal mark, thousands separator or "")` that the cells' numbers are written with.

    A comma-separated file writes a decimal point; its grouped numbers are
    quoted (`"1,234.5"`). Elsewhere a decimal comma shows as `3,14` or
    `1.234,5`, and a decimal point as `3.14` or `1,234.5`; a file with both
    kinds keeps the decimal point.
    """
    def seen(pattern):
        return any(pattern.match(c) for c in cells)
    if delimiter == ",":
        return ".", "," if seen(_GROUPED_BY_COMMA) else ""
    point_grouped = [c for c in cells if _GROUPED_BY_POINT.match(c)]
    comma = seen(_NUMBER_WITH_COMMA) or any("," in c for c in point_grouped)
    # `100,123` alone may be a decimal comma; `1,234.5` is a decimal point.
    point = any(_NUMBER_WITH_POINT.match(c) and not _GROUPED_BY_POINT.match(c)
                or _GROUPED_BY_COMMA.match(c) and "." in c for c in cells)
    if comma and not point:
        return ",", "." if point_grouped else ""
    return ".", "," if seen(_GROUPED_BY_COMMA) else ""


def _consistent_width(sample, delimiter):
    """The number of fields every non-blank row has on `delimiter`, or 0 if they differ."""
    try:
        widths = {len(row) for row in csv.reader(io.StringIO(sample, newline=""),
                                                  delimiter=delimiter) if row}
    except csv.Error:
        return 0
    return widths.pop() if len(widths) == 1 else 0


_CACHE = {}


def is_table(path, records=50):
    """Whether the text file at `path` holds a table: its first `records` rows (after
    `#` notes; quoted cells may span lines) have one number of fields, at least 2, on
    one delimiter, with a number among the cells below the header, or tabs between them
    (an instrument's `.txt` export, a `.tsv` saved as `.txt`). Prose varies its commas
    line to line."""
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES + 1)
    cut = len(raw) > SAMPLE_BYTES
    lines = raw[:SAMPLE_BYTES].decode("utf-8-sig", errors="ignore").splitlines(keepends=True)
    text = "".join(lines[_comment_lines(lines):])
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in itertools.islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                records + 1) if row]
        except csv.Error:
            continue
        if cut and len(rows) <= records:
            rows = rows[:-1]  # the sample may end inside the last row
        rows = rows[:records]
        if len(rows) < 3 or len({len(row) for row in rows}) != 1 or len(rows[0]) < 2:
            continue
        cells = [c.strip() for row in rows[1:] for c in row]
        if delimiter == "\t" or any(_PLAIN_NUMBER.match(without_units(c)) for c in cells):
            return True
    return False


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
        tabs = str(path).lower().endswith((".tsv", ".tsv.gz", ".tab"))
        _CACHE[key] = sniff(text, complete, "\t" if tabs else ",")
    return _CACHE[key]
