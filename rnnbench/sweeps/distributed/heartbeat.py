"""A worker's pings to the oracle, and its exit when the oracle stays silent."""

import logging
import os
import sys
import threading
import time

from rnnbench.sweeps import kt_compat

HEARTBEAT_S = 2.0
log = logging.getLogger("rnnbench")


class Heartbeat:
    """Pings the oracle, naming the worker's trial; exits the process when the
    oracle is unreachable for `timeout` s.

    Args:
        channel: the worker's channel to the oracle (`auth.channel`).
        trial_id: called for the worker's current trial id (None between trials).
    """

    def __init__(self, channel, address, worker_id, trial_id, timeout):
        self.channel = channel  # `auth.channel`: carries the token and the id
        self.address = address
        self.worker_id = worker_id
        self.trial_id = trial_id
        self.timeout = timeout

    def start(self):
        threading.Thread(target=self.run, name="rnnbench-heartbeat", daemon=True).start()

    def run(self):
        import grpc
        stub = kt_compat.oracle_stub(self.channel)
        alive = time.monotonic()
        while True:
            time.sleep(HEARTBEAT_S)
            request = kt_compat.service().GetTrialRequest(trial_id=self.trial_id() or "")
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
        log.error(f"worker {self.worker_id}: the oracle at {self.address} has not "
                  f"answered for {self.timeout:g} s (--oracle-timeout); stopping. Its "
                  "trial is re-run when the sweep resumes.")
        for handler in logging.getLogger("rnnbench").handlers:
            handler.flush()
        sys.stderr.flush()
        # The main thread may be inside TensorFlow; nothing to clean up that a
        # resumed sweep does not redo.
        os._exit(1)
