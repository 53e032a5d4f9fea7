"""Generates the tables of docs/benchmarks.md from the JSON files the benchmarks wrote.

    python benchmarks/docs_tables.py                               # print them
    python benchmarks/docs_tables.py --write docs/benchmarks.md    # replace them in place

Each table replaces only what lies between `<!-- generated: NAME -->` and
`<!-- end generated: NAME -->`; the prose around it, and the command that
measured each JSON file, are kept. A test checks the page holds what the
JSON files hold, so a number cannot drift from its measurement.
"""

import argparse
import json
import sys
from pathlib import Path

from table import COLUMNS  # benchmarks/table.py, beside this script

from rnnbench.reports.experiment_tables import replace_generated

HERE = Path(__file__).resolve().parent


def _rows(name):
    return json.loads((HERE / name).read_text())


def _markdown(columns, rows):
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row) for cell in columns.values()) + " |" for row in rows]
    return "\n".join(lines)


def vs_keras():
    """rnnbench's model against the identical hand-written Keras model, with the control."""
    columns = {name: COLUMNS[name] for name in (
        "workload", "cell", "rnnbench samples/s", "Keras samples/s",
        "rnnbench/Keras, steps interleaved [95%]", "control, steps interleaved [95%]")}
    return _markdown(columns, _rows("cpu_interleaved.json"))


def vs_pytorch():
    """`rnnbench run`'s defaults against the PyTorch twins; the A/lstm and A/bilstm rows
    are the re-run under the second kernel rule, which replaced the first run's."""
    rerun = {(r["workload"], r["cell"]): r for r in _rows("cpu_defaults_torch_A_rule2.json")}
    rows = [rerun.get((r["workload"], r["cell"]), r) for r in _rows("cpu_defaults_torch.json")]
    columns = {
        "workload": COLUMNS["workload"],
        "cell": COLUMNS["cell"],
        "rnnbench layers": lambda r: ", ".join(dict.fromkeys(r["layer_classes"])),
        "steps/call": lambda r: str(r["steps_per_execution"]),
        **{name: COLUMNS[name] for name in (
            "rnnbench samples/s", "PyTorch samples/s", "rnnbench/PyTorch [min–max]",
            "PyTorch control [min–max]")},
    }
    return _markdown(columns, rows)


def tables():
    """`{marker name: Markdown table}` for docs/benchmarks.md."""
    return {"vs-keras": vs_keras(), "vs-pytorch": vs_pytorch()}


def write(path):
    text = Path(path).read_text()
    for name, body in tables().items():
        text = replace_generated(text, name, body)
    Path(path).write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="FILE", help="replace the tables in FILE")
    args = parser.parse_args(argv)
    if args.write:
        write(args.write)
    else:
        print("\n\n".join(tables().values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
