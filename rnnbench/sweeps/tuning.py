"""`rnnbench tune`: Keras Tuner sweeps whose every trial is an ordinary run.

results/sweeps/<sweep>/<sweep_id>/
  sweep.yaml, base.yaml   the sweep and its base experiment, as resolved
  tuner/                  Keras Tuner's own state (oracle.json, trial_*/): resumable
  trials/<trial_id>/      a run folder per trial (config.yaml, metrics.json, ...);
                          hparams/ holds its TensorBoard HParams session
  leaderboard.csv         trials ranked by the objective
"""

import contextlib
import dataclasses
import json
import logging
import os
import shlex
import shutil
import sys
from pathlib import Path

import keras_tuner as kt
import yaml

from rnnbench import console
from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.config.registry import TUNERS
from rnnbench.config.schema import to_plain
from rnnbench.data import cache as data_cache
from rnnbench.errors import Interrupted, RunFailed, UserError
from rnnbench.runs import folders, training
from rnnbench.sweeps import (definition, evaluation, hparams, kt_compat, leaderboard, lock,
                             progress, space)
from rnnbench.sweeps.evaluation import mean_metrics, numeric

PROJECT = "tuner"
# What Keras Tuner's reload reads from each file (a missing key is a corrupt file).
ORACLE_KEYS = ("ongoing_trials", "start_order", "end_order", "tried_so_far", "id_to_hash")
TRIAL_KEYS = ("trial_id", "status", "hyperparameters")
log = logging.getLogger("rnnbench")


def declare_space(sweep):
    """Declares every parameter up front, conditional ones in their scopes."""
    hp = kt.HyperParameters()
    by_path = {p.path: p for p in sweep.params}
    for param in sweep.params:
        with contextlib.ExitStack() as stack:
            for parent, values in space.parents(param, sweep.params):
                values = space.encoded_values(by_path[parent], values)
                stack.enter_context(hp.conditional_scope(parent, values))
            _declare(hp, param)
    return hp


def _declare(hp, param):
    if param.kind == "int":
        hp.Int(param.path, param.low, param.high, step=param.step, sampling=param.sampling)
    elif param.kind == "float":
        hp.Float(param.path, param.low, param.high, step=param.step,
                 sampling=param.sampling)
    elif param.kind == "choice":
        hp.Choice(param.path, space.encode_choices(param.values)[0])
    else:
        hp.Boolean(param.path)


def make_oracle(sweep, base_exp):
    """The Keras Tuner oracle of `tuner.algorithm`, with the space declared."""
    tuner = sweep.tuner
    cls = TUNERS.get(tuner.algorithm, where="tuner.algorithm")
    kwargs = {
        "objective": kt.Objective(tuner.objective, tuner.objective_direction),
        "hyperparameters": declare_space(sweep),
        # A typo in the space must fail loudly, not add a silent new entry.
        "allow_new_entries": False,
        "tune_new_entries": False,
        "seed": tuner.seed,
        "max_consecutive_failed_trials": tuner.max_consecutive_failed_trials,
        **tuner.options,
    }
    if tuner.algorithm == "hyperband":
        kwargs.setdefault("max_epochs", base_exp.train.epochs)
    else:
        kwargs["max_trials"] = tuner.max_trials
    try:
        oracle = cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise UserError(f"Could not build the {tuner.algorithm!r} tuner from "
                        f"`tuner` options {sorted(tuner.options)}: {e}") from None
    # An error under the oracle's lock (a full disk while saving) must not leave
    # it held: in a chief, every later call would wait forever.
    return kt_compat.guard_lock(oracle)


class Recycle(Exception):
    """This process ran its `trials_per_process` trials; a fresh one goes on."""


class SweepTuner(kt.engine.base_tuner.BaseTuner):
    """Runs each trial as an rnnbench experiment in its own run folder.

    Args:
        trials_per_process: after this many trials `search` raises `Recycle`
            (0: never), with the oracle saved, so the sweep resumes elsewhere.
    """

    def __init__(self, sweep, base_raw, sweep_dir, oracle, trials_per_process=0):
        self.sweep = sweep
        self.base_raw = base_raw
        self.sweep_dir = Path(sweep_dir)
        self.trials_per_process = trials_per_process
        self.trials_run = 0
        total = None if sweep.tuner.algorithm == "hyperband" else sweep.tuner.max_trials
        self.progress = progress.SweepProgress(sweep.tuner.objective, total)
        with console.library_output_at_debug():  # "Reloading Tuner from ..."
            super().__init__(oracle=oracle, directory=str(sweep_dir), project_name=PROJECT,
                             overwrite=False)
        # Keras Tuner reloads only when this tuner's state file exists, which it
        # first writes after a trial ends: save now so a crash in the first
        # trial is resumable too.
        self.save()

    def run_trial(self, trial, *args, **kwargs):
        values = active_values(self.sweep, trial.hyperparameters)
        exp = self.trial_experiment(trial, values)
        if evaluation.backtest_of(self.sweep) is not None:  # the mean over rolling folds
            # An interrupted attempt's folds go aside whole, none mixed into this one.
            set_aside(self.sweep_dir / "trials" / trial.trial_id)
            metrics, baseline = evaluation.run_trial(self, trial, exp)
            self.check_objective_written(metrics)
            self.write_session(trial, exp, values, metrics, baseline)
            return metrics
        trial_dir = self.sweep_dir / "trials" / trial.trial_id
        runs = self.sweep.tuner.executions_per_trial
        per_run = []
        for k in range(runs):
            run_dir = trial_dir if runs == 1 else trial_dir / f"execution_{k}"
            per_run.append(self.run_once(dataclasses.replace(exp, seed=exp.seed + k),
                                         run_dir, label=f"trial {trial.trial_id}"))
        metrics = mean_metrics([numeric(m) for m in per_run])
        self.check_objective_written(metrics)
        self.write_session(trial, exp, values, metrics, per_run[0].get("baseline"))
        return metrics

    def check_objective_written(self, metrics):
        if self.sweep.tuner.objective not in metrics:
            raise kt.errors.FatalError(
                f"Expected `tuner.objective` to be a metric the runs write, one of "
                f"{sorted(metrics)}. Received: {self.sweep.tuner.objective!r}")

    def write_session(self, trial, exp, values, metrics, baseline_name):
        """The trial's HParams session: its values, and only the metrics that matter."""
        names = [n for n in definition.metric_names(exp) if n in metrics]
        if self.sweep.tuner.objective not in names:
            names.insert(0, self.sweep.tuner.objective)
        hparams.write_session(
            self.sweep_dir / "trials" / trial.trial_id,  # its runs' prefix
            hparams.group_name(self.sweep_dir, trial.trial_id),
            hparams.session_values(values, self.sweep.params),
            {n: metrics[n] for n in names},
            hparams.baseline_table(metrics, names, baseline_name))

    def trial_experiment(self, trial, values):
        extra = {}
        if "tuner/epochs" in trial.hyperparameters.values:  # Hyperband's budget
            extra["train.epochs"] = trial.hyperparameters.values["tuner/epochs"]
        if self.sweep.tuner.early_stopping is not None:
            extra["train.early_stopping"] = to_plain(self.sweep.tuner.early_stopping)
        raw = definition.trial_raw(self.base_raw, values, extra)
        try:
            return config_lib.validate(raw, source=f"trial {trial.trial_id}")
        except UserError as e:
            raise kt.errors.FailedTrialError(f"invalid trial config: {e}") from None

    def run_once(self, exp, run_dir, label):
        """One training run of a trial; returns all of its metrics.json."""
        set_aside(run_dir)
        try:
            with run_lines_at_debug():
                result = training.run(exp, run_dir=run_dir, verbose=0,
                                      extra_callbacks=[progress.EpochProgress(label)])
        except (RunFailed, UserError) as e:
            raise kt.errors.FailedTrialError(str(e)) from None
        finally:
            training.release_memory()
        return result.metrics

    def on_trial_begin(self, trial):
        super().on_trial_begin(trial)
        self.progress.trial_started(trial.trial_id,
                                    active_values(self.sweep, trial.hyperparameters))

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        board = leaderboard.write(self.sweep_dir, self.sweep)
        ended = self.oracle.get_trial(trial.trial_id)
        self.progress.trial_ended(trial.trial_id, ended.status, ended.score, board)
        self.trials_run += 1
        log.debug(f"trial {trial.trial_id}: process RSS {rss_mb():.0f} MB after "
                  f"{console.plural(self.trials_run, 'trial')} in it")
        if self.trials_per_process and self.trials_run >= self.trials_per_process \
                and self.more_to_run():
            raise Recycle()

    def more_to_run(self):
        """Whether the oracle may hand out another trial (Hyperband: unknown, so yes)."""
        remaining = self.oracle.remaining_trials()
        return remaining is None or remaining > 0


def rss_mb():
    """This process's resident memory in MB (Linux; 0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def active_values(sweep, hp):
    """The trial's values of active sweep parameters, mixed choices decoded."""
    names = {p.path for p in sweep.params}
    values = {k: v for k, v in hp.values.items() if k in names and hp.is_active(k)}
    return space.decode_values(sweep.params, values)


def set_aside(run_dir):
    """Keeps an interrupted earlier attempt's folder beside the new one."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        return
    n = 1
    while run_dir.with_name(f"{run_dir.name}.interrupted-{n}").exists():
        n += 1
    shutil.move(str(run_dir), str(run_dir.with_name(f"{run_dir.name}.interrupted-{n}")))


def sweep_dirs_of(results_dir, sweep_name):
    return Path(paths.results_root(results_dir)) / "sweeps" / sweep_name


GRID_CANNOT_RESUME = (
    "Keras Tuner's grid search cannot resume: it does not save its queue of grid points "
    "(a resumed grid sweep fails or silently runs nothing). Start a new sweep with "
    "`rnnbench tune {name}`, or use the random, bayesian or hyperband algorithm for "
    "sweeps you may need to resume.")


def new_sweep_dir(sweep, base_raw, results_dir):
    """A new sweep folder holding the sweep and its base experiment as resolved."""
    root = sweep_dirs_of(results_dir, sweep.name)
    sweep_dir = folders.new_run_dir(root.parent, root.name)
    folders.write_text_atomic(sweep_dir / "sweep.yaml", definition.sweep_yaml(sweep))
    folders.write_text_atomic(sweep_dir / "base.yaml", yaml.safe_dump(base_raw, sort_keys=False))
    return sweep_dir


def existing_sweep_dir(name, results_dir, resume):
    """The latest (or, with `resume` an id, the named) sweep folder of `name`, or None."""
    root = sweep_dirs_of(results_dir, name)
    existing = sorted(d for d in root.glob("*") if (d / PROJECT).is_dir()) \
        if root.is_dir() else []
    if resume is not True:
        existing = [d for d in existing if d.name == resume]
    return existing[-1] if existing else None


def build_tuner(sweep, base_raw, sweep_dir, trials_per_process=0):
    base_exp = config_lib.validate(base_raw, source=f"{sweep.experiment} (base)")
    return SweepTuner(sweep, base_raw, sweep_dir, make_oracle(sweep, base_exp),
                      trials_per_process)


def open_sweep(sweep_name, results_dir=None, resume=False, overrides=None, max_trials=None):
    """`(sweep, base_raw, sweep_dir)`: a new sweep folder, or the one to resume.

    Everything is checked before the folder is made: the sweep file (every
    value of its space, its objective, its oracle's options), the base
    experiment with `overrides` (`--set`) and whether its dataset can load
    here. A resumed sweep runs exactly as its folder recorded it
    (`resume_sweep`), even if the tuning file changed since or is gone.
    """
    if resume:
        return resume_sweep(sweep_name, results_dir, resume, overrides, max_trials)
    sweep, base_raw = definition.load_sweep(sweep_name)
    sweep, base_raw = definition.with_command_line(sweep, base_raw, overrides, max_trials)
    check_base(sweep, base_raw)
    sweep_dir = new_sweep_dir(sweep, base_raw, results_dir)
    log.info(f"sweep {sweep.name}: {sweep_dir}")
    return sweep, base_raw, sweep_dir


def resume_sweep(sweep_name, results_dir, resume, overrides=None, max_trials=None):
    """`(sweep, base_raw, sweep_dir)` of the sweep folder to resume, from its record.

    The folder is found first (by the sweep's name), then runs from its own
    sweep.yaml and base.yaml; when the tuning file now differs from that
    record, or no longer loads, one line says so and the record is used.
    """
    if overrides or max_trials is not None:
        given = [f"--set {k}={v}" for k, v in config_lib.parse_overrides(overrides).items()]
        given += [f"--max-trials {max_trials}"] if max_trials is not None else []
        raise UserError(
            "A resumed sweep runs as its folder's sweep.yaml recorded it, so `--set` and "
            f"`--max-trials` cannot change it. Received: --resume with {' '.join(given)}")
    current, problem = current_sweep(sweep_name)
    names = sweep_names(sweep_name, current)
    sweep_dir = next((d for d in (existing_sweep_dir(n, results_dir, resume) for n in names)
                      if d is not None), None)
    if sweep_dir is None:
        if current is not None and current[0].tuner.algorithm == "grid":
            raise UserError(GRID_CANNOT_RESUME.format(name=names[0]))
        wanted = resume if resume is not True else ""
        raise UserError(
            f"Nothing to resume: no sweep folder {wanted} for {names[0]!r} under "
            f"{sweep_dirs_of(results_dir, names[0])}. Run `rnnbench tune {sweep_name}` "
            "first.")
    sweep, base_raw = definition.load_saved_sweep(sweep_dir)
    if sweep.tuner.algorithm == "grid":
        raise UserError(GRID_CANNOT_RESUME.format(name=sweep.name))
    ended = ended_trials(sweep_dir, sweep)
    if ended is not None:
        raise NothingToResume(
            f"Nothing to resume: sweep {sweep.name} {sweep_dir.name} is complete (all "
            f"{console.plural(ended, 'trial')} ended, none interrupted). Its results: "
            f"{sweep_dir / 'leaderboard.csv'}; a new sweep: rnnbench tune {sweep_name}")
    check_base(sweep, base_raw)
    if problem is None:
        problem = record_differences(current[0], sweep)
    if problem:
        log.warning(f"{sweep_name}: {problem}; resuming as {sweep_dir / 'sweep.yaml'} "
                    "recorded it")
    log.info(f"sweep {sweep.name}: {sweep_dir}")
    return sweep, base_raw, sweep_dir


class NothingToResume(UserError):
    """`--resume` found the sweep complete; `rnnbench tune` prints it and exits 0."""


ENDED = ("COMPLETED", "FAILED", "INVALID")


def ended_trials(sweep_dir, sweep):
    """How many trials a complete sweep ran, or None while it has more to run.

    Complete: every trial Keras Tuner recorded has ended and there are
    `tuner.max_trials` of them. Hyperband's budget is not a trial count, so
    its sweeps always resume (Keras Tuner then stops at once if it is spent).
    """
    if sweep.tuner.algorithm == "hyperband":
        return None
    states = []
    for path in Path(sweep_dir, PROJECT).glob("trial_*/trial.json"):
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            return None  # check_state says what is wrong with it
        states.append(state.get("status") if isinstance(state, dict) else None)
    if not states or len(states) < sweep.tuner.max_trials \
            or any(s not in ENDED for s in states):
        return None
    if leaderboard.environment_failures(sweep_dir):  # `own` queues them again
        return None
    return len(states)


def current_sweep(sweep_name):
    """`((sweep, base_raw), None)` from today's tuning file, or `(None, what is wrong)`."""
    try:
        return definition.load_sweep(sweep_name), None
    except UserError as e:
        try:
            paths.find_sweep(sweep_name)
        except UserError:
            return None, "the tuning file is gone"
        first = str(e).splitlines()[0]
        return None, f"the tuning file no longer loads ({first[:200]})"


def sweep_names(sweep_name, current):
    """The names whose sweep folders a resume looks in: the file's, else the argument's."""
    if current is not None:
        return [current[0].name]
    text = str(sweep_name)
    name = Path(text).stem if text.endswith((".yaml", ".yml")) else text
    return [paths.check_name(name, where="SWEEP")]


def record_differences(current, recorded):
    """'the tuning file now differs at ...' when its keys differ from the record, or None.

    `overrides` the record has and the file lacks came from `--set` at the
    start, so they are no difference.
    """
    now = yaml.safe_load(definition.sweep_yaml(current))
    then = yaml.safe_load(definition.sweep_yaml(recorded))
    then_overrides = dict(then.get("overrides") or {})
    then["overrides"] = {k: v for k, v in then_overrides.items()
                         if k in (now.get("overrides") or {})}
    keys = sorted(set(flat_keys(now)) ^ set(flat_keys(then))
                  | {k for k, v in flat_keys(now).items() if flat_keys(then).get(k, v) != v})
    if not keys:
        return None
    shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
    return f"the tuning file now differs from the sweep folder's record at {shown}"


def flat_keys(data, prefix=""):
    """`{dotted key: value}` of nested mappings (lists and scalars are leaves)."""
    if not isinstance(data, dict) or not data:
        return {prefix: data} if prefix else {}
    out = {}
    for key, value in data.items():
        out.update(flat_keys(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def check_base(sweep, base_raw):
    """The base experiment must validate and its dataset load here, before any trial."""
    exp = config_lib.validate(base_raw, source=f"{sweep.experiment} (base of sweep "
                                               f"{sweep.name})")
    reason = config_lib.dataset_of(exp).availability(dict(exp.data.params))
    if reason:
        raise UserError(
            f"Sweep {sweep.name!r} cannot run here: its base experiment {exp.name!r} reads "
            f"the `{exp.data.name}` dataset, which {reason}. No trial was started.")
    try:
        evaluation.check_folds(sweep, exp)  # the folds fit the series
    except UserError as e:
        raise UserError(f"Sweep {sweep.name!r}: {e}") from None
    return exp


def tune(sweep_name, results_dir=None, resume=False, overrides=None, max_trials=None,
         trials_per_process=0):
    """Runs (or resumes) a sweep in this process; returns the sweep folder.

    Args:
        trials_per_process: after this many trials, this process re-executes
            itself as `rnnbench tune SWEEP --resume ID` (same pid, the sweep
            lock kept), which returns the memory TensorFlow keeps per trial.
            0 (the API's default): every trial in this process. Only for a
            process that is the `rnnbench` command itself.
    """
    if trials_per_process < 0:
        raise UserError(f"Expected `--trials-per-process` to be >= 0. "
                        f"Received: {trials_per_process}")
    sweep, base_raw, sweep_dir = open_sweep(sweep_name, results_dir, resume, overrides,
                                            max_trials)
    if sweep.tuner.algorithm == "grid":
        trials_per_process = 0  # a grid sweep cannot resume, so it cannot move on
    owner = own(sweep_name, sweep_dir)
    try:
        with resumable(sweep_name, sweep_dir, results_dir):
            search(build_tuner(sweep, base_raw, sweep_dir, trials_per_process))
    except Recycle:
        continue_in_fresh_process(owner, sweep_name, sweep_dir, results_dir,
                                  trials_per_process)
    finally:
        owner.release()
    return sweep_dir


def continue_in_fresh_process(owner, sweep_name, sweep_dir, results_dir,
                              trials_per_process):
    """Replaces this process by `rnnbench tune SWEEP --resume ID`; does not return."""
    argv = [sys.executable, "-m", *resume_command(sweep_name, sweep_dir, results_dir),
            "--trials-per-process", str(trials_per_process)]
    log.info(f"{console.plural(trials_per_process, 'trial')} done in this process "
             f"(RSS {rss_mb():.0f} MB); going on in a fresh one to return TensorFlow's memory")
    owner.hand_over()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.execv(sys.executable, argv)


def own(sweep_name, sweep_dir):
    """Locks the sweep folder for this process, then checks its saved state.

    Returns:
        The held `lock.SweepLock` (a context manager that releases it).
    """
    owner = lock.SweepLock(sweep_dir, command=f"rnnbench tune {sweep_name}")
    owner.acquire()
    try:
        check_state(sweep_name, sweep_dir)
        retry_environment_failures(sweep_dir)
    except BaseException:
        owner.release()
        raise
    return owner


def retry_environment_failures(sweep_dir):
    """Queues the trials a full disk or a killed run failed to run again (issue 29).

    A trial its configuration failed (NaN loss, too large) stays FAILED; the
    leaderboard's `failure` column says which is which.
    """
    if not Path(sweep_dir, PROJECT, "oracle.json").is_file():
        return
    causes = leaderboard.environment_failures(sweep_dir)
    for trial_id, cause in causes.items():
        log.info(f"trial {trial_id} failed because of its environment ({cause}); "
                 "running it again")
    if causes:
        kt_compat.requeue_saved(Path(sweep_dir, PROJECT), list(causes))


def check_state(sweep_name, sweep_dir):
    """Raises `UserError` if Keras Tuner's saved state would not reload.

    Keras Tuner reloads when its tuner file (`tuner/tuner0.json`, a chief's
    `tuner/chief.json`) exists; it then reads `oracle.json` and every
    `trial_*/trial.json`, and a damaged one ends in a traceback.
    """
    tuner_dir = Path(sweep_dir) / PROJECT
    if not tuner_dir.is_dir():
        return
    reloads = any(p.name != "oracle.json" for p in tuner_dir.glob("*.json"))
    oracle_json = tuner_dir / "oracle.json"
    problem = None
    if reloads and not oracle_json.exists():
        problem = (oracle_json, "is missing")
    elif oracle_json.exists() and not reloads:
        # Keras Tuner would not reload at all and start over, over the trials.
        problem = (tuner_dir / "tuner0.json", "is missing (no tuner file beside "
                                              "oracle.json)")
    elif oracle_json.exists():
        problem = json_problem(oracle_json, ORACLE_KEYS)
    for tuner_json in sorted(tuner_dir.glob("*.json")):  # tuner0.json, chief.json
        problem = problem or json_problem(tuner_json, ())
    for trial_json in sorted(tuner_dir.glob("trial_*/trial.json")):
        problem = problem or json_problem(trial_json, TRIAL_KEYS)
    problem = problem or missing_trial_file(tuner_dir)
    if problem:
        raise UserError(corrupt_message(sweep_name, sweep_dir, *problem))


def json_problem(path, keys):
    """`(path, what is wrong)` if `path` is not a JSON object with `keys`, else None."""
    data, problem = folders.json_object(path)
    if problem:
        return path, problem
    missing = [k for k in keys if k not in data]
    if missing:
        return path, f"lacks the keys {missing} that Keras Tuner reads"
    if "status" in keys and data["status"] not in leaderboard.KNOWN_STATUSES:
        return path, (f"has an unknown trial status {data['status']!r} (expected one of "
                      f"{list(leaderboard.KNOWN_STATUSES)})")
    return None


def missing_trial_file(tuner_dir):
    """`(path, what is wrong)` for a trial oracle.json names whose trial.json is gone."""
    oracle_json = Path(tuner_dir) / "oracle.json"
    if not oracle_json.exists():
        return None
    state = json.loads(oracle_json.read_text())
    ids = [*state["start_order"], *state["end_order"], *state["ongoing_trials"].values()]
    for trial_id in dict.fromkeys(str(i) for i in ids):
        path = Path(tuner_dir) / f"trial_{trial_id}" / "trial.json"
        if not path.is_file():
            return path, f"is missing, though oracle.json lists trial {trial_id}"
    return None


def corrupt_message(sweep_name, sweep_dir, path, what):
    name = Path(sweep_dir).name
    return (
        f"Cannot resume sweep {name}: its Keras Tuner state file {path} {what}, so the "
        f"tuner cannot be reloaded (a process killed while Keras Tuner wrote it, or the "
        f"file was edited). Nothing was run. The trials' run folders under "
        f"{Path(sweep_dir) / 'trials'} are not affected and remain the source of the "
        f"leaderboard ({Path(sweep_dir) / 'leaderboard.csv'}) and of `rnnbench results`. "
        f"What you can do: restore the file from a backup and run `rnnbench tune "
        f"{sweep_name} --resume {name}` again, or start a new sweep with `rnnbench tune "
        f"{sweep_name}` (the finished trials of this one stay where they are).")


@contextlib.contextmanager
def run_lines_at_debug():
    """Holds a trial's own run lines (data, model, test scores, folder) back.

    The sweep prints one line per trial start and end instead; `--verbose`
    (the "rnnbench" logger at DEBUG) shows them again.
    """
    runs_log = logging.getLogger("rnnbench.runs")
    level = runs_log.level
    if not logging.getLogger("rnnbench").isEnabledFor(logging.DEBUG):
        runs_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        runs_log.setLevel(level)


def resume_command(sweep_name, sweep_dir, results_dir=None, how=()):
    """`rnnbench tune SWEEP --resume ID ...` as an argv list: the one place it is built.

    Args:
        how: the flags that say how the sweep runs (`--serve HOST:PORT`,
            `--workers N`), kept by the resume.
    """
    command = ["rnnbench", "tune", str(sweep_name), "--resume", Path(sweep_dir).name,
               *how]
    if results_dir:
        command += ["--results-dir", str(results_dir)]
    return command


@contextlib.contextmanager
def resumable(sweep_name, sweep_dir, results_dir=None, how=()):
    """Turns Ctrl-C into an `Interrupted` that names the folder and the resume command."""
    try:
        yield
    except KeyboardInterrupt as e:
        command = resume_command(sweep_name, sweep_dir, results_dir, how)
        raise Interrupted(f"sweep {Path(sweep_dir).parent.name}", sweep_dir,
                          shlex.join(command)) from e


def search(tuner):
    """Runs the tuner's search; a run of failed trials ends it as a failed run.

    Trials whose data is the same (dataset, params, split, scale, seed) share
    one loaded copy of it in this process (`rnnbench.data.cache`).
    """
    # Keras Tuner prints a failed trial's traceback (its DEBUG flag is on); the
    # progress line names the cause, `--verbose` shows the traceback too.
    kt_compat.show_tracebacks(log.isEnabledFor(logging.DEBUG))
    try:
        # verbose=0 silences Keras Tuner's display, which numbers trials from 1;
        # `progress` says the same with the folders' trial ids. Trials that share
        # their data load it once in this process.
        with data_cache.sharing():
            tuner.search(verbose=0)
    except RuntimeError as e:
        if not kt_compat.is_too_many_failures(e):
            raise
        raise RunFailed(f"sweep stopped: {kt_compat.first_line(e)}") from None
    finally:
        leaderboard.write(tuner.sweep_dir, tuner.sweep)
