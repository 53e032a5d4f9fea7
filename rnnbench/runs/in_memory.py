"""Data held in Python (a DataFrame, arrays, texts) as the file a run's dataset reads.

`Run.predict` and `Run.inputs` take what a Python user has at hand as well as a
path: it is written once to a temporary file in the form `rnnbench predict
--data` takes (Parquet for a table, `.npz` for arrays, `.txt` for texts), so the
run's own preprocessing reads it through the same code as a file.
"""

import contextlib
import tempfile
from pathlib import Path

import numpy as np

from rnnbench.errors import UserError

ACCEPTED = ("a path to a file, a pandas DataFrame, a NumPy array (the inputs `x`), a dict "
            "of arrays (`x`, and optionally `y`) or a list of texts")


# The run inputs' kinds (`preprocessing.json`) read from tables only: no arrays.
TABLE_KINDS = ("series", "table_sequences")


@contextlib.contextmanager
def as_file(data, text_column=None, kind=None):
    """Yields a path for `data`: itself if a path, else a temporary file holding it.

    Args:
        text_column: the run's text column, for a run that classifies texts: a list
            of texts is then a table of that column, a row per text (an empty one
            too), where a `.txt` (a corpus) leaves blank lines out.
        kind: the run's inputs kind (`preprocessing.json`); a run that reads tables
            (`TABLE_KINDS`, or a text column) refuses arrays, naming what it takes.
    """
    if data is None or isinstance(data, (str, Path)):
        yield data
        return
    _require_a_table(data, text_column, kind)
    with tempfile.TemporaryDirectory(prefix="rnnbench-data-") as folder:
        path = _write(data, Path(folder), text_column)
        try:
            yield path
        except UserError as e:  # named as the user passed it, not by the temporary file
            text = str(e).replace(repr(str(path)), describe(data))
            raise UserError(text.replace(str(path), describe(data))) from None


def _require_a_table(data, text_column, kind):
    """Refuses arrays (and lists that are not all texts) where the run reads a table."""
    import pandas as pd
    if kind not in TABLE_KINDS and text_column is None or isinstance(data, pd.DataFrame):
        return
    texts = " or a list of texts" if text_column is not None else ""
    if isinstance(data, (list, tuple, pd.Series)) and text_column is not None and len(data):
        bad = next((i for i, t in enumerate(data) if not isinstance(t, str)), None)
        if bad is None:
            return
        raise UserError(f"Expected data to predict to be a list of texts. Received: a list "
                        f"whose item {bad} is {data[bad]!r} ({type(data[bad]).__name__}); "
                        "give an empty string for a missing text")
    if isinstance(data, np.ndarray) or isinstance(data, dict) and data and all(
            isinstance(v, (np.ndarray, list, tuple)) for v in data.values()):
        raise UserError(f"Expected data to predict for this run to be a path to a table or a "
                        f"pandas DataFrame with the columns it was trained on{texts}: its "
                        f"dataset reads tables. Received: {describe(data)}")


def describe(data):
    """How `data` is named in messages: a path as it is, else its kind and size."""
    if data is None or isinstance(data, (str, Path)):
        return data
    shape = getattr(data, "shape", None)
    return f"<{type(data).__name__}{' of shape ' + str(tuple(shape)) if shape else ''}>"


def _write(data, folder, text_column=None):
    import pandas as pd
    if text_column is not None and _texts(data):
        data = pd.DataFrame({text_column: list(data)})
    if isinstance(data, pd.DataFrame):
        frame = data.reset_index() if any(n is not None for n in data.index.names) else data
        frame = frame.rename(columns=str)
        path = folder / "data.parquet"
        frame.to_parquet(path, index=False)
        return path
    if isinstance(data, np.ndarray):
        data = {"x": data}
    if isinstance(data, dict) and data and all(isinstance(v, (np.ndarray, list, tuple))
                                              for v in data.values()):
        path = folder / "data.npz"
        np.savez(path, **{str(k): np.asarray(v) for k, v in data.items()})
        return path
    if _texts(data):
        path = folder / "data.txt"
        path.write_text("".join(" ".join(t.split()) + "\n" for t in data), encoding="utf-8")
        return path
    raise UserError(f"Expected data to predict to be {ACCEPTED}. Received: "
                    f"{type(data).__name__}" + (" (empty)" if _empty(data) else ""))


def _texts(data):
    import pandas as pd
    return isinstance(data, (list, tuple, pd.Series)) and len(data) and \
        all(isinstance(t, str) for t in data)


def _empty(data):
    try:
        return len(data) == 0
    except TypeError:
        return False
