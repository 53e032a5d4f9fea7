"""The package's layers: dependencies point down, never up, never in a cycle.

Every dependency is read from the source, so the test needs no TensorFlow:
`import` statements (function-level ones too, since a lazy import is still a
dependency; relative ones resolved against the file's package) and strings
that name a module of the package (`"rnnbench.models.cells:MGUCell"` in a
registry, a `providers=[...]` list, an `importlib.import_module` argument),
since a registry imports what they name on first look-up. Logger names
(`getLogger("rnnbench.runs")`) name no module.
"""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnnbench"

# Lower layers may be imported by higher ones; a layer never imports one at
# its own level or above (other than its own modules).
LAYERS = {
    "errors": 0,
    "console": 1,  # records signals in errors
    "config": 1,
    "data": 2,
    "models": 3,
    "runs": 4,
    "sweeps": 5,
    "reports": 6,
    "bench": 6,
    "cli": 7,
    "__init__": 7,
    "__main__": 8,
}

# The one sanctioned way up (CONTRIBUTING.md, "The layers"): the config layer's
# registries name, as strings, the modules that fill them, and import them
# lazily on the first look-up, so validating `data.name` or `cell` imports no
# layer above. Only these modules, only towards these layers; such edges are
# left out of the cycle check (a provider imports the registry it fills).
PLUGIN_EDGES = {
    "rnnbench.config.registry": {"config", "data"},  # Registry(providers=[...])
    "rnnbench.config.catalog": {"models"},  # CELLS.register("name", "module:Class")
}

# "rnnbench.a.b" or "rnnbench.a.b:Attr": a string that names a module of the package.
MODULE_STRING = re.compile(r"(rnnbench(?:\.\w+)*)(?::[\w.]+)?")


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 2:
        parts = parts[:-1]
    return ".".join(parts)


def _package_of(name, path):
    """The package a module's relative imports start from."""
    return name if Path(path).name == "__init__.py" else name.rpartition(".")[0]


def _resolve(module, names):
    """`module.name` for each imported name that is itself a module, else `module`."""
    found = set()
    for alias in names:
        candidate = f"{module}.{alias.name}"
        found.add(candidate if candidate in MODULES else module)
    return found


def _logger_names(tree):
    """The string nodes that are arguments of `getLogger(...)` calls."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr",
                                                  getattr(node.func, "id", None)) \
                == "getLogger":
            skip.update(id(a) for a in node.args)
    return skip


def dependencies(path, name=None):
    """`{module: "import" | "string"}`: the `rnnbench...` modules a source file uses.

    Args:
        name: the file's module name (default: from its place in the package).
    """
    path = Path(path)
    name = name or module_name(path)
    tree = ast.parse(path.read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = {a.name for a in node.names if a.name.startswith("rnnbench")}
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = _package_of(name, path).split(".")
            base = ".".join(base[:len(base) - (node.level - 1)])
            targets = _resolve(f"{base}.{node.module}" if node.module else base,
                               node.names)
        elif isinstance(node, ast.ImportFrom) and node.module \
                and node.module.startswith("rnnbench"):
            targets = _resolve(node.module, node.names)
        else:
            continue
        found.update(dict.fromkeys(targets, "import"))
    loggers = _logger_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in loggers:
            match = MODULE_STRING.fullmatch(node.value)
            if match and (match.group(1) in MODULES or ":" in node.value):
                found.setdefault(match.group(1), "string")
    found.pop("rnnbench", None)
    found.pop(name, None)
    return found


def imported_modules(path, name=None):
    """The `rnnbench...` modules a source file depends on, anywhere in the file."""
    return set(dependencies(path, name))


def layer_of(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def is_plugin_edge(source, target, kind):
    return kind == "string" and layer_of(target) in PLUGIN_EDGES.get(source, ())


def upward_edges(module, deps):
    """The dependencies of `module` that point to its own layer's level or above."""
    own = layer_of(module)
    return sorted(
        target for target, kind in deps.items()
        if layer_of(target) != own and LAYERS[layer_of(target)] >= LAYERS[own]
        and not is_plugin_edge(module, target, kind))


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
DEPENDENCIES = {name: dependencies(path) for name, path in MODULES.items()}
GRAPH = {name: {t for t, kind in deps.items() if not is_plugin_edge(name, t, kind)}
         for name, deps in DEPENDENCIES.items()}


def test_every_module_is_in_a_layer():
    assert {layer_of(m) for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    own = layer_of(module)
    upward = upward_edges(module, DEPENDENCIES[module])
    assert not upward, (
        f"{module} (layer {own!r}) depends on {upward}: a layer may import (or name "
        f"in a registry string) only layers below it "
        f"({sorted(k for k, v in LAYERS.items() if v < LAYERS[own])})")


def test_every_module_string_names_a_module_that_exists():
    missing = sorted((name, target) for name, deps in DEPENDENCIES.items()
                     for target in deps if target not in MODULES)
    assert not missing, f"strings or imports naming no module of the package: {missing}"


def test_each_plugin_edge_rule_is_used():
    # A rule no edge needs any more is a hole for the next one: remove it.
    for source, layers in PLUGIN_EDGES.items():
        used = {layer_of(t) for t, kind in DEPENDENCIES[source].items()
                if is_plugin_edge(source, t, kind)}
        assert used == layers, (source, used, layers)


def test_no_import_cycles():
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(GRAPH.get(node, ())):
            if target not in GRAPH:
                continue
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[node] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_sees_an_upward_function_level_import(tmp_path):
    # The walk must see imports inside functions, where a cycle likes to hide.
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from rnnbench.runs import training\n")
    assert imported_modules(source, "rnnbench.data.lazy") == {"rnnbench.runs.training"}
    assert upward_edges("rnnbench.data.lazy", dependencies(source, "rnnbench.data.lazy"))


def test_the_checker_fails_on_a_registry_string_that_points_up(tmp_path):
    source = tmp_path / "plugins.py"
    source.write_text(
        "import logging\n"
        "from rnnbench.config.registry import CELLS\n"
        "CELLS.register('mine', 'rnnbench.sweeps.tuning:SweepTuner')\n"
        "log = logging.getLogger('rnnbench.reports')\n")
    deps = dependencies(source, "rnnbench.data.plugins")
    assert deps == {"rnnbench.config.registry": "import",
                    "rnnbench.sweeps.tuning": "string"}  # the logger name is no module
    assert upward_edges("rnnbench.data.plugins", deps) == ["rnnbench.sweeps.tuning"]
    # The same string is a sanctioned plug-in only where PLUGIN_EDGES says so.
    assert upward_edges("rnnbench.config.catalog", {"rnnbench.models.cells": "string"}) == []
    assert upward_edges("rnnbench.config.catalog", {"rnnbench.runs.training": "string"}) \
        == ["rnnbench.runs.training"]


@pytest.mark.parametrize("line, expected", [
    ("from . import training", "rnnbench.runs.training"),
    ("from .. import sweeps", "rnnbench.sweeps"),
    ("from ..sweeps import tuning", "rnnbench.sweeps.tuning"),
    ("from ..sweeps.tuning import search", "rnnbench.sweeps.tuning"),
])
def test_the_checker_resolves_relative_imports(tmp_path, line, expected):
    source = tmp_path / "rel.py"
    source.write_text(f"def f():\n    {line}\n")
    deps = dependencies(source, "rnnbench.runs.rel")
    assert deps == {expected: "import"}
    assert upward_edges("rnnbench.runs.rel", deps) == (
        [expected] if expected.startswith("rnnbench.sweeps") else [])


def test_the_python_api_functions_are_not_shadowed_by_subpackages():
    # Importing a subpackage sets it as an attribute of its parent: a
    # subpackage named like an API function (`rnnbench.run`) would replace it.
    import importlib

    import rnnbench
    for name, path in sorted(MODULES.items()):
        if path.name == "__init__.py" and name != "rnnbench":
            importlib.import_module(name)
    for function in ("load_experiment", "build_model", "run"):
        assert callable(getattr(rnnbench, function)), function
