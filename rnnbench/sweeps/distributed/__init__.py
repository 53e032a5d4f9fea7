"""Sweeps over Keras Tuner's chief/worker oracle, on one machine or several.

`rnnbench tune --workers N` serves the oracle on 127.0.0.1 and starts N
worker processes; `rnnbench tune --serve HOST:PORT` serves it for workers
started by hand (`rnnbench worker --oracle HOST:PORT --sweep-dir DIR`) on
hosts that see the sweep folder. Both are one chief flow (`chief.py`) around
one server (`server.py`), which adds to Keras Tuner's:

- liveness: a worker pings the oracle every `HEARTBEAT_S` seconds
  (`heartbeat.py`, naming its trial); a worker silent for `worker_timeout`
  seconds is given up and its trial goes to the next worker that asks (a
  worker restarted sooner under the same id gets its trial back, as Keras
  Tuner does);
- an end: a worker that finds the oracle unreachable for `oracle_timeout`
  seconds exits (Keras Tuner's own client waits an hour per call), and a
  chief whose given-up trial nobody takes for `worker_timeout` seconds exits
  1 naming it and the resume command;
- no re-runs: a trial whose run folder is complete (the worker finished it
  but the oracle never heard, e.g. the chief was killed) is reported from
  that folder instead of being trained again (`worker.py`).

- access: every RPC carries the sweep's token and a worker's calls its id
  (`auth.py`); calls without the token are refused, and so is a second live
  worker claiming an id in use.

The modules: `addresses` (HOST:PORT, private addresses, Keras Tuner's
environment variables), `auth` (the token and worker ids), `placement` (GPUs, threads, ids, a worker's command),
`server` (the gRPC oracle), `chief` (the chief flow), `supervision` (local
worker processes, restarted when they die), `worker` and `heartbeat`.
Every Keras Tuner internal they use is in `rnnbench.sweeps.kt_compat`.
"""

from rnnbench.sweeps.distributed.chief import serve_sweep, tune_distributed
from rnnbench.sweeps.distributed.worker import run_worker, run_workers

__all__ = ["serve_sweep", "tune_distributed", "run_worker", "run_workers"]
