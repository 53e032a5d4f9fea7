"""The package's layers: imports point down, never up, never in a cycle.

Every `import` statement is read from the source (function-level ones too,
since a lazy import is still a dependency), so the test needs no TensorFlow.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnnbench"

# Lower layers may be imported by higher ones; a layer never imports one at
# its own level or above (other than its own modules).
LAYERS = {
    "errors": 0,
    "console": 0,
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


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 2:
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path):
    """The `rnnbench...` modules a source file imports, anywhere in the file."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("rnnbench"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.startswith("rnnbench"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return {m for m in found if m != "rnnbench"}


def layer_of(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imported_modules(path) for name, path in MODULES.items()}


def test_every_module_is_in_a_layer():
    assert {layer_of(m) for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    own = layer_of(module)
    upward = sorted(
        target for target in GRAPH[module]
        if layer_of(target) != own and LAYERS[layer_of(target)] >= LAYERS[own])
    assert not upward, (
        f"{module} (layer {own!r}) imports {upward}: a layer may import only "
        f"layers below it ({sorted(k for k, v in LAYERS.items() if v < LAYERS[own])})")


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
    assert imported_modules(source) == {"rnnbench.runs.training"}


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
