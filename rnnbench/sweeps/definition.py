"""Sweep files (`tuning/NAME.yaml`): schema, checks before any trial, trial configs.

A sweep names a base experiment and a `space` of dotted config paths. Every
trial is that experiment with the sampled values applied as overrides, so a
trial's `config.yaml` is an ordinary experiment. One key is sweep-only:
`model.depth` (how many layers exist; per-layer parameters of layers beyond
it are inactive). Everything else uses the experiment's own keys and values,
so a Bidirectional merge mode is swept as `bidirectional: {choice: [false,
concat, sum]}`, exactly as an experiment or `--set` writes it.

The space's parameters, domains and conditions are `space.py`. The whole
file is checked before anything runs (`load_sweep`): every value of every
domain is applied to the base experiment and validated as `rnnbench run`
would, the objective must be a metric the trials write, and `tuner:` options
must be the oracle's, of the right type.
"""

import copy
import dataclasses
from pathlib import Path
from typing import Literal, Optional, Tuple

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths, schema
from rnnbench.config.schema import FrozenMap
from rnnbench.data import tasks
from rnnbench.errors import UserError
from rnnbench.sweeps import evaluation, space
from rnnbench.sweeps.evaluation import EvaluationConfig
from rnnbench.sweeps.space import DEPTH, Param

# A long range is checked at this many of its values (both ends among them).
MAX_CHECKED_VALUES = 256

# Keras Tuner oracle arguments rnnbench fills itself, from `tuner:`'s own keys or the space.
SET_BY_RNNBENCH = {"objective", "hyperparameters", "allow_new_entries", "tune_new_entries",
                   "seed", "max_trials", "max_consecutive_failed_trials"}
# The other arguments of each oracle (a test compares them with the installed
# Keras Tuner), and what each must be: (type, lowest value, whether null is allowed).
ORACLE_OPTIONS = {
    "random": ("max_retries_per_trial",),
    "grid": ("max_retries_per_trial",),
    "bayesian": ("num_initial_points", "alpha", "beta", "max_retries_per_trial"),
    "hyperband": ("max_epochs", "factor", "hyperband_iterations", "max_retries_per_trial"),
}
OPTION_TYPES = {"max_retries_per_trial": (int, 0, False), "num_initial_points": (int, 1, True),
                "alpha": (float, 0.0, False), "beta": (float, 0.0, False),
                "max_epochs": (int, 1, False), "factor": (int, 2, False),
                "hyperband_iterations": (int, 1, False)}


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
class ConfirmConfig:
    """`confirm:`: after the search, re-run the `top` trials over `seeds` fresh seeds
    (`rnnbench.sweeps.confirm`; `--confirm K --seeds N` on the command line wins)."""

    top: int = schema.field(3, min=1)
    seeds: int = schema.field(5, min=2)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SweepConfig:
    name: str
    description: str = ""
    experiment: str
    tuner: TunerConfig = schema.field(TunerConfig())
    space: FrozenMap
    overrides: FrozenMap = schema.field(FrozenMap())
    confirm: Optional[ConfirmConfig] = None
    evaluation: Optional[EvaluationConfig] = None
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
    check_not_searched(sweep, overrides)
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


def searched_keys(sweep):
    """The config keys each trial sets itself: the space's, Hyperband's epoch budget,
    and `tuner.early_stopping`'s."""
    keys = [p.path for p in sweep.params]
    if sweep.tuner.algorithm == "hyperband":
        keys.append("train.epochs")
    if sweep.tuner.early_stopping is not None:
        keys.append("train.early_stopping")
    return keys


def _overlaps(a, b):
    """Whether key paths `a` and `b` set the same value (one holds the other; `[*]`
    matches any layer index)."""
    def same(x, y):
        return x == y or (x == "*" and isinstance(y, int)) or (y == "*" and isinstance(x, int))
    return all(same(x, y) for x, y in zip(config_lib.split_path(a), config_lib.split_path(b)))


def check_not_searched(sweep, overrides):
    """`--set` on a key the trials set themselves would be silently replaced: refused."""
    for key in overrides:
        clash = [k for k in searched_keys(sweep) if k != DEPTH and _overlaps(key, k)]
        if clash:
            raise UserError(
                f"Expected `--set` keys the sweep does not search: each trial of "
                f"{sweep.name!r} sets {', '.join(f'`{k}`' for k in clash)} itself, so "
                f"`--set {key}=...` would be silently replaced. Change the domain in the "
                f"sweep file's `space:` (or `tuner:`) instead. Received: --set "
                f"{key}={overrides[key]!r}")


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
        check_tuner_options(sweep.tuner)
        params = tuple(space.parse_param(key, spec) for key, spec in sweep.space.items())
        if not params:
            raise UserError("Expected `space` to hold at least one parameter. Received: {}")
        space.check_conditions(params)
        params = space.order_params(params)
    except UserError as e:
        raise UserError(f"{source}: {e}") from None
    return dataclasses.replace(sweep, params=params)


def check_tuner_options(tuner):
    """`tuner:` keys beyond rnnbench's own must be the oracle's, of the right type."""
    own = [f.name for f in dataclasses.fields(TunerConfig) if f.name != "options"]
    allowed = ORACLE_OPTIONS[tuner.algorithm]
    for key, value in tuner.options.items():
        if key not in allowed:
            raise UserError(
                f"Unknown key `tuner.{key}` for the {tuner.algorithm!r} tuner. "
                f"Expected one of {sorted(own)} or the oracle's {sorted(allowed)}. "
                f"Received: {key!r}" + schema.close_matches_hint(key, own + sorted(allowed)))
        kind, lowest, nullable = OPTION_TYPES[key]
        if value is None and nullable:
            continue
        if not space.is_number(value, int if kind is int else (int, float)) or value < lowest:
            raise UserError(
                f"Expected `tuner.{key}` ({tuner.algorithm!r} tuner) to be "
                f"{'an integer' if kind is int else 'a number'} >= {lowest}"
                f"{' or null' if nullable else ''}. Received: {value!r}")


def sweep_yaml(sweep):
    """The sweep as YAML, without its parsed `params` (they come from `space`)."""
    plain = {k: v for k, v in schema.to_plain(sweep).items()
             if k != "params" and not (k in ("confirm", "evaluation") and v is None)}
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
    for key, value in values.items():
        config_lib.set_path(raw, key, value, source=f"`space.{key}`")
    for key, value in (extra or {}).items():
        config_lib.set_path(raw, key, value)
    return raw


def set_depth(raw, depth):
    """Keeps the first `depth` layers, repeating the top one when there are fewer."""
    layers = raw["model"]["layers"]
    while len(layers) < depth:
        layers.append(copy.deepcopy(layers[-1]))
    del layers[depth:]


def check_space(sweep, base_raw, source):
    """Fails loudly on a space that can produce an invalid trial, before any runs.

    Each value of each parameter (every choice, the values an int range's
    step reaches, both ends of a float range, every depth) is applied to the
    base experiment with the other parameters at their first value (`model.depth`
    at its deepest, and a parameter's `when:` parents set so it is active), and
    the result is validated as `rnnbench run` validates an experiment. The
    objective must be a metric every such trial writes.
    """
    try:
        _check_layers_reached(sweep)
        experiments = [_checked_trial(sweep, base_raw, path, value, values)
                       for path, value, values in candidate_values(sweep)]
    except UserError as e:
        raise UserError(f"{source}: the search space does not fit experiment "
                        f"{sweep.experiment!r}: {e}") from None
    try:
        check_objective(sweep.tuner, experiments)
        evaluation.check(sweep, experiments)
    except UserError as e:
        raise UserError(f"{source}: {e}") from None


def candidate_values(sweep):
    """`(path, value, active values)`: each value of each domain, in a trial."""
    domains = {p.path: _checked_sample(space.domain_values(p)) for p in sweep.params}
    reference = {path: values[-1] if path == DEPTH else values[0]
                 for path, values in domains.items()}
    seen = set()
    for param in sweep.params:
        for value in domains[param.path]:
            values = _activate(sweep, {**reference, param.path: value}, param)
            active = space.active_assignment(sweep.params, values)
            key = yaml.safe_dump(active)
            if key not in seen:
                seen.add(key)
                yield param.path, value, active


def _checked_sample(values):
    """All the values, or `MAX_CHECKED_VALUES` evenly spread ones, ends included."""
    if len(values) <= MAX_CHECKED_VALUES:
        return values
    last = len(values) - 1
    return [values[round(i * last / (MAX_CHECKED_VALUES - 1))]
            for i in range(MAX_CHECKED_VALUES)]


def _activate(sweep, values, param):
    """Sets `param`'s parents (and theirs) to values under which it is active."""
    by_path = {p.path: p for p in sweep.params}
    for parent, allowed in space.parents(param, sweep.params):
        if not any(space.same(values[parent], v) for v in allowed):
            values[parent] = allowed[0]
        values = _activate(sweep, values, by_path[parent])
    return values


def _checked_trial(sweep, base_raw, path, value, values):
    """The validated experiment of one candidate trial; errors name the space key."""
    raw = trial_raw(base_raw, values)
    return config_lib.validate(raw, source=f"`space.{path}` = {value!r}")


def _check_layers_reached(sweep):
    """A per-layer parameter must name a layer that some depth of the space keeps."""
    by_path = {p.path: p for p in sweep.params}
    for param in sweep.params:
        layer = space.layer_index(param.path)
        if layer and DEPTH in by_path and isinstance(layer[0], int):
            deepest = max(space.domain_values(by_path[DEPTH]))
            if layer[0] >= deepest:
                raise UserError(
                    f"`space.{param.path}` is never active: `{DEPTH}` reaches at most "
                    f"{deepest} (layers 0..{deepest - 1}). Received: layer {layer[0]}")


def metric_names(exp):
    """The val/test metrics every trial of `exp` writes (known before any data loads)."""
    task = config_lib.task_of(exp)
    names = task.metric_names(config_lib.data_spec(exp),
                              inverse_transform=(lambda v: v) if exp.data.scale else None)
    return [f"{part}_{name}" for part in ("val", "test") for name in names]


def check_objective(tuner, experiments):
    """`tuner.objective` must be a metric that every candidate trial writes."""
    seen = {}
    for exp in experiments:
        seen.setdefault(repr((exp.data.name, exp.data.task, exp.data.scale,
                              exp.data.params)), exp)
    written = set.intersection(*(set(metric_names(exp)) for exp in seen.values()))
    written |= {f"train_{n.removeprefix('val_')}" for n in written if n.startswith("val_")}
    if tuner.objective not in written:
        raise UserError(
            f"Expected `tuner.objective` to be a metric the trials write, one of "
            f"{sorted(written)}. Received: {tuner.objective!r}"
            + schema.close_matches_hint(tuner.objective, sorted(written)))
    losses = {getattr(config_lib.task_of(exp), "loss_name", "auto") for exp in experiments}
    if tuner.objective.endswith("_loss") and len(losses) > 1:
        others = sorted(n for n in written if n.startswith("val_") and n != "val_loss")
        raise UserError(
            f"Expected `tuner.objective` to measure every trial alike: the space sets "
            f"`train.loss` to {sorted(losses)}, so {tuner.objective!r} is a different error "
            f"in different trials. Use a metric every trial computes the same way, one of "
            f"{others}. Received: {tuner.objective!r}")
