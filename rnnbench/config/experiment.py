"""Named experiments: YAML -> `--set` overrides -> validation -> frozen config.

The loading order follows TF Model Garden: the named file, then overrides
(values parsed with `yaml.safe_load`), then validation, then the frozen
`ExperimentConfig` that a run writes out as `config.yaml`.
"""

import dataclasses
import re
from pathlib import Path
from typing import Literal, Mapping, Optional, Tuple, Union

import yaml

from rnnbench.config import layer_options, paths, run_keys, schema, yaml_text
from rnnbench.config.registry import CELLS, DATASETS, TASKS, is_import_path
from rnnbench.config.schema import FrozenMap
from rnnbench.errors import UserError


@dataclasses.dataclass(frozen=True)
class SplitConfig:
    """`data.split`: the validation and test fractions, for datasets that take them."""

    val: float = schema.field(0.15, min=0.0, exclusive_min=True, max=0.9)
    test: float = schema.field(0.15, min=0.0, exclusive_min=True, max=0.9)


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """`data:`; keys other than these are the dataset's own params.

    `split` is None for a dataset that does not take one (its default
    fractions are filled in for one that does).
    """

    __open_field__ = "params"
    name: str
    task: Optional[str] = None
    split: Optional[SplitConfig] = None
    scale: Optional[Literal["minmax", "standard"]] = None
    params: FrozenMap = schema.field(FrozenMap())


@dataclasses.dataclass(frozen=True)
class LayerConfig:
    """One recurrent layer; other keys are passed to the Keras layer or cell."""

    __open_field__ = "options"
    cell: str
    units: int = schema.field(min=1)
    dropout: float = schema.field(0.0, min=0.0, max=0.99)
    bidirectional: Union[Literal["concat", "sum", "mul", "ave"], bool] = False
    options: FrozenMap = schema.field(FrozenMap())

    def __post_init__(self):
        if self.bidirectional is True:  # `bidirectional: true` means Keras' default
            object.__setattr__(self, "bidirectional", "concat")


@dataclasses.dataclass(frozen=True)
class DenseConfig:
    """A Dense layer of the head; `activation` is a Keras activation name (None: linear)."""

    units: int = schema.field(min=1)
    activation: Optional[str] = "relu"
    dropout: float = schema.field(0.0, min=0.0, max=0.99)


@dataclasses.dataclass(frozen=True)
class EmbeddingConfig:
    """Used only when the dataset's inputs are token ids."""

    dim: int = schema.field(32, min=1)


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    layers: Tuple[LayerConfig, ...]
    head: Tuple[DenseConfig, ...] = ()
    # Only for datasets whose inputs are token ids (filled with its default there);
    # refused, and written back as null, for value inputs, which build no Embedding.
    embedding: Optional[EmbeddingConfig] = None


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """Other keys (weight_decay, momentum, ...) go to the Keras optimizer."""

    __open_field__ = "options"
    name: str = "adam"
    learning_rate: float = schema.field(0.001, min=0.0, exclusive_min=True)
    clipnorm: Optional[float] = schema.field(None, min=0.0, exclusive_min=True)
    clipvalue: Optional[float] = schema.field(None, min=0.0, exclusive_min=True)
    options: FrozenMap = schema.field(FrozenMap())


@dataclasses.dataclass(frozen=True)
class EarlyStoppingConfig:
    """Stops when `monitor` (a metric `fit` logs) has not improved for `patience` epochs.

    `mode: auto` is max for accuracy-like names (`tasks.higher_is_better`),
    else min. The best-epoch checkpoint follows the same monitor and mode;
    `restore_best_weights: false` evaluates and saves the last epoch instead.
    """

    monitor: str = "val_loss"
    mode: Literal["auto", "min", "max"] = "auto"
    patience: int = schema.field(5, min=0)
    min_delta: float = schema.field(0.0, min=0.0)
    restore_best_weights: bool = True


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    epochs: int = schema.field(10, min=1)
    batch_size: int = schema.field(32, min=1)
    # `auto`: the task's own loss (MSE for regress/forecast, cross-entropy for
    # classes); regress and forecast also take mse or mae (`run_keys.check_loss`).
    loss: Literal["auto", "mse", "mae"] = "auto"
    optimizer: OptimizerConfig = schema.field(OptimizerConfig())
    early_stopping: Optional[EarlyStoppingConfig] = None
    jit_compile: Union[Literal["auto"], bool] = "auto"
    # `auto`: chosen for speed by the rules of `rnnbench.models.speed`.
    steps_per_execution: Union[Literal["auto"], int] = schema.field("auto", min=1)
    threads: Union[Literal["auto"], int] = schema.field("auto", min=1)
    lstm_kernel: Literal["auto", "keras", "block", "hoisted", "unrolled"] = "auto"
    # The CPU loop of `cell: gru` / `cell: simple_rnn` layers (`speed.layer_kernel`).
    gru_kernel: Literal["auto", "keras", "hoisted", "unrolled"] = "auto"
    simple_rnn_kernel: Literal["auto", "keras", "hoisted", "unrolled"] = "auto"
    mixed_precision: bool = False
    deterministic: bool = True
    # A forecast with a level-robust target starts as its naive forecast (the output
    # layer at zero) and keeps it unless a trained epoch beats it on validation by a
    # paired test (`rnnbench.runs.naive_start`). `rnnbench new` writes it.
    start_at_naive: bool = False


@dataclasses.dataclass(frozen=True)
class ComparedFigure:
    """`reference.compares[i]`: a figure the experiment's claim sets itself apart from."""

    figure: float
    label: str


@dataclasses.dataclass(frozen=True)
class ReferenceConfig:
    """What a reproduction must reach: a metric's distribution over seeds.

    `metric` is a model metric of metrics.json; `value` and `std` are its mean
    and sample standard deviation over the runs with `seeds` (>= 3), and
    `tolerance` is derived from them (`rnnbench.runs.references.tolerance`). A
    block without `seeds` (and `std`) is the older single-seed form: it stands
    for one run with the experiment's `seed`.

    The passing range `value ± tolerance` is a check that can fail
    (`run_keys.check_reference_range`): with `expect: learns` it excludes the
    naive `baseline` (the value `rnnbench baseline` computes for the metric)
    and every figure in `compares`; with `expect: baseline` (a documented
    failure to learn) it contains the baseline and excludes `compares`, the
    figure a model that learned reaches (the sibling cell's).
    """

    metric: str
    value: float
    tolerance: float = schema.field(0.0, min=0.0)
    std: Optional[float] = schema.field(None, min=0.0)
    seeds: Tuple[int, ...] = ()
    expect: Literal["learns", "baseline"] = "learns"
    baseline: Optional[float] = None
    compares: Tuple[ComparedFigure, ...] = ()

    def run_seeds(self, seed):
        """The seeds a reproduction runs by default (`seed`: the experiment's)."""
        return self.seeds or (seed,)


@dataclasses.dataclass(frozen=True)
class TensorBoardConfig:
    """`tensorboard:`: what a run writes for TensorBoard beyond its learning curves.

    The final metrics beside the baseline's, the summary text and the task's
    pictures at the end of the run are always written (docs/dashboard.md);
    these keys add what costs time, each off by default.

    Attributes:
        histogram_freq: every N epochs, weight histograms (Keras') and gradient
            histograms of one training batch; 0: none.
        write_graph: the model graph (Graphs tab).
        profile_batch: a batch (1-based) or `[first, last]` batches to profile; 0: none.
        embeddings: the evaluated Embedding layer in the Projector tab, with
            the vocabulary as metadata (token-id inputs only).
        images_every: the task's pictures (and a language model's sampled
            text) also every N epochs, not only at the end; 0: at the end only.
    """

    histogram_freq: int = schema.field(0, min=0)
    write_graph: bool = False
    profile_batch: Union[int, Tuple[int, ...]] = schema.field(0, min=0)
    embeddings: bool = False
    images_every: int = schema.field(0, min=0)


MIN_REFERENCE_SEEDS = 3


def check_reference_seeds(reference):
    """`reference.seeds`: >= 3 distinct seeds in NumPy's range, given with `std`."""
    if reference is None or (not reference.seeds and reference.std is None):
        return
    seeds = list(reference.seeds)
    if reference.std is None or not seeds:
        missing = "std" if reference.std is None else "seeds"
        raise schema.SchemaError(
            f"reference.{missing}", f"Expected `reference.{missing}` to be given with "
            f"`reference.{'seeds' if missing == 'std' else 'std'}`: a reference measured "
            f"over several seeds states both (benchmarks/references.py writes them). "
            f"Received: seeds={seeds}, std={reference.std}")
    if len(set(seeds)) != len(seeds) or len(seeds) < MIN_REFERENCE_SEEDS \
            or not all(0 <= s < 2**32 for s in seeds):
        raise schema.SchemaError(
            "reference.seeds", f"Expected `reference.seeds` to be at least "
            f"{MIN_REFERENCE_SEEDS} distinct seeds in [0, 2**32). Received: {seeds}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExperimentConfig:
    name: str
    description: str = ""
    seed: int = schema.field(42, min=0, max=2**32 - 1)  # NumPy's seed range
    data: DataConfig
    model: ModelConfig
    train: TrainConfig = schema.field(TrainConfig())
    tensorboard: TensorBoardConfig = schema.field(TensorBoardConfig())
    reference: Optional[ReferenceConfig] = None


def to_dict(exp):
    """The config as plain data, in the same shape as the YAML it came from."""
    return schema.to_plain(exp)


def to_yaml(exp):
    return yaml.safe_dump(to_dict(exp), sort_keys=False, default_flow_style=None)


def load_experiment(name_or_path, overrides=None):
    """Loads, overrides, validates and freezes an experiment.

    Args:
        name_or_path: an experiment name from `experiments/`, or a YAML path.
        overrides: `{"model.layers[0].units": 64}`, or a list of
            `"key=value"` strings as given to `--set` (values parsed as YAML).

    Returns:
        A frozen `ExperimentConfig`.

    Raises:
        UserError: naming the file, the key path and what is allowed.
    """
    path = paths.find_experiment(name_or_path)
    raw = read_yaml(path)
    raw.setdefault("name", path.stem)
    return apply_overrides(raw, overrides, source=str(path))


# rnnbench 0.1 wrote this split into every run folder's config.yaml, also for
# datasets that never read one (which now reject `data.split`).
LEGACY_WRITTEN_SPLIT = {"val": 0.15, "test": 0.15}
LEGACY_WRITTEN_EMBEDDING = {"dim": 32}


def load_run_config(path):
    """Loads a run folder's `config.yaml`, one written by rnnbench 0.1 included.

    That release wrote its default split and embedding for every experiment;
    where the dataset takes no split, or its inputs are values (no Embedding
    is built), that value was never read, so it is dropped here (and only
    here: a user's own experiment file still gets the error).
    """
    raw = read_yaml(path)
    data = raw.get("data")
    if isinstance(data, dict) and data.get("name") in DATASETS:
        if (not DATASETS.get(data["name"]).takes_split
                and data.get("split") == LEGACY_WRITTEN_SPLIT):
            del data["split"]
    raw.setdefault("name", Path(path).stem)
    try:
        return apply_overrides(raw, None, source=str(path))
    except UserError as e:
        # ...and its default embedding for every model, value inputs included.
        model = raw.get("model")
        if getattr(e, "path", None) != "model.embedding" or not isinstance(model, dict) \
                or model.get("embedding") != LEGACY_WRITTEN_EMBEDDING:
            raise
        del model["embedding"]
        return apply_overrides(raw, None, source=str(path))


def apply_overrides(raw, overrides, source):
    """Applies `--set` overrides to raw config data in place, then validates it.

    Returns:
        The frozen `ExperimentConfig`; an error caused by an override says so.
    """
    overrides = parse_overrides(overrides)
    for key, value in overrides.items():
        set_path(raw, key, value, source=f"--set {key}")
        if key in _data_path_keys(raw) and isinstance(value, str):  # from the cwd
            set_path(raw, key, paths.resolve_data_path(value, Path.cwd()))
    try:
        return validate(raw, source=source)
    except UserError as e:
        culprits = [f"--set {k}={v!r}" for k, v in overrides.items()
                    if getattr(e, "path", None) and _same_path(k, e.path)]
        if culprits:
            raise UserError(f"{e} (the value came from {culprits[0]})") from None
        raise


def _same_path(override_key, error_path):
    """Whether `error_path` lies at or under `override_key` (`[*]` matches any index)."""
    pattern = re.escape(override_key).replace(r"\[\*\]", r"\[\d+\]")
    return re.match(pattern + r"($|[.\[])", error_path) is not None


def read_yaml(path):
    """Reads a YAML mapping, turning syntax errors and refused files into a UserError."""
    try:
        raw = yaml_text.load_file(path)
    except yaml_text.BadYAML as e:
        raise UserError(f"{path}: {e}") from None
    except yaml.YAMLError as e:
        raise UserError(f"{path}: is not valid YAML: {e}") from None
    except OSError as e:
        raise UserError(f"Could not read {path}: {e.strerror}.") from None
    if not isinstance(raw, dict):
        raise UserError(
            f"{path}: Expected the file to hold a mapping of keys to values. "
            f"Received: {schema.describe(raw)}"
        )
    # An experiment's data files are named relative to it, wherever it is read from
    # (a sweep reads its base experiment raw, then validates it elsewhere).
    _resolve_data_paths(raw, str(path))
    return raw


def validate(raw, source="<config>"):
    """Validates raw config data (a dict) and returns an `ExperimentConfig`."""
    try:
        _refuse_sweep_only_keys(raw)
        _resolve_data_paths(raw, source)
        exp = schema.build(ExperimentConfig, raw)
        paths.check_name(exp.name)
        return _check_names(exp)
    except UserError as e:
        error = UserError(f"{source}: {e}")
        error.path = getattr(e, "path", None)
        raise error from None


def _data_path_keys(raw):
    """`data.<key>` of the params that name files, for the dataset `raw` names."""
    data = raw.get("data")
    name = data.get("name") if isinstance(data, dict) else None
    if is_import_path(name):  # a user's class may name files too
        try:
            cls = DATASETS.resolve(name, where="data.name")
        except UserError:
            return ()  # validation says why, naming the file
    elif isinstance(name, str) and name in DATASETS:
        cls = DATASETS.get(name)
    else:
        return ()
    keys = getattr(cls, "path_params", ())
    return tuple(f"data.{key}" for key in keys if isinstance(key, str))


def _resolve_data_paths(raw, source):
    """Makes the dataset's file params absolute: relative to the YAML file naming them.

    So the config a run writes (and a sweep's trials, and `reproduce`) names
    the very file that was read, wherever the command runs.
    """
    source_path = Path(source) if source and not source.startswith("<") else None
    base = source_path.parent if source_path is not None and source_path.is_file() \
        else Path.cwd()
    for key in _data_path_keys(raw):
        name = key.split(".", 1)[1]
        if isinstance(raw["data"].get(name), str):
            raw["data"][name] = paths.resolve_data_path(raw["data"][name], base)


def _refuse_sweep_only_keys(raw):
    """`model.depth` exists in a sweep's space only; say so rather than "unknown key"."""
    model = raw.get("model")
    if isinstance(model, dict) and "depth" in model:
        raise schema.SchemaError(
            "model.depth", "Expected `model.depth` to be left out: it is a key of a sweep's "
            "`space` only (how many layers each trial keeps). In an experiment the depth is "
            "the number of entries in `model.layers`. Received: "
            f"{schema.describe(model['depth'])}")


def _check_names(exp):
    """Checks registered names and the dataset's own params; fills defaults."""
    dataset = _dataset(exp.data.name)
    task = exp.data.task or dataset.tasks[0]
    TASKS.get(task, where="data.task")
    if task not in dataset.tasks:
        raise UserError(
            f"Expected `data.task` to be one of {list(dataset.tasks)} for dataset "
            f"{exp.data.name!r} (`data.name`). Received: {task!r}"
        )
    params = _check_dataset_params(dataset, exp.data.name, exp.data.params)
    if hasattr(dataset, "task_for"):  # the task follows from a param (`data.target`)
        wanted = dataset.task_for(params)
        if exp.data.task is None:
            task = wanted
        elif task != wanted:
            raise schema.SchemaError(
                "data.task", f"Expected `data.task` to be {wanted!r} for dataset "
                f"{exp.data.name!r} with `data.target: {params.get('target')}`. "
                f"Received: {task!r}")
    split = _check_split_and_scale(dataset, exp.data)
    for i, layer in enumerate(exp.model.layers):
        if not is_import_path(layer.cell) and layer.cell not in CELLS:
            CELLS.get(layer.cell, where=f"model.layers[{i}].cell")
        layer_options.check(layer, i)
    if not exp.model.layers:
        raise UserError("Expected `model.layers` to hold at least one layer. Received: []")
    task_obj = TASKS.get(task)(loss=exp.train.loss)
    run_keys.check_head(exp.model.head)
    run_keys.check_monitor(exp.train.early_stopping, task_obj)
    spec = _spec(dataset, exp.data.name, params)
    run_keys.check_reference(exp.reference, task_obj, spec, exp.data.scale is not None)
    check_reference_seeds(exp.reference)
    run_keys.check_reference_range(exp.reference)
    run_keys.check_jit_compile(exp.train)
    run_keys.check_loss(exp.train, task, task_obj)
    run_keys.check_start_at_naive(exp.train, task, params, split)
    layer_options.check_optimizer(exp.train.optimizer)
    run_keys.check_embedding(exp.model.embedding, spec, exp.data.name)
    run_keys.check_tensorboard(exp.tensorboard, spec, exp.data.name)
    model = exp.model
    if spec.vocab_size and model.embedding is None:
        model = dataclasses.replace(model, embedding=EmbeddingConfig())
    data = dataclasses.replace(exp.data, task=task, split=split, params=FrozenMap(params))
    return dataclasses.replace(exp, data=data, model=model)


def _dataset(name):
    """The dataset object `data.name` names: a registered name or a user's import path.

    A user's class is checked for what validation reads (`tasks`, `params`),
    so a wrong one is a `SchemaError` at `data.name`, not a traceback.
    """
    try:
        cls = DATASETS.resolve(name, where="data.name")
    except UserError as e:  # at `data.name`, so a `--set data.name=...` is named too
        raise schema.SchemaError("data.name", str(e)) from None
    if not is_import_path(name):
        return cls()
    try:
        dataset = cls()
    except Exception as e:  # the user's constructor may raise anything
        raise schema.SchemaError(
            "data.name",
            f"Could not create the dataset `data.name` names ({name!r}) without arguments: "
            f"{type(e).__name__}: {e}. A Dataset takes its settings from its `params` "
            "(the other keys of `data:`), not from its constructor.") from None
    tasks = dataset.tasks
    if (not isinstance(tasks, (tuple, list)) or not tasks
            or not all(isinstance(t, str) and t in TASKS for t in tasks)):
        raise schema.SchemaError(
            "data.name",
            f"Expected the dataset `data.name` names ({name!r}) to declare `tasks`: a "
            f"non-empty tuple of task names from {TASKS.names()}, the first the default. "
            f"Received: {tasks!r}")
    params = dataset.params  # each a Param, duck-typed: config/ imports nothing of data/
    if not isinstance(params, Mapping) or not all(
            isinstance(key, str) and all(hasattr(p, a) for a in ("annotation", "bounds", "default"))
            for key, p in params.items()):
        raise schema.SchemaError(
            "data.name",
            f"Expected the `params` of the dataset `data.name` names ({name!r}) to map each "
            "`data:` key to a rnnbench.data.base.Param. Received: "
            f"{schema.describe(params)}")
    # These keys are `data:`'s own: a param so named would never receive its value.
    shared = [f.name for f in dataclasses.fields(DataConfig)]
    shadowed = sorted(set(params) & set(shared))
    if shadowed:
        raise schema.SchemaError(
            "data.name",
            f"Expected the `params` of the dataset `data.name` names ({name!r}) to leave "
            f"out the keys of `data:` itself, {shared} "
            f"(a dataset takes `split`/`scale` by setting `takes_split`/`takes_scale`). "
            f"Received: {shadowed}")
    return dataset


def _spec(dataset, name, params):
    """`dataset.spec(params)`; a user's class that fails there is named, without a traceback."""
    if not is_import_path(name):
        return dataset.spec(params)
    try:
        spec = dataset.spec(params)
    except UserError:
        raise
    except Exception as e:
        raise schema.SchemaError(
            "data.name", f"The dataset `data.name` names ({name!r}) failed in `spec()`: "
            f"{type(e).__name__}: {e}") from None
    if not all(hasattr(spec, a) for a in ("input_shape", "input_dtype", "vocab_size")):
        raise schema.SchemaError(
            "data.name", f"Expected `spec()` of the dataset `data.name` names ({name!r}) "
            "to return a rnnbench.data.base.DataSpec. Received: {schema.describe(spec)}")
    return spec


def _check_dataset_params(dataset, name, given):
    allowed = dataset.params
    params = {}
    for key, value in given.items():
        if key not in allowed:
            raise schema.SchemaError(
                f"data.{key}",
                f"Unknown key `data.{key}` for dataset {name!r}. "
                f"Expected one of {sorted(allowed) + ['name'] + _taken(dataset) + ['task']}. "
                f"Received: {key!r}" + schema.close_matches_hint(key, allowed),
            )
    for key, param in allowed.items():
        value = given.get(key, param.default)
        params[key] = schema.convert(param.annotation, value, f"data.{key}", param.bounds)
    try:
        dataset.check_params(params)
    except UserError:
        raise
    except Exception as e:
        if not is_import_path(name):
            raise  # a bug of rnnbench's own: its traceback is wanted
        raise schema.SchemaError(
            "data.name", f"The dataset `data.name` names ({name!r}) failed in "
            f"`check_params()`: {type(e).__name__}: {e}") from None
    return params


def _taken(dataset):
    """The shared `data:` keys a dataset takes besides `name` and `task`."""
    return [key for key in ("scale", "split") if getattr(dataset, f"takes_{key}")]


def _check_split_and_scale(dataset, data):
    """The split to keep: the default where the dataset takes one, else None.

    Raises:
        SchemaError: for `split`/`scale` given to a dataset that ignores them,
            or fractions that leave no training part.
    """
    for key, taken in (("split", dataset.takes_split), ("scale", dataset.takes_scale)):
        value = getattr(data, key)
        if not taken and value is not None:
            raise schema.SchemaError(
                f"data.{key}",
                f"Expected no `data.{key}` for dataset {data.name!r}: it does not "
                f"take one (see `rnnbench list --datasets`). "
                f"Received: {schema.describe(schema.to_plain(value))}",
            )
    if not dataset.takes_split:
        return None
    split = data.split or SplitConfig()
    if split.val + split.test >= 1:
        raise schema.SchemaError(
            "data.split", "Expected `data.split.val + data.split.test` to be < 1, "
            f"to leave a training part. Received: {split.val} + {split.test}"
        )
    return split


def parse_overrides(overrides):
    """`["a.b=1", ...]` or a dict -> `{"a.b": 1}` with YAML-parsed values."""
    if overrides is None:
        return {}
    if isinstance(overrides, dict):
        return dict(overrides)
    parsed = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UserError(
                f"Expected `--set` to be of the form key=value "
                f"(e.g. model.layers[0].units=64). Received: {item!r}"
            )
        try:
            parsed[key.strip()] = yaml_text.load(text)
        except yaml.YAMLError as e:
            raise UserError(f"--set {item!r}: the value is not valid YAML: {e}") from None
    return parsed


_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+|\*)\]")


def split_path(key):
    """`"model.layers[1].units"` -> `["model", "layers", 1, "units"]`."""
    tokens = []
    for part in key.split("."):
        end = 0
        for match in _TOKEN.finditer(part):
            if match.start() != end:
                break
            name, index = match.groups()
            tokens.append(name if name else ("*" if index == "*" else int(index)))
            end = match.end()
        if end != len(part) or not part:
            raise UserError(
                f"Expected a key path like `model.layers[0].units`. Received: {key!r}"
            )
    return tokens


def set_path(raw, key, value, source=None):
    """Sets `value` at dotted/indexed `key` in nested dicts and lists.

    Missing mapping keys are created (validation checks them afterwards);
    `[*]` sets the key in every element of a list.
    """
    tokens = split_path(key)
    _set(raw, tokens, value, key, source or key)


def _set(node, tokens, value, key, source):
    head, rest = tokens[0], tokens[1:]
    if head == "*" or isinstance(head, int):
        if not isinstance(node, list):
            raise UserError(f"{source}: Expected a list at `{key}`, where "
                            f"an index is given. Received: {schema.describe(node)}")
        indices = range(len(node)) if head == "*" else [head]
        for i in indices:
            if i >= len(node):
                raise UserError(
                    f"{source}: index {i} is out of range in `{key}`: "
                    f"the list has {len(node)} entries (0..{len(node) - 1})."
                )
            if rest:
                _set(node[i], rest, value, key, source)
            else:
                node[i] = value
        return
    if not isinstance(node, dict):
        raise UserError(f"{source}: Expected a mapping at `{key}`. "
                        f"Received: {schema.describe(node)}")
    if rest:
        child = node.get(head)
        if child is None:
            child = node[head] = [] if isinstance(rest[0], int) else {}
        _set(child, rest, value, key, source)
    else:
        node[head] = value


def dataset_of(exp):
    """The dataset object of an experiment (registered, or a user's class by import path)."""
    return DATASETS.resolve(exp.data.name, where="data.name")()


def data_spec(exp):
    """The `DataSpec` of an experiment's data, computed without loading it."""
    return dataset_of(exp).spec(dict(exp.data.params))


def task_of(exp):
    """The task object of an experiment, with its `train.loss`."""
    return TASKS.get(exp.data.task)(loss=exp.train.loss)
