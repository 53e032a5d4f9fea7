"""Generates experiments/README.md's tables from run folders.

    python benchmarks/experiment_tables.py --results-dir results            # print them
    python benchmarks/experiment_tables.py --results-dir results --write experiments/README.md
    python benchmarks/experiment_tables.py --from-references --write experiments/README.md
    python benchmarks/experiment_tables.py --from-references --write experiments/README.md \
        --write docs/forecasting.md

`--from-references` reads the experiment files' `reference:` blocks instead of
run folders (each block was measured from such runs; its comment lists every
seed's value).

With `--write`, each table replaces only what lies between its markers,
`<!-- generated: families -->` ... `<!-- end generated: families -->` and the
same for `experiments`, `published_music`, `published_one_nn` and `forecasts`;
the rest of the file is kept. A file takes the tables whose markers it holds
(at least one; docs/forecasting.md holds only `forecasts`). Runs count only where
their config is the experiment file's up to the seed
(rnnbench/reports/experiment_tables.py).
"""

import argparse
import sys
from pathlib import Path

from references import run_script  # benchmarks/references.py, beside this script

from rnnbench.reports import experiment_tables


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", help="results root (default ./results)")
    parser.add_argument("--write", metavar="FILE", action="append",
                        help="replace the tables whose markers FILE holds (repeatable)")
    parser.add_argument("--from-references", action="store_true",
                        help="the experiment files' reference blocks, not run folders")
    args = parser.parse_args(argv)

    def generate():
        found = experiment_tables.from_references() if args.from_references else None
        generated = experiment_tables.tables(args.results_dir, found)
        if not args.write:
            print("\n\n".join(generated.values()))
            return
        for path in map(Path, args.write):
            text = path.read_text()
            names = [name for name in generated if f"<!-- generated: {name} -->" in text]
            for name in names or list(generated):  # none: the error names the markers
                text = experiment_tables.replace_generated(text, name, generated[name])
            path.write_text(text)
    return run_script("experiment_tables.py", generate)

if __name__ == "__main__":
    sys.exit(main())
