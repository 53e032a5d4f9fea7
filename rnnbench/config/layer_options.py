"""Which keys a `model.layers[i]` entry and `train.optimizer` may pass to Keras.

Validation must not import TensorFlow (`rnnbench show`), so the accepted
arguments of the built-in layers and cells are data (`layer_arguments.py`),
generated from their signatures by `generate()`; a test regenerates the table
from the installed Keras and fails on drift. A user's own cell
(`package.module:ClassName`) is imported and read the same way. This is the
one check of layer keys: `show`, `check`, `run`, sweeps and studies all
reach it through `experiment.validate`. The optimizers' names and arguments
(`OPTIMIZERS`) are data the same way, so a misspelt optimizer option is refused
by `show` and `check`, and by a sweep before its first trial.

Regenerate after a Keras upgrade with:

    python -m rnnbench.config.layer_options
"""

from pathlib import Path

from rnnbench.config import schema
from rnnbench.config.layer_arguments import ARGUMENTS, OPTIMIZERS, OPTIMIZERS_CLASS_NAMES
from rnnbench.config.registry import CELLS

# LayerConfig's own keys: never passed through as options.
RNNBENCH_KEYS = ("cell", "units", "dropout", "bidirectional")
# What the builder passes to a recurrent layer itself (a cell gets neither).
SET_BY_BUILDER = {"return_sequences": "inferred from the layer's place in the stack and the task",
                  "name": "rnn_<index>, so run folders and checks can name the layer"}


def check(layer, index):
    """Raises a SchemaError for an option the layer's class would not accept.

    Args:
        layer: a `LayerConfig` whose cell name is already known to be valid.
        index: its position in `model.layers`.
    """
    if not layer.options:
        return  # nothing to check, and a user's cell is imported only when needed
    if "merge_mode" in layer.options:  # Keras' name; rnnbench's is the value of bidirectional
        path, mode = f"model.layers[{index}].merge_mode", layer.options["merge_mode"]
        raise schema.SchemaError(
            path, f"Expected `{path}` to be left out: the Bidirectional merge mode is the "
            f"value of `bidirectional` (concat | sum | mul | ave, or false for a one-way "
            f"layer). Write `bidirectional: {mode}`. Received: {mode!r}")
    kind, arguments = _arguments_of(layer.cell)
    if arguments is None:
        return  # a user class whose signature cannot be read: the builder says
    allowed = sorted(set(arguments) - set(RNNBENCH_KEYS)
                     - (set(SET_BY_BUILDER) if kind == "layer" else set()))
    for key in layer.options:
        path = f"model.layers[{index}].{key}"
        if kind == "layer" and key in SET_BY_BUILDER:
            raise schema.SchemaError(
                path, f"Expected `{path}` to be left out: rnnbench sets `{key}` "
                f"({SET_BY_BUILDER[key]}). Received: {layer.options[key]!r}")
        if key not in allowed:
            raise schema.SchemaError(
                path, f"Unknown key `{path}` for cell {layer.cell!r}. Expected one of "
                f"rnnbench's {list(RNNBENCH_KEYS)} or an argument of the Keras "
                f"{kind}: {allowed}. Received: {key!r}"
                + schema.close_matches_hint(key, list(RNNBENCH_KEYS) + allowed))


# OptimizerConfig's own keys, passed by rnnbench itself.
OPTIMIZER_KEYS = ("name", "learning_rate", "clipnorm", "clipvalue")


def check_optimizer(optimizer):
    """Raises a SchemaError for an unknown optimizer or an option it would not accept.

    Args:
        optimizer: a `train.optimizer` `OptimizerConfig`.
    """
    name = optimizer.name.lower()
    if name not in OPTIMIZERS:
        raise schema.SchemaError(
            "train.optimizer.name", f"Expected `train.optimizer.name` to be one of "
            f"{sorted(OPTIMIZERS)}. Received: {optimizer.name!r}"
            + schema.close_matches_hint(name, sorted(OPTIMIZERS)))
    allowed = sorted(set(OPTIMIZERS[name]) - set(OPTIMIZER_KEYS))
    for key in optimizer.options:
        if key not in allowed:
            path = f"train.optimizer.{key}"
            raise schema.SchemaError(
                path, f"Unknown key `{path}` for optimizer {optimizer.name!r}. Expected one "
                f"of rnnbench's {list(OPTIMIZER_KEYS)} or an argument of "
                f"keras.optimizers.{OPTIMIZERS_CLASS_NAMES.get(name, name)}: {allowed}. "
                f"Received: {key!r}" + schema.close_matches_hint(key, allowed))


def optimizer_classes():
    """Optimizers by lower-cased name: the public classes of `keras.optimizers`.

    Leaves out the abstract base and the wrappers that need another optimizer
    (`LossScaleOptimizer`, `MultiOptimizer`), which a name alone cannot build.
    The classes are used directly rather than through `keras.optimizers.get`,
    whose name table lacks the public `Lamb` (Keras 3.15). Imports Keras.
    """
    import inspect

    import keras

    def required(cls):
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        return [p.name for p in params if p.default is p.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    return {name.lower(): cls for name, cls in vars(keras.optimizers).items()
            if isinstance(cls, type) and issubclass(cls, keras.optimizers.Optimizer)
            and cls is not keras.optimizers.Optimizer and not required(cls)}


def _arguments_of(cell):
    """`(kind, arguments)` of a cell name: from the table, or read from a user class."""
    if cell in ARGUMENTS:
        return ARGUMENTS[cell]["kind"], ARGUMENTS[cell]["arguments"]
    # A user's class, or one registered at run time (tests): read it now.
    return describe_class(CELLS.resolve(cell))


def describe_class(cls):
    """`(kind, arguments)`: "layer" for a `keras.layers.RNN`, else "cell"."""
    if not isinstance(cls, type):
        return None, None  # not a class: the builder names what it should be
    kind = "layer" if any(base.__name__ == "RNN" and base.__module__.startswith("keras")
                          for base in cls.__mro__) else "cell"
    return kind, accepted_arguments(cls)


def accepted_arguments(cls):
    """The keyword arguments `cls(...)` accepts, sorted; None if unreadable.

    Follows `**kwargs` up the MRO while an `__init__` hands them to
    `super().__init__`, and counts the keys it takes out of them itself
    (`kwargs.pop("implementation", 2)`), as Keras' layers do.
    """
    import inspect
    names, filled = set(), set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            parameters = list(inspect.signature(init).parameters.values())
            tree = _parse(inspect.getsource(init))
        except (OSError, TypeError, ValueError, SyntaxError):
            return None
        positional = [p.name for p in parameters if p.name != "self" and p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        own = {p.name for p in parameters if p.name != "self" and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} | _taken_from_kwargs(tree)
        names |= own - filled  # what the subclass passes itself is not open to the user
        call = _super_init_call(tree)
        if not (any(p.kind == p.VAR_KEYWORD for p in parameters) and call):
            break
        filled = _filled_by(call, parent=klass.__mro__[1])
    return sorted(names)


def _filled_by(call, parent):
    """The parent's parameter names that `super().__init__(...)` sets explicitly."""
    import ast
    import inspect
    filled = {k.arg for k in call.keywords if k.arg}
    try:
        params = [p.name for p in inspect.signature(parent.__init__).parameters.values()
                  if p.name != "self" and p.kind in (p.POSITIONAL_ONLY,
                                                     p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return filled
    for name, arg in zip(params, call.args):
        if isinstance(arg, ast.Starred):
            break
        filled.add(name)
    return filled


def _parse(source):
    import ast
    import textwrap
    return ast.parse(textwrap.dedent(source))


def _taken_from_kwargs(tree):
    import ast
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("pop", "get") and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "kwargs" and node.args
            and isinstance(node.args[0], ast.Constant)}


def _super_init_call(tree):
    """The `super().__init__(..., **kwargs)` call of an `__init__`, or None."""
    import ast
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__" and isinstance(node.func.value, ast.Call)
                and getattr(node.func.value.func, "id", None) == "super"
                and any(k.arg is None for k in node.keywords)):
            return node
    return None


def generate(names=None):
    """The table for the built-in cells, read from the installed classes."""
    table = {}
    for name in names or CELLS.names():
        kind, arguments = describe_class(CELLS.get(name))
        table[name] = {"kind": kind, "arguments": arguments}
    return table


def generate_optimizers():
    """`{lower-cased name: (class name, sorted arguments)}` of the installed optimizers."""
    return {name: (cls.__name__, accepted_arguments(cls))
            for name, cls in sorted(optimizer_classes().items())}


def render(table, optimizers):
    """`layer_arguments.py`'s source for a layer table and an optimizer table."""
    import importlib.metadata
    lines = ['"""Generated by `python -m rnnbench.config.layer_options`: do not edit.',
             "",
             f"The keyword arguments of the built-in cells under Keras "
             f"{importlib.metadata.version('keras')}.",
             '"""', "", "ARGUMENTS = {"]
    for name, entry in table.items():
        lines.append(f"    {name!r}: {{")
        lines.append(f"        'kind': {entry['kind']!r},")
        lines.append("        'arguments': [")
        lines += [f"            {a!r}," for a in entry["arguments"]]
        lines += ["        ],", "    },"]
    lines.append("}")
    lines += ["", "# Optimizers by lower-cased name: their keyword arguments.", "OPTIMIZERS = {"]
    for name, (_, arguments) in optimizers.items():
        lines.append(f"    {name!r}: [")
        lines += [f"        {a!r}," for a in arguments]
        lines.append("    ],")
    lines += ["}", "", "# Their class names in keras.optimizers, for messages.",
              "OPTIMIZERS_CLASS_NAMES = {"]
    lines += [f"    {name!r}: {class_name!r}," for name, (class_name, _) in optimizers.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(__file__).with_name("layer_arguments.py")
    target.write_text(render(generate(), generate_optimizers()))
    print(f"wrote {target}")
