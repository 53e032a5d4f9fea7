"""Turns plain YAML data into frozen dataclasses, driven by their type hints.

Every error names the key path (`model.layers[1].units`) and says what is
allowed, in Keras' wording: "Expected `x` to be ... Received: ...".
"""

import dataclasses
import difflib
import math
import typing
from collections.abc import Mapping

from rnnbench.errors import UserError

# A dataclass may collect the keys it does not declare into one mapping field
# (e.g. a layer's extra Keras arguments); it names that field here.
OPEN_FIELD = "__open_field__"


_REQUIRED = object()


def field(default=_REQUIRED, **bounds):
    """A dataclass field whose metadata carries validation bounds (min/max)."""
    if default is _REQUIRED:
        return dataclasses.field(metadata=bounds)
    if isinstance(default, (list, dict)) or dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: default, metadata=bounds)
    return dataclasses.field(default=default, metadata=bounds)


class SchemaError(UserError):
    """A value does not fit the schema at `path`."""

    def __init__(self, path, message):
        super().__init__(message)
        self.path = path


class FrozenMap(Mapping):
    """A read-only dict, so frozen configs cannot be changed in place."""

    def __init__(self, *args, **kwargs):
        self._data = dict(*args, **kwargs)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __eq__(self, other):
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self):
        return hash(tuple(sorted(self._data.items())))

    def __repr__(self):
        return f"FrozenMap({self._data!r})"


def describe(value):
    """How a received value is shown in messages."""
    return repr(value) if not isinstance(value, Mapping) else repr(dict(value))


def join(path, key):
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def close_matches_hint(name, allowed):
    # dict.fromkeys: a name offered twice (a column of two sources) is suggested once
    allowed = list(dict.fromkeys(str(a) for a in allowed))
    close = difflib.get_close_matches(str(name), allowed, n=3)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


def build(cls, raw, path=""):
    """Builds dataclass `cls` from mapping `raw`, validating every field.

    Raises:
        SchemaError: naming the first key path that does not fit.
    """
    if not isinstance(raw, Mapping):
        where = f"`{path}`" if path else "the config"
        raise SchemaError(
            path, f"Expected {where} to be a mapping of keys to values. "
            f"Received: {describe(raw)}"
        )
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    open_field = getattr(cls, OPEN_FIELD, None)
    declared = [name for name in fields if name != open_field]
    hints = typing.get_type_hints(cls)
    values, extra = {}, {}
    for key, value in raw.items():
        if key in declared:
            values[key] = convert(hints[key], value, join(path, key),
                                  fields[key].metadata)
        elif open_field:
            extra[key] = _finite_floats(value, join(path, key))
        else:
            raise SchemaError(
                join(path, key),
                f"Unknown key `{join(path, key)}`. Expected one of "
                f"{sorted(declared)}. Received: {key!r}"
                + close_matches_hint(key, declared),
            )
    if open_field:
        values[open_field] = FrozenMap(extra)
    missing = [
        name for name, f in fields.items()
        if name not in values and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise SchemaError(
            join(path, missing[0]),
            f"Missing required key `{join(path, missing[0])}`.",
        )
    return cls(**values)


def convert(tp, value, path, metadata=None):
    """Checks `value` against type hint `tp` and returns the typed value."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, path)
    if origin is typing.Union:
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return convert(options[0], value, path, metadata)
        return _convert_union(options, value, path, metadata)
    if origin is typing.Literal:
        if value in args and type(value) in {type(a) for a in args}:
            return value
        raise SchemaError(
            path, f"Expected `{path}` to be one of {list(args)}. "
            f"Received: {describe(value)}" + close_matches_hint(value, args)
        )
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise SchemaError(
                path, f"Expected `{path}` to be a list. Received: {describe(value)}"
            )
        return tuple(convert(args[0], v, join(path, i)) for i, v in enumerate(value))
    if tp is FrozenMap or origin in (Mapping, dict):
        if not isinstance(value, Mapping):
            raise SchemaError(
                path, f"Expected `{path}` to be a mapping. Received: {describe(value)}"
            )
        return FrozenMap(value)
    return _check_range(_convert_scalar(tp, value, path), path, metadata or {})


def _convert_union(options, value, path, metadata):
    for option in options:
        try:
            return convert(option, value, path, metadata)
        except SchemaError:
            continue
    bounds = describe_bounds(metadata or {})
    names = " or ".join(_type_name(o) + (f" {bounds}" if bounds and o in (int, float) else "")
                        for o in options)
    raise SchemaError(
        path, f"Expected `{path}` to be {names}. Received: {describe(value)}"
    )


def _type_name(tp):
    if typing.get_origin(tp) is typing.Literal:
        return f"one of {list(typing.get_args(tp))}"
    return {int: "an integer", float: "a number", str: "a string",
            bool: "a boolean (true/false)"}.get(tp, getattr(tp, "__name__", str(tp)))


def _convert_scalar(tp, value, path):
    if tp is typing.Any:
        return value
    if tp is float:
        # PyYAML reads `1e-3` (no dot) as a string: accept it as a number.
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = None
            if number is not None:
                return _finite(number, value, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _finite(value, value, path)
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, tp):
        return value
    raise SchemaError(
        path, f"Expected `{path}` to be {_type_name(tp)}. Received: {describe(value)}"
    )


def describe_bounds(metadata):
    """`">= 1 and <= 0.9"` for bounds metadata (min/max/exclusive_min), or ""."""
    low, high = metadata.get("min"), metadata.get("max")
    bounds = []
    if low is not None:
        bounds.append((">" if metadata.get("exclusive_min") else ">=") + f" {low}")
    if high is not None:
        bounds.append(f"<= {high}")
    return " and ".join(bounds)


def _finite(number, value, path):
    """`float(number)`, unless NaN or infinite (`.nan`, `.inf`, `1e400`, `"nan"`, 10**400)."""
    try:
        number = float(number)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number):
        raise SchemaError(path, f"Expected `{path}` to be a finite number. "
                                f"Received: {_short(describe(value))}")
    return number


def _finite_floats(value, path):
    """`value` (passed on to Keras as it is), refusing NaN and infinite floats in it."""
    if isinstance(value, float):
        _finite(value, value, path)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _finite_floats(item, join(path, i))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _finite_floats(item, join(path, key))
    return value


def _short(text, limit=60):
    return text if len(text) <= limit else f"{text[:limit]}..."


def _check_range(value, path, metadata):
    low, high = metadata.get("min"), metadata.get("max")
    below_min = low is not None and value < low
    if metadata.get("exclusive_min") and value == low:
        below_min = True
    if below_min or (high is not None and value > high):
        raise SchemaError(
            path, f"Expected `{path}` to be {describe_bounds(metadata)}. "
            f"Received: {describe(value)}"
        )
    return value


def to_plain(obj):
    """Dataclasses/FrozenMaps/tuples -> plain dicts and lists, open fields inlined."""
    if dataclasses.is_dataclass(obj):
        out = {}
        open_field = getattr(type(obj), OPEN_FIELD, None)
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name == open_field:
                out.update({k: to_plain(v) for k, v in value.items()})
            else:
                out[f.name] = to_plain(value)
        return out
    if isinstance(obj, Mapping):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj
