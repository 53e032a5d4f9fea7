"""What the `rnnbench tune` tests (tests/sweeps/test_tuning_*.py) share.

Every sweep runs a tiny base experiment written to tmp_path (a few seconds a
trial on 2 CPU cores). Imported as `sweeps.tuning_helpers` (setup.cfg puts
tests/ on the path), so it works in every pytest import mode.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from helpers import (TINY_SWEEP_BASE, manifest_status, rnnbench_process, trial_states,
                     write_yaml)

TINY = TINY_SWEEP_BASE
# ~3-4 s a trial: slow enough to be caught (and killed) in the middle of a trial.
SLOW = {**TINY, "description": "slow tiny",
        "data": {**TINY["data"], "train_size": 192},
        "train": {"epochs": 12, "batch_size": 16}}

SMALL_SPACE = {
    "model.layers[0].units": {"int": [2, 8]},
    "model.layers[0].cell": {"choice": ["simple_rnn", "gru", "lstm"]},
}


def write_sweep(folder, name, experiment, space, **tuner):
    """Writes `folder/name.yaml`; `experiment` is the base file (absolute path)."""
    data = {"experiment": str(experiment), "tuner": tuner, "space": space}
    return write_yaml(Path(folder) / f"{name}.yaml", data)


def tune(sweep, results, resume=False):
    from rnnbench.sweeps import tuning
    return Path(tuning.tune(str(sweep), str(results), resume))


def read_board(sweep_dir):
    return pd.read_csv(Path(sweep_dir) / "leaderboard.csv", dtype={"trial_id": str})


def same(cell, value):
    """A leaderboard cell (as pandas read it) equals a hyperparameter value."""
    if isinstance(value, bool):
        return str(cell) == str(value)
    if isinstance(value, (int, float)):
        return float(cell) == float(value)
    return cell == value


def snapshot(folder):
    """`{relative path: (size, mtime_ns)}` of every file under `folder`."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def only_sweep_dir(results, name):
    dirs = sorted((Path(results) / "sweeps" / name).iterdir())
    assert len(dirs) == 1, dirs
    return dirs[0]


def start_cli(args, log_path, cwd):
    """`python -m rnnbench ARGS` in its own process group, output to a file."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(log_path, "w") as log:
        return subprocess.Popen([sys.executable, "-m", "rnnbench", *args], cwd=cwd,
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop_group(proc):
    """Kills what a `start_cli` process (and its workers) left running."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


def rnnbench_cli(*args, cwd):
    # helpers' bound (300 s), not a tighter one: a 2-worker sweep took over 120 s
    # on 2 cores shared with other training jobs.
    return rnnbench_process(*args, cwd=cwd, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def check_distributed_sweep(sweep_dir, n_trials):
    """A finished 2-worker sweep: every trial once, completed, a log per worker."""
    ids = [str(i) for i in range(n_trials)]
    board = read_board(sweep_dir)
    assert sorted(board["trial_id"]) == ids  # every trial exactly once
    assert (board["status"] == "COMPLETED").all()
    states = trial_states(sweep_dir, SMALL_SPACE)
    assert sorted(states) == ids and {s for s, _, _ in states.values()} == {"COMPLETED"}
    for trial_id in ids:
        assert manifest_status(sweep_dir / "trials" / trial_id) == "completed"
    logs = sorted(p.name for p in sweep_dir.glob("worker-*.log"))
    assert logs == ["worker-tuner0.log", "worker-tuner1.log"]
    return board
