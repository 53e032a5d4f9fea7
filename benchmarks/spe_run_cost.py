"""What `train.steps_per_execution` costs and saves over a whole run, set-up included.

    python benchmarks/spe_run_cost.py --rounds 4 --json benchmarks/spe_run_cost.json

For each experiment, `rnnbench.run` at K = 1, at K = 1 again (the control) and at
K = min(16, steps per epoch) (the rule before 2026-12-06), in one process, the order
rotating every round (each run after a first, discarded warm-up run of every K, so no
K pays the process's first trace). From each run's manifest:

  trace: `time_to_first_step_s` (tracing and building the train function),
  step: the median epoch time after the first, per training step,
  run: the whole `run` call (data, build, fit, evaluation, writes).

Reported per experiment: each side's medians, and K's extra trace time and per-step
saving against K = 1, from which the steps a run needs before K pays for its trace.
"""

import argparse
import json
import math
import statistics
import sys
import time

import rnnbench
from rnnbench.data import cache
from rnnbench.models import speed
from rnnbench.runs import training

DEFAULT = "tiny_adding,sunspots_lstm,sine_lstm,airline_lstm,gunpoint_lstm,adding_lstm"
TINY = {"name": "tiny_adding", "description": "the test suite's tiny sweep base",
        "data": {"name": "adding", "seq_len": 8, "train_size": 48, "val_size": 16,
                 "test_size": 16},
        "model": {"layers": [{"cell": "lstm", "units": 4}]},
        "train": {"epochs": 1, "batch_size": 16}}


_TINY_PATH = None


def _tiny_file():
    global _TINY_PATH
    if _TINY_PATH is None:
        import tempfile

        import yaml
        _TINY_PATH = tempfile.mkstemp(suffix=".yaml")[1]
        with open(_TINY_PATH, "w") as out:
            yaml.safe_dump(TINY, out)
    return _TINY_PATH


def load(name, overrides=()):
    """A shipped experiment by name, or the tiny one from its temporary file."""
    return rnnbench.load_experiment(_tiny_file() if name == TINY["name"] else name,
                                    list(overrides))


def timed_run(name, overrides, epochs, results):
    """One `rnnbench.run` of `name` with `overrides`: `(its timings, the RunResult)`."""
    exp = load(name, list(overrides) + ([f"train.epochs={epochs}"] if epochs else []))
    start = time.perf_counter()
    result = training.run(exp, results_dir=results, verbose=0)
    wall = time.perf_counter() - start
    training.release_memory()
    m = result.manifest
    epochs_run = m["epoch_time_s"]
    later = epochs_run[1:] or epochs_run
    return {"run_s": wall, "trace_s": m["time_to_first_step_s"],
            "epoch_s": statistics.median(later), "epochs": len(epochs_run)}, result


def one_run(name, k, epochs, results):
    timings, result = timed_run(name, [f"train.steps_per_execution={k}"], epochs, results)
    return {"k": result.manifest["steps_per_execution"]["chosen"], **timings}


def interleaved(sides, run_side, rounds):
    """Each side once untimed (the process's first trace of it), then `rounds` rounds,
    the order rotating: `(runs per side, their medians)`."""
    for side in sides:
        run_side(side)
    rows = {s: [] for s in sides}
    for r in range(rounds):
        for side in sides[r % len(sides):] + sides[:r % len(sides)]:
            rows[side].append(run_side(side))
    med = {s: {key: statistics.median(x[key] for x in rows[s])
               for key in ("run_s", "trace_s", "epoch_s")} for s in sides}
    return rows, med


def write_json(path, rounds, rows):
    """The measurement, with the command that made it."""
    with open(path, "w") as out:
        json.dump({"argv": sys.argv, "rounds": rounds, "rows": rows}, out, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=0,
                        help="override train.epochs (0: the experiment's)")
    parser.add_argument("--results", default="/tmp/spe_run_cost")
    parser.add_argument("--json")
    args = parser.parse_args()
    sides = ["1", "1 (control)", "auto16"]
    report = []
    for name in args.experiments.split(","):
        exp = load(name)
        splits = cache.load(exp)
        steps = math.ceil(len(splits.train) / exp.train.batch_size)
        k_auto = speed.steps_per_execution(exp, steps).chosen  # min(16, steps per epoch)
        ks = {"1": 1, "1 (control)": 1, "auto16": k_auto}
        rows, med = interleaved(sides, lambda side: one_run(
            name, ks[side], args.epochs or None, args.results), args.rounds)
        extra_trace = med["auto16"]["trace_s"] - med["1"]["trace_s"]
        saving_per_step = (med["1"]["epoch_s"] - med["auto16"]["epoch_s"]) / steps
        entry = {"experiment": name, "steps_per_epoch": steps, "k": k_auto,
                 "epochs": rows["1"][0]["epochs"], "medians": med, "runs": rows,
                 "extra_trace_s": extra_trace, "saving_per_step_s": saving_per_step,
                 "control_run_ratio": med["1 (control)"]["run_s"] / med["1"]["run_s"],
                 "auto_run_ratio": med["auto16"]["run_s"] / med["1"]["run_s"]}
        report.append(entry)
        print(f"{name}: {steps} steps/epoch, K={k_auto}, {entry['epochs']} epochs | run s "
              f"K=1 {med['1']['run_s']:.2f}, control {med['1 (control)']['run_s']:.2f}, "
              f"K {med['auto16']['run_s']:.2f} (x{entry['auto_run_ratio']:.3f}; control "
              f"x{entry['control_run_ratio']:.3f}) | trace +{extra_trace:.3f} s | "
              f"per step saved {1000 * saving_per_step:.2f} ms", flush=True)
    if args.json:
        write_json(args.json, args.rounds, report)


if __name__ == "__main__":
    main()
