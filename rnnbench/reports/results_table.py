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

COLUMNS = ["experiment", "sweep", "study", "run_id", "date", "status", "cells", "params",
           "epochs", "wall_time_s"]
# Columns kept for filtering and CSV but never shown in the terminal table.
HIDDEN = ["problem", "run_dir", "sweep_objective", "reference_metric"]
# `<root>/<folder>/<name>/<id>/<members>/<run>`: the groups of runs and their column.
GROUPS = {"sweeps": ("sweep", "trials"), "studies": ("study", "runs")}


def run_folders(root):
    """`(group_column or None, group_name or None, folder)` for every run folder.

    `group_column` is "sweep" for a sweep's trial, "study" for a study's run
    and None for a plain run.
    """
    root = Path(root)
    if not root.is_dir():
        return
    for experiment in sorted(p for p in root.iterdir() if p.is_dir()):
        if experiment.name == "backtests":  # folds on shortened splits: backtest.json
            continue
        if experiment.name in GROUPS:
            column, members = GROUPS[experiment.name]
            for run in sorted(experiment.glob(f"*/*/{members}/*")):
                if run.is_dir():
                    yield column, run.parent.parent.parent.name, run
            continue
        for run in sorted(p for p in experiment.iterdir() if p.is_dir()):
            yield None, None, run


def describe(group, name, folder):
    """One row for a run folder; `problem` says what is wrong with it, if anything.

    Args:
        group: "sweep", "study" or None (a plain run), as `run_folders` yields.
        name: the sweep's or study's name (None for a plain run).
        folder: the run folder.
    """
    run_id = f"{folder.parent.parent.name}/{folder.name}" if group else folder.name
    row = {"experiment": folder.parent.name if not group else None,
           "sweep": name if group == "sweep" else None,
           "study": name if group == "study" else None,
           "run_id": run_id, "run_dir": str(folder)}
    if group == "sweep":
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
        reference = record.config.get("reference")
        if isinstance(reference, dict) and isinstance(reference.get("metric"), str):
            row["reference_metric"] = reference["metric"]
    if row.get("status") == "completed":
        if "metrics.json" in record.problems:
            problems.append(record.problems["metrics.json"])
        elif record.metrics:
            metrics = record.metrics
            for column, key in (("epochs", "epochs_run"), ("wall_time_s", "wall_time_s")):
                value = metrics.get(key)
                if value is None or _is_number(value):
                    row[column] = value
                else:
                    problems.append(f"metrics.json: `{key}` is not a number ({value!r:.40})")
            row["baseline"] = metrics.get("baseline")
            row.update(record.scores(("val_", "test_", "baseline_test_", "ets_test_")))
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


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table(root, name=None, sort=None):
    """The results as a DataFrame, filtered by experiment, sweep or study name.

    Raises:
        UserError: when `root` is not a folder, `name` matches no run, or
            `sort` is not a column.
    """
    if not Path(root).is_dir():
        raise UserError(
            f"Expected the results root to be a folder. Received: {str(root)!r}, "
            f"which {'is not a folder' if Path(root).exists() else 'does not exist'}. "
            "Pass --results-dir (or set $RNNBENCH_RESULTS) to the folder your runs "
            "wrote to (default ./results).")
    rows = [describe(*found) for found in run_folders(root)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    for column in ("params", "epochs"):
        if column in frame:
            numbers = pd.to_numeric(frame[column], errors="coerce")
            frame[column] = numbers.round().astype("Int64")
    if name:
        frame = frame[(frame["experiment"] == name) | (frame["sweep"] == name)
                      | (frame["study"] == name)]
        if frame.empty:
            def known(column):
                return sorted(set(r[column] for r in rows) - {None})
            raise UserError(f"No runs of {name!r} under {root}. Known experiments: "
                            f"{known('experiment')}, sweeps: {known('sweep')}, "
                            f"studies: {known('study')}.")
    if sort:
        if sort not in frame:
            metrics = sorted(c for c in frame if c.startswith(("val_", "test_")))
            columns = [c for c in frame if c not in HIDDEN]
            raise UserError(f"Expected `--sort` to be one of {metrics} (or another column "
                            f"of the table). Received: {sort!r}"
                            + schema.close_matches_hint(sort, metrics + columns))
        frame = frame.sort_values(sort, ascending=not tasks.higher_is_better(sort),
                                  na_position="last", kind="stable")
    hidden = [c for c in HIDDEN if c in frame]
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
    """The columns worth a terminal's width.

    Identity, status and size; the reference metric of each experiment shown
    (its `reference.metric`) with the same metric of its naive baseline (and of
    the ETS baseline, for a forecast series), then
    the sort column, the objectives of the sweeps shown and the losses; test
    metrics in alphabetical order only fill up to three where no experiment
    names one.
    """
    def present(column):
        return column in frame and column not in keep

    def unique(column):
        return frame[column].dropna().unique().tolist() if column in frame else []

    keep = list(COLUMNS)
    for metric in [*unique("reference_metric"), sort, *unique("sweep_objective")]:
        # The naive and, for a forecast series, the ETS baseline (issue 31).
        for column in (metric, f"baseline_{metric}", f"ets_{metric}"):
            if column and present(column):
                keep.append(column)
    keep += [c for c in ("val_loss", "test_loss") if present(c)]
    if not unique("reference_metric"):
        fill = [c for c in frame if c.startswith("test_") and present(c)
                and not c.endswith("_original")][:3]
        keep += [c for metric in fill for c in (metric, f"baseline_{metric}", f"ets_{metric}")
                 if present(c)]
    return keep + ["problem"]
