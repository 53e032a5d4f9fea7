"""What every file dataset shares: the path param, list-of-columns params, scalers, records.

A file dataset (`data.name: file_series`, `file_text`, `file_corpus`,
`file_arrays`, `file_sequences`) reads the user's own file named by
`data.path`. The experiment validator resolves that path (relative to the
YAML file that names it, then `$RNNBENCH_DATA`) to an absolute one, so the
run folder's `config.yaml` names the very file that was read.
"""

import dataclasses
from typing import Any, Optional, Tuple, Union

import numpy as np

from rnnbench.config.schema import SchemaError
from rnnbench.data.base import PREPROCESSING_FORMAT, PREPROCESSING_VERSION, Dataset, Param
from rnnbench.data.own.parallel import in_threads, scratch
from rnnbench.data.preprocessing import Scaler

_PARTS = ("train", "val", "test")


@dataclasses.dataclass(frozen=True)
class TypedParam(Param):
    """A `Param` whose value is checked against `hint` (Optional[str], a list of names)."""

    hint: Any = None

    @property
    def annotation(self):
        return self.hint


NAMES = Optional[Union[str, Tuple[str, ...]]]


def path_param(help_text):
    return TypedParam(str, None, help_text, hint=Optional[str])


def optional_str(help_text):
    return TypedParam(str, None, help_text, hint=Optional[str])


def names_param(help_text):
    return TypedParam(list, None, help_text, hint=NAMES)


def names(value):
    """A column param as a tuple of names (a single name and None allowed)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def require(params, key, dataset, what):
    if params.get(key) in (None, "", ()):
        raise SchemaError(f"data.{key}", f"Expected `data.{key}` ({what}) for dataset "
                                         f"{dataset!r}. Received: nothing")


class FileDataset(Dataset):
    """A dataset read from the user's own file(s) at `data.path`.

    `path_params` are resolved by the experiment validator; `run` loads the
    data before it makes a run folder (`reads_user_files`), so a bad file
    leaves nothing behind.
    """

    reads_user_files = True
    path_params = ("path",)
    reads = "the file at `data.path` (relative to the experiment's YAML file)"

    def check_params(self, params):
        require(params, "path", self.registered_name, "the file to read")

    @property
    def registered_name(self):
        return getattr(self, "name", type(self).__name__)


def fit_scaler(kind, chunks):
    """A `Scaler` fitted on the rows of `chunks` (2-D float arrays), without a float64 copy.

    The statistics are those of `Scaler.fit` on the concatenated rows,
    accumulated block by block, so a large training part is never copied.
    """
    chunks = [c for c in chunks if len(c)]
    width = chunks[0].shape[1]
    if kind == "minmax":
        low = np.min([c.min(axis=0) for c in chunks], axis=0).astype(np.float64)
        high = np.max([c.max(axis=0) for c in chunks], axis=0).astype(np.float64)
        return Scaler.from_config({"kind": kind, "data_min": low, "data_max": high})
    if kind == "standard":  # one pass: block means and squared deviations, combined
        n, mean, squares = 0, np.zeros(width), np.zeros(width)
        for m, block_mean, block_squares in in_threads(_block_moments, _blocks(chunks)):
            delta = block_mean - mean
            squares += block_squares + delta ** 2 * n * m / (n + m)
            mean += delta * m / (n + m)
            n += m
        return Scaler.from_config({"kind": kind, "mean": mean, "std": np.sqrt(squares / n)})
    return Scaler.from_config({"kind": None})


def _block_moments(block):
    """`(rows, mean, sum of squared deviations)` per column of one block, in float64."""
    # Sums in float64 (numpy casts in small buffers: no float64 copy of the block).
    block_mean = block.mean(axis=0, dtype=np.float64)
    deviations = scratch(block.shape, block.dtype)
    np.subtract(block, block_mean.astype(block.dtype), out=deviations)
    np.square(deviations, out=deviations)
    return len(block), block_mean, deviations.sum(axis=0, dtype=np.float64)


def _blocks(chunks, rows=1 << 18):
    for c in chunks:
        for i in range(0, len(c), rows):
            yield c[i:i + rows]


def scale_in_place(values, scaler, rows=1 << 18):
    """Applies a fitted scaler to a float32 `(rows, features)` array in place.

    Training and new inputs (`new_inputs`) both go through this function, so
    `rnnbench predict` computes exactly the numbers the model was trained on.
    """
    if scaler is None or scaler.kind is None:
        return values
    offset = np.asarray(scaler._offset, np.float32)
    scale = np.asarray(scaler._scale, np.float32)

    def scale_block(block):
        block -= offset
        block /= scale
    for _ in in_threads(scale_block, _blocks([values], rows)):
        pass
    return values


def column_scalers(scaler, columns):
    """`{column: Scaler config}` for one scaler fitted over `columns` (per feature)."""
    config = scaler.get_config()
    out = {}
    for j, column in enumerate(columns):
        one = {"kind": config["kind"]}
        for key, value in config.items():
            if key != "kind" and value is not None:
                one[key] = value[j] if isinstance(value, list) else value
        out[column] = one
    return out


def scaled_features(inputs):
    """The names a preprocessing record's input `scalers` are keyed by, in feature order:
    a wide table's one channel, `value` (its columns are steps), else its input columns."""
    return ["value"] if inputs.get("layout") == "wide" else list(inputs["columns"])


def scaler_of_columns(configs, columns):
    """The per-feature `Scaler` of `columns` from `{column: config}` (inverse of above)."""
    kinds = {configs[c]["kind"] for c in columns}
    kind = kinds.pop() if len(kinds) == 1 else None
    config = {"kind": kind}
    for key in ("data_min", "data_max", "mean", "std"):
        if all(key in configs[c] for c in columns):
            config[key] = [configs[c][key] for c in columns]
    return Scaler.from_config(config)


def record(inputs, outputs, **extra):
    """A `Splits.preprocessing` record (see `rnnbench.data.base.PREPROCESSING_FORMAT`)."""
    return {"format": PREPROCESSING_FORMAT, "version": PREPROCESSING_VERSION,
            "inputs": inputs, "outputs": outputs, **extra}


class WindowView(np.ndarray):
    """A read-only strided view of windows over a series: never copied whole.

    `rnnbench.data.own.feeding` gathers its batches one at a time for `fit`;
    everything else (slicing, prediction in batches) sees a NumPy array.
    """


def window_view(values, window):
    """`(N, window, features)` windows of a `(rows, features)` array, as a view."""
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)
    return view.transpose(0, 2, 1).view(WindowView)


def sizes(parts):
    return {part: len(parts[part]) for part in _PARTS}


def as_written(values):
    """float32 cells as the numbers the file wrote (176.78, where float64 would show
    176.77999877929688 and a float32 column 1.2345679e+06 for 1234567.5)."""
    return np.asarray(np.asarray(values, np.float32).astype(str), np.float64)
