"""A 10M-row price CSV as `file_series`: load time, peak memory, windows, 100 steps.

    python benchmarks/own_data_scale.py [--rows 10000000] [--window 50]
        [--out benchmarks/own_data_scale.json] [--keep-csv PATH]

Writes a CSV of `rows` rows (time, open, high, low, close, volume; a random
walk, one row a minute), runs one unrecorded warm-up round (the file in the
page cache), then `--repeats` interleaved rounds, each measurement in a fresh
process (so each starts from the same imports):

- `load`: `file_series` loads it (close forecast from all five price columns,
  `window` rows, standard scaling): wall time, and peak RSS above the
  process's own RSS after its imports (Linux: VmHWM after clearing it
  through /proc/self/clear_refs), against 3x the float32 size of the six
  selected columns (the time column is counted as one);
- `pandas`: `pandas.read_csv(engine="pyarrow")` of the same file, the same
  way (it only parses: no sort check, no scaling, no windows, no hash);
- `sha256`: the file's SHA-256 alone (the load computes it from the bytes it
  parses, for the manifest; pandas has nothing of the kind);
- `train_100_steps`: load, then 100 training steps of a 32-unit LSTM with
  batch 32 (windows fed a batch at a time), with its peak RSS.

The windows' size if materialised (rows x window x features x 4 bytes) is
printed beside what the split arrays hold. Prints a Markdown table and writes
the JSON.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MEASURE = r"""
import json, os, sys, time
sys.path.insert(0, {root!r})
import numpy as np, pandas as pd, pyarrow
import keras, tensorflow as tf
from rnnbench.data.own.series_file import FileSeries

def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) restarts from the RSS now
baseline = rss("VmRSS")
params = {{"path": {path!r}, "time_column": "time", "targets": "close",
          "features": ["open", "high", "low", "volume"], "window": {window}}}
start = time.perf_counter()
out = {{}}
if {what!r} == "pandas":
    frame = pd.read_csv({path!r}, engine="pyarrow")
    out["seconds"] = time.perf_counter() - start
    out["rows"] = len(frame)
elif {what!r} == "sha256":
    from rnnbench.data.own import reading
    reading.file_facts([{path!r}])
    out["seconds"] = time.perf_counter() - start
else:
    splits = FileSeries().load(params, {{"val": 0.15, "test": 0.15}}, "standard")
    out["seconds"] = time.perf_counter() - start
    out["windows"] = {{p: len(getattr(splits, p)) for p in ("train", "val", "test")}}
    out["window_bytes_if_materialised"] = int(sum(
        np.prod(getattr(splits, p).x.shape, dtype=np.int64) * 4
        for p in ("train", "val", "test")))
    out["rows"] = splits.info["rows"]
    if {what!r} == "train_100_steps":
        from rnnbench.data.own import feeding
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input(splits.train.x.shape[1:]),
                                  keras.layers.LSTM(32), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        fit = feeding.fit_arguments(splits, 32, seed=1)
        fit.pop("validation_data")
        started = time.perf_counter()
        model.fit(**fit, epochs=1, steps_per_epoch=100, verbose=0)
        out["train_seconds"] = time.perf_counter() - started
out["baseline_rss"] = baseline
out["peak_rss_above_baseline"] = rss("VmHWM") - baseline
print("RESULT " + json.dumps(out))
"""


def write_csv(path, rows, seed=0):
    """A random-walk price table, one row a minute, written in blocks with pyarrow."""
    import numpy as np
    import pyarrow as pa
    from pyarrow import csv

    rng = np.random.default_rng(seed)
    block, level = 1_000_000, 100.0
    start = np.datetime64("2000-01-01T00:00:00")
    with csv.CSVWriter(str(path), pa.schema([
            ("time", pa.timestamp("s")), ("open", pa.float32()), ("high", pa.float32()),
            ("low", pa.float32()), ("close", pa.float32()), ("volume", pa.int32())])) as w:
        for first in range(0, rows, block):
            n = min(block, rows - first)
            close = level + np.cumsum(rng.normal(0, 0.05, n))
            level = close[-1]
            w.write(pa.table({
                "time": start + np.arange(first, first + n).astype("timedelta64[m]"),
                "open": (close + rng.normal(0, 0.02, n)).astype(np.float32),
                "high": (close + rng.random(n) * 0.1).astype(np.float32),
                "low": (close - rng.random(n) * 0.1).astype(np.float32),
                "close": close.astype(np.float32),
                "volume": rng.integers(100, 10_000, n).astype(np.int32)}))


def measure(what, path, window):
    code = _MEASURE.format(root=str(ROOT), path=str(path), window=window, what=what)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5,
                        help="load and pandas runs, interleaved (the median is shown)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "own_data_scale.json"))
    parser.add_argument("--keep-csv", help="write the CSV here and keep it")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="own-data-scale-"))
    path = Path(args.keep_csv) if args.keep_csv else folder / "prices.csv"
    started = time.perf_counter()
    if not path.exists():
        write_csv(path, args.rows)
    written_s = time.perf_counter() - started
    csv_bytes = path.stat().st_size
    os.sync()  # the new file's write-back would otherwise slow the first rounds
    runs = {"load": [], "pandas": [], "sha256": []}
    for what in runs:  # a warm-up round, not recorded: the file's pages into the cache
        measure(what, path, args.window)
    for _ in range(args.repeats):  # interleaved: a busy moment slows both
        for what in runs:
            runs[what].append(measure(what, path, args.window))
    train = measure("train_100_steps", path, args.window)
    if not args.keep_csv:
        path.unlink()
        folder.rmdir()

    def median(what, key):
        values = sorted(r[key] for r in runs[what])
        return values[len(values) // 2]

    selected = args.rows * 6 * 4
    result = {
        "command": "python benchmarks/own_data_scale.py " + " ".join(sys.argv[1:]),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": os.cpu_count(), "python": platform.python_version()},
        "rows": args.rows, "window": args.window, "csv_bytes": csv_bytes,
        "csv_write_seconds": round(written_s, 1),
        "float32_bytes_of_selected_columns": selected,
        "load": runs["load"], "pandas_read_csv_pyarrow": runs["pandas"],
        "sha256": runs["sha256"],
        "train_100_steps": train,
        "summary": {
            "load_seconds": median("load", "seconds"),
            "pandas_seconds": median("pandas", "seconds"),
            "load_over_pandas": median("load", "seconds") / median("pandas", "seconds"),
            "load_over_pandas_per_round": [
                a["seconds"] / b["seconds"] for a, b in zip(runs["load"], runs["pandas"])],
            "sha256_seconds": median("sha256", "seconds"),
            "load_peak_over_float32_columns":
                median("load", "peak_rss_above_baseline") / selected,
            "pandas_peak_over_float32_columns":
                median("pandas", "peak_rss_above_baseline") / selected,
            "train_peak_over_float32_columns": train["peak_rss_above_baseline"] / selected,
            "windows_if_materialised_bytes": train["window_bytes_if_materialised"],
        },
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    s = result["summary"]
    mb = 2 ** 20
    print(f"| measure ({args.rows:,} rows, window {args.window}) | value |\n|---|---|")
    print(f"| file_series load (median of {args.repeats}) | {s['load_seconds']:.1f} s |")
    print(f"| pandas.read_csv(engine='pyarrow') | {s['pandas_seconds']:.1f} s |")
    rounds = sorted(s["load_over_pandas_per_round"])
    print(f"| load / pandas | {s['load_over_pandas']:.2f}x (rounds {rounds[0]:.2f}-"
          f"{rounds[-1]:.2f}x) |")
    print(f"| of the load: the file's SHA-256 (for the manifest), alone | "
          f"{s['sha256_seconds']:.1f} s |")
    print(f"| peak RSS above baseline, load | {median('load', 'peak_rss_above_baseline') / mb:.0f}"
          f" MB = {s['load_peak_over_float32_columns']:.2f}x the {selected / mb:.0f} MB "
          "float32 columns |")
    print(f"| peak RSS above baseline, pandas | "
          f"{median('pandas', 'peak_rss_above_baseline') / mb:.0f} MB |")
    print(f"| load + 100 steps (LSTM 32, batch 32): peak RSS above baseline | "
          f"{train['peak_rss_above_baseline'] / mb:.0f} MB = "
          f"{s['train_peak_over_float32_columns']:.2f}x |")
    print(f"| 100 training steps | {train['train_seconds']:.1f} s |")
    print(f"| windows if materialised | {s['windows_if_materialised_bytes'] / 2**30:.1f} GiB "
          "(held: views of the float32 rows) |")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
