"""`rnnbench tune --workers N`: Keras Tuner's chief/worker mode on this machine.

The chief serves the oracle over gRPC on 127.0.0.1; each worker is a
process started with `KERASTUNER_TUNER_ID=tunerK` and the oracle's address,
running trials until the oracle stops it. A worker that dies (killed,
crashed) is restarted under the same tuner id, and the oracle hands it back
the trial it was running, so every trial is done exactly once.
On several machines, start the chief and the workers yourself with the same
environment variables (see README), with `results/` on a shared filesystem.
"""

import logging
import os
import socket
import subprocess
import sys
import threading
import time

from rnnbench.errors import RunFailed
from rnnbench.sweeps import definition, leaderboard, progress, tuning

MAX_RESTARTS = 3
log = logging.getLogger("rnnbench")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oracle_env(port, tuner_id):
    return {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(port),
            "KERASTUNER_TUNER_ID": tuner_id}


def tune_distributed(sweep_name, workers, results_dir=None, resume=False, overrides=None,
                     max_trials=None):
    """Runs a sweep with a chief oracle in this process and `workers` workers."""
    sweep, base_raw, sweep_dir = tuning.open_sweep(sweep_name, results_dir, resume,
                                                   overrides, max_trials)
    owner = tuning.own(sweep_name, sweep_dir)  # one chief per sweep folder
    port = free_port()
    saved = {k: os.environ.get(k) for k in oracle_env(port, "chief")}
    os.environ.update(oracle_env(port, "chief"))
    try:
        chief = tuning.build_tuner(sweep, base_raw, sweep_dir)
        # The chief's search blocks while serving; the workers' exits tell us
        # when every trial is done.
        threading.Thread(target=chief.search, kwargs={"verbose": 0}, daemon=True).start()
        log.info(f"oracle on 127.0.0.1:{port}; starting {workers} workers")
        watcher = progress.SweepWatcher(sweep_dir, sweep, workers)
        with tuning.resumable(sweep_name, sweep_dir, results_dir):
            supervise(sweep_dir, port, [f"tuner{i}" for i in range(workers)], watcher.poll)
        watcher.poll()  # the trials that ended since the last poll
    finally:
        owner.release()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    leaderboard.write(sweep_dir, sweep)
    return sweep_dir


def spawn_worker(sweep_dir, port, tuner_id):
    env = {**os.environ, **oracle_env(port, tuner_id)}
    # The child keeps its own copy of the file descriptor; ours closes here.
    with open(sweep_dir / f"worker-{tuner_id}.log", "a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "rnnbench", "tune", "--worker-dir", str(sweep_dir)],
            env=env, stdout=log, stderr=subprocess.STDOUT)


def supervise(sweep_dir, port, tuner_ids, on_poll=None):
    """Waits for every worker to finish, restarting any that die.

    Args:
        on_poll: called about once a second while the workers run (progress).
    """
    procs = {tid: spawn_worker(sweep_dir, port, tid) for tid in tuner_ids}
    restarts = dict.fromkeys(tuner_ids, 0)
    polls = 0
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
            elif restarts[tid] < MAX_RESTARTS:
                restarts[tid] += 1
                log.warning(f"worker {tid} exited with {code}; restarting it "
                             f"({restarts[tid]}/{MAX_RESTARTS}), its trial is re-run")
                procs[tid] = spawn_worker(sweep_dir, port, tid)
            else:
                for other in procs.values():
                    other.kill()
                raise RunFailed(f"worker {tid} failed {MAX_RESTARTS + 1} times; see "
                                f"{sweep_dir / f'worker-{tid}.log'}")
        time.sleep(0.5)


def run_worker(sweep_dir):
    """A worker: runs trials handed out by the chief until it says stop."""
    from pathlib import Path
    sweep_dir = Path(sweep_dir)
    sweep, base_raw = definition.load_saved_sweep(sweep_dir)
    tuner = tuning.build_tuner(sweep, base_raw, sweep_dir)
    tuning.search(tuner)
