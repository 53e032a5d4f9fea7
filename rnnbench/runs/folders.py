"""Run folders, atomic writes and the facts a manifest records."""

import contextlib
import dataclasses
import datetime
import errno
import json
import logging
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

import yaml

from rnnbench.config import paths, yaml_text
from rnnbench.errors import DISK_ERRNOS, RunFailed, UserError
from rnnbench.runs import machine

log = logging.getLogger("rnnbench.runs")

# A running run rewrites its manifest's `heartbeat_at` this often; a reader on
# another host calls it `died` once the heartbeat is STALE_AFTER_S old.
HEARTBEAT_S = 10
STALE_AFTER_S = 6 * HEARTBEAT_S
# Free space asked for beyond model.keras: history, TensorBoard events, manifests.
SPACE_MARGIN = 4 * 2**20


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
            error = RunFailed if e.errno in DISK_ERRNOS else UserError
            raise error(f"Could not make the folder {str(run_dir)!r}: "
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


@contextlib.contextmanager
def atomic_path(path):
    """A new temporary file beside `path`, renamed to `path` when the block ends.

    Readers never see half a file: whatever the block writes to the yielded
    path appears at once. On an error the temporary file is removed and an
    OSError names `path`, the file meant. The file is created as `open()`
    creates files (mode 0o666 less the umask), not 0o600 as
    `tempfile.mkstemp` makes them: results are shared.
    """
    path = Path(path)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
        except OSError as e:
            e.filename = str(path)  # the file meant, not the temp file's name
            raise
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            e.filename = str(path)
        raise


def write_text_atomic(path, text):
    """Writes `text` via a temp file and rename (`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write(text)


def write_json_atomic(path, data):
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path):
    return json.loads(Path(path).read_text())


def json_object(path):
    """`(data, None)` if `path` holds a JSON object, else `(None, what is wrong)`.

    What is wrong reads after the path: "is missing", "is empty (0 bytes)",
    "is not valid JSON, probably truncated (...)", "is not a JSON object (...)".
    """
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return None, "is missing"
    except OSError as e:
        return None, f"cannot be read ({e.strerror})"
    if not text.strip():
        return None, f"is empty ({len(text)} bytes)"
    try:
        data = json.loads(text)
    except ValueError as e:
        return None, f"is not valid JSON, probably truncated ({len(text)} bytes; {e})"
    if not isinstance(data, dict):
        return None, f"is not a JSON object (it holds a {type(data).__name__})"
    return data, None


def read_json_object(path, action):
    """The JSON object in `path`; a `UserError` naming the file and its damage.

    Args:
        action: what needs the file, e.g. "reproduce run X" (the message's start).
    """
    data, problem = json_object(path)
    if problem:
        raise UserError(f"Cannot {action}: {path} {problem}. Nothing was run.")
    return data


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
        """The manifest's status, or `died` for a `running` one whose process is gone."""
        return run_status(self.manifest or {})

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


def latest_completed_run(experiment_dir):
    """The newest completed run folder in `experiment_dir` (run ids sort by time), or None."""
    folder = Path(experiment_dir)
    if not folder.is_dir():
        return None
    for run_dir in sorted((d for d in folder.iterdir() if d.is_dir()), reverse=True):
        if (run_dir / "manifest.json").is_file() and read_run(run_dir).status == "completed":
            return run_dir
    return None


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
    """Where the run ran: host, platform, CPU and oneDNN's setting (`machine`)."""
    return {"hostname": socket.gethostname(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), **machine.cpu(),
            "tf_enable_onednn_opts": machine.onednn_setting(), "argv": sys.argv}


def run_status(manifest, hostname=None, now=None):
    """`manifest["status"]`, or `died` when it says `running` and nothing runs it.

    On the host that ran it, the process (`pid`) is gone or a zombie; on another
    host, whose processes cannot be seen, `heartbeat_at` is older than
    STALE_AFTER_S. A manifest without a `pid` (older rnnbench) keeps its status.
    """
    status = manifest.get("status")
    pid = manifest.get("pid")
    if status != "running" or not isinstance(pid, int) or pid <= 0:
        return status
    if (manifest.get("host") or {}).get("hostname") == (hostname or socket.gethostname()):
        return status if process_alive(pid) else "died"
    try:
        beat = datetime.datetime.fromisoformat(manifest["heartbeat_at"])
        age = ((now or datetime.datetime.now().astimezone()) - beat).total_seconds()
    except (KeyError, TypeError, ValueError):
        return "died"
    return "died" if age > STALE_AFTER_S else status


def process_alive(pid):
    """Whether process `pid` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or a pid this OS cannot hold)
    try:  # a killed child its parent has not reaped yet still answers kill(0)
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class LiveManifest:
    """The manifest.json of a running run: one writer, a lock, a heartbeat thread.

    It records `pid` and `heartbeat_at` and rewrites the file every `interval`
    seconds until `finish`, so a run killed with SIGKILL (or a lost machine)
    reads as `died` (`run_status`), not `running` forever.

    Args:
        path: the manifest.json to write.
        facts: what the manifest says at the start.
        interval: seconds between heartbeats.
    """

    def __init__(self, path, facts, interval=HEARTBEAT_S):
        self.path, self.interval = Path(path), interval
        self.data = {**facts, "pid": os.getpid(), "heartbeat_at": now_iso()}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        # The heartbeat starts first, so the file saying `running` is the last thing
        # done here: a stop (Ctrl-C, SIGTERM) raised before it leaves no beating thread.
        self.thread = threading.Thread(target=self._beat, name="rnnbench-heartbeat",
                                       daemon=True)
        self.thread.start()
        try:
            self._write()
        except BaseException:
            self.stopped.set()
            raise

    def update(self, facts):
        """Adds `facts` (a mapping) and rewrites the file."""
        with self.lock:
            self.data.update(facts)
            self._write()

    def finish(self, facts):
        """Stops the heartbeat, then writes the last facts (status, end, error).

        Raises:
            OSError: when the file could not be written (a full disk); the
                facts are kept in `data`.
        """
        self.stopped.set()
        self.thread.join()
        self.update(facts)

    def _write(self):
        write_json_atomic(self.path, self.data)

    def _beat(self):
        warned = False
        while not self.stopped.wait(self.interval):
            try:
                self.update({"heartbeat_at": now_iso()})
            except OSError as e:  # the run itself will meet the full disk and say so
                if not warned:
                    log.warning(f"could not write the heartbeat to {self.path}: {e.strerror}")
                warned = True


def mark_stopped(path, error):
    """Marks a manifest that says `running` as `interrupted` by `error` (a stop raised
    while the run was starting its manifest, before it could record anything)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return  # not written yet: nothing says `running`
    if isinstance(data, dict) and data.get("status") == "running":
        write_json_atomic(path, {**data, "status": "interrupted", "ended_at": now_iso(),
                                 "error": f"{type(error).__name__}: {error}"})


def check_room(folder, needed):
    """Refuses a run folder that cannot be written or lacks `needed` bytes, before training.

    Raises:
        RunFailed: naming the folder and the cause (read-only, no space, ...).
    """
    e = write_error(folder)
    if e is not None:
        raise RunFailed(f"cannot write into the run folder {folder}: {e.strerror} "
                        f"({errno.errorcode.get(e.errno, e.errno)}), so nothing was "
                        f"trained")
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise RunFailed(f"only {free / 2**20:.1f} MiB are free on the disk of {folder}; "
                        f"this run needs at least {needed / 2**20:.1f} MiB for model.keras "
                        f"and its logs, so nothing was trained. Free some space or give "
                        f"another --results-dir")


def write_error(folder):
    """The OSError that a small file written into `folder` meets now, else None."""
    probe = Path(folder) / f".write-probe-{secrets.token_hex(4)}"
    try:
        probe.write_bytes(b"rnnbench")
        probe.unlink()
    except OSError as e:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
        return e
    return None


def write_failure(error, run_dir):
    """A `RunFailed` for a write that a full or read-only disk refused, else None.

    An OSError says so by its errno; TensorFlow's file writers (TensorBoard's
    events) raise their own errors, with the OS's words after the path.
    """
    if isinstance(error, OSError):
        if error.errno not in DISK_ERRNOS:
            return None
        return RunFailed(f"{unwritten(error, f'into {run_dir}')} "
                         f"({errno.errorcode[error.errno]})")
    text = str(error)
    if type(error).__module__.startswith("tensorflow") and any(
            os.strerror(number) in text for number in DISK_ERRNOS):
        # "{{function_node ...}} PATH; No space left on device"
        first = re.sub(r"^\{\{.*?\}\}\s*", "", text).splitlines()[0]
        return RunFailed("could not write " + first.replace("; ", ": ", 1))
    return None


def unwritten(error, path):
    """`could not write PATH: <the OS's reason>`, for any OSError."""
    return f"could not write {error.filename or path}: {error.strerror or error}"
