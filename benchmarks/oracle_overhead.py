"""The chief oracle's cost per trial, with 1, 2 and 4 workers whose trials do no work.

    python benchmarks/oracle_overhead.py [--trials 50] [--workers 1,2,4] [--json FILE]

Serves a real sweep's oracle (rnnbench's OracleServer over Keras Tuner's,
on 127.0.0.1) and runs each worker as a process that makes exactly the
calls a worker makes per trial (CreateTrial, UpdateTrial, GetTrial,
EndTrial, GetTrial) but trains nothing, so the wall time per trial is the
oracle's own serialized cost; a heartbeat (GetTrial) is timed alone too.
"""

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BASE = {"name": "bench_tiny", "description": "tiny",
        "data": {"name": "adding", "seq_len": 8, "train_size": 48, "val_size": 16,
                 "test_size": 16},
        "model": {"layers": [{"cell": "lstm", "units": 4}]},
        "train": {"epochs": 1, "batch_size": 16}}
SPACE = {"model.layers[0].units": {"int": [2, 64]},
         "model.layers[0].cell": {"choice": ["simple_rnn", "gru", "lstm"]}}


def client(address, tuner_id, out, start):
    """A worker that trains nothing: `out` gets its per-trial call latencies."""
    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.engine import trial as trial_module
    svc = protos.get_service()
    stub = protos.get_service_grpc().OracleStub(grpc.insecure_channel(address))
    grpc.channel_ready_future(grpc.insecure_channel(address)).result(timeout=60)
    out.put(("ready", tuner_id))
    start.wait(timeout=300)
    latencies = []
    while True:
        t0 = time.perf_counter()
        trial = trial_module.Trial.from_proto(
            stub.CreateTrial(svc.CreateTrialRequest(tuner_id=tuner_id), timeout=60).trial)
        if trial.status == "STOPPED":
            break
        if trial.status == "IDLE":
            time.sleep(0.01)
            continue
        stub.UpdateTrial(svc.UpdateTrialRequest(
            trial_id=trial.trial_id, metrics={"val_loss": 1.0 / (1 + len(latencies))},
            step=0), timeout=60)
        stub.GetTrial(svc.GetTrialRequest(trial_id=trial.trial_id), timeout=60)
        trial.status = "COMPLETED"
        stub.EndTrial(svc.EndTrialRequest(trial=trial.to_proto()), timeout=60)
        stub.GetTrial(svc.GetTrialRequest(trial_id=trial.trial_id), timeout=60)
        latencies.append(time.perf_counter() - t0)
    out.put(("done", latencies))


def heartbeat_latency(address, trial_id, n=200):
    import grpc
    from keras_tuner.src import protos
    stub = protos.get_service_grpc().OracleStub(grpc.insecure_channel(address))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        stub.GetTrial(protos.get_service().GetTrialRequest(trial_id=trial_id), timeout=60)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(workers, trials, root):
    from rnnbench.sweeps import distributed, tuning
    folder = Path(tempfile.mkdtemp(dir=root))
    (folder / "base.yaml").write_text(yaml.safe_dump(BASE))
    (folder / "bench.yaml").write_text(yaml.safe_dump({
        "experiment": str(folder / "base.yaml"), "space": SPACE,
        "tuner": {"algorithm": "random", "max_trials": trials, "seed": 1}}))
    sweep, base_raw, sweep_dir = tuning.open_sweep(str(folder / "bench.yaml"),
                                                   str(folder / "results"))
    port = distributed.free_port()
    server = distributed.chief_server(sweep, base_raw, sweep_dir, "127.0.0.1", port, 600)
    address = f"127.0.0.1:{port}"
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=client, args=(address, f"w{i}", out, start))
             for i in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        out.get(timeout=300)  # all connected (and done importing) before the clock
    start.set()
    t0 = time.perf_counter()
    latencies = []
    for _ in procs:  # the clock stops at the last worker's STOPPED, before exits
        kind, value = out.get(timeout=600)
        latencies += value
    wall = time.perf_counter() - t0
    for p in procs:
        p.join(timeout=120)
    hb = heartbeat_latency(address, next(iter(server.oracle.trials)))
    server.stop()
    assert len(latencies) == trials, (len(latencies), trials)
    return {"workers": workers, "trials": trials, "wall_s": round(wall, 3),
            "oracle_s_per_trial": round(wall / trials, 4),
            "median_worker_calls_s_per_trial": round(statistics.median(latencies), 4),
            "median_heartbeat_s": round(hb, 5)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for n in [int(w) for w in args.workers.split(",")]:
            rows.append(measure(n, args.trials, root))
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
