"""The chief: one flow that serves the sweep's oracle until every trial ended.

`tune --workers N` (local workers, supervised) and `tune --serve HOST:PORT`
(workers started by hand elsewhere) differ only in who starts the workers and
how the chief waits for them (`LocalWorkers`, `RemoteWorkers`).
"""

import contextlib
import logging
import os
import shlex
import time
from pathlib import Path

from rnnbench.errors import RunFailed, UserError
from rnnbench.sweeps import kt_compat, leaderboard, progress, tuning
from rnnbench.sweeps.distributed import addresses, auth, placement, supervision
from rnnbench.sweeps.distributed.heartbeat import HEARTBEAT_S
from rnnbench.sweeps.distributed.server import WORKER_TIMEOUT_S, OracleServer

log = logging.getLogger("rnnbench")


@contextlib.contextmanager
def with_env(values):
    """Sets environment variables for the duration of a `with` block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def chief_server(sweep, base_raw, sweep_dir, host, port, worker_timeout, token=None):
    """The sweep's oracle (reloaded from the folder if it has state), served.

    Args:
        token: what every RPC must carry (default: `auth.chief_token`, which
            also writes it to the sweep folder's `oracle-token`).
    """
    with with_env(addresses.oracle_env(host, port, "chief")):
        chief = tuning.build_tuner(sweep, base_raw, sweep_dir)
        chief.oracle.verbose = 0  # Keras Tuner's tables; `progress` says it per trial
        chief.save()
    token = token or auth.chief_token(sweep_dir)
    return OracleServer(chief.oracle, host, port, token, worker_timeout).start()


class LocalWorkers:
    """`--workers N` / `--gpus`: worker processes on this host, restarted if they die."""

    def __init__(self, workers, gpus=None, threads=None):
        self.count = workers
        self.gpus = gpus
        self.threads = threads

    def flags(self):
        return ["--gpus", ",".join(self.gpus)] if self.gpus else ["--workers",
                                                                   str(self.count)]

    def run(self, server, sweep_dir, on_poll, resume_command):
        log.info(f"oracle on {server.address}; starting {self.count} workers"
                 + (f", {self.threads} threads each" if self.threads else ""))
        ids = ["tuner"] if self.gpus else [f"tuner{i}" for i in range(self.count)]
        specs = {p.tuner_id: placement.worker_command(p, server.address, sweep_dir,
                                                      auth.token_path(sweep_dir))
                 for p in placement.placements(ids, self.gpus, self.threads)}

        def poll():
            on_poll()
            server.give_up_lost()
            server.check_failed()
        try:
            supervision.supervise(sweep_dir, specs, poll)
        except RunFailed as e:
            server.check_failed()  # Keras Tuner's own stop, if that came first
            raise RunFailed(f"{e}. The sweep folder is kept; resume it with: "
                            f"{shlex.join(resume_command)}") from None
        if not server.finished():
            # Every worker is gone (each ended by itself) with trials left: say so
            # rather than report a finished sweep.
            server.check_failed()
            raise RunFailed(
                f"every worker exited with trials left ({unfinished(server)}). The sweep "
                f"folder is kept; resume it with: {shlex.join(resume_command)}")

    def finish(self, server):
        pass


class RemoteWorkers:
    """`--serve`: workers started by hand (`rnnbench worker`) on hosts that see the folder."""

    count = 1

    def __init__(self, address):
        self.address = address

    def flags(self):
        return ["--serve", self.address]

    def run(self, server, sweep_dir, on_poll, resume_command):
        sweep_dir = Path(sweep_dir).resolve()
        command = ["rnnbench", "worker", "--oracle", self.address, "--sweep-dir",
                   str(sweep_dir), "--token-file", str(auth.token_path(sweep_dir))]
        # The token itself is not logged: it is in the 0600 file the command names.
        log.info(f"oracle on {self.address} (calls must carry the token in "
                 f"{auth.token_path(sweep_dir)}, readable only by you; it travels "
                 f"unencrypted, so keep the port on a private network); start each "
                 f"worker with:\n  {shlex.join(command)}")
        wait_until_done(server, on_poll, resume_command)

    def finish(self, server):
        # Let the workers still asking hear STOPPED before the oracle goes.
        deadline = time.monotonic() + min(server.worker_timeout, 4 * HEARTBEAT_S)
        while server.oracle.tuner_ids and time.monotonic() < deadline:
            time.sleep(0.2)


def run_chief(sweep_name, host, port, workers, results_dir=None, resume=False,
              overrides=None, max_trials=None, worker_timeout=WORKER_TIMEOUT_S):
    """Opens (or resumes) the sweep, serves its oracle on `host:port` and waits for
    `workers` (`LocalWorkers` or `RemoteWorkers`) to end every trial.

    Returns:
        The sweep folder, its leaderboard written.
    """
    sweep, base_raw, sweep_dir = tuning.open_sweep(sweep_name, results_dir, resume,
                                                   overrides, max_trials)
    owner = tuning.own(sweep_name, sweep_dir)  # one chief per sweep folder
    try:
        server = chief_server(sweep, base_raw, sweep_dir, host, port, worker_timeout)
        try:
            watcher = progress.SweepWatcher(sweep_dir, sweep, workers.count)
            how = workers.flags()
            command = tuning.resume_command(sweep_name, sweep_dir, results_dir, how)
            with tuning.resumable(sweep_name, sweep_dir, results_dir, how):
                workers.run(server, sweep_dir, watcher.poll, command)
            watcher.poll()  # the trials that ended since the last poll
            server.check_failed()
            workers.finish(server)
        finally:
            server.stop()
    finally:
        owner.release()
    leaderboard.write(sweep_dir, sweep)
    return sweep_dir


def tune_distributed(sweep_name, workers, results_dir=None, resume=False, overrides=None,
                     max_trials=None, gpus=None, threads=None,
                     worker_timeout=WORKER_TIMEOUT_S):
    """Runs a sweep with a chief oracle in this process and `workers` workers."""
    gpus = placement.parse_gpus(gpus)
    if gpus and workers and workers != len(gpus):
        raise UserError(f"Expected `--workers` to match the {len(gpus)} GPUs of `--gpus` "
                        f"(one worker per GPU), or to be left out. Received: {workers}")
    workers = len(gpus) if gpus else workers
    if threads is None and not gpus:
        threads = placement.cpu_threads(workers)
    return run_chief(sweep_name, "127.0.0.1", addresses.free_port(),
                     LocalWorkers(workers, gpus, threads), results_dir, resume,
                     overrides, max_trials, worker_timeout)


def serve_sweep(sweep_name, address, allow_public=False, results_dir=None, resume=False,
                overrides=None, max_trials=None, worker_timeout=WORKER_TIMEOUT_S):
    """`tune --serve`: the chief only, for workers started on other hosts."""
    host, port = addresses.parse_address(address, "--serve")
    addresses.check_private(host, allow_public)
    return run_chief(sweep_name, host, port, RemoteWorkers(address), results_dir, resume,
                     overrides, max_trials, worker_timeout)


def unfinished(server):
    """`2 running, 1 waiting for a retry`: what an ended chief leaves for a resume."""
    running = len(server.oracle.ongoing_trials)
    waiting = len(kt_compat.retry_queue(server.oracle))
    return f"{running} running, {waiting} waiting for a retry"


def wait_until_done(server, on_poll, resume_command):
    """Returns when every trial ended; raises `RunFailed` when a trial is stuck."""
    polls = 0
    while not server.finished():
        server.check_failed()
        time.sleep(0.5)
        polls += 1
        if polls % 2 == 0:
            on_poll()
        server.give_up_lost()
        stuck = server.stuck()
        if stuck is not None:
            raise RunFailed(
                f"trial {stuck} is stuck: its worker was lost and no other worker took "
                f"it within {server.worker_timeout:g} s. The sweep folder is kept; start "
                f"workers and resume with: {shlex.join(resume_command)}")
