"""Where named experiments, sweeps and results live."""

import difflib
import os
from pathlib import Path

from rnnbench.errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[2]
YAML_SUFFIXES = (".yaml", ".yml")


def search_dirs(folder, env_var):
    """`$ENV_VAR`, then `./folder`, then the folder shipped beside the package."""
    dirs = []
    if os.environ.get(env_var):
        dirs.append(Path(os.environ[env_var]))
    dirs += [Path.cwd() / folder, REPO_ROOT / folder]
    seen, unique = set(), []
    for d in dirs:
        key = d.resolve()
        if d.is_dir() and key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def experiment_dirs():
    return search_dirs("experiments", "RNNBENCH_EXPERIMENTS")


def sweep_dirs():
    return search_dirs("tuning", "RNNBENCH_TUNING")


def study_dirs():
    return search_dirs("studies", "RNNBENCH_STUDIES")


def named_files(dirs):
    """`{stem: path}` of the YAML files in `dirs`; earlier dirs win."""
    found = {}
    for d in dirs:
        for path in sorted(d.iterdir()):
            if path.suffix in YAML_SUFFIXES:
                found.setdefault(path.stem, path)
    return found


def find_named(name_or_path, dirs, kind, folder):
    """The YAML file for a name (or the path itself), with close matches on a miss."""
    candidate = Path(name_or_path)
    if candidate.suffix in YAML_SUFFIXES or os.sep in str(name_or_path):
        if candidate.is_file():
            return candidate
        raise UserError(f"No {kind} file at {name_or_path!r}.")
    files = named_files(dirs)
    if name_or_path in files:
        return files[name_or_path]
    close = difflib.get_close_matches(name_or_path, list(files), n=3)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    where = ", ".join(str(d) for d in dirs) or f"no {folder}/ folder found"
    raise UserError(
        f"Unknown {kind} {name_or_path!r}.{hint} Known {kind}s are the YAML files "
        f"in {where}; `rnnbench list` shows them, or pass a path to a YAML file."
    )


def find_experiment(name_or_path):
    return find_named(name_or_path, experiment_dirs(), "experiment", "experiments")


def find_sweep(name_or_path):
    return find_named(name_or_path, sweep_dirs(), "sweep", "tuning")


def find_study(name_or_path):
    return find_named(name_or_path, study_dirs(), "study", "studies")


def results_root(override=None):
    """`--results-dir`, else `$RNNBENCH_RESULTS`, else `./results`."""
    return Path(override or os.environ.get("RNNBENCH_RESULTS") or "results")
