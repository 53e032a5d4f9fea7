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

`--reproduce` runs `rnnbench reproduce NAME` itself under each variant (the
reference's own seeds) and judges the runs against the shipped `reference:`
blocks, with `--base` the run folders those references were measured from:

    python benchmarks/reference_variations.py sine_lstm gunpoint_lstm --reproduce \
        --variants intra1,onednn_off --base results/references --results-dir /tmp/var

A variant whose folder is `--base` itself is judged against the blocks too,
and its bits are "the base".
"""

import argparse
import json
import math
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


def reproduce_all(names, variant, root):
    """`rnnbench reproduce NAME` for each name in a fresh process with `variant`'s environment."""
    for name in names:
        log = root / variant / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            subprocess.run([sys.executable, "-m", "rnnbench", "reproduce", name,
                            "--results-dir", str(root / variant)], env=environment(variant),
                           stdout=out, stderr=subprocess.STDOUT, check=False)
        print(f"{variant} {name}: {log.read_text().strip().splitlines()[-1]}", flush=True)


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


def same_bits(a, b):
    """Equal floats, or both NaN (a MAPE over a zero target is NaN in every run)."""
    return a == b or (a is not None and math.isnan(a) and math.isnan(b))


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
            row["exact"] += same_bits(now.get(key), value)
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


def shipped_verdicts(other):
    """Per experiment: `other`'s runs on the reference's seeds against the shipped block.

    The comparison `rnnbench reproduce NAME` makes (`reproduce.reference_table`).
    """
    import rnnbench
    from rnnbench.runs import references, reproduce
    out = {}
    for name in sorted({n for n, _ in other}):
        exp = rnnbench.load_experiment(name)
        ref, seeds = exp.reference, exp.reference.run_seeds(exp.seed)
        if any((name, s) not in other for s in seeds):
            continue
        measured = {s: other[(name, s)][ref.metric] for s in seeds}
        row = reproduce.reference_table(ref, measured).iloc[0]
        out[name] = {"metric": ref.metric, "reference": ref.value, "std": ref.std,
                     "tolerance": float(row["tolerance"]),
                     "mean": references.summary(measured.values())[0],
                     "reproduced": bool(row["match"])}
    return out


def markdown_table(report):
    """One row per experiment: its reference, then per variant the mean, verdict, bits."""
    variants = list(report)
    names = sorted({n for v in report.values() for n in v["verdicts"]})
    lines = ["| experiment | reference (tolerance) | " + " | ".join(variants) + " |",
             "|---" * (2 + len(variants)) + "|"]
    for name in names:
        first = next(v["verdicts"][name] for v in report.values() if name in v["verdicts"])
        cells = [f"{name}, {first['metric']}",
                 f"{first['reference']:.4g} (± {first['tolerance']:.2g})"]
        for variant in variants:
            v, bits = report[variant]["verdicts"].get(name), report[variant]["bits"].get(name)
            if v is None:
                cells.append("not run")
                continue
            exact = f"{bits['exact']}/{bits['metrics']}" if bits and bits["runs"] else "-"
            bit_note = "the bits' base" if report[variant].get("is_base") else f"{exact} bit-exact"
            cells.append(f"{v['mean']:.4g} {'reproduced' if v['reproduced'] else '**NOT**'}"
                         f" ({bit_note})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--seeds", default="42,1,2")
    parser.add_argument("--results-dir", required=True)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--json", help="write the comparison here")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the verdicts as a markdown table")
    parser.add_argument("--no-run", action="store_true",
                        help="only compare the run folders already under --results-dir")
    parser.add_argument("--reproduce", action="store_true",
                        help="run `rnnbench reproduce NAME` per variant and judge against "
                             "the shipped reference blocks")
    parser.add_argument("--base", help="the run folders to compare bits with (default: "
                                       f"RESULTS_DIR/{BASE})")
    args = parser.parse_args()
    root = Path(args.results_dir)
    variants = args.variants.split(",")
    if not args.no_run:
        for variant in variants:
            ratio, onednn = probe(variant)
            print(f"probe {variant}: cpu/wall {ratio}, oneDNN notice {onednn}", flush=True)
        for variant in variants:
            if args.reproduce:
                reproduce_all(args.names, variant, root)
                continue
            subprocess.run([sys.executable, "-c", RUNS, ",".join(args.names), args.seeds,
                            str(root / variant)], env=environment(variant), check=True)
            print(f"ran {variant}", flush=True)
    import rnnbench
    metric_of = lambda name: rnnbench.load_experiment(name).reference.metric
    wanted = lambda runs: {k: v for k, v in runs.items() if k[0] in args.names}
    base_dir = Path(args.base) if args.base else root / BASE
    base = wanted(collect(base_dir))
    label = args.base or BASE
    report = {}
    for variant in variants:
        # The base's own folder gets its verdicts against the shipped blocks, not bits.
        is_base = (root / variant).resolve() == base_dir.resolve()
        if is_base and not args.reproduce:
            continue
        other = wanted(collect(root / variant))
        judged = shipped_verdicts(other) if args.reproduce else \
            verdicts(base, other, metric_of)
        report[variant] = {"bits": {} if is_base else compare(base, other),
                           "verdicts": judged, "is_base": is_base}
        for name, row in report[variant]["bits"].items():
            if not row["runs"]:
                continue
            worst = max(row["max_diff"].items(), key=lambda kv: kv[1])
            print(f"{label} vs {variant}, {name}: {row['runs']} runs, "
                  f"{row['exact']}/{row['metrics']} metrics bit-exact, largest |diff| "
                  f"{worst[1]:.3g} ({worst[0]})")
        for name, v in report[variant]["verdicts"].items():
            print(f"  {name}: {v['metric']} mean {v['mean']:.4g} vs reference "
                  f"{v['reference']:.4g} ± {v['tolerance']:.2g}: "
                  f"{'reproduced' if v['reproduced'] else 'NOT reproduced'}")
    if args.markdown:
        print(markdown_table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
