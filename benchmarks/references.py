"""Measures experiments' `reference:` blocks over seeds and writes them into the files.

Runs every seed of every named experiment into a results folder (or, with
`--from-results DIR`, reads runs already there), then prints, and with
`--write` puts into experiments/NAME.yaml, the block: the metric's mean and
std over the seeds, the seeds, and the tolerance by the rule of
rnnbench/runs/references.py. Only the `reference:` block of the file changes.

    python benchmarks/references.py sine_lstm gunpoint_lstm --seeds 42,1,2,3,4 --write
    python benchmarks/references.py sine_lstm --from-results results --seeds 42,1,2
"""

import argparse
import dataclasses
import logging
import sys

import rnnbench
from rnnbench import console
from rnnbench.config import paths
from rnnbench.errors import UserError
from rnnbench.runs import references

log = logging.getLogger("rnnbench")


def seeds_list(text):
    try:
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seeds like 42,1,2, got {text!r}")


def measure_one(name, seeds, root, from_results, metric, write):
    exp = rnnbench.load_experiment(name)
    metric = metric or (exp.reference.metric if exp.reference else None)
    if metric is None:
        raise UserError(f"{name!r} has no `reference:` block; pass --metric.")
    if not seeds:
        seeds = list(exp.reference.seeds) if exp.reference and exp.reference.seeds \
            else [42, 1, 2]
    if not from_results:
        for seed in seeds:
            log.info(f"{name}: seed {seed}")
            rnnbench.run(dataclasses.replace(exp, seed=seed), results_dir=root, verbose=0)
    values = references.run_values(root, exp, metric, seeds)
    # Keeps the block's `expect`/`compares` and records the naive baseline computed now;
    # refuses (before writing) a range that would contain what it must exclude.
    block = references.measure_experiment(exp, values, metric)
    print(f"# {name}\n{references.block_text(block, values)}", flush=True)
    if write:
        references.write_block(paths.find_experiment(name), block, values)
        log.info(f"wrote the reference block of {paths.find_experiment(name)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="NAME")
    parser.add_argument("--seeds", type=seeds_list,
                        help="default: the reference's seeds, else 42,1,2")
    parser.add_argument("--metric", help="default: the reference's metric")
    parser.add_argument("--results-dir", help="where the runs go (default: the results root)")
    parser.add_argument("--from-results", metavar="DIR",
                        help="run nothing: read the runs of these seeds under DIR")
    parser.add_argument("--write", action="store_true",
                        help="replace the block in experiments/NAME.yaml")
    args = parser.parse_args(argv)

    def measure_all():
        root = paths.results_root(args.from_results or args.results_dir)
        for name in args.names:
            measure_one(name, args.seeds, root, args.from_results, args.metric, args.write)
    return run_script("references.py", measure_all)


def run_script(script, body):
    """Runs `body()` with rnnbench's console; a UserError is exit 2 with its message."""
    with console.session(0):
        try:
            body()
        except UserError as e:
            print(f"{script}: error: {e}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
