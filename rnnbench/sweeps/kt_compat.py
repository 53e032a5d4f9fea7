"""Every use of Keras Tuner beyond its public API, in one place.

rnnbench's distributed sweeps reach into Keras Tuner where it offers no public
API: its gRPC service (`keras_tuner.src.protos`, `OracleServicer`), the
oracle's lock (`LOCKS`/`THREADS` of `@synchronized`), its retry queue, the
client's per-call timeout and stub, its state writer (`utils.save_json`, made
atomic here), the layout of oracle.json (`requeue_saved`) and the wording of
its "consecutive failures" error.
Those can change in any release, so this module refuses (at import) a Keras
Tuner outside `SUPPORTED`, the versions the project is tested with; setup.cfg
pins the same range. Public API (`keras_tuner.engine.trial`, `BaseTuner`,
`HyperParameters`, the oracles, `keras_tuner.errors`) is used directly
elsewhere.
"""

import contextlib
import functools
import json
import threading
from importlib import metadata
from pathlib import Path

from rnnbench.errors import UserError

DISTRIBUTION = "keras-tuner"
SUPPORTED = ">=1.4.7,<1.5"  # keep equal to setup.cfg (tests/test_version_pins.py)
LOWEST = (1, 4, 7)
BELOW = (1, 5)
# The oracle methods Keras Tuner wraps in @synchronized (Oracle's three;
# GridSearchOracle overrides end_trial, also synchronized).
SYNCHRONIZED = ("create_trial", "update_trial", "end_trial")


def version_tuple(text):
    """`(1, 4, 8)` from `1.4.8` (a pre-release or local suffix is ignored)."""
    numbers = []
    for part in str(text).split("+")[0].split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
        if len(digits) < len(part):
            break
    return tuple(numbers)


def check_version(version=None):
    """Raises `UserError` unless Keras Tuner `version` (default: installed) is supported."""
    if version is None:
        try:
            version = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            raise UserError(
                f"Sweeps need Keras Tuner ({DISTRIBUTION}{SUPPORTED}), which is not "
                f"installed. Install it with: pip install '{DISTRIBUTION}{SUPPORTED}'"
            ) from None
    if not LOWEST <= version_tuple(version) < BELOW:
        raise UserError(
            f"Expected Keras Tuner {SUPPORTED} (the versions rnnbench's sweeps are tested "
            f"with; they use Keras Tuner internals that other releases may change). "
            f"Received: {DISTRIBUTION} {version}. Install a supported one with: "
            f"pip install '{DISTRIBUTION}{SUPPORTED}'")
    return version


VERSION = check_version()

# Imported only after the version check, so an unsupported release is refused
# with the message above rather than an ImportError from its internals.
from keras_tuner.engine.trial import Trial, TrialStatus  # noqa: E402  (public API)
from keras_tuner.src import protos  # noqa: E402
from keras_tuner.src.distribute import oracle_chief, oracle_client  # noqa: E402
from keras_tuner.src import utils as _kt_utils  # noqa: E402
from keras_tuner.src.engine import oracle as _oracle_module  # noqa: E402

OracleServicer = oracle_chief.OracleServicer  # the gRPC servicer rnnbench extends


# --------------------------------------------------- atomic Keras Tuner state

def save_json_atomic(path, obj, _write=_kt_utils.save_json):
    """Keras Tuner's `save_json`, written to a temp file and renamed into place.

    Keras Tuner truncates its state files (oracle.json, trial.json, the
    tuner's file) and then writes them: a full disk or a kill in between
    leaves a 0-byte file that no resume can read. Paths with a scheme
    (gs://) keep Keras Tuner's own writer.
    """
    if "://" in str(path):
        return _write(path, obj)
    from rnnbench.runs import folders
    text = json.dumps(obj)
    folders.write_text_atomic(path, text)
    return text


# Every Keras Tuner writer of state (Stateful.save, Trial.save) calls
# `utils.save_json` through the module, so this one assignment covers them.
_kt_utils.save_json = save_json_atomic


# ------------------------------------------------------------ the oracle lock

@contextlib.contextmanager
def oracle_lock(oracle, timeout=None):
    """Holds the oracle's lock (the one of Keras Tuner's `@synchronized`).

    Re-entrant for the thread that holds it, as `@synchronized` is, and always
    released on the way out, also when the body raises: Keras Tuner's own
    wrapper has no try/finally, so an exception under it (a full disk while
    saving a trial, an unknown trial id) would leave the lock held and every
    later call, and the chief, waiting forever.

    Args:
        timeout: seconds to wait for the lock, then `TimeoutError` (None: forever).
    """
    name = threading.current_thread().name
    if _oracle_module.THREADS[oracle] == name:
        yield
        return
    if not _oracle_module.LOCKS[oracle].acquire(timeout=-1 if timeout is None else timeout):
        raise TimeoutError(f"the oracle's lock was not free within {timeout:g} s")
    _oracle_module.THREADS[oracle] = name
    try:
        yield
    finally:
        _oracle_module.THREADS[oracle] = None
        _oracle_module.LOCKS[oracle].release()


def guard_lock(oracle):
    """Makes the oracle's synchronized methods release its lock on any exception.

    Each of `SYNCHRONIZED` is replaced on the instance by a wrapper that takes
    the lock through `oracle_lock` first, so Keras Tuner's `@synchronized`
    inside finds it held by this thread and leaves it to the wrapper, which
    releases it however the call ends. Returns `oracle`.
    """
    for name in SYNCHRONIZED:
        method = getattr(oracle, name)
        if getattr(method, "_rnnbench_guarded", False):
            continue

        @functools.wraps(method)
        def guarded(*args, _method=method, **kwargs):
            with oracle_lock(oracle):
                return _method(*args, **kwargs)

        guarded._rnnbench_guarded = True
        setattr(oracle, name, guarded)
    return oracle


# ------------------------------------------------------ the oracle's internals

def retry_queue(oracle):
    """The ids of trials waiting to be handed out again (Keras Tuner's `_retry_queue`)."""
    return oracle._retry_queue


def pending(oracle):
    """Whether a trial runs or waits for a retry."""
    return bool(oracle.ongoing_trials or oracle._retry_queue)


def hand_back(oracle, tuner_id):
    """Takes `tuner_id`'s running trial from it and queues it for the next asker.

    Call with the lock held (`oracle_lock`). Returns the trial.
    """
    trial = oracle.ongoing_trials.pop(tuner_id)
    oracle.tuner_ids.discard(tuner_id)
    oracle._retry_queue.append(trial.trial_id)
    oracle.save()
    return trial


def keep_idle(oracle, tuner_id):
    """Counts `tuner_id` as a live worker although the oracle just told it to stop."""
    oracle.tuner_ids.add(tuner_id)


def end_all(oracle):
    """Forgets every running trial (the sweep stopped), under the lock."""
    with oracle_lock(oracle):
        oracle.ongoing_trials.clear()


def requeue_saved(tuner_dir, trial_ids):
    """Marks saved trials to be handed out again when the oracle reloads.

    Keras Tuner's reload sends every trial of `ongoing_trials` to its retry
    queue; an ended trial is taken out of `end_order`, set RUNNING and listed
    there under a tuner id of its own. Call with the sweep's lock held.
    """
    from rnnbench.runs import folders
    tuner_dir = Path(tuner_dir)
    state = json.loads((tuner_dir / "oracle.json").read_text())
    for trial_id in trial_ids:
        trial_json = tuner_dir / f"trial_{trial_id}" / "trial.json"
        trial = json.loads(trial_json.read_text())
        trial["status"] = TrialStatus.RUNNING
        folders.write_text_atomic(trial_json, json.dumps(trial))
        state["end_order"] = [t for t in state["end_order"] if t != trial_id]
        state["ongoing_trials"][f"rnnbench-retry-{trial_id}"] = trial_id
    folders.write_text_atomic(tuner_dir / "oracle.json", json.dumps(state))


def is_too_many_failures(error):
    """Whether `error` is Keras Tuner's end of a run of failed trials."""
    # Keras Tuner raises a bare RuntimeError for it; its text is the only mark.
    return isinstance(error, RuntimeError) and "consecutive failures" in str(error)


def first_line(error):
    return str(error).splitlines()[0]


# --------------------------------------------------------------------- gRPC

def service():
    """Keras Tuner's gRPC messages (`GetTrialRequest`, `CreateTrialResponse`, ...)."""
    return protos.get_service()


def add_servicer(servicer, server):
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)


def oracle_stub(channel):
    return protos.get_service_grpc().OracleStub(channel)


def show_tracebacks(enabled):
    """Whether Keras Tuner prints a failed trial's traceback (its `config.DEBUG`)."""
    from keras_tuner.src import config
    config.DEBUG = bool(enabled)


def use_channel(client, channel):
    """Sends a worker tuner's oracle calls (Keras Tuner's `OracleClient`) over `channel`.

    Keras Tuner's client makes its own plain channel; ours carries the token.
    """
    client.stub = oracle_stub(channel)


def set_client_timeout(seconds):
    """The per-call deadline of a worker's oracle client (Keras Tuner's is an hour)."""
    oracle_client.TIMEOUT = seconds


__all__ = ["SUPPORTED", "VERSION", "Trial", "TrialStatus", "OracleServicer",
           "check_version", "save_json_atomic", "oracle_lock", "guard_lock",
           "retry_queue", "pending", "hand_back", "keep_idle", "end_all", "requeue_saved",
           "is_too_many_failures", "first_line", "service", "add_servicer", "oracle_stub",
           "use_channel", "show_tracebacks", "set_client_timeout"]
