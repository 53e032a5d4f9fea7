"""A sweep's winner confirmed over seeds: `rnnbench tune SWEEP --confirm K --seeds N`.

The best of many noisy trials is optimistic (the winner's curse). After the
search, the top K trials by the sweep's objective (a validation metric: a
test metric is refused, so selection never reads the test split) are re-run,
each over N fresh seeds (after the seeds the search used), into
`trials/<id>/confirm/seed_<s>/`. They are ranked by the mean of the objective
over those seeds, each with its sample std and 95 % interval, and each is
compared with the confirmed best by Welch's t-test (`rnnbench.runs.stats`):
"distinguishable" when p < 0.05. The record is `confirm.json` in the sweep
folder; the leaderboard and each trial's HParams session show it. Runs that
completed already are read back, not re-run, so an interrupted confirmation
resumes.
"""

import dataclasses
import logging
from pathlib import Path

from rnnbench.config import experiment as config_lib
from rnnbench.console import plural
from rnnbench.errors import UserError
from rnnbench.runs import folders, stats
from rnnbench.sweeps import confirmed, definition, evaluation, leaderboard

log = logging.getLogger("rnnbench")


def check_selection(sweep):
    """Refuses a sweep whose objective is a test metric: selection must not read test."""
    if sweep.tuner.objective.startswith("test_"):
        raise UserError(
            f"Expected `tuner.objective` of sweep {sweep.name!r} to be a validation (or "
            f"training) metric to confirm its trials by: choosing on the test split makes "
            f"the test figure optimistic. Received: {sweep.tuner.objective!r}")
    if getattr(sweep, "evaluation", None) is not None:
        raise UserError(
            f"Expected a sweep without `evaluation.backtest` to confirm: a confirmation "
            f"re-runs each trial on the experiment's own split only, not on the folds "
            f"sweep {sweep.name!r} selected on. Received: `evaluation` "
            f"{evaluation.given(sweep.evaluation)!r}")


def check_counts(top, seeds):
    """`--confirm K --seeds N`: K >= 1 trials, N >= 2 seeds (an interval needs two)."""
    if top is None or top < 1:
        raise UserError(f"Expected `--confirm` (`confirm.top`) to be >= 1. Received: {top}")
    if seeds is None or seeds < 2:
        raise UserError(f"Expected `--seeds` (`confirm.seeds`) to be >= 2 for a confirmation "
                        f"(a mean's interval needs two). Received: {seeds}")


def trial_config_path(trial_dir):
    """The config.yaml a trial ran with (its first execution's when it had several)."""
    trial_dir = Path(trial_dir)
    for path in (trial_dir / "config.yaml", trial_dir / "execution_0" / "config.yaml"):
        if path.is_file():
            return path
    raise UserError(f"Expected a sweep trial folder with a config.yaml (SWEEP_DIR/trials/"
                    f"ID). Received: {trial_dir}")


def confirm_seeds(exp, sweep, seeds):
    """N fresh seeds: after the `executions_per_trial` seeds the search used."""
    first = exp.seed + sweep.tuner.executions_per_trial
    return [first + k for k in range(seeds)]


def run_seed(exp, run_dir):
    """The numeric metrics of `exp` run into `run_dir`, read back when it completed already."""
    from rnnbench.runs import training
    record = folders.read_run(run_dir) if run_dir.is_dir() else None
    if record is not None and record.status == "completed" and record.metrics:
        return _numeric(record.metrics)
    if run_dir.exists():
        from rnnbench.sweeps import tuning
        tuning.set_aside(run_dir)
    try:
        return _numeric(training.run(exp, run_dir=run_dir, verbose=0).metrics)
    finally:
        training.release_memory()


def _numeric(metrics):
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def rank(trials, objective, direction):
    """Ranks confirmed trials by the mean of `objective` alone; marks each against the best.

    Args:
        trials: dicts with `values` (`{metric: {seed: value}}`); other metrics
            (the test split's included) are carried, never read.

    Returns:
        The trials, best first, each with `rank`, `mean`, `std`, `n`,
        `interval` and `versus_best`.
    """
    for trial in trials:
        mean, std, n = stats.summary(trial["values"][objective].values())
        trial.update(mean=mean, std=std, n=n, interval=stats.interval(mean, std, n))
    ordered = sorted(trials, key=lambda t: t["mean"], reverse=direction == "max")
    best = ordered[0]
    for place, trial in enumerate(ordered, start=1):
        trial["rank"] = place
        if place == 1:
            trial["versus_best"] = "best"
            continue
        tested = stats.welch((trial["mean"], trial["std"], trial["n"]),
                             (best["mean"], best["std"], best["n"]))
        p = None if tested is None else tested[1]
        verdict = "distinguishable" if p is not None and p < stats.ALPHA else \
            "not distinguishable"
        trial["versus_best"] = f"{verdict} (Welch's t-test, {stats.p_text(p)})"
    return ordered


def confirm(sweep_dir, top, seeds):
    """Re-runs the top `top` trials of `sweep_dir` over `seeds` fresh seeds; the record.

    Writes `confirm.json`, the leaderboard (with the confirmation's columns)
    and each confirmed trial's `confirmed/*` HParams scalars.
    """
    check_counts(top, seeds)
    sweep_dir = Path(sweep_dir)
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    check_selection(sweep)
    objective, direction = sweep.tuner.objective, sweep.tuner.objective_direction
    board = leaderboard.build(sweep_dir, sweep)
    done = board[board["status"] == "COMPLETED"] if len(board) else board
    chosen = [str(t) for t in list(done["trial_id"])[:top]]
    if not chosen:
        raise UserError(f"Sweep folder {sweep_dir} has no completed trial to confirm.")
    trials = []
    for trial_id in chosen:
        trial_dir = sweep_dir / "trials" / trial_id
        exp = config_lib.load_run_config(trial_config_path(trial_dir))
        values, runs = {}, []
        for seed in confirm_seeds(exp, sweep, seeds):
            log.info(f"confirm: trial {trial_id}, seed {seed}")
            run_dir = trial_dir / "confirm" / f"seed_{seed}"
            metrics = run_seed(dataclasses.replace(exp, seed=seed), run_dir)
            if objective not in metrics:
                raise UserError(f"The confirmation run {run_dir} wrote no {objective!r}.")
            for name, value in metrics.items():
                values.setdefault(name, {})[str(seed)] = value
            runs.append(str(run_dir))
        search_score = done.loc[done["trial_id"].astype(str) == trial_id].iloc[0]
        trials.append({"trial_id": trial_id, "seeds": confirm_seeds(exp, sweep, seeds),
                       "search_score": float(search_score[f"objective ({objective})"]),
                       "values": values, "runs": runs})
    record = {"sweep": sweep.name, "objective": objective, "direction": direction,
              "top": top, "seeds": seeds, "trials": rank(trials, objective, direction)}
    folders.write_json_atomic(sweep_dir / confirmed.FILE, record)
    leaderboard.write(sweep_dir, sweep)
    write_hparams(sweep_dir, record)
    return record


def write_hparams(sweep_dir, record):
    """Each confirmed trial's mean, std and n of the objective as `confirmed/*` scalars."""
    from rnnbench.sweeps import hparams
    objective = record["objective"]
    for trial in record["trials"]:
        scalars = {f"{objective}_mean": trial["mean"], "rank": trial["rank"],
                   "n": trial["n"]}
        if trial["std"] is not None:
            scalars[f"{objective}_std"] = trial["std"]
        hparams.write_scalars(Path(sweep_dir) / "trials" / trial["trial_id"],
                              confirmed.PREFIX, scalars)


def render(record):
    """The confirmation as a console table, best first."""
    import pandas as pd
    objective = record["objective"]
    rows = [{"rank": t["rank"], "trial": t["trial_id"],
             f"search {objective}": f"{t['search_score']:.4g}",
             f"confirmed {objective}": f"{t['mean']:.4g}" if t["std"] is None
             else f"{t['mean']:.4g} ± {t['std']:.2g}",
             "n": t["n"], "95% CI": stats.interval_text(t["interval"]),
             "vs best": t["versus_best"]} for t in record["trials"]]
    head = (f"confirmed the top {plural(len(rows), 'trial')} over "
            f"{plural(record['seeds'], 'fresh seed')} each, "
            f"ranked by mean {objective} (sample std, ddof 1):")
    return head + "\n" + pd.DataFrame(rows).to_string(index=False)
