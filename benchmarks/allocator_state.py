"""Does a training step's speed depend on what its process allocated before? (glibc malloc)

    pip install -e '.[bench]'
    python benchmarks/allocator_state.py --rounds 3 --json benchmarks/allocator_state.json

Workload B's LSTM (`rnnbench bench`'s workload, rnnbench's model at `run`'s
defaults and its PyTorch twin), each timed in a fresh process per mode:

  fresh:          nothing before it,
  fresh control:  the same again (the noise floor of the ratios),
  after A:        the process first trains workload A's PyTorch twin for two
                  epochs and frees it (larger tensors: glibc's rule may raise
                  its thresholds),
  fixed:          `rnnbench.bench.allocator.fix_thresholds()` first, as
                  `rnnbench bench` now does.

The modes' processes alternate, the order rotating every round. Reported per
mode and side: the median samples/s over the rounds (each round's value is the
median of its epochs after one untimed epoch) and its ratio to `fresh` with
the rounds' min-max.
"""

import argparse
import json
import statistics
import subprocess
import sys

MODES = ("fresh", "fresh control", "after A", "fixed")


def child(mode, epochs, steps):
    """Runs in the fresh process: times both sides of B after `mode`; prints JSON."""
    from rnnbench.bench import allocator, benchmark, torch_twins
    from rnnbench.config import experiment as config_lib
    from rnnbench.models import builders, speed
    from rnnbench.runs.timing import time_epoch

    def data(name):
        workload = benchmark.WORKLOADS[name]
        exp = benchmark.experiment(workload, "lstm")
        return (workload, exp, config_lib.data_spec(exp),
                *benchmark.training_arrays(exp, workload, steps))

    def twin(name):
        workload, exp, spec, x, y = data(name)
        return torch_twins.TorchTwin(workload, "lstm", False, spec, x, y,
                                     exp.train.optimizer.learning_rate)

    if mode == "fixed":
        allocator.fix_thresholds()
    if mode == "after A":
        warm = twin("A")
        for _ in range(2):
            warm.time_epoch()
        del warm
    workload, exp, spec, x, y = data("B")
    model = builders.build_model(exp, spec=spec, compile=False)
    per_call = speed.steps_per_execution(exp, max(1, steps // 2)).chosen
    builders.compile_model(model, exp, spec, steps_per_execution=per_call)
    sides = {"torch": twin("B").time_epoch,
             "rnnbench": lambda: time_epoch(model, x, y, workload.batch_size)}
    rates = {}
    for side, epoch in sides.items():
        epoch()  # untimed: tracing, first allocations
        rates[side] = statistics.median(epoch().samples_per_s for _ in range(epochs))
    print(json.dumps(rates))


def measure(rounds, epochs, steps):
    """`{mode: [{side: samples/s}, one per round]}`, modes in fresh processes, rotating."""
    runs = {mode: [] for mode in MODES}
    for r in range(rounds):
        for mode in MODES[r % len(MODES):] + MODES[:r % len(MODES)]:
            done = subprocess.run([sys.executable, __file__, "--child", mode, "--epochs",
                                   str(epochs), "--steps", str(steps)],
                                  capture_output=True, text=True, check=True)
            runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {r + 1} {mode:<14} {runs[mode][-1]}", flush=True)
    return runs


def summary(runs):
    """Per mode and side: the median samples/s and its ratio to `fresh` [min-max]."""
    rows = []
    for mode, values in runs.items():
        for side in ("torch", "rnnbench"):
            ratios = [v[side] / f[side] for v, f in zip(values, runs["fresh"])]
            rows.append({"mode": mode, "side": side,
                         "samples_per_s": round(statistics.median(v[side] for v in values)),
                         "vs_fresh": round(statistics.median(ratios), 3),
                         "vs_fresh_min": round(min(ratios), 3),
                         "vs_fresh_max": round(max(ratios), 3)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--json")
    parser.add_argument("--child", choices=MODES)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.epochs, args.steps)
    runs = measure(args.rounds, args.epochs, args.steps)
    rows = summary(runs)
    for row in rows:
        print(f"{row['mode']:<14} {row['side']:<9} {row['samples_per_s']:>6,} samples/s  "
              f"{row['vs_fresh']:.2f}x fresh [{row['vs_fresh_min']:.2f}-{row['vs_fresh_max']:.2f}]")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"argv": sys.argv, "rounds": args.rounds, "runs": runs, "rows": rows},
                      out, indent=1)


if __name__ == "__main__":
    main()
