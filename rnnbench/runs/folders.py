"""Run folders, atomic writes and the facts a manifest records."""

import dataclasses
import datetime
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml

from rnnbench.config import paths, yaml_text
from rnnbench.errors import UserError


def new_run_id(now=None):
    """A sortable timestamp plus a short random suffix: `20261122-213045-3fa2`."""
    now = now or datetime.datetime.now()
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def new_run_dir(root, experiment):
    """Creates `root/<experiment>/<run_id>/`; never reuses an existing folder.

    Raises:
        UserError: when `experiment` is not a slug (`paths.check_name`), or
            the folder cannot be made (a file in the way, no permission).
    """
    paths.check_name(experiment)
    while True:
        run_dir = Path(root) / experiment / new_run_id()
        inside(root, run_dir)
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
        except OSError as e:
            raise UserError(f"Could not make the folder {str(run_dir)!r}: "
                            f"{e.strerror}.") from None


def folder_name(text):
    """`text` made a slug for a folder name (a study's `cell=a/b-seed1`): `cell=a_b-seed1`."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).lstrip(".-")[:paths.MAX_NAME_LENGTH] or "_"


def inside(root, path):
    """Returns `path` if it resolves under `root`; refuses a write anywhere else."""
    resolved, top = Path(path).resolve(), Path(root).resolve()
    if resolved != top and top not in resolved.parents:
        raise UserError(f"Expected every file to be written under the results root "
                        f"{str(root)!r}. Received: {str(path)!r}")
    return path


def write_text_atomic(path, text):
    """Writes via a temp file and rename, so readers never see half a file.

    The file is created as `open()` creates files (mode 0o666 less the umask),
    not 0o600 as `tempfile.mkstemp` makes them: results are shared.
    """
    path = Path(path)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path, data):
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path):
    return json.loads(Path(path).read_text())


@dataclasses.dataclass
class RunRecord:
    """What a run folder holds, read without trusting it.

    Attributes:
        manifest, config, metrics: the parsed files, None where missing or broken.
        problems: `{file name: "metrics.json missing" | "... unreadable (Error)"}`.
    """

    folder: Path
    manifest: dict = None
    config: dict = None
    metrics: dict = None
    problems: dict = dataclasses.field(default_factory=dict)

    @property
    def status(self):
        return (self.manifest or {}).get("status")

    def scores(self, prefixes=("val_", "test_")):
        """The numeric metrics whose names start with `prefixes`."""
        return {k: v for k, v in (self.metrics or {}).items()
                if k.startswith(prefixes) and isinstance(v, (int, float))}


def read_run(folder):
    """Reads a run folder's manifest.json, config.yaml and metrics.json.

    The one reader of run folders (`rnnbench results`, sweep leaderboards):
    a missing, half-written or corrupt file is recorded in `problems`, never raised.
    """
    record = RunRecord(Path(folder))
    for attribute, name, parse in (("manifest", "manifest.json", json.loads),
                                   ("config", "config.yaml", yaml_text.load),
                                   ("metrics", "metrics.json", json.loads)):
        path = record.folder / name
        try:
            value = parse(path.read_text())
        except FileNotFoundError:
            record.problems[name] = f"{name} missing"
            continue
        except (OSError, ValueError, yaml.YAMLError) as e:
            record.problems[name] = f"{name} unreadable ({type(e).__name__})"
            continue
        if isinstance(value, dict):
            setattr(record, attribute, value)
        else:
            record.problems[name] = f"{name} unreadable (not a mapping)"
    return record


def now_iso():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def versions():
    """Versions of what can change a run's numbers."""
    found = {"python": platform.python_version()}
    for dist in ("rnnbench", "tensorflow", "keras", "keras-tuner", "numpy"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = None
    return found


def git_state(repo=paths.REPO_ROOT):
    """The commit of rnnbench's own code and whether it had local changes."""
    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def host():
    return {"hostname": socket.gethostname(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "argv": sys.argv}
