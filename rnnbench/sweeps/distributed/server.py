"""Keras Tuner's oracle over gRPC, with liveness, hand-over of lost trials and an end."""

import logging
import time
from concurrent import futures

from rnnbench.errors import RunFailed, UserError
from rnnbench.sweeps import kt_compat
from rnnbench.sweeps.distributed import auth

WORKER_TIMEOUT_S = 120.0  # a worker's silence before its trial goes to another
log = logging.getLogger("rnnbench")


class OracleServer:
    """The chief's oracle served on `host:port` (see the package doc)."""

    def __init__(self, oracle, host, port, token, worker_timeout=WORKER_TIMEOUT_S,
                 live_s=auth.LIVE_S):
        import grpc
        self.oracle = kt_compat.guard_lock(oracle)
        self.address = f"{host}:{port}"
        self.worker_timeout = worker_timeout
        self.seen = {}  # trial id -> last time its worker was heard from
        self.given_up = {}  # trial id -> when its worker was given up
        self.stopped = False
        self.failure = None  # Keras Tuner's "consecutive failures" error, once raised
        self.servicer = make_servicer(self)
        # Several threads: a heartbeat must not wait behind a slow save.
        # The gate refuses calls without the token before any handler runs.
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                                  interceptors=[auth.make_gate(token, live_s)])
        kt_compat.add_servicer(self.servicer, self.server)
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
        return kt_compat.pending(self.oracle)

    def finished(self):
        """All trials ended: nothing running, nothing to retry, nothing left to start."""
        oracle = self.oracle
        exhausted = self.stopped or (oracle.max_trials is not None
                                     and len(oracle.trials) >= oracle.max_trials)
        return exhausted and not self.pending()

    def give_up_lost(self):
        """Hands the trial of each worker silent for `worker_timeout` s to the next asker."""
        now = time.monotonic()
        with kt_compat.oracle_lock(self.oracle):
            for tuner_id, trial in list(self.oracle.ongoing_trials.items()):
                silent = now - self.seen.setdefault(trial.trial_id, now)
                if silent <= self.worker_timeout:
                    continue
                log.warning(f"worker {tuner_id} silent for {silent:.0f} s (more than "
                            f"--worker-timeout {self.worker_timeout:g}); trial "
                            f"{trial.trial_id} goes to the next worker that asks")
                kt_compat.hand_back(self.oracle, tuner_id)
                self.given_up[trial.trial_id] = now

    def stuck(self):
        """A given-up trial no worker took for `worker_timeout` s, or None."""
        now = time.monotonic()
        waiting = kt_compat.retry_queue(self.oracle)
        for trial_id, since in self.given_up.items():
            if trial_id in waiting and now - since > self.worker_timeout:
                return trial_id
        return None

    def check_failed(self):
        """Raises `RunFailed` once Keras Tuner stopped the sweep for its failed trials."""
        if self.failure is not None:
            raise RunFailed(f"sweep stopped: {self.failure}")


# The statuses a worker may end a trial with.
END_STATUSES = ("COMPLETED", "FAILED", "INVALID", "STOPPED")


def make_servicer(server):
    """Keras Tuner's servicer, recording who is alive and holding idle workers.

    Every handler checks its request before Keras Tuner sees it (an unknown
    trial id raised `KeyError` under the oracle's lock): a bad one is answered
    with a gRPC error (`INVALID_ARGUMENT`, `NOT_FOUND`, `FAILED_PRECONDITION`).
    """
    import grpc
    Status = kt_compat.TrialStatus

    def running_ids(oracle):
        return {t.trial_id for t in oracle.ongoing_trials.values()}

    class Servicer(kt_compat.OracleServicer):
        def CreateTrial(self, request, context):
            response = kt_compat.service().CreateTrialResponse
            if not request.tuner_id:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a tuner_id is required")
            if server.failure is not None:  # the sweep has stopped: so do its workers
                trial = kt_compat.Trial(self.oracle.get_space(), status=Status.STOPPED)
                return response(trial=trial.to_proto())
            trial = self.oracle.create_trial(request.tuner_id)
            if trial.status == Status.STOPPED and server.pending():
                # Others still run trials: keep this worker (IDLE) for the one
                # a lost worker may leave behind, instead of letting it go.
                kt_compat.keep_idle(self.oracle, request.tuner_id)
                trial.status = Status.IDLE
            elif trial.status == Status.STOPPED:
                server.stopped = True
            elif trial.status == Status.RUNNING:
                server.seen[trial.trial_id] = time.monotonic()
                server.given_up.pop(trial.trial_id, None)
            return response(trial=trial.to_proto())

        def UpdateTrial(self, request, context):
            if request.trial_id not in self.oracle.trials:
                context.abort(grpc.StatusCode.NOT_FOUND,
                              f"no trial {request.trial_id!r} in this sweep")
            if request.trial_id not in running_ids(self.oracle):
                context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                              f"trial {request.trial_id!r} is not running")
            if request.step < 0:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              f"Expected step >= 0. Received: {request.step}")
            server.seen[request.trial_id] = time.monotonic()
            return super().UpdateTrial(request, context)

        def GetTrial(self, request, context):
            if request.trial_id not in self.oracle.trials:  # a heartbeat between trials
                context.abort(grpc.StatusCode.NOT_FOUND, "no such trial")
            server.seen[request.trial_id] = time.monotonic()
            return super().GetTrial(request, context)

        def EndTrial(self, request, context):
            response = kt_compat.service().EndTrialResponse
            try:
                status = kt_compat.Trial.from_proto(request.trial).status
            except (KeyError, ValueError, TypeError) as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              f"the trial does not parse ({type(e).__name__}: {e})")
            if status not in END_STATUSES:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              f"Expected a trial's end status to be one of "
                              f"{list(END_STATUSES)}. Received: {status!r}")
            if request.trial.trial_id not in running_ids(self.oracle):
                # Given up and handed on: the other worker's result counts.
                log.warning(f"ignoring a late result for trial {request.trial.trial_id}")
                return response()
            try:
                return super().EndTrial(request, context)
            except RuntimeError as e:
                if not kt_compat.is_too_many_failures(e):
                    raise
                # The lock is already released (kt_compat.guard_lock).
                server.failure = kt_compat.first_line(e)
                kt_compat.end_all(self.oracle)
                return response()

    return Servicer(server.oracle)
