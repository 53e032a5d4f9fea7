"""Dates and times written as text, read with one reading for the whole column.

pandas' `format="mixed"` parses each cell on its own, so in a column of
`dd.mm.yyyy` dates `02.01.2021` becomes 1 February and `13.01.2021` 13 January:
the rows sort in the wrong order and nothing says so. Here a column is read
with one format, inferred from its first cell, month first (pandas' default)
or day first, whichever reads every cell; a year-first cell (ISO 8601) is never
read day first. Where both read every cell (no day above 12), the reading
under which the file's rows are in time order wins, then day first for dates
written with dots, then one whose steps are even (in days, or by the calendar:
monthly on one day of the month), then the one with the more regular steps, then
month first. Only a column that no single format reads
falls back to parsing each cell on its own.
"""

import re
import warnings

import numpy as np

_YEAR_FIRST = re.compile(r"^\s*\d{4}\D")
MONTH_FIRST, DAY_FIRST, EACH_CELL = "month first", "day first", "each cell"


def parse(text, how=None, prefer=None):
    """`(datetimes, how)` of a pandas Series of strings; unreadable cells are NaT.

    Args:
        how: the reading to apply, `MONTH_FIRST`, `DAY_FIRST` or `EACH_CELL` (the one
            a first chunk chose); None chooses it from `text`.
        prefer: the reading to take where both read every cell (a trained run's, for
            new data too short to tell: twelve monthly dates on the 1st read as
            January's days as well).
    """
    if how is not None:
        return _read(text, how), how
    first = text.dropna().iloc[0] if text.notna().any() else ""
    candidates = [MONTH_FIRST] if _YEAR_FIRST.match(str(first)) else [MONTH_FIRST, DAY_FIRST]
    complete = {}
    for candidate in candidates:
        parsed = _read(text, candidate)
        if parsed.notna().all():
            complete[candidate] = parsed
    if not complete:
        return _read(text, EACH_CELL), EACH_CELL
    if len(complete) == 2 and not complete[MONTH_FIRST].equals(complete[DAY_FIRST]):
        how = prefer if prefer in complete else \
            max(complete, key=lambda r: _plausibility(complete[r], r, str(first)))
    else:
        how = next(iter(complete))
    return complete[how], how


_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)\s*$",
                     re.IGNORECASE)  # after a time of day


COMPACT = "yyyymmdd"  # the reading of a column of whole numbers like 20240102
NUMBERS = "numbers"  # the reading of a column of numbers that are not such dates


def compact_dates(values):
    """int64 nanoseconds of whole numbers written as `yyyymmdd` dates (20240102, as
    many exchanges and loggers export them), or None when any is no such date."""
    values = np.asarray(values)
    if not len(values) or values.dtype.kind not in "iuf" or \
            not np.all(values == np.round(values)) or \
            not np.all((values >= 18000101) & (values <= 22001231)):
        return None
    import pandas as pd
    parsed = pd.to_datetime(pd.Series(values.astype(np.int64).astype(str)), format="%Y%m%d",
                            errors="coerce")
    if parsed.isna().any():
        return None
    return parsed.to_numpy("datetime64[ns]").astype(np.int64)


def has_offset(cell):
    """Whether a time written as text names its UTC offset (`Z`, `+01:00`, `-0500`, `UTC`)."""
    return isinstance(cell, str) and _OFFSET.search(cell) is not None


def _read(text, how):
    import pandas as pd
    with warnings.catch_warnings():  # "Could not infer format": the cells are read one by one
        warnings.simplefilter("ignore", UserWarning)
        # utc=True: offsets that change within a column (+01:00, then +02:00 after the
        # clocks go forward) are one UTC timeline; without them the times stay as written.
        if how == EACH_CELL:
            return pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
        return pd.to_datetime(text, errors="coerce", dayfirst=how == DAY_FIRST, utc=True)


def _plausibility(parsed, how, first):
    """Higher for a reading whose rows are in time order; then day first for dates
    written with dots (`dd.mm.yyyy`, as no locale writes month first), then more
    regular steps."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    values = parsed.to_numpy("datetime64[ns]").astype(np.int64)
    in_order = bool(np.all(np.diff(values) >= 0))
    steps = len(np.unique(np.diff(np.sort(values))))
    dotted_day_first = how == DAY_FIRST and bool(re.match(r"^\s*\d{1,2}\.\d{1,2}\.", first))
    return in_order, dotted_day_first, _even(parsed), -steps


def _even(parsed):
    """Whether the sorted times step evenly, in days or by the calendar (months on one
    day of the month, or month ends): monthly dates on the 1st written `dd/mm/yyyy`
    read month first are days 1 to 12 with a jump a year, three step lengths (1, 354
    and 355 days) to the true reading's four (28 to 31), and the step count alone
    chose them."""
    import pandas as pd
    times = pd.DatetimeIndex(parsed.sort_values())
    if len(times) < 3:
        return False
    days = np.unique(np.diff(times.asi8))
    if len(days) == 1:
        return True
    months = np.unique(np.diff(times.year * 12 + times.month))
    same_day = np.unique(times.day).size == 1 or bool(np.all(times.is_month_end))
    one_clock = np.unique(np.asarray(times - times.normalize())).size == 1
    return bool(same_day and one_clock and months.size == 1 and months[0] > 0)
