"""What each `tensorboard:` option costs a run (issue 33), measured interleaved in one process.

    python benchmarks/dashboard_cost.py [--rounds 3] [--json FILE]

Two small experiments, each run once to warm up (discarded), then `--rounds`
rounds; every round runs each setting once, in an order that rotates every
round, so drift in the machine's speed spreads over all settings. A setting
changes one `tensorboard:` key of the plain run (`off`: every key at its
default). The time is the run's wall time from its manifest (`duration_s`);
the always-on end-of-run dashboard (final scalars, summary text, pictures)
is inside `phases_s.write`, printed for the `off` runs. The spread of the
`off` runs is the noise floor.
"""

import argparse
import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

EXPERIMENTS = {
    # 3 epochs of a 16-unit LSTM on the sine series: ~1 s an epoch on 2 cores.
    "sine_lstm": ({"train.epochs": 3, "train.steps_per_execution": 1}, {
        "off": {},
        "histogram_freq: 1": {"tensorboard.histogram_freq": 1},
        "write_graph: true": {"tensorboard.write_graph": True},
        "profile_batch: [2, 3]": {"tensorboard.profile_batch": [2, 3]},
        "images_every: 1": {"tensorboard.images_every": 1},
    }),
    # A character GRU with an Embedding layer: the projector and the sampled text.
    "news_chars_gru": ({"train.epochs": 3, "data.max_chars": 40000, "data.seq_len": 60,
                        "model.layers[0].units": 32}, {
        "off": {},
        "embeddings: true": {"tensorboard.embeddings": True},
        "images_every: 1": {"tensorboard.images_every": 1},
    }),
}


def one_run(name, overrides, results):
    import rnnbench
    from rnnbench.runs import folders, training
    exp = rnnbench.load_experiment(name, {"train.early_stopping": None, **overrides})
    result = training.run(exp, results_dir=results, verbose=0)
    training.release_memory()
    manifest = folders.read_json(result.run_dir / "manifest.json")
    return manifest["duration_s"], manifest["phases_s"]["write"]


def measure(rounds):
    rows = []
    with tempfile.TemporaryDirectory() as results:
        for name, (base, settings) in EXPERIMENTS.items():
            one_run(name, base, results)  # warm-up: imports, first traces
            seen = {label: [] for label in settings}
            writes = []
            labels = list(settings)
            for r in range(rounds):
                for label in labels[r % len(labels):] + labels[:r % len(labels)]:
                    seconds, write = one_run(name, {**base, **settings[label]}, results)
                    seen[label].append(seconds)
                    if label == "off":
                        writes.append(write)
            off = statistics.median(seen["off"])
            for label, times in seen.items():
                rows.append({"experiment": name, "setting": label,
                             "median_s": statistics.median(times),
                             "extra_s": statistics.median(times) - off,
                             "runs_s": times,
                             **({"end_of_run_write_s": writes} if label == "off" else {})})
    return rows


def markdown(rows):
    lines = ["| experiment | setting | run (s, median) | extra vs off (s) | runs (s) |",
             "|---|---|---|---|---|"]
    for row in rows:
        extra = "" if row["setting"] == "off" else f"{row['extra_s']:+.2f}"
        runs = ", ".join(f"{t:.2f}" for t in row["runs_s"])
        lines.append(f"| {row['experiment']} | {row['setting']} | {row['median_s']:.2f} | "
                     f"{extra} | {runs} |")
    for row in rows:
        if "end_of_run_write_s" in row:
            lines.append(f"\n{row['experiment']}: the end-of-run write (metrics, dashboard) "
                         f"took {', '.join(f'{t:.2f}' for t in row['end_of_run_write_s'])} s")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    logging.getLogger("rnnbench").setLevel(logging.WARNING)
    rows = measure(args.rounds)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(markdown(rows))


if __name__ == "__main__":
    sys.exit(main())
