"""Sets the shipped forecast experiments' target transform by `rnnbench new`'s rule, and runs it.

For each named experiment: the transform `rnnbench new`'s rule gives for its
series (rnnbench/reports/forecast_targets.py; it reads the training part and
the share of val/test targets outside its range, never a metric), then every
seed run with that transform (`--also none` runs `none` too, as evidence of
what the rule changed). Prints the record and merges it into
benchmarks/target_defaults.json; with `--write`, sets `data.target_transform`
in experiments/NAME.yaml with a comment saying which and why (nothing else in
the file changes).

    python benchmarks/target_defaults.py co2_gru --seeds 42,1,2,3,4 --results-dir R --write
    python benchmarks/target_defaults.py co2_gru --seeds 42,1,2,3,4 --from-results R

Then measure its reference from the same runs:
`python benchmarks/references.py NAME --from-results R --seeds 42,1,2,3,4 --write`.
"""

import argparse
import json
import logging
import sys
from pathlib import Path

from references import run_script, seeds_list  # benchmarks/references.py, beside this

import rnnbench
from rnnbench.config import paths
from rnnbench.reports import forecast_targets

log = logging.getLogger("rnnbench")
KEPT = Path(__file__).with_name("target_defaults.json")


def measure_one(name, seeds, root, from_results, also=()):
    exp = rnnbench.load_experiment(name)
    rule, why = forecast_targets.rule_choice(exp)
    variants = {}
    for transform in dict.fromkeys([*also, rule]):
        if not from_results:
            for seed in seeds:
                log.info(f"{name}: target_transform {transform}, seed {seed}")
                rnnbench.run(forecast_targets.with_transform(exp, transform, seed),
                             results_dir=root, verbose=0)
        variants[transform] = forecast_targets.variant_values(root, exp, transform, seeds)
    seeds_text = ",".join(str(s) for s in seeds)
    command = (f"python benchmarks/target_defaults.py {name} --seeds {seeds_text} "
               + "".join(f"--also {t} " for t in also if t != rule) + "--results-dir R")
    return forecast_targets.evidence(name, rule, why, variants, seeds, command)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="NAME")
    parser.add_argument("--seeds", type=seeds_list, default=[42, 1, 2, 3, 4])
    parser.add_argument("--results-dir", help="where the runs go (default: the results root)")
    parser.add_argument("--from-results", metavar="DIR",
                        help="run nothing: read the runs of these seeds under DIR")
    parser.add_argument("--also", action="append", default=[], metavar="TRANSFORM",
                        help="run this transform too, as evidence (repeatable)")
    parser.add_argument("--write", action="store_true",
                        help="set data.target_transform in experiments/NAME.yaml")
    args = parser.parse_args(argv)

    def measure_all():
        root = paths.results_root(args.from_results or args.results_dir)
        for name in args.names:
            record = measure_one(name, args.seeds, root, args.from_results, args.also)
            print(json.dumps({name: record}, indent=1), flush=True)
            # Read now, not at start: the file may have changed during the runs.
            kept = json.loads(KEPT.read_text()) if KEPT.exists() else {}
            kept[name] = record
            KEPT.write_text(json.dumps(dict(sorted(kept.items())), indent=1) + "\n")
            if args.write:
                path = paths.find_experiment(name)
                path.write_text(forecast_targets.set_target(path.read_text(), record))
                rnnbench.load_experiment(str(path))  # still a valid experiment
                log.info(f"wrote data.target_transform {record['chosen']} into {path}")
    return run_script("target_defaults.py", measure_all)


if __name__ == "__main__":
    sys.exit(main())
