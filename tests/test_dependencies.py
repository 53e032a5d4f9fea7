"""Every third-party import of the package is declared in setup.cfg, and
every import that only an extra installs is guarded by a UserError naming the
pip command (or skipped when the module is missing).

Imports are read from the source (function-level ones too), so this needs
neither TensorFlow nor the optional packages.
"""

import ast
import configparser
import functools
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

from rnnbench.config import extras

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnnbench"


def _normalize(distribution):
    return re.sub(r"[-_.]+", "-", distribution).lower()


def declared(setup_cfg=ROOT / "setup.cfg"):
    """`(install_requires, {extra: distributions})`, names normalized."""
    cfg = configparser.ConfigParser()
    cfg.read(setup_cfg)

    def names(text):
        lines = [line.split("#")[0].strip() for line in text.splitlines()]
        return {_normalize(re.split(r"[<>=!~;\[ ]", line)[0]) for line in lines if line}

    extras_found = {k: names(v) for k, v in cfg["options.extras_require"].items()}
    return names(cfg["options"]["install_requires"]), extras_found


def import_sites(path):
    """`(top-level module, node, parents)` for each third-party import in a file."""
    tree = ast.parse(path.read_text())
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            if top not in sys.stdlib_module_names and top != "rnnbench":
                chain, up = [], parents.get(node)
                while up is not None:
                    chain.append(up)
                    up = parents.get(up)
                yield top, node, chain


def all_sites():
    return [(path.relative_to(ROOT), top, node, chain)
            for path in sorted(PACKAGE.rglob("*.py"))
            for top, node, chain in import_sites(path)]


@functools.lru_cache(maxsize=None)
def _installed():
    return metadata.packages_distributions()  # slow: reads every installed RECORD


def distributions_of(top):
    """The distributions that install top-level module `top` (normalized)."""
    found = _installed().get(top)
    if found:
        return {_normalize(d) for d in found}
    return set()


@pytest.mark.slow
def test_every_third_party_import_is_declared_in_setup_cfg():
    required, optional = declared()
    in_extras = set().union(*optional.values())
    undeclared = {}
    for path, top, node, _ in all_sites():
        dists = distributions_of(top)
        if top in extras.EXTRAS and not dists:
            continue  # not installed here; the registry test below checks its extra
        if not dists & (required | in_extras):
            undeclared.setdefault(top, []).append(f"{path}:{node.lineno}")
    assert not undeclared, (
        f"imported but neither in install_requires nor in an extra of setup.cfg: "
        f"{undeclared}")


def test_modules_only_an_extra_installs_are_in_the_registry():
    required, optional = declared()
    in_extras = set().union(*optional.values())
    unregistered = sorted({
        top for _, top, _, _ in all_sites()
        if (dists := distributions_of(top)) and dists & in_extras and not dists & required
        and top not in extras.EXTRAS})
    assert not unregistered, f"add to rnnbench.config.extras.EXTRAS: {unregistered}"


@pytest.mark.parametrize("module", sorted(extras.EXTRAS))
def test_registry_names_the_extra_that_installs_the_module(module):
    required, optional = declared()
    extra = extras.EXTRAS[module]
    assert extra in optional, f"setup.cfg has no extra {extra!r}"
    dists = distributions_of(module) or {_normalize(module)}  # torch installs `torch`
    assert dists & optional[extra], f"{module}: not in extra {extra!r} of setup.cfg"
    assert not dists & required, f"{module} is in install_requires: drop it from EXTRAS"
    assert extras.pip_command(module) == f"pip install -e '.[{extra}]'"


def _guard_calls(scope, module, before_line):
    """Whether `scope` calls require/available(module) or compares the Keras
    backend with `module` above `before_line`."""
    for node in ast.walk(scope):
        if getattr(node, "lineno", before_line) >= before_line:
            continue
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", None)
            first = node.args[0] if node.args else None
            if name in ("require", "available") and isinstance(first, ast.Constant) \
                    and first.value == module:
                return True
        if isinstance(node, ast.Compare) and "backend()" in ast.unparse(node.left) \
                and any(isinstance(c, ast.Constant) and c.value == module
                        for c in node.comparators):
            return True  # Keras' `module` backend cannot run without `module`
    return False


def _try_raises_user_error(node, chain):
    """Whether an enclosing try turns ImportError into a raised UserError."""
    for up in chain:
        if not isinstance(up, ast.Try) or not any(node is n for n in ast.walk(
                ast.Module(body=up.body, type_ignores=[]))):
            continue
        for handler in up.handlers:
            caught = ast.unparse(handler.type) if handler.type else ""
            raises = [r for r in ast.walk(handler) if isinstance(r, ast.Raise) and r.exc
                      and "UserError" in ast.unparse(r.exc)]
            if "ImportError" in caught and raises:
                return True
    return False


def is_guarded(module, node, chain):
    if _try_raises_user_error(node, chain):
        return True
    scopes = [up for up in chain if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return bool(scopes) and _guard_calls(scopes[0], module, node.lineno)


def test_imports_of_optional_modules_are_guarded():
    unguarded = [f"{path}:{node.lineno} imports {top}" for path, top, node, chain in all_sites()
                 if top in extras.EXTRAS and not is_guarded(top, node, chain)]
    assert not unguarded, (
        "an import of a module that only an extra installs must follow "
        "rnnbench.config.extras.require(...) (or available(...)) in its function, "
        f"or sit in a try that raises a UserError on ImportError: {unguarded}")


def test_the_guard_check_can_fail(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    import torch\n\n"
                      "def g():\n    extras.require('torch', 'g')\n    import torch\n")
    verdicts = [is_guarded(top, node, chain) for top, node, chain in import_sites(source)]
    assert verdicts == [False, True]


def test_declared_reads_comments_and_versions(tmp_path):
    cfg = tmp_path / "setup.cfg"
    cfg.write_text("[options]\ninstall_requires =\n    # why\n    PyYAML>=6.0\n"
                   "    keras_tuner>=1.4\n[options.extras_require]\nbench =\n    torch>=2\n")
    assert declared(cfg) == ({"pyyaml", "keras-tuner"}, {"bench": {"torch"}})


def test_require_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # blocked: find_spec raises
    from rnnbench.errors import UserError
    with pytest.raises(UserError, match=re.escape("pip install -e '.[bench]'")):
        extras.require("torch", "The PyTorch twins")
