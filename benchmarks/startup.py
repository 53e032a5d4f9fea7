"""Start-up cost of the fast commands, as ratios to a bare interpreter.

    python benchmarks/startup.py [--runs 21]

For each command: the median wall time of `python -m rnnbench ...` over the
runs, divided by the median of `python -c pass` measured interleaved with it
(so a slow moment of a shared machine slows both), and the number of modules
the command imports beyond the bare interpreter, with the third-party ones
named. Prints a Markdown table; absolute seconds are shown for context only.
"""

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = (["--help"], ["list"], ["show", "adding_lstm"])

# Runs the command in-process and reports what it imported (stdout swallowed).
_COUNT = """
import contextlib, io, json, sys
before = set(sys.modules)
from rnnbench.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
new = set(sys.modules) - before
third_party = sorted({{m.split(".")[0] for m in new}} - set(sys.stdlib_module_names)
                     - {{"rnnbench", "cython_runtime"}} - {{m for m in new if m.startswith("_")}})
print(json.dumps([len(new), third_party]))
"""


def wall(argv):
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def imported(argv):
    import json
    out = subprocess.run([sys.executable, "-c", _COUNT.format(argv=argv)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    print("| command | median / `python -c pass` | median s | modules imported | "
          "third-party |")
    print("|---|---|---|---|---|")
    for argv in COMMANDS:
        bare, timed = [], []
        for _ in range(args.runs):  # interleaved: both see the same machine load
            bare.append(wall(["-c", "pass"]))
            timed.append(wall(["-m", "rnnbench", *argv]))
        ratio = statistics.median(timed) / statistics.median(bare)
        count, third_party = imported(argv)
        print(f"| `rnnbench {' '.join(argv)}` | {ratio:.2f} | "
              f"{statistics.median(timed):.3f} (bare {statistics.median(bare):.3f}) | "
              f"{count} | {', '.join(third_party) or '-'} |")


if __name__ == "__main__":
    main()
