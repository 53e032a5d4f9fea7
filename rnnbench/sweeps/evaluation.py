"""A sweep's `evaluation:` block: what each trial's objective is measured on.

Without it a trial is one run, scored on the experiment's own validation part
(one chronological cut: the sweep may select whatever happens to fit that
stretch of the series). With

    evaluation:
      backtest: {folds: 3}

each trial of a forecast sweep is trained and scored on K rolling-origin folds
with an expanding training window, exactly the folds of `rnnbench backtest`
(`rnnbench.runs.backtest.plan`): fold k validates on the V positions just
before its test block and trains on everything earlier; fold K is the
experiment's own split. The trial's objective, and every `val_*`/`train_*`
metric reported to Keras Tuner, is the mean over the folds of each fold
model's own validation score: no fold's test part is read.

A trial folder (`trials/<id>/`) is then fold K's run (so `rnnbench run
trials/<id>/config.yaml`, `rnnbench results`, `--confirm` and `promote` see an
ordinary run, the experiment's own split), the other folds' runs are in
`trials/<id>/folds/fold<k>/`, and `trials/<id>/evaluation.json` records each
fold's positions and metrics and the mean ± sample std of each metric. With
`tuner.executions_per_trial: E` every execution runs all K folds
(`execution_<e>/`, `execution_<e>/folds/fold<k>/`) and a fold's value is the
mean over its executions.
"""

import dataclasses
import json
import math
from pathlib import Path
from typing import Optional

from rnnbench.config import schema
from rnnbench.errors import UserError
from rnnbench.runs import folders, stats

FILE = "evaluation.json"
FOLDS_DIR = "folds"


@dataclasses.dataclass(frozen=True)
class BacktestEvaluation:
    """`evaluation.backtest`: the objective is a mean over `folds` rolling-origin folds."""

    folds: int = schema.field(3, min=2)


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
    """`evaluation:` of a sweep file (absent: the experiment's own split)."""

    backtest: Optional[BacktestEvaluation] = None


def backtest_of(sweep):
    """The sweep's `evaluation.backtest` block, or None."""
    return sweep.evaluation.backtest if sweep.evaluation is not None else None


def check(sweep, experiments):
    """`evaluation:` must act: a backtest of forecasts of one series, on a validation metric.

    Args:
        sweep: the parsed `SweepConfig`.
        experiments: the validated candidate trials (`definition.check_space`).

    Raises:
        UserError: an empty block, an objective that is not a `val_*` metric,
            or a candidate trial that is not a forecast of one series.
    """
    from rnnbench.runs import backtest

    if sweep.evaluation is None:
        return
    chosen = backtest_of(sweep)
    if chosen is None:
        raise UserError("Expected `evaluation` to hold `backtest: {folds: K}` (K >= 2: each "
                        "trial's objective is its mean over K rolling-origin folds), or no "
                        "`evaluation` key for one chronological cut. Received: "
                        f"{given(sweep.evaluation)!r}")
    if sweep.confirm is not None:
        raise UserError(
            "Expected no `confirm:` block with `evaluation.backtest`: a confirmation "
            "re-runs the top trials on the experiment's own split only, not on the folds "
            "they were selected on. Received: `confirm` "
            f"{schema.to_plain(sweep.confirm)!r}")
    if not sweep.tuner.objective.startswith("val_"):
        raise UserError(
            f"Expected `tuner.objective` to be a validation metric (`val_*`) with "
            f"`evaluation.backtest`: each fold's model is scored on its own validation "
            f"block, never on test. Received: {sweep.tuner.objective!r}")
    seen = set()
    for exp in experiments:
        key = repr((exp.data.name, exp.data.task, exp.data.params))
        if key in seen:
            continue
        seen.add(key)
        try:
            backtest.check_series(exp, where="`evaluation.backtest`")
        except UserError as e:
            raise UserError(
                f"{e} `evaluation` takes `backtest: {{folds: K}}` for forecast sweeps of "
                "one series only; remove it to score each trial on the experiment's own "
                "validation part.") from None


def given(block):
    """A parsed block as the user wrote it: plain data without its unset keys."""
    return {k: v for k, v in schema.to_plain(block).items() if v is not None}


def check_folds(sweep, exp):
    """The folds fit the base experiment's series (reads its data); returns the plan."""
    from rnnbench.runs import backtest

    chosen = backtest_of(sweep)
    if chosen is None:
        return None
    return backtest.plan(exp, chosen.folds, where="evaluation.backtest.folds")


def run_trial(tuner, trial, exp):
    """Runs a trial's folds (each execution's) and returns the metrics for Keras Tuner.

    Args:
        tuner: the `tuning.SweepTuner` (its `run_once` runs one fold).
        trial: the Keras Tuner trial.
        exp: the trial's validated experiment.

    Returns:
        `(metrics, baseline name)`: the mean over folds of each `val_*` and
        `train_*` metric (and of their baselines').
    """
    import keras_tuner as kt

    from rnnbench.runs import backtest

    folds = backtest_of(tuner.sweep).folds
    try:
        chosen = backtest.plan(exp, folds, where="evaluation.backtest.folds")
    except UserError as e:  # a swept window can leave too few positions
        raise kt.errors.FailedTrialError(f"invalid trial config: {e}") from None
    trial_dir = tuner.sweep_dir / "trials" / trial.trial_id  # set aside by the tuner
    runs = tuner.sweep.tuner.executions_per_trial
    per_fold = {k: [] for k in range(1, folds + 1)}
    baseline = None
    for e in range(runs):
        run_dir = trial_dir if runs == 1 else trial_dir / f"execution_{e}"
        seeded = dataclasses.replace(exp, seed=exp.seed + e)
        # Fold K (the experiment's own split) first: it is the trial folder itself.
        for k in [folds, *range(1, folds)]:
            fold_exp = seeded if k == folds else backtest.fold_experiment(seeded, chosen, k)
            fold_dir = run_dir if k == folds else run_dir / FOLDS_DIR / f"fold{k}"
            metrics = tuner.run_once(fold_exp, fold_dir,
                                     label=f"trial {trial.trial_id} fold {k}/{folds}")
            baseline = baseline or metrics.get("baseline")
            per_fold[k].append({name: value for name, value in numeric(metrics).items()
                                if not is_test_metric(name)})
    record = write_record(trial_dir, tuner.sweep, chosen, runs, per_fold)
    return {name: s["mean"] for name, s in record["summary"].items()}, baseline


def numeric(metrics):
    """The numeric entries of a metrics.json (not `baseline`, `ets`, booleans)."""
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def mean_metrics(runs):
    """The mean of each metric over runs (a trial's executions, a fold's executions)."""
    keys = set.intersection(*(set(r) for r in runs))
    return {k: sum(r[k] for r in runs) / len(runs) for k in sorted(keys)}


def is_test_metric(name):
    """Whether a metrics.json key reads the test part (never part of the objective)."""
    return "test" in name.split("_")


def write_record(trial_dir, sweep, chosen, runs, per_fold):
    """Writes `evaluation.json` (folds' positions and metrics, the summary); returns it."""
    rows = []
    for k, executions in per_fold.items():
        origin = chosen.origin(k)
        dirs = [(Path(f"execution_{e}") if runs > 1 else Path("."))
                / ("." if k == chosen.folds else Path(FOLDS_DIR, f"fold{k}"))
                for e in range(runs)]
        rows.append({"fold": k, "run_dirs": [str(d) for d in dirs],
                     "train_positions": [0, origin - chosen.val],
                     "val_positions": [origin - chosen.val, origin],
                     "metrics": mean_metrics(executions)})
    names = set.intersection(*(set(r["metrics"]) for r in rows))
    summaries = {}
    for name in sorted(names):
        mean, std, n = summary(r["metrics"][name] for r in rows)
        summaries[name] = {"mean": mean, "std": std, "n": n}
    record = {"evaluation": {"backtest": {"folds": chosen.folds}},
              "objective": sweep.tuner.objective, "target_positions": chosen.positions,
              "val_positions": chosen.val, "block_positions": chosen.block,
              "executions_per_fold": runs, "folds": rows, "summary": summaries}
    folders.write_text_atomic(Path(trial_dir) / FILE, json.dumps(record, indent=2) + "\n")
    return record


def summary(values):
    """`(mean, sample std or None, n)`; a NaN or infinite value (a MAPE over zero
    targets) gives a NaN or infinite mean and no std, as averaging it would."""
    values = list(values)
    if all(math.isfinite(v) for v in values):
        return stats.summary(values)
    return sum(values) / len(values), None, len(values)


def read(trial_dir):
    """A trial folder's `evaluation.json` (plain data), or None."""
    try:
        return json.loads((Path(trial_dir) / FILE).read_text())
    except (OSError, ValueError):
        return None


def leaderboard_facts(trial_dir, objective):
    """The leaderboard's backtest columns of a trial: the objective's mean ± std, n folds."""
    record = read(trial_dir)
    if not record or objective not in record.get("summary", {}):
        return {}
    s = record["summary"][objective]
    std = "" if s["std"] is None else f" ± {s['std']:.2g}"
    return {f"{objective} over folds (mean ± std)": f"{s['mean']:.4g}{std} ({s['n']})",
            **{f"{objective} fold {row['fold']}": row["metrics"].get(objective)
               for row in record["folds"]}}
