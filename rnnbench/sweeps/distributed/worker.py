"""`rnnbench worker`: runs trials handed out by the chief until it says stop."""

import logging
import os
import socket
import time
from pathlib import Path

from rnnbench.errors import RunFailed, UserError
from rnnbench.sweeps import definition, kt_compat, tuning
from rnnbench.sweeps.distributed import addresses, auth, placement, supervision
from rnnbench.sweeps.distributed.heartbeat import HEARTBEAT_S, Heartbeat

ORACLE_TIMEOUT_S = 60.0  # how long a worker retries an unreachable oracle
log = logging.getLogger("rnnbench")


def check_sweep_dir(sweep_dir):
    if not Path(sweep_dir, "sweep.yaml").is_file():
        raise UserError(f"Expected `--sweep-dir` to be a sweep folder (with sweep.yaml), "
                        f"as the chief printed it. Received: {sweep_dir}")


def run_workers(address, sweep_dir, tuner_id=None, gpus=None, threads=None,
                oracle_timeout=ORACLE_TIMEOUT_S, token_file=None):
    """`rnnbench worker`: one worker here, or with `gpus` one process per GPU."""
    addresses.parse_address(address, "--oracle")
    gpus = placement.parse_gpus(gpus)
    check_sweep_dir(sweep_dir)
    auth.worker_token(sweep_dir, token_file)  # refused here, before any process starts
    if not gpus:
        run_worker(sweep_dir, address, tuner_id or placement.default_worker_id(), threads,
                   oracle_timeout, token_file)
        return
    specs = {}
    for p in placement.placements([tuner_id or placement.default_worker_id()], gpus,
                                  threads):
        argv, env = placement.worker_command(p, address, sweep_dir, token_file)
        specs[p.tuner_id] = (argv + ["--oracle-timeout", str(oracle_timeout)], env)
    supervision.supervise(sweep_dir, specs)


def address_from_env():
    """`(HOST:PORT, tuner id)` from Keras Tuner's KERASTUNER_* variables (`tune --worker-dir`)."""
    host = os.environ.get(addresses.ORACLE_IP)
    port = os.environ.get(addresses.ORACLE_PORT)
    if not host or not port:
        raise UserError(
            f"Expected `{addresses.ORACLE_IP}` and `{addresses.ORACLE_PORT}` to name the "
            f"chief's oracle for `rnnbench tune --worker-dir` (or start the worker with "
            f"`rnnbench worker --oracle HOST:PORT --sweep-dir DIR`). Received: "
            f"{addresses.ORACLE_IP}={host!r}, {addresses.ORACLE_PORT}={port!r}")
    return (f"{host}:{port}",
            os.environ.get(addresses.TUNER_ID) or placement.default_worker_id())


def run_worker(sweep_dir, address=None, tuner_id=None, threads=None,
               oracle_timeout=ORACLE_TIMEOUT_S, token_file=None):
    """A worker: runs trials handed out by the chief until it says stop.

    Without `address`, the oracle and id come from Keras Tuner's KERASTUNER_*
    environment variables (`tune --worker-dir`). The token comes from
    `auth.worker_token`; every call (Keras Tuner's client's too) carries it.
    """
    if address is None:
        address, tuner_id = address_from_env()
        check_sweep_dir(sweep_dir)
    host, port = addresses.parse_address(address, "--oracle")
    token = auth.worker_token(sweep_dir, token_file)
    wait_for_oracle(address, oracle_timeout)
    channel = auth.channel(address, token, tuner_id, auth.instance_tag())
    register(channel, address, tuner_id, oracle_timeout)
    # Pinging from now on keeps the id ours while TensorFlow loads.
    tuners = []
    Heartbeat(channel, address, tuner_id,
              lambda: tuners[0].current_trial_id if tuners else None,
              oracle_timeout).start()
    os.environ.update(addresses.oracle_env(host, port, tuner_id))
    if threads:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    kt_compat.set_client_timeout(oracle_timeout)  # Keras Tuner's own is an hour per call
    sweep_dir = Path(sweep_dir)
    sweep, base_raw = definition.load_saved_sweep(sweep_dir)
    base_exp = tuning.check_base(sweep, base_raw)
    facts = {"id": tuner_id, "host": socket.gethostname(), "oracle": address,
             "intra_op_threads": threads,
             "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
             "gpu_memory_growth": os.environ.get("TF_FORCE_GPU_ALLOW_GROWTH") == "true"}
    tuner = WorkerTuner(sweep, base_raw, sweep_dir, tuning.make_oracle(sweep, base_exp),
                        facts)
    kt_compat.use_channel(tuner.oracle, channel)
    tuners.append(tuner)
    log.info(f"worker {tuner_id} on oracle {address}")
    import grpc
    try:
        tuning.search(tuner)
    except grpc.RpcError as e:
        raise RunFailed(f"worker {tuner_id} lost the oracle at {address} ({e.code().name}"
                        f" after --oracle-timeout {oracle_timeout:g} s); its trial is "
                        "re-run when the sweep resumes") from None


def register(channel, address, tuner_id, timeout, live_s=auth.LIVE_S):
    """Makes the first call with the token and id; `UserError` if either is refused.

    A refused id is retried for `live_s` s: the process that held it may have
    just died (a worker restarted by hand), and its id frees once it is silent.
    """
    import grpc
    stub = kt_compat.oracle_stub(channel)
    request = kt_compat.service().GetTrialRequest(trial_id="")
    deadline = time.monotonic() + live_s + HEARTBEAT_S
    while True:
        try:
            stub.GetTrial(request, timeout=timeout)
            return
        except grpc.RpcError as e:
            code = e.code()
            if code == grpc.StatusCode.NOT_FOUND:  # no trial "": the oracle knows us
                return
            if code == grpc.StatusCode.UNAUTHENTICATED:
                raise UserError(
                    f"The oracle at {address} refused this worker's token. Expected the "
                    f"token of the chief serving it now (in its sweep folder's "
                    f"`{auth.TOKEN_FILE}`, rewritten each time the chief starts). "
                    f"Received: a token it does not know.") from None
            if code == grpc.StatusCode.ALREADY_EXISTS and time.monotonic() < deadline:
                time.sleep(HEARTBEAT_S)
                continue
            if code == grpc.StatusCode.ALREADY_EXISTS:
                raise UserError(
                    f"Expected a worker id no live worker of this sweep uses. Received: "
                    f"--id {tuner_id}, but {e.details().split('(', 1)[-1].rstrip(')')} "
                    f"holds it. Give this worker another `--id`, or leave `--id` out (the "
                    f"default, HOST-PID, is unique).") from None
            raise RunFailed(f"worker {tuner_id}: the oracle at {address} answered "
                            f"{code.name} ({e.details()})") from None


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
