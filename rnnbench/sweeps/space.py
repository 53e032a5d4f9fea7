"""A sweep's search space: its parameters, their domains and their conditions.

`space:` maps a dotted config path to one domain: `{int: [lo, hi]}` (with
optional `step`, `sampling`), `{float: [lo, hi]}` (the same), `{choice:
[...]}` or `{boolean: true}`, each with an optional `when: {parent: values}`
that makes it active only while another parameter of the space takes one of
those values. `model.depth` is the one sweep-only key: how many layers a
trial keeps; parameters of layers above it are inactive.
"""

import dataclasses
import math
import re
from typing import Any, Tuple

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.config import schema, yaml_text
from rnnbench.errors import UserError

DEPTH = "model.depth"
_LAYER_KEY = re.compile(r"^model\.layers\[(\d+|\*)\]\.(\w+)$")
KINDS = ("int", "float", "choice", "boolean")
EXTRAS = {"int": ("step", "sampling", "when"), "float": ("step", "sampling", "when"),
          "choice": ("when",), "boolean": ("when",)}
SAMPLINGS = ("linear", "log", "reverse_log")


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


def parse_param(path, spec):
    """`{int: [lo, hi], step: 2}` etc. -> `Param`, with Keras-style errors."""
    where = f"space.{path}"
    try:
        config_lib.split_path(path)
    except UserError as e:
        raise UserError(f"`{where}`: {e}") from None
    layer = layer_index(path)
    if layer and layer[1] == "merge_mode":
        raise UserError(
            f"Expected `{where}` to be left out: the Bidirectional merge mode is the value "
            f"of `bidirectional`, in sweeps as in experiments and `--set`. Sweep it as "
            f"`model.layers[{layer[0]}].bidirectional: {{choice: [false, concat, sum]}}`. "
            f"Received: {spec!r}")
    if not isinstance(spec, dict):
        raise UserError(f"Expected `{where}` to be a mapping like {{int: [16, 128]}}. "
                        f"Received: {spec!r}")
    kinds = [k for k in KINDS if k in spec]
    unknown = sorted(set(spec) - set(KINDS) - set(EXTRAS[kinds[0]] if kinds else ()))
    if len(kinds) != 1 or unknown:
        raise UserError(
            f"Expected `{where}` to have exactly one of {list(KINDS)} plus optional "
            f"{_extras_text(kinds)}. Received keys: {sorted(spec)}")
    kind = kinds[0]
    if path == DEPTH:
        _check_depth_spec(spec, where)
    when = _parse_when(spec.get("when"), where)
    if kind in ("int", "float"):
        return _parse_range(path, kind, spec, where, when)
    if kind == "choice":
        values = spec["choice"]
        if not isinstance(values, list) or not values:
            raise UserError(f"Expected `{where}.choice` to be a non-empty list. "
                            f"Received: {values!r}")
        for i, value in enumerate(values):
            if any(same(value, v) for v in values[:i]):
                raise UserError(f"Expected `{where}.choice` to name each value once. "
                                f"Received: {value!r} twice in {values!r}")
        return Param(path, kind, values=tuple(values), when=when)
    if spec["boolean"] is not True:
        raise UserError(
            f"Expected `{where}.boolean` to be true: the sweep tries both false and true. "
            f"To give every trial one value, set it under `overrides:` instead. "
            f"Received: {spec['boolean']!r}")
    return Param(path, "boolean", when=when)


def _extras_text(kinds):
    extras = EXTRAS[kinds[0]] if len(kinds) == 1 else ("step", "sampling", "when")
    allowed = [f"'{e}'" for e in extras]
    return f"{', '.join(allowed)}" + (f" (with {kinds[0]})" if len(kinds) == 1 else "")


def _check_depth_spec(spec, where):
    """`model.depth` is sweep-only: how many layers a trial keeps, an unconditional int."""
    bounds = spec.get("int")
    if bounds is None or "when" in spec:
        raise UserError(
            f"Expected `{where}` to be {{int: [low, high]}} with no `when`: it is a "
            f"sweep-only key, how many layers a trial keeps (the top one is repeated when "
            f"the base experiment has fewer). Received: {spec!r}")
    if isinstance(bounds, list) and bounds and isinstance(bounds[0], int) and bounds[0] < 1:
        raise UserError(f"Expected `{where}` to have low >= 1 (a model has at least one "
                        f"layer). Received: {bounds!r}")


def _parse_when(when, where):
    """`when: {parent: value or [values]}` -> `((parent, (values...)), ...)`."""
    if when is None:
        return ()
    if not isinstance(when, dict) or not when:
        raise UserError(f"Expected `{where}.when` to map parameters of the space to the "
                        f"values that make this one active. Received: {when!r}")
    parsed = []
    for parent, values in when.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise UserError(f"Expected `{where}.when.{parent}` to hold at least one value. "
                            f"Received: []")
        parsed.append((parent, tuple(values)))
    return tuple(parsed)


def _parse_range(path, kind, spec, where, when):
    bounds = spec[kind]
    number = int if kind == "int" else (int, float)
    if (not isinstance(bounds, list) or len(bounds) != 2
            or not all(is_number(b, number) for b in bounds) or bounds[0] >= bounds[1]):
        raise UserError(f"Expected `{where}.{kind}` to be [low, high] with low < high"
                        f"{' (integers)' if kind == 'int' else ''}. Received: {bounds!r}")
    low, high = bounds
    sampling = spec.get("sampling", "linear")
    if sampling not in SAMPLINGS:
        raise UserError(f"Expected `{where}.sampling` to be one of {list(SAMPLINGS)}. "
                        f"Received: {sampling!r}")
    if sampling != "linear" and low <= 0:
        raise UserError(f"Expected `{where}` to have low > 0 with {sampling} sampling. "
                        f"Received: {bounds!r}")
    step = spec.get("step")
    if step is not None:
        _check_step(step, kind, low, high, sampling, f"{where}.step")
    return Param(path, kind, low=low, high=high, step=step, sampling=sampling, when=when)


def _check_step(step, kind, low, high, sampling, where):
    """Keras Tuner's rules: linear steps add (at most high - low), log steps multiply."""
    if not is_number(step, int if kind == "int" else (int, float)):
        raise UserError(f"Expected `{where}` to be {'an integer' if kind == 'int' else 'a number'}"
                        f". Received: {step!r}")
    if sampling == "linear":
        if step <= 0 or step > high - low:
            raise UserError(f"Expected `{where}` to be > 0 and <= {high - low} (high - low), "
                            f"so the range holds more than one value. Received: {step!r}")
    elif step <= 1 or low * step > high:
        raise UserError(f"Expected `{where}` to be > 1 and at most high / low with {sampling} "
                        f"sampling, where each value is the previous one times the step. "
                        f"Received: {step!r}")


def is_number(value, types):
    return isinstance(value, types) and not isinstance(value, bool)


def same(a, b):
    """Equal and of one kind: `False` is not `0`, `1` is `1.0`."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def domain_values(param):
    """Every value Keras Tuner can pick for `param`, as its `values` would list them.

    A float range without a step, or an int range with log sampling and no
    step, is continuous for this purpose: its two ends.
    """
    if param.kind == "choice":
        return list(param.values)
    if param.kind == "boolean":
        return [False, True]
    low, high, step = param.low, param.high, param.step
    if step is None and (param.kind == "float" or param.sampling != "linear"):
        return [low, high]
    step = 1 if step is None else step
    if param.sampling == "linear":
        values = [low + i * step for i in range(int((high - low) // step) + 1)]
    else:  # Keras Tuner multiplies by the step (from high down for reverse_log)
        n = int(math.log(high / low, step) + 1e-8) + 1
        values = [low * step ** i for i in range(n)]
        if param.sampling == "reverse_log":
            values = [high + low - v for v in values]
    return [int(v) for v in values] if param.kind == "int" else values


def order_params(params):
    """`model.depth` first, then layer switches, then the rest, each parent before its children."""
    def rank(p):
        if p.path == DEPTH:
            return 0
        return 1 if p.path.endswith(".bidirectional") else 2
    pending, ordered, placed = sorted(params, key=rank), [], set()
    while pending:
        ready = [p for p in pending if all(parent in placed for parent, _ in p.when
                                           if parent != p.path)]
        if not ready:
            names = ", ".join(f"`space.{p.path}.when`" for p in pending)
            raise UserError(f"Expected the `when:` conditions of `space` to form no cycle. "
                            f"Received: {names} depend on each other in a cycle")
        ordered.append(ready[0])
        placed.add(ready[0].path)
        pending.remove(ready[0])
    return tuple(ordered)


def check_conditions(params):
    """Every `when:` parent is another parameter of the space, with values it can take."""
    by_path = {p.path: p for p in params}
    for param in params:
        for parent, values in param.when:
            where = f"space.{param.path}.when"
            if parent == param.path:
                raise UserError(f"Expected `{where}` to name another parameter: a parameter "
                                f"cannot depend on itself. Received: {parent!r}")
            if parent not in by_path:
                raise UserError(
                    f"Expected `{where}` to name parameters of the space, one of "
                    f"{sorted(by_path)}. Received: {parent!r}"
                    + schema.close_matches_hint(parent, sorted(by_path)))
            domain = by_path[parent]
            for value in values:
                if not _can_take(domain, value):
                    shown = (domain_values(domain) if domain.kind in ("choice", "boolean")
                             else f"[{domain.low}, {domain.high}]")
                    raise UserError(f"Expected `{where}.{parent}` to hold values that "
                                    f"`{parent}` takes, from {shown}. Received: {value!r}")


def _can_take(param, value):
    if param.kind == "float" and param.step is None:
        return is_number(value, (int, float)) and param.low <= value <= param.high
    return any(same(value, v) for v in domain_values(param))


def layer_index(path):
    """`(index or '*', key)` for `model.layers[i].key`, else None."""
    match = _LAYER_KEY.match(path)
    if not match:
        return None
    index = match.group(1)
    return (index if index == "*" else int(index)), match.group(2)


def parents(param, params):
    """The conditions under which `param` exists: `[(parent_path, values), ...]`.

    Its own `when:`, and for a layer above the first, a `model.depth` that
    keeps that layer.
    """
    found = list(param.when)
    by_path = {p.path: p for p in params}
    layer = layer_index(param.path)
    if layer and DEPTH in by_path and isinstance(layer[0], int) and layer[0] >= 1:
        found.append((DEPTH, tuple(v for v in domain_values(by_path[DEPTH])
                                   if v > layer[0])))
    return found


def encoded_values(param, values):
    """`values` of `param` as declared to Keras Tuner (see `encode_choices`)."""
    if param.kind == "choice" and encode_choices(param.values)[1]:
        return [_yaml_text(v) for v in values]
    return list(values)


def encode_choices(values):
    """Keras Tuner choices must share one type; mixed ones travel as YAML text."""
    if len({type(v) for v in values}) == 1 and isinstance(values[0], (int, float, str, bool)):
        return list(values), False
    return [_yaml_text(v) for v in values], True


def _yaml_text(value):
    return yaml.safe_dump(value).strip().removesuffix("...").strip()


def decode_values(params, values):
    """Decodes mixed-type choices back from their YAML text."""
    decoded = {}
    for param in params:
        if param.path not in values:
            continue
        value = values[param.path]
        if param.kind == "choice" and encode_choices(param.values)[1]:
            value = yaml_text.load(value)
        decoded[param.path] = value
    return decoded


def active_assignment(params, values):
    """The values of the parameters active under `values` (`params` parents first)."""
    active = {}
    for param in params:
        if all(parent in active and any(same(active[parent], v) for v in allowed)
               for parent, allowed in parents(param, params)):
            active[param.path] = values[param.path]
    return active
