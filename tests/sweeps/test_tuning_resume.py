"""`rnnbench tune`: nothing is overwritten (a second run makes a second folder), and a
sweep killed mid-trial resumes in place, re-running only the interrupted trial."""

import signal

import pytest

from helpers import manifest_status, read_json, trial_states, wait_for, write_yaml
from sweeps.tuning_helpers import (SLOW, SMALL_SPACE, only_sweep_dir, read_board, snapshot,
                                   start_cli, stop_group, tune, write_sweep)


# --------------------------------------------------------- nothing is overwritten

@pytest.mark.slow
def test_running_a_sweep_twice_makes_two_sweep_folders(tmp_path, tiny):
    sweep = write_sweep(tmp_path, "twice", tiny, SMALL_SPACE, max_trials=1)
    first = tune(sweep, tmp_path / "results")
    before = snapshot(first)
    second = tune(sweep, tmp_path / "results")
    assert first != second and first.parent == second.parent
    assert sorted(first.parent.iterdir()) == sorted([first, second])
    assert snapshot(first) == before
    for sweep_dir in (first, second):
        board = read_board(sweep_dir)
        assert list(board["trial_id"]) == ["0"] and board["status"][0] == "COMPLETED"


# ---------------------------------------------------------------------- resume

@pytest.mark.slow
def test_resume_after_a_kill_reruns_only_the_interrupted_trial(tmp_path):
    from rnnbench.cli import main
    base = write_yaml(tmp_path / "slow.yaml", SLOW)
    sweep = write_sweep(tmp_path, "killme", base, SMALL_SPACE, algorithm="random",
                        max_trials=4, seed=2)
    results = tmp_path / "results"
    proc = start_cli(["tune", str(sweep), "--results-dir", str(results)],
                     tmp_path / "first.log", cwd=tmp_path)
    try:
        def trial_1_running():
            dirs = list((results / "sweeps" / "killme").glob("*/trials/1"))
            return dirs and manifest_status(dirs[0]) == "running"
        wait_for(trial_1_running, 150, "trial 1 to start", proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop_group(proc)

    sweep_dir = only_sweep_dir(results, "killme")
    trial_0 = snapshot(sweep_dir / "trials" / "0")
    manifest_0 = read_json(sweep_dir / "trials" / "0" / "manifest.json")
    assert manifest_0["status"] == "completed"
    config_1 = (sweep_dir / "trials" / "1" / "config.yaml").read_text()
    values_1 = trial_states(sweep_dir, SMALL_SPACE)["1"][2]
    assert trial_states(sweep_dir, SMALL_SPACE)["1"][0] == "RUNNING"
    assert not (sweep_dir / "tuner" / "trial_2").exists()

    assert main(["tune", str(sweep), "--resume", "--results-dir", str(results)]) == 0
    assert only_sweep_dir(results, "killme") == sweep_dir  # resumed in place

    # Trial 0 was not re-run: its files are untouched.
    assert snapshot(sweep_dir / "trials" / "0") == trial_0
    assert read_json(sweep_dir / "trials" / "0" / "manifest.json") == manifest_0
    # Trial 1 was re-run with the same hyperparameters; the killed attempt is kept.
    interrupted = sweep_dir / "trials" / "1.interrupted-1"
    assert manifest_status(interrupted) == "running"
    assert (interrupted / "config.yaml").read_text() == config_1
    assert (sweep_dir / "trials" / "1" / "config.yaml").read_text() == config_1
    assert manifest_status(sweep_dir / "trials" / "1") == "completed"
    states = trial_states(sweep_dir, SMALL_SPACE)
    assert states["1"][2] == values_1
    # Numbering went on to 3, and nothing ran twice.
    assert sorted(states) == ["0", "1", "2", "3"]
    assert {s for s, _, _ in states.values()} == {"COMPLETED"}
    assert {p.name for p in (sweep_dir / "trials").iterdir()} == {
        "0", "1", "2", "3", "1.interrupted-1"}
    board = read_board(sweep_dir)
    assert sorted(board["trial_id"]) == ["0", "1", "2", "3"]
    assert (board["status"] == "COMPLETED").all()
