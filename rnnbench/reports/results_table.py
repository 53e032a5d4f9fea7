"""`rnnbench results`: one table over every run folder under the results root.

Plain runs live in `<root>/<experiment>/<run_id>/`, sweep trials in
`<root>/sweeps/<sweep>/<sweep_id>/trials/<trial_id>/`. Failed, interrupted
and half-written folders are listed with their problem, never dropped.
"""

import functools
from pathlib import Path

import pandas as pd
import yaml

from rnnbench.config import schema, yaml_text
from rnnbench.data import tasks
from rnnbench.errors import UserError
from rnnbench.runs import folders

COLUMNS = ["experiment", "sweep", "run_id", "date", "status", "cells", "params",
           "epochs", "wall_time_s"]


def run_folders(root):
    """`(sweep_name or None, folder)` for every run folder under `root`."""
    root = Path(root)
    if not root.is_dir():
        return
    for experiment in sorted(p for p in root.iterdir() if p.is_dir()):
        if experiment.name in ("sweeps", "studies"):
            members = "trials" if experiment.name == "sweeps" else "runs"
            for run in sorted(experiment.glob(f"*/*/{members}/*")):
                if run.is_dir():
                    yield run.parent.parent.parent.name, run
            continue
        for run in sorted(p for p in experiment.iterdir() if p.is_dir()):
            yield None, run


def describe(sweep, folder):
    """One row for a run folder; `problem` says what is wrong with it, if anything."""
    run_id = f"{folder.parent.parent.name}/{folder.name}" if sweep else folder.name
    row = {"experiment": folder.parent.name if not sweep else None, "sweep": sweep,
           "run_id": run_id, "run_dir": str(folder)}
    if sweep:
        row["sweep_objective"] = sweep_objective(folder.parent.parent)
    record = folders.read_run(folder)
    problems = [record.problems[name] for name in ("manifest.json", "config.yaml")
                if name in record.problems]
    manifest = record.manifest
    if manifest:
        row.update(experiment=manifest.get("experiment", row["experiment"]),
                   date=manifest.get("started_at"), status=record.status,
                   params=manifest.get("params"),
                   git_commit=(manifest.get("git") or {}).get("commit"))
        if manifest.get("error"):
            problems.append(manifest["error"])
    else:
        row["status"] = "unknown"
    if record.config:
        layers = (record.config.get("model") or {}).get("layers") or []
        row["cells"] = "+".join(("bi-" if l.get("bidirectional") else "") + str(l.get("cell"))
                                for l in layers if isinstance(l, dict))
    if row.get("status") == "completed":
        if "metrics.json" in record.problems:
            problems.append(record.problems["metrics.json"])
        elif record.metrics:
            metrics = record.metrics
            row.update(epochs=metrics.get("epochs_run"),
                       wall_time_s=metrics.get("wall_time_s"),
                       baseline=metrics.get("baseline"))
            row.update(record.scores(("val_", "test_", "baseline_test_")))
    row["problem"] = "; ".join(problems) or None
    return row


@functools.lru_cache(maxsize=None)
def sweep_objective(sweep_dir):
    """The metric a sweep folder optimized (its sweep.yaml), or None if unreadable."""
    try:
        raw = yaml_text.load((Path(sweep_dir) / "sweep.yaml").read_text())
    except (OSError, ValueError, yaml.YAMLError):
        return None
    if not isinstance(raw, dict):
        return None
    tuner = raw.get("tuner") or {}  # Keras Tuner's default, as TunerConfig's
    return tuner.get("objective", "val_loss") if isinstance(tuner, dict) else None


def empty_message(root):
    """What `rnnbench results` says when there is nothing to show."""
    return (f"No run folders under {Path(root).resolve()} (looked for "
            f"<experiment>/<run_id>/, sweeps/<sweep>/<id>/trials/ and "
            f"studies/<study>/<id>/runs/). Make some with `rnnbench run NAME`, "
            f"`rnnbench tune SWEEP` or `rnnbench study STUDY` (`rnnbench list` names "
            f"them), or point --results-dir or $RNNBENCH_RESULTS at another folder.")


def table(root, name=None, sort=None):
    """The results as a DataFrame, filtered by experiment or sweep name."""
    rows = [describe(sweep, folder) for sweep, folder in run_folders(root)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    for column in ("params", "epochs"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
    if name:
        frame = frame[(frame["experiment"] == name) | (frame["sweep"] == name)]
        if frame.empty:
            raise UserError(f"No runs of {name!r} under {root}. "
                            f"Known: {sorted(set(r['experiment'] for r in rows) - {None})}"
                            f" and sweeps {sorted(set(r['sweep'] for r in rows) - {None})}.")
    if sort:
        if sort not in frame:
            metrics = sorted(c for c in frame if c.startswith(("val_", "test_")))
            columns = [c for c in frame if c not in ("run_dir", "problem", "sweep_objective")]
            raise UserError(f"Expected `--sort` to be one of {metrics} (or another column "
                            f"of the table). Received: {sort!r}"
                            + schema.close_matches_hint(sort, metrics + columns))
        frame = frame.sort_values(sort, ascending=not tasks.higher_is_better(sort),
                                  na_position="last", kind="stable")
    hidden = ["problem", "run_dir"] + (["sweep_objective"] if "sweep_objective" in frame
                                        else [])
    ordered = [c for c in COLUMNS if c in frame] + sorted(
        c for c in frame if c not in COLUMNS and c not in hidden)
    return frame[ordered + hidden].reset_index(drop=True)


def render(frame, fmt="table", columns=None):
    """Formats the table as aligned text, CSV or a Markdown table."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    shown = frame[[c for c in (columns or frame.columns) if c in frame]]
    shown = shown.dropna(axis=1, how="all")
    if fmt == "markdown":
        cells = shown.astype(object).where(shown.notna(), "")
        lines = ["| " + " | ".join(map(str, cells.columns)) + " |",
                 "|" + "---|" * len(cells.columns)]
        lines += ["| " + " | ".join(_fmt(v) for v in row) + " |"
                  for row in cells.itertuples(index=False)]
        return "\n".join(lines)
    return shown.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.4g}")


def _fmt(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def default_columns(frame, sort=None):
    """The columns worth a terminal's width: identity, status, size, key metrics,
    the sort column and the objectives of the sweeps shown."""
    keep = COLUMNS + ["val_loss", "test_loss"]
    keep += [c for c in frame if c.startswith("test_") and c not in keep
             and not c.endswith("_original")][:3]
    objectives = frame["sweep_objective"].dropna().unique() if "sweep_objective" in frame \
        else []
    keep += [c for c in dict.fromkeys([sort, *objectives]) if c and c not in keep]
    return keep + ["problem"]
