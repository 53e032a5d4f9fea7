"""Where named experiments, sweeps and results live."""

import difflib
import os
import re
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


# A name becomes a folder under the results root (`results/<name>/<run id>/`): ASCII
# letters, digits, `_ - .`, not starting with `.` or `-`, so it can neither climb
# out (`..`, `/`), hide, look like an option, nor differ only in Unicode form.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
MAX_NAME_LENGTH = 100


def check_name(name, where="name"):
    """Returns `name` if it is a slug (NAME_PATTERN, at most MAX_NAME_LENGTH).

    Raises:
        UserError: with `path` set to `where`, so `--set name=...` is blamed.
    """
    if isinstance(name, str) and len(name) <= MAX_NAME_LENGTH \
            and NAME_PATTERN.fullmatch(name):
        return name
    shown = repr(name) if len(repr(name)) <= 120 else repr(name)[:120] + "..."
    error = UserError(
        f"Expected `{where}` to be a name of ASCII letters, digits, '_', '-' and '.', "
        f"not starting with '.' or '-', at most {MAX_NAME_LENGTH} characters (it names a "
        f"folder under the results root). Received: {shown}")
    error.path = where
    raise error


def resolve_data_path(value, base_dir):
    """An absolute path for a data file named in a config (`data.path`).

    `~` and `$VARS` are expanded; an absolute path is kept; a relative one is
    looked for next to `base_dir` (the folder of the YAML file that names it,
    or the working directory for `--set`), then under `$RNNBENCH_DATA`. The
    first place that has it wins; when none has it, the path next to
    `base_dir` is returned, so the error that follows names it. Globs
    (`corpus/*.txt`) count as found when they match a file.
    """
    import glob

    text = os.path.expanduser(os.path.expandvars(str(value)))
    if os.path.isabs(text):
        return os.path.normpath(text)
    candidates = [Path(base_dir) / text]
    if os.environ.get("RNNBENCH_DATA"):
        candidates.append(Path(os.environ["RNNBENCH_DATA"]) / text)
    for candidate in candidates:
        if candidate.exists() or glob.glob(str(candidate)):
            return os.path.abspath(candidate)
    return os.path.abspath(candidates[0])


def results_root(override=None):
    """`--results-dir`, else `$RNNBENCH_RESULTS`, else `./results`.

    Raises:
        UserError: when the path, or a folder above it, is an existing non-folder.
    """
    root = Path(override or os.environ.get("RNNBENCH_RESULTS") or "results")
    source = ("--results-dir" if override else
              "$RNNBENCH_RESULTS" if os.environ.get("RNNBENCH_RESULTS") else "the results root")
    for folder in [root, *root.parents]:
        if folder.exists() and not folder.is_dir():
            where = "is a file" if folder == root else f"lies under the file {str(folder)!r}"
            raise UserError(f"Expected `{source}` to be a folder or a path where one can "
                            f"be made. Received: {str(root)!r}, which {where}.")
    return root
