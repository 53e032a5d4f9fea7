"""A sweep's leaderboard, rebuilt from what is on disk after every trial.

One row per Keras Tuner trial (its `trial.json` is the authority on status
and hyperparameters), joined with the trial's run folder. Deriving it from
files means a resumed or distributed sweep can neither lose nor duplicate
a row.
"""

import copy
import errno
import json
import os
from pathlib import Path

import pandas as pd

from rnnbench.errors import DISK_ERRNOS
from rnnbench.runs import folders
from rnnbench.sweeps import confirmed

FIRST_COLUMNS = ["rank", "trial_id", "status", "objective"]


def trial_rows(sweep_dir, sweep):
    """Dicts describing every trial the tuner knows about."""
    import keras_tuner as kt
    names = [p.path for p in sweep.params]
    rows = []
    for trial_json in sorted(Path(sweep_dir, "tuner").glob("trial_*/trial.json")):
        state = read_trial(trial_json)
        problem = None if state is None else trial_problem(state)
        if state is None or problem:
            rows.append(unreadable_row(trial_json, names, problem))
            continue
        hp = kt.HyperParameters.from_config(state["hyperparameters"])
        row = {"trial_id": state["trial_id"], "status": state["status"],
               "objective": state.get("score")}
        if getattr(sweep, "evaluation", None) is not None:  # the folds, beside the mean
            from rnnbench.sweeps import evaluation
            row.update(evaluation.leaderboard_facts(
                Path(sweep_dir, "trials", state["trial_id"]), sweep.tuner.objective))
        row.update({name: hp.values.get(name) if hp.is_active(name) else None
                    for name in names})
        facts = run_facts(Path(sweep_dir, "trials", state["trial_id"]))
        run_error = facts.pop("run_error", None)
        run_status = facts.pop("run_status", None)
        row.update(facts)
        if row["status"] == "RUNNING" and run_error:
            # Keras Tuner leaves the trial that tripped max_consecutive_failed_trials
            # as RUNNING; its run folder knows it failed.
            row["status"] = "FAILED"
        elif row["status"] == "RUNNING" and run_status in ("died", "interrupted"):
            # trial.json still says RUNNING when the process was killed or stopped;
            # the run folder's manifest (pid, heartbeat) knows it is not.
            row["status"] = run_status.upper()
        message = run_error or (state.get("message") or "").strip()
        if message and row["status"] != "COMPLETED":
            row["error"] = message.splitlines()[-1][:300]
        if row["status"] == "FAILED":
            # `--resume` re-runs what the environment broke, not what the config did.
            row["failure"] = ("environment" if environment_failure(state, run_status,
                                                                   run_error)
                              else "configuration")
        rows.append(row)
    return rows


def environment_failure(state, run_status=None, run_error=None):
    """Why a FAILED trial failed because of where it ran (a full or read-only disk, a
    killed run), or None when its configuration failed it (NaN loss, too large, ...).

    Args:
        state: its trial.json; run_status, run_error: its run folder's (`run_facts`).
    """
    if run_status in ("died", "interrupted"):
        return f"its run {run_status}"
    text = f"{run_error or ''}\n{state.get('message') or ''}"
    for number in DISK_ERRNOS:
        if os.strerror(number) in text or errno.errorcode[number] in text:
            return os.strerror(number).lower()
    return None


def environment_failures(sweep_dir):
    """`{trial id: cause}` of the FAILED trials `environment_failure` blames on the
    environment, from the tuner's trial.json files and the trials' run folders."""
    found = {}
    for trial_json in sorted(Path(sweep_dir, "tuner").glob("trial_*/trial.json")):
        state = read_trial(trial_json)
        if state is None or state["status"] != "FAILED":
            continue
        facts = run_facts(Path(sweep_dir, "trials", state["trial_id"]))
        cause = environment_failure(state, facts.get("run_status"), facts.get("run_error"))
        if cause:
            found[state["trial_id"]] = cause
    return found


def read_trial(trial_json):
    """A trial.json's state, or None when it is empty, truncated or not a trial."""
    try:
        state = json.loads(trial_json.read_text())
    except (OSError, ValueError):
        return None
    keys = ("trial_id", "status", "hyperparameters")
    return state if isinstance(state, dict) and all(k in state for k in keys) else None


# The statuses Keras Tuner writes; anything else is a damaged trial.json.
KNOWN_STATUSES = ("RUNNING", "IDLE", "INVALID", "STOPPED", "COMPLETED", "FAILED")


def trial_problem(state):
    """What makes a parsed trial.json unusable for a row, or None."""
    import keras_tuner as kt
    if state["status"] not in KNOWN_STATUSES:
        return f"unknown status {state['status']!r} (expected one of {list(KNOWN_STATUSES)})"
    score = state.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        return f"score {score!r} is not a number"
    try:
        # from_config turns the config's conditions into objects in place: a copy.
        kt.HyperParameters.from_config(copy.deepcopy(state["hyperparameters"]))
    except Exception as e:  # noqa: BLE001  (any shape Keras Tuner cannot read)
        return f"hyperparameters unreadable ({type(e).__name__})"
    return None


def unreadable_row(trial_json, names, problem=None):
    """A damaged trial.json still gets its row, so the board never hides a trial."""
    trial_id = trial_json.parent.name.removeprefix("trial_")
    what = f"has {problem}" if problem else "is empty or not valid JSON"
    row = {"trial_id": trial_id, "status": "UNREADABLE", "objective": None,
           **dict.fromkeys(names), "error": f"{trial_json} {what}"}
    row.update({k: v for k, v in run_facts(Path(trial_json.parents[2], "trials", trial_id))
                .items() if k not in ("run_error", "run_status")})
    return row


def run_facts(trial_dir):
    """Parameters, epochs, wall time and val/test metrics from a run folder."""
    run_dirs = [trial_dir] if (trial_dir / "manifest.json").exists() else \
        sorted(trial_dir.glob("execution_*"))
    facts = {"run_dir": str(trial_dir)}
    for run_dir in run_dirs[:1]:
        record = folders.read_run(run_dir)
        facts["run_status"] = record.status
        if record.status == "failed":
            facts["run_error"] = record.manifest.get("error", "failed")
        if record.metrics is None:
            continue
        metrics = record.metrics
        facts.update({"params": metrics.get("params"), "epochs_run": metrics.get("epochs_run"),
                      "wall_time_s": metrics.get("wall_time_s")})
        facts.update(record.scores())
    return facts


def build(sweep_dir, sweep):
    """The leaderboard as a DataFrame: completed trials by objective, then the rest."""
    rows = trial_rows(sweep_dir, sweep)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=FIRST_COLUMNS)
    ascending = sweep.tuner.objective_direction == "min"
    done = frame["status"] == "COMPLETED"
    ranked = frame[done].sort_values("objective", ascending=ascending, kind="stable")
    rest = frame[~done].sort_values("trial_id")
    frame = pd.concat([ranked, rest], ignore_index=True)
    frame.insert(0, "rank", [i + 1 if s == "COMPLETED" else None
                             for i, s in enumerate(frame["status"])])
    frame["rank"] = frame["rank"].astype("Int64")
    frame = frame.rename(columns={"objective": f"objective ({sweep.tuner.objective})"})
    return confirmed.add_columns(frame, sweep_dir)  # `--confirm`: mean ± std over seeds


def write(sweep_dir, sweep):
    """Writes `leaderboard.csv` atomically; returns the DataFrame."""
    frame = build(sweep_dir, sweep)
    folders.write_text_atomic(Path(sweep_dir) / "leaderboard.csv", frame.to_csv(index=False))
    return frame
