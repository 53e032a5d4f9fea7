"""Renders a `rnnbench bench --json` file as the Markdown table BENCHMARKS.md shows.

    python benchmarks/table.py benchmarks/cpu_interleaved.json
"""

import json
import sys


def _interval(row, key):
    if key not in row:
        return "–"
    return f"{row[key]:.3f} [{row[key + '_low']:.3f}–{row[key + '_high']:.3f}]"


def _spread(row, key, digits=3):
    if key not in row:
        return "–"
    return f"{row[key]:.{digits}f} [{row[key + '_min']:.2f}–{row[key + '_max']:.2f}]"


def _rate(row, key):
    return f"{row[key]:,.0f}" if key in row else "–"


def _multiply_adds(row, key):
    """A multiply-add rate in billions a second (G/s)."""
    return f"{row[key] / 1e9:,.1f}" if key in row else "–"


def _fraction(row, key):
    return f"{100 * row[key]:.1f}%" if key in row else "–"


def _gemm_rate(row):
    """The probe's rate, with what it multiplied and at how many threads (0: the default)."""
    if "gemm_multiply_adds_per_s" not in row:
        return "–"
    threads = row["gemm_intra_op_threads"]
    threads = f"{threads} thread{'s' * (threads > 1)}" if threads else "default threads"
    return (f"{row['gemm_multiply_adds_per_s'] / 1e9:,.1f} ({row['gemm_size']}², "
            f"{threads})")


COLUMNS = {
    "workload": lambda r: r["workload"],
    "cell": lambda r: r["cell"],
    "rnnbench samples/s": lambda r: _rate(r, "rnnbench_samples_per_s"),
    "Keras samples/s": lambda r: _rate(r, "keras_samples_per_s"),
    "rnnbench/Keras, steps interleaved [95%]": lambda r: _interval(r, "ratio_step"),
    "control, steps interleaved [95%]": lambda r: _interval(r, "ratio_step_control"),
    "rnnbench/Keras, epoch rounds [min–max]": lambda r: _spread(r, "ratio"),
    "control, epoch rounds [min–max]": lambda r: _spread(r, "ratio_control"),
    "PyTorch samples/s": lambda r: _rate(r, "torch_samples_per_s"),
    "rnnbench/PyTorch [min–max]": lambda r: _spread(r, "ratio_torch", 2),
    "PyTorch control [min–max]": lambda r: _spread(r, "ratio_torch_control", 2),
    "fit overhead per epoch": lambda r: f"{r['rnnbench_epoch_overhead_s']:.2f} s",
    "input pipeline / training": lambda r: (
        f"{r['pipeline_samples_per_s'] / r['rnnbench_samples_per_s']:.0f}×"),
    # Against the machine itself (rnnbench.bench.gemm): multiply-adds of a
    # training step (forward + backward, 2x forward) times samples/s.
    "rnnbench G multiply-adds/s": lambda r: _multiply_adds(r, "rnnbench_multiply_adds_per_s"),
    "GEMM rate, G multiply-adds/s": _gemm_rate,
    "rnnbench % of GEMM rate": lambda r: _fraction(r, "rnnbench_gemm_fraction"),
    "PyTorch % of GEMM rate": lambda r: _fraction(r, "torch_gemm_fraction"),
}


def markdown(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(cell(row) for cell in COLUMNS.values()) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(markdown(json.load(f)))
