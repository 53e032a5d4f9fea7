"""Generates the tables of docs/benchmarks.md and docs/kernels.md from the benchmarks' JSON.

    python benchmarks/docs_tables.py                               # print them
    python benchmarks/docs_tables.py --write docs/benchmarks.md    # replace them in place
    python benchmarks/docs_tables.py --write docs/kernels.md

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
    """`rnnbench run`'s defaults against the PyTorch twins, and both against the
    machine's own GEMM rate; a ratio whose control left its noise band says so."""
    columns = {
        "workload": COLUMNS["workload"],
        "cell": COLUMNS["cell"],
        "rnnbench layers": lambda r: ", ".join(dict.fromkeys(r["layer_classes"])),
        "steps/call": lambda r: str(r["steps_per_execution"]),
        **{name: COLUMNS[name] for name in (
            "rnnbench samples/s", "PyTorch samples/s", "rnnbench/PyTorch [min–max]",
            "PyTorch control [min–max]")},
        "control valid": lambda r: "yes" if r["valid"] else "**no: ratio not valid**",
        **{name: COLUMNS[name] for name in (
            "rnnbench G multiply-adds/s", "rnnbench % of GEMM rate",
            "PyTorch % of GEMM rate", "GEMM rate, G multiply-adds/s")},
    }
    return _markdown(columns, _rows("cpu_defaults_torch_gemm.json"))


def own_data_scale():
    """`file_series` on a 10M-row CSV against pandas' pyarrow reader, and its memory."""
    run = _rows("own_data_scale.json")
    s, mib = run["summary"], 2 ** 20
    columns = run["float32_bytes_of_selected_columns"]

    def seconds(what):
        values = sorted(r["seconds"] for r in run[what])
        return f"{values[len(values) // 2]:.2f} s ({values[0]:.2f} to {values[-1]:.2f})"

    def peak(what):
        values = sorted(r["peak_rss_above_baseline"] for r in run[what])
        value = values[len(values) // 2]
        return f"{value / mib:,.0f} MiB = {value / columns:.2f}x"
    rounds = sorted(s["load_over_pandas_per_round"])
    train = run["train_100_steps"]
    rows = [
        (f"`file_series` load: read, sort check, scaler, windows, hash "
         f"(median of {len(run['load'])}, range)", seconds("load")),
        ('`pandas.read_csv(engine="pyarrow")` of the same file', seconds("pandas_read_csv_pyarrow")),
        ("load / pandas: ratio of the medians (per round)",
         f"{s['load_over_pandas']:.2f}x ({rounds[0]:.2f} to {rounds[-1]:.2f}x)"),
        ("of the load: the file's SHA-256 for the manifest, timed alone", seconds("sha256")),
        (f"peak RSS above the process's own after imports, load (x the "
         f"{columns / mib:.0f} MiB float32 columns)", peak("load")),
        ('the same, `pandas.read_csv(engine="pyarrow")`', peak("pandas_read_csv_pyarrow")),
        ("load, then 100 training steps (LSTM 32, batch 32): peak RSS",
         f"{train['peak_rss_above_baseline'] / mib:,.0f} MiB = "
         f"{s['train_peak_over_float32_columns']:.2f}x; the steps took "
         f"{train['train_seconds']:.1f} s"),
        ("the windows if they were one array",
         f"{s['windows_if_materialised_bytes'] / 2 ** 30:.1f} GiB (held: views of the rows)"),
    ]
    return _markdown({"measure": lambda r: r[0], "value": lambda r: r[1]}, rows)


def _no_win_note(record):
    """Why `new` expects no win over persistence for this series, if it does."""
    said = " ".join(record["new_says"])
    return (" (too short to test for a random walk)" if "too few to test" in said
            else " (near a random walk)" if record["random_walk"] else "")


def real_series():
    """`rnnbench new`'s default forecast on real series, against persistence and ETS."""

    from real_series import verdict  # benchmarks/real_series.py, beside this script
    from rnnbench.runs import references, stats

    def row(name, record):
        values = list(record["test_mase"].values())
        mean, std, n = stats.summary(values)
        goal, met, compared = verdict(record)
        persistence = record["persistence_test_mase"]
        p = stats.p_text(compared["p"])
        kept = record.get("naive_start_kept")
        return [f"`{name}`", record["kind"], f"{record['rows']:,}",
                record["target_transform"] + _no_win_note(record),
                f"{references.mean_std_text(mean, std)} ({n})", f"{persistence:.4g}",
                f"{mean / persistence:.3f}", f"{compared['words']}{', ' + p if p else ''}",
                "—" if record["ets"]["test_mase"] is None else f"{record['ets']['test_mase']:.4g}",
                "—" if kept is None else f"{kept} of {n}",
                f"{goal}: {'met' if met else '**not met**'}"]
    columns = ["series", "kind", "rows", "target (new's choice)", "test MASE, mean ± std (n)",
               "persistence", "model / persistence", "vs persistence (one-sample t-test)",
               "ETS", "seeds that kept the naive start", "goal"]
    rows = [row(name, record) for name, record in _rows("real_series.json").items()]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def spe_run_cost():
    """Whole runs at one step a call against the old `auto` (min(16, steps per epoch))."""
    def ratio(row, side, median_key):
        runs = [r["run_s"] for r in row["runs"][side]]
        base = [r["run_s"] for r in row["runs"]["1"]]
        pairs = sorted(a / b for a, b in zip(runs, base))
        return f"{row[median_key]:.3f} [{pairs[0]:.2f}–{pairs[-1]:.2f}]"

    columns = {
        "experiment": lambda r: f"`{r['experiment']}`",
        "steps/epoch × epochs run": lambda r: f"{r['steps_per_epoch']} × {r['epochs']}",
        "K": lambda r: str(r["k"]),
        "run at K=1, s": lambda r: f"{r['medians']['1']['run_s']:.2f}",
        "run at K / at 1 [per-round min–max]":
            lambda r: ratio(r, "auto16", "auto_run_ratio"),
        "control: 1 / 1": lambda r: ratio(r, "1 (control)", "control_run_ratio"),
        "K's extra trace, s": lambda r: f"{r['extra_trace_s']:+.3f}",
        "K saves a step, ms": lambda r: f"{1000 * r['saving_per_step_s']:.2f}"
        if r["epochs"] > 1 else "(1 epoch)",
    }
    return _markdown(columns, _rows("spe_run_cost.json")["rows"])


def _payback(row):
    steps = row["payback_steps"]
    return "never" if steps is None else f"{steps:,}"


def unroll_grid():
    """Keras' loop against the unrolled loop per sequence length, with the control."""
    rows = [row for name in ("unroll_grid.json", "unroll_grid_gru.json")
            for row in _rows(name)["rows"]]
    columns = {
        "cell": lambda r: r["cell"],
        "time steps": lambda r: str(r["time_steps"]),
        "loop, ms a step": lambda r: f"{r['step_ms']['loop']:.2f}",
        "unrolled, ms a step": lambda r: f"{r['step_ms']['unrolled']:.2f}",
        "loop / unrolled": lambda r: f"{r['speedup']:.2f}",
        "control: loop / loop": lambda r: f"{r['control']:.2f}",
        "unrolled's extra trace, s": lambda r: f"{r['extra_trace_s']:+.2f}",
        "repaid after (steps)": _payback,
    }
    return _markdown(columns, rows)


def unrolled_runs():
    """Whole runs of the shipped SimpleRNN experiments, Keras' loop against unrolled."""
    columns = {
        "experiment": lambda r: f"`{r['experiment']}`",
        "time steps": lambda r: str(r["time_steps"]),
        "steps/epoch × epochs run": lambda r: f"{r['steps_per_epoch']} × {r['epochs']}",
        "loop / unrolled, a step": lambda r: f"{r['step_speedup']:.2f}",
        "control: loop / loop": lambda r: f"{r['control_step_ratio']:.2f}",
        "unrolled's extra trace, s": lambda r: f"{r['extra_trace_s']:+.2f}",
        "repaid after (steps)": _payback,
        "steps at its own epochs": lambda r: f"{r['planned_steps_at_its_epochs']:,}",
        "run s: loop, control, unrolled": lambda r: ", ".join(
            f"{r['medians'][side]['run_s']:.1f}"
            for side in ("keras", "keras (control)", "unrolled")),
    }
    return _markdown(columns, _rows("unrolled_run_cost.json")["rows"])


def allocator_state():
    """Workload B's LSTM in fresh processes: glibc's thresholds as they start, or fixed."""
    columns = {
        "process before the timing": lambda r: r["mode"],
        "side": lambda r: "PyTorch twin" if r["side"] == "torch" else "rnnbench",
        "samples/s": lambda r: f"{r['samples_per_s']:,}",
        "× a fresh process [min–max]": lambda r: (
            f"{r['vs_fresh']:.2f} [{r['vs_fresh_min']:.2f}–{r['vs_fresh_max']:.2f}]"),
    }
    return _markdown(columns, _rows("allocator_state.json")["rows"])


def hoisted_kernels():
    """The hoisted input projection (and BlockLSTM) against Keras' loop, with the control."""
    def ratio(kernel):
        return lambda r: (f"{r[f'ratio_{kernel}']:.3f} [{r[f'ratio_{kernel}_low']:.3f}–"
                          f"{r[f'ratio_{kernel}_high']:.3f}]" if f"ratio_{kernel}" in r else "")
    columns = {"workload": COLUMNS["workload"], "cell": COLUMNS["cell"],
               "control [95%]": ratio("control"), "hoisted [95%]": ratio("hoisted"),
               "BlockLSTM (`FusedLSTM`) [95%]": ratio("block"),
               "control valid": lambda r: "yes" if r["valid"] else "**no**"}
    return _markdown(columns, _rows("hoisted_kernels_amd.json"))


def tables():
    """`{marker name: Markdown table}` for docs/benchmarks.md and docs/kernels.md."""
    return {"vs-keras": vs_keras(), "vs-pytorch": vs_pytorch(),
            "own-data-scale": own_data_scale(), "real-series": real_series(),
            "spe-run-cost": spe_run_cost(), "unroll-grid": unroll_grid(),
            "unrolled-runs": unrolled_runs(), "allocator-state": allocator_state(),
            "hoisted-kernels": hoisted_kernels()}


def write(path):
    """Replaces, in the page at `path`, every generated table it has a marker for."""
    text = Path(path).read_text()
    for name, body in tables().items():
        if f"<!-- generated: {name} -->" in text:
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
