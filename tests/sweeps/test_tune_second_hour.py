"""`rnnbench tune` in a user's second hour (issue 27): `--set` on a searched key is
refused, `--resume` of a complete sweep says so, a sweep of failed trials exits 1,
counts read "1 trial", and Keras Tuner's own "Reloading Tuner" line stays hidden."""

import subprocess

import pytest
import yaml

from helpers import write_yaml
from rnnbench.errors import UserError
from sweeps.tuning_helpers import TINY, only_sweep_dir, read_board, tune, write_sweep

UNITS = {"model.layers[0].units": {"int": [2, 8]}}


# ------------------------------------------------------------ --set on a searched key

@pytest.mark.parametrize("space, tuner, key", [
    (UNITS, {}, "model.layers[0].units"),
    ({"model.layers[*].units": {"int": [2, 8]}}, {}, "model.layers[0].units"),
    (UNITS, {}, "model.layers"),  # a whole list holding the searched key
    ({"train.optimizer.learning_rate": {"float": [0.001, 0.1]}}, {},
     "train.optimizer"),
    (UNITS, {"algorithm": "hyperband", "max_epochs": 2}, "train.epochs"),
], ids=["same key", "wildcard layer", "parent list", "parent mapping", "hyperband budget"])
def test_set_on_a_searched_key_is_an_error_naming_it(tmp_path, tiny, space, tuner, key):
    from rnnbench.cli import main
    sweep = write_sweep(tmp_path, "clash", tiny, space, **tuner)
    value = {"model.layers": "[{cell: gru, units: 3}]",
             "train.optimizer": "{name: sgd}"}.get(key, "3")
    with pytest.raises(UserError) as info:
        tune_with_set(sweep, tmp_path / "results", f"{key}={value}")
    message = str(info.value)
    assert f"--set {key}=" in message and "sets" in message and "space" in message
    searched = next(iter(space)) if key != "train.epochs" else "train.epochs"
    assert f"`{searched}`" in message
    assert main(["tune", str(sweep), "--set", f"{key}={value}",
                 "--results-dir", str(tmp_path / "results")]) == 2
    assert not (tmp_path / "results").exists()  # refused before any folder


def tune_with_set(sweep, results, override):
    from rnnbench.sweeps import tuning
    return tuning.tune(str(sweep), str(results), overrides=[override])


def test_set_on_a_key_the_sweep_does_not_search_still_applies(tmp_path, tiny):
    from rnnbench.sweeps import definition
    sweep, base_raw = definition.load_sweep(str(write_sweep(tmp_path, "ok", tiny, UNITS)))
    sweep, base_raw = definition.with_command_line(sweep, base_raw,
                                                   ["model.layers[0].cell=gru"])
    assert base_raw["model"]["layers"][0]["cell"] == "gru"
    assert dict(sweep.overrides) == {"model.layers[0].cell": "gru"}


# ------------------------------------------------------------ resume and its output

def tune_cli(capfd, *args):
    """`rnnbench tune ARGS` through main() in this process, with all it wrote.

    capfd, not capsys: Keras Tuner's "Reloading Tuner" print and anything written
    to the file descriptors is caught, as a fresh process's pipes would catch it
    (one paid TensorFlow's import, three times a test).
    """
    from rnnbench.cli import main
    capfd.readouterr()
    code = main(["tune", *args])
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(["rnnbench", "tune", *args], code, out, err)


@pytest.mark.slow
def test_resume_hides_keras_tuner_reload_and_a_complete_sweep_has_nothing_to_resume(
        tmp_path, tiny, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "results"
    sweep = write_sweep(tmp_path, "once", tiny, UNITS, algorithm="random", max_trials=1,
                        seed=0)
    done = tune_cli(capfd, str(sweep), "--results-dir", str(results))
    assert done.returncode == 0, done.stderr
    assert "sweep once: 1 trial (1 completed)" in done.stdout  # not "1 trials"
    assert "1/1 trial done" in done.stdout + done.stderr

    # The sweep file now asks for 2 trials, so the record does too: one left to run.
    sweep_dir = only_sweep_dir(results, "once")
    write_sweep(tmp_path, "once", tiny, UNITS, algorithm="random", max_trials=2, seed=0)
    record = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    record["tuner"]["max_trials"] = 2
    write_yaml(sweep_dir / "sweep.yaml", record)
    resumed = tune_cli(capfd, str(sweep), "--resume", "--results-dir", str(results))
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(read_board(sweep_dir)["trial_id"]) == ["0", "1"]
    output = resumed.stdout + resumed.stderr
    assert "Reloading Tuner" not in output, output  # Keras Tuner's own line, hidden

    again = tune_cli(capfd, str(sweep), "--resume", "--results-dir", str(results))
    assert again.returncode == 0, again.stderr
    lines = [line for line in again.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "Nothing to resume" in lines[0], again.stdout
    assert sweep_dir.name in lines[0] and "complete" in lines[0]
    assert "leaderboard" in lines[0] and "rank" not in again.stdout  # not re-reported
    assert "Reloading Tuner" not in again.stdout + again.stderr
    assert sorted(read_board(sweep_dir)["trial_id"]) == ["0", "1"]  # nothing ran


# ------------------------------------------------------------ every trial failed

@pytest.mark.slow
def test_a_sweep_in_which_every_trial_failed_exits_1_naming_the_failures(tmp_path, capsys):
    from rnnbench.cli import main
    base = write_yaml(tmp_path / "tiny.yaml", {
        **TINY, "train": {**TINY["train"], "optimizer": {"name": "sgd"}}})
    sweep = write_sweep(tmp_path, "allfail", base,
                        {"train.optimizer.learning_rate": {"choice": [1.0e29, 1.0e30]}},
                        algorithm="grid", max_trials=2, max_consecutive_failed_trials=5)
    code = main(["tune", str(sweep), "--results-dir", str(tmp_path / "results")])
    captured = capsys.readouterr()
    assert code == 1
    board = read_board(only_sweep_dir(tmp_path / "results", "allfail"))
    assert (board["status"] == "FAILED").all() and len(board) == 2
    failed = [line for line in captured.err.splitlines() if "run failed" in line]
    assert len(failed) == 1, captured.err
    assert "every trial of sweep allfail" in failed[0] and "2 trials (" in failed[0]
    assert "NaN" in failed[0]
    assert "sweep allfail: 2 trials (2 failed)" in captured.out  # the summary still shows


def test_counts_read_1_trial(tmp_path):
    from rnnbench.sweeps import progress
    assert progress.SweepProgress("val_loss", None).eta(1) == "1 trial done"
    assert progress.SweepProgress("val_loss", 1).eta(1) == "1/1 trial done"
    assert progress.SweepProgress("val_loss", None).eta(2) == "2 trials done"
