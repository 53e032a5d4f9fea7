"""Sweeps over Keras Tuner's chief/worker oracle, on one machine or several.

`rnnbench tune --workers N` serves the oracle on 127.0.0.1 and starts N
worker processes; `rnnbench tune --serve HOST:PORT` serves it for workers
started by hand (`rnnbench worker --oracle HOST:PORT --sweep-dir DIR`) on
hosts that see the sweep folder. Both use the same server, which adds to
Keras Tuner's:

- liveness: a worker pings the oracle every `HEARTBEAT_S` seconds (naming
  its trial); a worker silent for `worker_timeout` seconds is given up and
  its trial goes to the next worker that asks (a worker restarted sooner
  under the same id gets its trial back, as Keras Tuner does);
- an end: a worker that finds the oracle unreachable for `oracle_timeout`
  seconds exits (Keras Tuner's own client waits an hour per call), and a
  chief whose given-up trial nobody takes for `worker_timeout` seconds exits
  1 naming it and the resume command;
- no re-runs: a trial whose run folder is complete (the worker finished it
  but the oracle never heard, e.g. the chief was killed) is reported from
  that folder instead of being trained again.
"""

import dataclasses
import ipaddress
import logging
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from concurrent import futures
from pathlib import Path

from rnnbench.errors import RunFailed, UserError
from rnnbench.sweeps import definition, leaderboard, progress, tuning

MAX_RESTARTS = 3
HEARTBEAT_S = 2.0
WORKER_TIMEOUT_S = 120.0  # chief: a worker's silence before its trial goes to another
ORACLE_TIMEOUT_S = 60.0  # worker: how long it retries an unreachable oracle
log = logging.getLogger("rnnbench")


# ----------------------------------------------------------------- addresses

def parse_address(text, where):
    """`(host, port)` from `HOST:PORT` (`[v6]:PORT` too)."""
    host, sep, port = str(text).rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"Expected `{where}` to be HOST:PORT with a port in 1..65535, "
                        f"e.g. 10.0.0.5:8000. Received: {text!r}")
    return host, int(port)


def check_private(host, allow_public):
    """Refuses to serve the unauthenticated oracle on a public or wildcard address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as e:
        raise UserError(f"Expected `--serve` to name an address of this host. "
                        f"Received: {host!r} ({e.strerror})") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%")[0])
        if (addr.is_global or addr.is_unspecified) and not allow_public:
            raise UserError(
                f"Refusing to serve the oracle on {host} ({addr}): Keras Tuner's gRPC "
                "oracle has no authentication, so anyone who reaches the port can read "
                "and end trials. Serve it on a private address (10.x, 172.16-31.x, "
                "192.168.x, 127.x), or pass --allow-public if the network is yours.")


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def oracle_env(host, port, tuner_id):
    return {"KERASTUNER_ORACLE_IP": host, "KERASTUNER_ORACLE_PORT": str(port),
            "KERASTUNER_TUNER_ID": tuner_id}


# ---------------------------------------------------------------- placement

def parse_gpus(text):
    """The GPU indices of `--gpus 0,1,...` or `all` (via nvidia-smi, no TensorFlow)."""
    if text is None:
        return None
    if text == "all":
        smi = shutil.which("nvidia-smi")
        found = []
        if smi:
            out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
            found = [str(i) for i, line in enumerate(out.stdout.splitlines())
                     if line.startswith("GPU ")]
        if not found:
            raise UserError("`--gpus all` found no GPU (nvidia-smi -L lists none). "
                            "Name them (--gpus 0,1) or leave --gpus out on a CPU machine.")
        return found
    gpus = [g.strip() for g in text.split(",")]
    if not all(g.isdigit() for g in gpus) or len(set(gpus)) != len(gpus):
        raise UserError(f"Expected `--gpus` to be `all` or distinct GPU indices like "
                        f"0,1,2,3. Received: {text!r}")
    return gpus


def cpu_threads(workers):
    """Intra-op threads per worker when `workers` share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // workers)


@dataclasses.dataclass
class Placement:
    """Where one worker runs: its id, GPU (or none) and intra-op threads."""

    tuner_id: str
    gpu: str = None
    threads: int = None

    def env(self):
        if self.gpu is None:
            return {}
        # Memory growth: a worker takes what it uses, not the whole GPU.
        return {"CUDA_VISIBLE_DEVICES": self.gpu, "TF_FORCE_GPU_ALLOW_GROWTH": "true"}

    def args(self):
        return ["--threads", str(self.threads)] if self.threads else []


def placements(ids, gpus=None, threads=None):
    """One placement per id; with `gpus`, one per GPU (ids `ID-gpuK`)."""
    if gpus:
        return [Placement(f"{ids[0]}-gpu{g}", g, threads) for g in gpus]
    return [Placement(tid, None, threads) for tid in ids]


def default_worker_id(slot=0):
    """Stable across restarts on one host, so a restarted worker gets its trial back."""
    return f"{socket.gethostname()}-{slot}"


# -------------------------------------------------------------------- chief

class OracleServer:
    """Keras Tuner's oracle over gRPC, with liveness and an end (see module doc)."""

    def __init__(self, oracle, host, port, worker_timeout=WORKER_TIMEOUT_S):
        import grpc
        from keras_tuner.src import protos
        self.oracle = oracle
        self.address = f"{host}:{port}"
        self.worker_timeout = worker_timeout
        self.seen = {}  # trial id -> last time its worker was heard from
        self.given_up = {}  # trial id -> when its worker was given up
        self.stopped = False
        self.failure = None  # Keras Tuner's "consecutive failures" error, once raised
        self.servicer = make_servicer(self)
        # Several threads: a heartbeat must not wait behind a slow save.
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        protos.get_service_grpc().add_OracleServicer_to_server(self.servicer, self.server)
        try:
            bound = self.server.add_insecure_port(self.address)
        except RuntimeError:
            bound = 0
        if not bound:
            raise UserError(f"Could not serve the oracle on {self.address}: the address "
                            "is not one of this host's, or the port is in use.")

    def start(self):
        self.server.start()
        return self

    def stop(self, grace=1.0):
        self.server.stop(grace).wait(grace + 5)

    def pending(self):
        return bool(self.oracle.ongoing_trials or self.oracle._retry_queue)

    def finished(self):
        """All trials ended: nothing running, nothing to retry, nothing left to start."""
        oracle = self.oracle
        exhausted = self.stopped or (oracle.max_trials is not None
                                     and len(oracle.trials) >= oracle.max_trials)
        return exhausted and not self.pending()

    def give_up_lost(self):
        """Hands the trial of each worker silent for `worker_timeout` s to the next asker."""
        from keras_tuner.src.engine import oracle as oracle_module
        now = time.monotonic()
        with oracle_module.LOCKS[self.oracle]:
            for tuner_id, trial in list(self.oracle.ongoing_trials.items()):
                silent = now - self.seen.setdefault(trial.trial_id, now)
                if silent <= self.worker_timeout:
                    continue
                log.warning(f"worker {tuner_id} silent for {silent:.0f} s (more than "
                            f"--worker-timeout {self.worker_timeout:g}); trial "
                            f"{trial.trial_id} goes to the next worker that asks")
                del self.oracle.ongoing_trials[tuner_id]
                self.oracle.tuner_ids.discard(tuner_id)
                self.oracle._retry_queue.append(trial.trial_id)
                self.given_up[trial.trial_id] = now
                self.oracle.save()

    def stuck(self):
        """A given-up trial no worker took for `worker_timeout` s, or None."""
        now = time.monotonic()
        for trial_id, since in self.given_up.items():
            if trial_id in self.oracle._retry_queue and now - since > self.worker_timeout:
                return trial_id
        return None


def make_servicer(server):
    """Keras Tuner's servicer, recording who is alive and holding idle workers."""
    from keras_tuner.src.distribute import oracle_chief
    from keras_tuner.src.engine import trial as trial_module
    Status = trial_module.TrialStatus

    class Servicer(oracle_chief.OracleServicer):
        def CreateTrial(self, request, context):
            from keras_tuner.src import protos
            if server.failure is not None:  # the sweep has stopped: so do its workers
                trial = trial_module.Trial(self.oracle.get_space(), status=Status.STOPPED)
                return protos.get_service().CreateTrialResponse(trial=trial.to_proto())
            trial = self.oracle.create_trial(request.tuner_id)
            if trial.status == Status.STOPPED and server.pending():
                # Others still run trials: keep this worker (IDLE) for the one
                # a lost worker may leave behind, instead of letting it go.
                self.oracle.tuner_ids.add(request.tuner_id)
                trial.status = Status.IDLE
            elif trial.status == Status.STOPPED:
                server.stopped = True
            elif trial.status == Status.RUNNING:
                server.seen[trial.trial_id] = time.monotonic()
                server.given_up.pop(trial.trial_id, None)
            return protos.get_service().CreateTrialResponse(trial=trial.to_proto())

        def GetTrial(self, request, context):
            import grpc
            if request.trial_id not in self.oracle.trials:  # a heartbeat between trials
                context.abort(grpc.StatusCode.NOT_FOUND, "no such trial")
            server.seen[request.trial_id] = time.monotonic()
            return super().GetTrial(request, context)

        def EndTrial(self, request, context):
            from keras_tuner.src import protos
            running = {t.trial_id for t in self.oracle.ongoing_trials.values()}
            if request.trial.trial_id not in running:
                # Given up and handed on: the other worker's result counts.
                log.warning(f"ignoring a late result for trial {request.trial.trial_id}")
                return protos.get_service().EndTrialResponse()
            try:
                return super().EndTrial(request, context)
            except RuntimeError as e:
                if "consecutive failures" not in str(e):
                    raise
                server.failure = str(e).splitlines()[0]
                release_after_raise(self.oracle)
                with_lock(self.oracle, self.oracle.ongoing_trials.clear)
                return protos.get_service().EndTrialResponse()

    return Servicer(server.oracle)


def with_lock(oracle, func):
    """Calls `func()` holding the oracle's lock (the one of Keras Tuner's @synchronized)."""
    from keras_tuner.src.engine import oracle as oracle_module
    with oracle_module.LOCKS[oracle]:
        return func()


def release_after_raise(oracle):
    """Frees the oracle's lock that Keras Tuner's @synchronized keeps when its call raises."""
    import threading

    from keras_tuner.src.engine import oracle as oracle_module
    if oracle_module.THREADS[oracle] == threading.current_thread().name:
        oracle_module.THREADS[oracle] = None
        oracle_module.LOCKS[oracle].release()


def check_failed(server):
    if server.failure is not None:
        raise RunFailed(f"sweep stopped: {server.failure}")


def with_env(values):
    """Sets environment variables for the duration of a `with` block."""
    import contextlib

    @contextlib.contextmanager
    def scope():
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
    return scope()


def chief_server(sweep, base_raw, sweep_dir, host, port, worker_timeout):
    """The sweep's oracle (reloaded from the folder if it has state), served."""
    with with_env(oracle_env(host, port, "chief")):
        chief = tuning.build_tuner(sweep, base_raw, sweep_dir)
        chief.oracle.verbose = 0  # Keras Tuner's tables; `progress` says it per trial
        chief.save()
    return OracleServer(chief.oracle, host, port, worker_timeout).start()


def tune_distributed(sweep_name, workers, results_dir=None, resume=False, overrides=None,
                     max_trials=None, gpus=None, threads=None,
                     worker_timeout=WORKER_TIMEOUT_S):
    """Runs a sweep with a chief oracle in this process and `workers` workers."""
    gpus = parse_gpus(gpus)
    if gpus and workers and workers != len(gpus):
        raise UserError(f"Expected `--workers` to match the {len(gpus)} GPUs of `--gpus` "
                        f"(one worker per GPU), or to be left out. Received: {workers}")
    workers = len(gpus) if gpus else workers
    if threads is None and not gpus:
        threads = cpu_threads(workers)
    sweep, base_raw, sweep_dir = tuning.open_sweep(sweep_name, results_dir, resume,
                                                   overrides, max_trials)
    owner = tuning.own(sweep_name, sweep_dir)  # one chief per sweep folder
    port = free_port()
    server = chief_server(sweep, base_raw, sweep_dir, "127.0.0.1", port, worker_timeout)
    try:
        log.info(f"oracle on 127.0.0.1:{port}; starting {workers} workers"
                 + (f", {threads} threads each" if threads else ""))
        watcher = progress.SweepWatcher(sweep_dir, sweep, workers)
        specs = {p.tuner_id: worker_command(p, f"127.0.0.1:{port}", sweep_dir)
                 for p in placements([f"tuner{i}" for i in range(workers)] if not gpus
                                     else ["tuner"], gpus, threads)}

        def poll():
            watcher.poll()
            server.give_up_lost()
            check_failed(server)
        with tuning.resumable(sweep_name, sweep_dir, results_dir):
            supervise(sweep_dir, specs, poll)
        watcher.poll()  # the trials that ended since the last poll
        check_failed(server)
    finally:
        server.stop()
        owner.release()
    leaderboard.write(sweep_dir, sweep)
    return sweep_dir


def serve_sweep(sweep_name, address, allow_public=False, results_dir=None, resume=False,
                overrides=None, max_trials=None, worker_timeout=WORKER_TIMEOUT_S):
    """`tune --serve`: the chief only, for workers started on other hosts."""
    host, port = parse_address(address, "--serve")
    check_private(host, allow_public)
    sweep, base_raw, sweep_dir = tuning.open_sweep(sweep_name, results_dir, resume,
                                                   overrides, max_trials)
    owner = tuning.own(sweep_name, sweep_dir)  # one chief per sweep folder
    try:
        server = chief_server(sweep, base_raw, sweep_dir, host, port, worker_timeout)
    except BaseException:
        owner.release()
        raise
    command = ["rnnbench", "worker", "--oracle", address, "--sweep-dir",
               str(Path(sweep_dir).resolve())]
    log.info(f"oracle on {address} (no authentication: keep it on a private network); "
             f"start each worker with:\n  {shlex.join(command)}")
    watcher = progress.SweepWatcher(sweep_dir, sweep, 1)
    try:
        with tuning.resumable(sweep_name, sweep_dir, results_dir):
            wait_until_done(server, sweep_name, sweep_dir, results_dir, watcher.poll)
        check_failed(server)
        watcher.poll()
        # Let the workers still asking hear STOPPED before the oracle goes.
        deadline = time.monotonic() + min(worker_timeout, 4 * HEARTBEAT_S)
        while server.oracle.tuner_ids and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.stop()
        owner.release()
    leaderboard.write(sweep_dir, sweep)
    return sweep_dir


def wait_until_done(server, sweep_name, sweep_dir, results_dir, on_poll):
    """Returns when every trial ended; raises `RunFailed` when a trial is stuck."""
    polls = 0
    while not server.finished():
        check_failed(server)
        time.sleep(0.5)
        polls += 1
        if polls % 2 == 0:
            on_poll()
        server.give_up_lost()
        stuck = server.stuck()
        if stuck is not None:
            command = ["rnnbench", "tune", str(sweep_name), "--serve", server.address,
                       "--resume", Path(sweep_dir).name]
            if results_dir:
                command += ["--results-dir", str(results_dir)]
            raise RunFailed(
                f"trial {stuck} is stuck: its worker was lost and no other worker took "
                f"it within {server.worker_timeout:g} s. The sweep folder is kept; start "
                f"workers and resume with: {shlex.join(command)}")


# ------------------------------------------------------------------- workers

def worker_command(placement, address, sweep_dir):
    """`(argv, env)` of a worker process."""
    argv = [sys.executable, "-m", "rnnbench", "worker", "--oracle", address,
            "--sweep-dir", str(sweep_dir), "--id", placement.tuner_id, *placement.args()]
    host, port = parse_address(address, "--oracle")
    env = {**os.environ, **oracle_env(host, port, placement.tuner_id), **placement.env()}
    return argv, env


def spawn_worker(sweep_dir, tuner_id, spec):
    argv, env = spec
    # The child keeps its own copy of the file descriptor; ours closes here.
    with open(Path(sweep_dir) / f"worker-{tuner_id}.log", "a") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)


def supervise(sweep_dir, specs, on_poll=None):
    """Waits for every worker to finish, restarting any that die.

    Args:
        specs: `{tuner_id: (argv, env)}`, from `worker_command`.
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
                elif restarts[tid] < MAX_RESTARTS:
                    restarts[tid] += 1
                    log.warning(f"worker {tid} exited with {code}; restarting it "
                                f"({restarts[tid]}/{MAX_RESTARTS}), its trial is re-run")
                    procs[tid] = spawn_worker(sweep_dir, tid, specs[tid])
                else:
                    raise RunFailed(f"worker {tid} failed {MAX_RESTARTS + 1} times; see "
                                    f"{Path(sweep_dir) / f'worker-{tid}.log'}")
            time.sleep(0.5)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


def run_workers(address, sweep_dir, tuner_id=None, gpus=None, threads=None,
                oracle_timeout=ORACLE_TIMEOUT_S):
    """`rnnbench worker`: one worker here, or with `gpus` one process per GPU."""
    parse_address(address, "--oracle")
    gpus = parse_gpus(gpus)
    if not Path(sweep_dir, "sweep.yaml").is_file():
        raise UserError(f"Expected `--sweep-dir` to be a sweep folder (with sweep.yaml), "
                        f"as the chief printed it. Received: {sweep_dir}")
    if not gpus:
        run_worker(sweep_dir, address, tuner_id or default_worker_id(), threads,
                   oracle_timeout)
        return
    specs = {}
    for p in placements([tuner_id or socket.gethostname()], gpus, threads):
        argv, env = worker_command(p, address, sweep_dir)
        specs[p.tuner_id] = (argv + ["--oracle-timeout", str(oracle_timeout)], env)
    supervise(sweep_dir, specs)


def run_worker(sweep_dir, address=None, tuner_id=None, threads=None,
               oracle_timeout=ORACLE_TIMEOUT_S):
    """A worker: runs trials handed out by the chief until it says stop.

    Without `address`, the oracle and id come from Keras Tuner's KERASTUNER_*
    environment variables (`tune --worker-dir`).
    """
    if address is None:
        address = (f"{os.environ.get('KERASTUNER_ORACLE_IP')}:"
                   f"{os.environ.get('KERASTUNER_ORACLE_PORT')}")
        tuner_id = os.environ.get("KERASTUNER_TUNER_ID", default_worker_id())
    host, port = parse_address(address, "--oracle")
    wait_for_oracle(address, oracle_timeout)
    os.environ.update(oracle_env(host, port, tuner_id))
    if threads:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    from keras_tuner.src.distribute import oracle_client
    oracle_client.TIMEOUT = oracle_timeout  # Keras Tuner's own is an hour per call
    sweep_dir = Path(sweep_dir)
    sweep, base_raw = definition.load_saved_sweep(sweep_dir)
    base_exp = tuning.check_base(sweep, base_raw)
    facts = {"id": tuner_id, "host": socket.gethostname(), "oracle": address,
             "intra_op_threads": threads,
             "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
             "gpu_memory_growth": os.environ.get("TF_FORCE_GPU_ALLOW_GROWTH") == "true"}
    tuner = WorkerTuner(sweep, base_raw, sweep_dir, tuning.make_oracle(sweep, base_exp),
                        facts)
    Heartbeat(address, tuner, oracle_timeout).start()
    log.info(f"worker {tuner_id} on oracle {address}")
    import grpc
    try:
        tuning.search(tuner)
    except grpc.RpcError as e:
        raise RunFailed(f"worker {tuner_id} lost the oracle at {address} ({e.code().name}"
                        f" after --oracle-timeout {oracle_timeout:g} s); its trial is "
                        "re-run when the sweep resumes") from None


def wait_for_oracle(address, timeout):
    """Retries the oracle for up to `timeout` s; a `UserError` (exit 2) naming it."""
    import grpc
    channel = grpc.insecure_channel(address)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    except grpc.FutureTimeoutError:
        raise UserError(f"Could not reach the oracle at {address} within {timeout:g} s "
                        "(--oracle-timeout). Check the address the chief printed and "
                        "that this host can reach it.") from None
    finally:
        channel.close()


class WorkerTuner(tuning.SweepTuner):
    """A sweep tuner that records where it ran and never re-trains a complete run."""

    def __init__(self, sweep, base_raw, sweep_dir, oracle, facts):
        self.facts = facts
        self.current_trial_id = None
        self._began = True
        super().__init__(sweep, base_raw, sweep_dir, oracle)

    def pre_create_trial(self):
        if not self._began:  # the oracle said IDLE: ask again in a moment
            time.sleep(HEARTBEAT_S)
        self._began = False

    def on_trial_begin(self, trial):
        self._began = True
        self.current_trial_id = trial.trial_id
        super().on_trial_begin(trial)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        self.current_trial_id = None

    def run_once(self, exp, run_dir, label):
        done = complete_metrics(run_dir, exp)
        if done is not None:
            log.info(f"{label}: its run folder is complete; reporting it, not re-running")
            return done
        try:
            return super().run_once(exp, run_dir, label)
        finally:
            record_worker(run_dir, self.facts)


def complete_metrics(run_dir, exp):
    """The metrics of a completed run of exactly `exp` in `run_dir`, or None."""
    import yaml

    from rnnbench.config import experiment as config_lib
    from rnnbench.runs import folders
    record = folders.read_run(run_dir)
    if record.status != "completed" or record.problems or not record.metrics:
        return None
    if record.config != yaml.safe_load(config_lib.to_yaml(exp)):
        return None
    return record.metrics


def record_worker(run_dir, facts):
    """Adds the worker's id, host, GPU and threads to the run's manifest."""
    from rnnbench.runs import folders
    path = Path(run_dir) / "manifest.json"
    try:
        manifest = folders.read_json(path)
    except (OSError, ValueError):
        return
    manifest["worker"] = facts
    folders.write_json_atomic(path, manifest)


class Heartbeat:
    """Pings the oracle; exits the process when it is unreachable for `timeout` s."""

    def __init__(self, address, tuner, timeout):
        self.address = address
        self.tuner = tuner
        self.timeout = timeout

    def start(self):
        import threading
        threading.Thread(target=self.run, name="rnnbench-heartbeat", daemon=True).start()

    def run(self):
        import grpc
        from keras_tuner.src import protos
        stub = protos.get_service_grpc().OracleStub(grpc.insecure_channel(self.address))
        alive = time.monotonic()
        while True:
            time.sleep(HEARTBEAT_S)
            request = protos.get_service().GetTrialRequest(
                trial_id=self.tuner.current_trial_id or "")
            try:
                stub.GetTrial(request, timeout=HEARTBEAT_S)
                alive = time.monotonic()
            except grpc.RpcError as e:
                if e.code() not in (grpc.StatusCode.UNAVAILABLE,
                                    grpc.StatusCode.DEADLINE_EXCEEDED):
                    alive = time.monotonic()  # it answered, if only with an error
                elif time.monotonic() - alive > self.timeout:
                    self.give_up()

    def give_up(self):
        log.error(f"worker {self.tuner.facts['id']}: the oracle at {self.address} has not "
                  f"answered for {self.timeout:g} s (--oracle-timeout); stopping. Its "
                  "trial is re-run when the sweep resumes.")
        for handler in logging.getLogger("rnnbench").handlers:
            handler.flush()
        sys.stderr.flush()
        # The main thread may be inside TensorFlow; nothing to clean up that a
        # resumed sweep does not redo.
        os._exit(1)
