"""Sweep files (`tuning/NAME.yaml`): schema, search space, and trial configs.

A sweep names a base experiment and a `space` of dotted config paths. Every
trial is that experiment with the sampled values applied as overrides, so a
trial's `config.yaml` is an ordinary experiment. Two keys are virtual:
`model.depth` (how many layers exist; per-layer parameters of layers beyond
it are inactive) and `model.layers[i].merge_mode` (the Bidirectional merge
mode, active only when that layer's `bidirectional` is true).
"""

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any, Literal, Optional, Tuple

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths, schema, yaml_text
from rnnbench.config.schema import FrozenMap
from rnnbench.data import tasks
from rnnbench.errors import UserError

DEPTH = "model.depth"
_LAYER_KEY = re.compile(r"^model\.layers\[(\d+|\*)\]\.(\w+)$")
KINDS = ("int", "float", "choice", "boolean")


@dataclasses.dataclass(frozen=True)
class TunerConfig:
    """`tuner:`; other keys go to the Keras Tuner oracle (alpha, factor, ...)."""

    __open_field__ = "options"
    algorithm: Literal["random", "grid", "bayesian", "hyperband"] = "random"
    max_trials: int = schema.field(10, min=1)
    objective: str = "val_loss"
    direction: Optional[Literal["min", "max"]] = None
    executions_per_trial: int = schema.field(1, min=1)
    max_consecutive_failed_trials: int = schema.field(3, min=1)
    seed: int = schema.field(0, min=0)
    early_stopping: Optional[config_lib.EarlyStoppingConfig] = None
    options: FrozenMap = schema.field(FrozenMap())

    @property
    def objective_direction(self):
        """`min` unless given, or unless the metric is one where more is better."""
        if self.direction:
            return self.direction
        return "max" if tasks.higher_is_better(self.objective) else "min"


@dataclasses.dataclass(frozen=True)
class Param:
    """One dimension of the search space."""

    path: str
    kind: str
    low: Any = None
    high: Any = None
    step: Any = None
    sampling: str = "linear"
    values: Tuple[Any, ...] = ()
    when: Tuple[Tuple[str, Tuple[Any, ...]], ...] = ()


@dataclasses.dataclass(frozen=True, kw_only=True)
class SweepConfig:
    name: str
    description: str = ""
    experiment: str
    tuner: TunerConfig = schema.field(TunerConfig())
    space: FrozenMap
    overrides: FrozenMap = schema.field(FrozenMap())
    params: Tuple[Param, ...] = ()  # parsed from `space`, not written in YAML


def load_sweep(name_or_path):
    """Loads and validates a sweep file; the base experiment must load too.

    Returns:
        `(sweep, base_raw)`: the frozen `SweepConfig` and the base
        experiment's raw YAML data (with the sweep's `overrides` applied).
    """
    path = paths.find_sweep(name_or_path)
    raw = config_lib.read_yaml(path)
    raw.setdefault("name", path.stem)
    sweep = parse_sweep(raw, source=str(path))
    base_raw = base_experiment_raw(sweep, path)
    check_space(sweep, base_raw, source=str(path))
    return sweep, base_raw


def with_command_line(sweep, base_raw, overrides=None, max_trials=None):
    """The sweep with `rnnbench tune`'s `--set` overrides and `--max-trials` applied.

    The overrides are validated on the base experiment exactly as `rnnbench
    run --set` validates them, and join the sweep's own `overrides`, so the
    sweep folder's sweep.yaml records what ran (and `--resume` runs it so).

    Returns:
        `(sweep, base_raw)`, new objects; the arguments are not changed.
    """
    overrides = config_lib.parse_overrides(overrides)
    if overrides:
        base_raw = copy.deepcopy(base_raw)
        config_lib.apply_overrides(base_raw, overrides,
                                   source=f"{sweep.experiment} (base of sweep {sweep.name})")
        sweep = dataclasses.replace(sweep, overrides=FrozenMap({**sweep.overrides,
                                                                **overrides}))
        check_space(sweep, base_raw, source=f"sweep {sweep.name} with --set")
    if max_trials is not None:
        if max_trials < 1:
            raise UserError(f"Expected `--max-trials` to be at least 1. Received: {max_trials}")
        if sweep.tuner.algorithm == "hyperband":
            raise UserError("`--max-trials` does not apply to the 'hyperband' tuner: its "
                            "budget is `tuner.max_epochs` and `tuner.factor`. Received: "
                            f"--max-trials {max_trials}")
        sweep = dataclasses.replace(
            sweep, tuner=dataclasses.replace(sweep.tuner, max_trials=max_trials))
    return sweep, base_raw


def load_saved_sweep(sweep_dir):
    """The sweep and base experiment exactly as a sweep folder recorded them."""
    sweep_dir = Path(sweep_dir)
    sweep = parse_sweep(config_lib.read_yaml(sweep_dir / "sweep.yaml"),
                        source=str(sweep_dir / "sweep.yaml"))
    return sweep, config_lib.read_yaml(sweep_dir / "base.yaml")


def parse_sweep(raw, source):
    """Validates a sweep's raw data and parses its search space."""
    try:
        sweep = schema.build(SweepConfig, {k: v for k, v in raw.items() if k != "params"})
        paths.check_name(sweep.name)
        params = tuple(parse_param(key, spec) for key, spec in sweep.space.items())
        if not params:
            raise UserError("Expected `space` to hold at least one parameter. Received: {}")
    except UserError as e:
        raise UserError(f"{source}: {e}") from None
    return dataclasses.replace(sweep, params=order_params(params))


def sweep_yaml(sweep):
    """The sweep as YAML, without its parsed `params` (they come from `space`)."""
    plain = {k: v for k, v in schema.to_plain(sweep).items() if k != "params"}
    return yaml.safe_dump(plain, sort_keys=False)


def base_experiment_raw(sweep, sweep_path):
    """The base experiment's YAML data, resolved relative to the sweep file too."""
    candidate = sweep_path.parent / sweep.experiment
    target = candidate if candidate.is_file() else sweep.experiment
    try:
        exp_path = paths.find_experiment(str(target))
    except UserError as e:
        raise UserError(f"{sweep_path}: `experiment`: {e}") from None
    raw = config_lib.read_yaml(exp_path)
    raw.setdefault("name", exp_path.stem)
    for key, value in sweep.overrides.items():
        config_lib.set_path(raw, key, value, source=f"{sweep_path}: overrides.{key}")
    return raw


def parse_param(path, spec):
    """`{int: [lo, hi], step: 2}` etc. -> `Param`, with Keras-style errors."""
    where = f"space[{path!r}]"
    config_lib.split_path(path)
    if not isinstance(spec, dict):
        raise UserError(f"Expected `{where}` to be a mapping like {{int: [16, 128]}}. "
                        f"Received: {spec!r}")
    kinds = [k for k in KINDS if k in spec]
    unknown = sorted(set(spec) - set(KINDS) - {"step", "sampling", "when"})
    if len(kinds) != 1 or unknown:
        raise UserError(
            f"Expected `{where}` to have exactly one of {list(KINDS)} plus optional "
            f"'step', 'sampling', 'when'. Received keys: {sorted(spec)}")
    kind = kinds[0]
    when = tuple((k, tuple(v if isinstance(v, list) else [v]))
                 for k, v in (spec.get("when") or {}).items())
    sampling = spec.get("sampling", "linear")
    if sampling not in ("linear", "log", "reverse_log"):
        raise UserError(f"Expected `{where}.sampling` to be one of ['linear', 'log', "
                        f"'reverse_log']. Received: {sampling!r}")
    if kind in ("int", "float"):
        bounds = spec[kind]
        number = int if kind == "int" else (int, float)
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, number) and not isinstance(b, bool) for b in bounds)
                or bounds[0] >= bounds[1]):
            raise UserError(f"Expected `{where}.{kind}` to be [low, high] with low < high"
                            f"{' (integers)' if kind == 'int' else ''}. Received: {bounds!r}")
        if sampling != "linear" and bounds[0] <= 0:
            raise UserError(f"Expected `{where}` to have low > 0 with {sampling} sampling. "
                            f"Received: {bounds!r}")
        return Param(path, kind, low=bounds[0], high=bounds[1], step=spec.get("step"),
                     sampling=sampling, when=when)
    if kind == "choice":
        values = spec["choice"]
        if not isinstance(values, list) or not values:
            raise UserError(f"Expected `{where}.choice` to be a non-empty list. "
                            f"Received: {values!r}")
        return Param(path, kind, values=tuple(values), when=when)
    return Param(path, "boolean", when=when)


def order_params(params):
    """`model.depth` first, then layer switches, then the rest: parents before children."""
    def rank(p):
        if p.path == DEPTH:
            return 0
        return 1 if p.path.endswith(".bidirectional") else 2
    return tuple(sorted(params, key=rank))


def layer_index(path):
    """`(index or '*', key)` for `model.layers[i].key`, else None."""
    match = _LAYER_KEY.match(path)
    if not match:
        return None
    index = match.group(1)
    return (index if index == "*" else int(index)), match.group(2)


def parents(param, sweep):
    """The conditions under which `param` exists: `[(parent_path, values), ...]`."""
    found = list(param.when)
    by_path = {p.path: p for p in sweep.params}
    layer = layer_index(param.path)
    if layer and DEPTH in by_path and isinstance(layer[0], int) and layer[0] >= 1:
        depth = by_path[DEPTH]
        found.append((DEPTH, tuple(v for v in range(depth.low, depth.high + 1)
                                   if v > layer[0])))
    if layer and layer[1] == "merge_mode":
        switch = f"model.layers[{layer[0]}].bidirectional"
        if switch in by_path and by_path[switch].kind == "boolean":
            found.append((switch, (True,)))
    return found


def trial_raw(base_raw, values, extra=None):
    """The base experiment's raw data with a trial's sampled `values` applied.

    Args:
        base_raw: the base experiment as plain data.
        values: `{path: value}` of the trial's active hyperparameters.
        extra: more overrides (e.g. `{"train.epochs": 3}` from Hyperband).
    """
    raw = copy.deepcopy(base_raw)
    values = dict(values)  # already decoded (see `decode_values`)
    if DEPTH in values:
        set_depth(raw, values.pop(DEPTH))
    merge_modes = {k: v for k, v in values.items() if k.endswith(".merge_mode")}
    for key, value in values.items():
        if key not in merge_modes:
            config_lib.set_path(raw, key, value, source=f"space {key}")
    for key, mode in merge_modes.items():
        apply_merge_mode(raw, key, mode)
    for key, value in (extra or {}).items():
        config_lib.set_path(raw, key, value)
    return raw


def set_depth(raw, depth):
    """Keeps the first `depth` layers, repeating the top one when there are fewer."""
    layers = raw["model"]["layers"]
    while len(layers) < depth:
        layers.append(copy.deepcopy(layers[-1]))
    del layers[depth:]


def apply_merge_mode(raw, key, mode):
    index, _ = layer_index(key)
    layers = raw["model"]["layers"]
    for i in range(len(layers)) if index == "*" else [index]:
        if i < len(layers) and layers[i].get("bidirectional"):
            layers[i]["bidirectional"] = mode


def encode_choices(values):
    """Keras Tuner choices must share one type; mixed ones travel as YAML text."""
    if len({type(v) for v in values}) == 1 and isinstance(values[0], (int, float, str, bool)):
        return list(values), False
    return [yaml.safe_dump(v).strip().removesuffix("...").strip() for v in values], True


def decode_values(sweep, values):
    """Decodes mixed-type choices back from their YAML text."""
    decoded = {}
    for param in sweep.params:
        if param.path not in values:
            continue
        value = values[param.path]
        if param.kind == "choice" and encode_choices(param.values)[1]:
            value = yaml_text.load(value)
        decoded[param.path] = value
    return decoded


def check_space(sweep, base_raw, source):
    """Fails loudly on a space that cannot produce a valid experiment.

    Applies the first value of every parameter (every layer existing) and
    validates the result, so a typo such as `model.layers[0].unitz` or a
    path into a layer that does not exist is an error before any trial runs.
    """
    values = {}
    for param in sweep.params:
        if param.kind == "choice":
            values[param.path] = param.values[0]
        elif param.kind == "boolean":
            values[param.path] = False
        else:
            values[param.path] = param.high if param.path == DEPTH else param.low
    try:
        for param in sweep.params:
            layer = layer_index(param.path)
            if layer and layer[1] not in {f.name for f in dataclasses.fields(
                    config_lib.LayerConfig)} | {"merge_mode"}:
                _check_keras_argument(layer[1], param.path, base_raw)
        config_lib.validate(trial_raw(base_raw, values), source=f"{source} (base + space)")
    except UserError as e:
        raise UserError(f"{source}: the search space does not fit experiment "
                        f"{sweep.experiment!r}: {e}") from None


def _check_keras_argument(key, path, base_raw):
    """A layer key outside rnnbench's own must be an argument of some layer or cell."""
    import inspect

    import keras

    from rnnbench.config.registry import CELLS, import_path
    classes = [keras.layers.RNN, keras.layers.Layer]
    classes += [CELLS.get(name) for name in CELLS.names()]
    classes += [import_path(layer["cell"]) for layer in base_raw["model"]["layers"]
                if ":" in str(layer.get("cell", ""))]
    allowed = set()
    for cls in classes:
        allowed |= set(inspect.signature(cls.__init__).parameters)
    if key not in allowed:
        raise UserError(
            f"`{path}` sets layer key {key!r}, which is neither an rnnbench layer key "
            f"(cell, units, dropout, bidirectional, merge_mode) nor an argument of a "
            f"recurrent layer or cell" + schema.close_matches_hint(key, sorted(allowed)))
