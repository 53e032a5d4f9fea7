"""What a sweep's confirmation measured, read back from `confirm.json`.

`rnnbench.sweeps.confirm` re-runs a sweep's top trials over fresh seeds and
writes `confirm.json` into the sweep folder; the leaderboard reads it here
(so the two modules do not import each other) and shows each confirmed
trial's mean, sample std, n and 95 % interval of the objective, and whether
it is distinguishable from the confirmed best (Welch's t-test).
"""

import json
from pathlib import Path

from rnnbench.runs import stats

FILE = "confirm.json"
PREFIX = "confirmed/"  # its HParams scalars in each confirmed trial's session


def read(sweep_dir):
    """The confirmation record of `sweep_dir` (plain data), or None when there is none."""
    path = Path(sweep_dir) / FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def columns(record):
    """`{trial_id: {column: value}}`: the leaderboard's confirmation columns."""
    if not record:
        return {}
    objective = record["objective"]
    out = {}
    for trial in record["trials"]:
        mean, std, n = stats.summary(trial["values"][objective].values())
        out[trial["trial_id"]] = {
            "confirmed rank": trial["rank"],
            f"confirmed {objective} (mean ± std)":
                f"{mean:.4g}" if std is None else f"{mean:.4g} ± {std:.2g}",
            "confirmed n": n,
            "confirmed 95% CI": stats.interval_text(stats.interval(mean, std, n)),
            "vs confirmed best": trial["versus_best"],
        }
    return out


def add_columns(frame, sweep_dir):
    """`frame` (the leaderboard) with the confirmation columns, where there is a record."""
    found = columns(read(sweep_dir))
    if not found or frame.empty:
        return frame
    for name in next(iter(found.values())):
        frame[name] = [found.get(str(t), {}).get(name) for t in frame["trial_id"]]
    return frame
