"""`train.steps_per_execution`: one `fit` epoch at K = 1, 4, 16, 64, paired round by round.

For each workload/cell of `rnnbench bench`, copies of the rnnbench model (its
defaults otherwise) are compiled with each K and fit one epoch each per
round, the order flipping every round. Reported: each K's whole-epoch wall
time over K=1's, median and min-max over the rounds' pairs (above 1.0:
faster than one step per call). A second K=1 copy is the control:

    python benchmarks/steps_per_execution.py --rounds 4 --json benchmarks/cpu_spe.json
"""

import argparse
import json
import statistics
import time

import keras
import tensorflow as tf

from rnnbench.bench import benchmark
from rnnbench.config import experiment as config_lib
from rnnbench.models import builders


def epoch_wall_s(model, x, y, batch_size):
    """Seconds of one whole `fit` epoch (what a run pays, set-up included)."""
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
    return time.perf_counter() - start

KS = (1, "1 (control)", 4, 16, 64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--cases", default="B/lstm,B/gru,B/simple_rnn,A/lstm")
    parser.add_argument("--json")
    args = parser.parse_args()
    tf.config.experimental.enable_op_determinism()
    rows = []
    for case in args.cases.split(","):
        workload, cell = case.split("/")
        w = benchmark.WORKLOADS[workload]
        exp = benchmark.experiment(w, cell)
        spec = config_lib.data_spec(exp)
        x, y = benchmark.training_arrays(exp, w, args.steps)
        models = {}
        for k in KS:
            models[k] = builders.build_model(exp, spec=spec, compile=False)
            builders.compile_model(models[k], exp, spec,
                                   steps_per_execution=k if isinstance(k, int) else 1)
            epoch_wall_s(models[k], x, y, w.batch_size)  # trace
        walls = {k: [] for k in KS}
        for r in range(args.rounds):
            for k in KS if r % 2 == 0 else KS[::-1]:
                walls[k].append(epoch_wall_s(models[k], x, y, w.batch_size))
        row = {"case": case, "steps": args.steps, "rounds": args.rounds,
               "kernel": type(builders.recurrent_layers(models[1])[0]).__name__,
               "spe1_samples_per_s": round(len(x) / statistics.median(walls[1]), 1)}
        for k in KS[1:]:
            pairs = sorted(a / b for a, b in zip(walls[1], walls[k]))
            row[f"spe{k}"] = [round(statistics.median(pairs), 3), round(pairs[0], 3),
                              round(pairs[-1], 3)]
        rows.append(row)
        print(json.dumps(row), flush=True)
        keras.backend.clear_session()
        if args.json:
            benchmark.save_rows(args.json, rows)


if __name__ == "__main__":
    main()
