"""Local worker processes, each restarted (under its id) when it dies, unless the
sweep folder's disk is full or read-only: a restart would only fail the same way."""

import logging
import subprocess
import time
from pathlib import Path

from rnnbench.errors import DISK_ERRNOS, RunFailed
from rnnbench.runs import folders

MAX_RESTARTS = 3
STOP_GRACE_S = 30.0  # how long a SIGTERMed worker may take to mark its trial interrupted
log = logging.getLogger("rnnbench")


def spawn_worker(sweep_dir, tuner_id, spec):
    argv, env = spec
    # The child keeps its own copy of the file descriptor; ours closes here.
    with open(Path(sweep_dir) / f"worker-{tuner_id}.log", "a") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)


def supervise(sweep_dir, specs, on_poll=None):
    """Waits for every worker to finish, restarting any that die (up to MAX_RESTARTS).

    Args:
        specs: `{tuner_id: (argv, env)}`, from `placement.worker_command`.
        on_poll: called about once a second while the workers run (progress).
    """
    procs = {tid: spawn_worker(sweep_dir, tid, spec) for tid, spec in specs.items()}
    restarts = dict.fromkeys(specs, 0)
    polls = 0
    try:
        while procs:
            polls += 1
            if on_poll is not None and polls % 2 == 0:
                on_poll()
            for tid, proc in list(procs.items()):
                code = proc.poll()
                if code is None:
                    continue
                if code == 0:
                    del procs[tid]
                    continue
                check_disk(sweep_dir, tid, code)
                if restarts[tid] < MAX_RESTARTS:
                    restarts[tid] += 1
                    log.warning(f"worker {tid} exited with {code}; restarting it "
                                f"({restarts[tid]}/{MAX_RESTARTS}), its trial is re-run")
                    procs[tid] = spawn_worker(sweep_dir, tid, specs[tid])
                else:
                    raise RunFailed(f"worker {tid} failed {MAX_RESTARTS + 1} times; see "
                                    f"{Path(sweep_dir) / f'worker-{tid}.log'}")
            time.sleep(0.5)
    finally:
        stop(procs.values())


def check_disk(sweep_dir, tid, code):
    """Raises `RunFailed` when the sweep folder cannot be written (full, read-only disk)."""
    error = folders.write_error(sweep_dir)
    if error is not None and error.errno in DISK_ERRNOS:
        raise RunFailed(f"worker {tid} exited with {code}, and nothing can be written into "
                        f"the sweep folder {sweep_dir} ({error.strerror}), so it was not "
                        f"restarted; free some space (or make the disk writable) first")


def stop(procs, grace=STOP_GRACE_S):
    """Stops worker processes: SIGTERM first (each marks its running trial's run
    `interrupted`, as the chief's message says), SIGKILL whatever still runs after
    `grace` seconds, or at once if the chief is interrupted again meanwhile."""
    live = [p for p in procs if p.poll() is None]
    for proc in live:
        proc.terminate()
    deadline = time.monotonic() + grace
    try:
        for proc in live:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
    finally:
        for proc in live:
            if proc.poll() is None:
                log.warning(f"worker pid {proc.pid} had not ended after SIGTERM; "
                            "killed it (SIGKILL): its trial reads `died`")
                proc.kill()
                proc.wait(timeout=30)
