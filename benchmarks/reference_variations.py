"""Which metrics stay bit-exact when the machine changes: threads and oneDNN.

Runs each experiment with each seed once per variant, every variant in a fresh
process with its environment (TensorFlow reads `TF_NUM_INTRAOP_THREADS` and
`TF_ENABLE_ONEDNN_OPTS` at start-up), then compares every model metric of the
run folders with the `intra2` variant's, bit for bit. `intra2_again` is the
control: the same settings twice, so it shows what "same machine, same seed"
gives. Before the runs, a probe per variant checks that the setting took
effect (CPU time / wall time of a matmul loop; oneDNN's start-up notice).

    python benchmarks/reference_variations.py sine_lstm italy_power_demand_gru \
        --seeds 42,1,2 --results-dir /tmp/variations
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

VARIANTS = {
    "intra2": {"TF_NUM_INTRAOP_THREADS": "2"},
    "intra2_again": {"TF_NUM_INTRAOP_THREADS": "2"},
    "intra1": {"TF_NUM_INTRAOP_THREADS": "1"},
    "onednn_off": {"TF_NUM_INTRAOP_THREADS": "2", "TF_ENABLE_ONEDNN_OPTS": "0"},
}
BASE = "intra2"

RUNS = """
import dataclasses, sys, rnnbench
names, seeds, root = sys.argv[1].split(","), [int(s) for s in sys.argv[2].split(",")], sys.argv[3]
for name in names:
    exp = rnnbench.load_experiment(name)
    for seed in seeds:
        rnnbench.run(dataclasses.replace(exp, seed=seed), results_dir=root, verbose=0)
"""

PROBE = """
import resource, time
import tensorflow as tf
x = tf.random.normal((600, 600))
tf.linalg.matmul(x, x)
start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
for _ in range(150):
    y = tf.linalg.matmul(x, x)
_ = y.numpy()
used = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu
print(f"{used / (time.perf_counter() - start):.2f}")
"""


def environment(variant):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_NUM_INTRAOP_THREADS", "TF_ENABLE_ONEDNN_OPTS")}
    return {**env, **VARIANTS[variant], "TF_CPP_MIN_LOG_LEVEL": "0"}


def probe(variant):
    """`(cpu time / wall time of a matmul loop, whether oneDNN announced itself)`."""
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment(variant),
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1]), "oneDNN custom operations are on" in done.stderr


def model_metrics(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    seed = json.loads((run_dir / "manifest.json").read_text())["seed"]
    return seed, {k: v for k, v in metrics.items()
                  if isinstance(v, float) and not k.startswith("baseline")
                  and k != "wall_time_s"}


def collect(root):
    """`{(experiment, seed): {metric: value}}` for the run folders under `root`."""
    found = {}
    for run_dir in sorted(Path(root).glob("*/*/metrics.json")):
        seed, metrics = model_metrics(run_dir.parent)
        found[(run_dir.parent.parent.name, seed)] = metrics
    return found


def compare(base, other):
    """Per experiment: runs compared, metrics bit-exact, largest |difference| of each."""
    rows = {}
    for (name, seed), metrics in base.items():
        row = rows.setdefault(name, {"runs": 0, "exact": 0, "metrics": 0, "max_diff": {}})
        now = other.get((name, seed))
        if now is None:
            continue
        row["runs"] += 1
        for key, value in metrics.items():
            row["metrics"] += 1
            row["exact"] += now.get(key) == value
            diff = abs(now.get(key, float("nan")) - value)
            row["max_diff"][key] = max(row["max_diff"].get(key, 0.0), diff)
    return rows


def verdicts(base, other, metric_of):
    """Per experiment: the reference measured on `base`, and `other`'s mean against it."""
    from rnnbench.runs import references
    out = {}
    for name in sorted({n for n, _ in base}):
        metric = metric_of(name)
        ref_values = {s: m[metric] for (n, s), m in base.items() if n == name}
        now = [m[metric] for (n, s), m in other.items() if n == name]
        if len(ref_values) < 3 or not now:
            continue
        block = references.measure(metric, ref_values)
        mean = sum(now) / len(now)
        out[name] = {"metric": metric, "reference": block["value"], "std": block["std"],
                     "tolerance": block["tolerance"], "mean": mean,
                     "reproduced": abs(mean - block["value"]) <= block["tolerance"]}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--seeds", default="42,1,2")
    parser.add_argument("--results-dir", required=True)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--json", help="write the comparison here")
    parser.add_argument("--no-run", action="store_true",
                        help="only compare the run folders already under --results-dir")
    args = parser.parse_args()
    root = Path(args.results_dir)
    variants = args.variants.split(",")
    if not args.no_run:
        for variant in variants:
            ratio, onednn = probe(variant)
            print(f"probe {variant}: cpu/wall {ratio}, oneDNN notice {onednn}", flush=True)
        for variant in variants:
            subprocess.run([sys.executable, "-c", RUNS, ",".join(args.names), args.seeds,
                            str(root / variant)], env=environment(variant), check=True)
            print(f"ran {variant}", flush=True)
    import rnnbench
    metric_of = lambda name: rnnbench.load_experiment(name).reference.metric
    base = collect(root / BASE)
    report = {}
    for variant in variants:
        if variant == BASE:
            continue
        other = collect(root / variant)
        report[variant] = {"bits": compare(base, other),
                           "verdicts": verdicts(base, other, metric_of)}
        for name, row in report[variant]["bits"].items():
            if not row["runs"]:
                continue
            worst = max(row["max_diff"].items(), key=lambda kv: kv[1])
            print(f"{BASE} vs {variant}, {name}: {row['runs']} runs, "
                  f"{row['exact']}/{row['metrics']} metrics bit-exact, largest |diff| "
                  f"{worst[1]:.3g} ({worst[0]})")
        for name, v in report[variant]["verdicts"].items():
            print(f"  {name}: {v['metric']} mean {v['mean']:.4g} vs reference "
                  f"{v['reference']:.4g} ± {v['tolerance']:.2g} (measured on {BASE}): "
                  f"{'reproduced' if v['reproduced'] else 'NOT reproduced'}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
