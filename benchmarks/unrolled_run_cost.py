"""What the unrolled SimpleRNN kernel costs and saves over whole runs, set-up included.

    python benchmarks/unrolled_run_cost.py --rounds 2 --epochs 2 --json benchmarks/unrolled_run_cost.json

For each shipped SimpleRNN experiment, `rnnbench.run` with
`train.simple_rnn_kernel` at `keras` (Keras' while loop), at `keras` again (the
control) and at `unrolled`, in one process, the order rotating every round
(after one discarded warm-up run of each, so no side pays the process's first
trace). From each run's manifest:

  trace: `time_to_first_step_s` (tracing and building the train function),
  step: the median epoch time after the first, per training step,
  run: the whole `run` call (data, build, fit, evaluation, writes).

Reported per experiment: each side's medians, the unrolled kernel's extra trace
time and per-step saving against Keras' loop, the steps a run needs before it
pays, the steps the experiment plans at its own epochs, what `auto` picks there,
and the test metrics of the last round (same seed) on both kernels.
"""

import argparse
import math

from spe_run_cost import interleaved, load, timed_run, write_json

from rnnbench.data import cache
from rnnbench.models import speed

DEFAULT = ("adding_simple_rnn,copy_memory_simple_rnn,news_chars_simple_rnn,"
           "airline_simple_rnn,adding_t200_simple_rnn")
SIDES = {"keras": "keras", "keras (control)": "keras", "unrolled": "unrolled"}


def one_run(name, kernel, epochs, results):
    timings, result = timed_run(name, [f"train.simple_rnn_kernel={kernel}"], epochs, results)
    return {"kernel": result.manifest["simple_rnn_kernel"][0]["chosen"], **timings,
            "test": {k: v for k, v in result.metrics.items() if k.startswith("test_")}}


def measure(name, rounds, epochs, results):
    """One experiment's interleaved runs and what they say."""
    exp = load(name)
    splits = cache.load(exp)
    steps = math.ceil(len(splits.train) / exp.train.batch_size)
    planned = speed.planned_steps(exp, len(splits.train))
    auto = speed.layer_kernel(exp, splits.spec, 0, planned)[1]
    rows, med = interleaved(list(SIDES), lambda side: one_run(
        name, SIDES[side], epochs, results), rounds)
    extra_trace = med["unrolled"]["trace_s"] - med["keras"]["trace_s"]
    saving = (med["keras"]["epoch_s"] - med["unrolled"]["epoch_s"]) / steps
    return {"experiment": name, "time_steps": splits.spec.input_shape[0],
            "steps_per_epoch": steps, "epochs": rows["keras"][0]["epochs"],
            "planned_steps_at_its_epochs": planned, "auto": auto.facts(),
            "medians": med, "runs": rows, "extra_trace_s": extra_trace,
            "saving_per_step_s": saving,
            "payback_steps": math.ceil(extra_trace / saving) if saving > 0 else None,
            "step_speedup": med["keras"]["epoch_s"] / med["unrolled"]["epoch_s"],
            "control_step_ratio": med["keras"]["epoch_s"] / med["keras (control)"]["epoch_s"],
            "test_keras": rows["keras"][-1]["test"], "test_unrolled": rows["unrolled"][-1]["test"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=0,
                        help="override train.epochs (0: the experiment's)")
    parser.add_argument("--results", default="/tmp/unrolled_run_cost")
    parser.add_argument("--json")
    args = parser.parse_args()
    report = []
    for name in args.experiments.split(","):
        e = measure(name, args.rounds, args.epochs or None, args.results)
        report.append(e)
        med = e["medians"]
        print(f"{name}: T={e['time_steps']}, {e['steps_per_epoch']} steps/epoch | step x"
              f"{e['step_speedup']:.2f} (control x{e['control_step_ratio']:.2f}) | trace "
              f"+{e['extra_trace_s']:.2f} s, pays after {e['payback_steps']} steps; plans "
              f"{e['planned_steps_at_its_epochs']} -> auto {e['auto']['chosen']} | run s "
              f"keras {med['keras']['run_s']:.1f}, control {med['keras (control)']['run_s']:.1f},"
              f" unrolled {med['unrolled']['run_s']:.1f}", flush=True)
    if args.json:
        write_json(args.json, args.rounds, report)


if __name__ == "__main__":
    main()
