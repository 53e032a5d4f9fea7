"""Damaged or unwritable sweep state (issue 29): named with exit 2, never a traceback,
never a 0-byte file, and never a chief that waits forever."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import TINY_SWEEP_BASE, write_yaml
from rnnbench import cli
from rnnbench.sweeps import kt_compat

CAN_MOUNT = os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs at tmp_path/disk, unmounted however the test ends."""
    if not CAN_MOUNT:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                   check=True, timeout=30)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], timeout=30)


def fill(folder):
    """Writes to `folder` until its filesystem is full."""
    fd = os.open(Path(folder) / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_a_full_disk_under_the_oracle_lock_leaves_the_state_whole(small_disk):
    """The disk filled while Keras Tuner saved a trial: before, the lock stayed held
    (the chief hung) and trial.json was left with 0 bytes."""
    import keras_tuner as kt
    hp = kt.HyperParameters()
    hp.Int("units", 1, 64)
    oracle = kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=5,
                                           hyperparameters=hp, seed=1)
    oracle._set_project_dir(str(small_disk / "sweep"), "tuner")
    kt_compat.guard_lock(oracle)
    oracle.create_trial("w0")
    oracle.save()
    fill(small_disk)
    with pytest.raises(OSError):
        oracle.create_trial("w1")
    with kt_compat.oracle_lock(oracle, timeout=10):  # released, not held forever
        pass
    state = sorted((small_disk / "sweep" / "tuner").rglob("*.json"))
    assert state, "nothing saved before the disk filled"
    for path in state:
        json.loads(path.read_text())  # whole: none empty or half-written
    assert not list((small_disk / "sweep").rglob("*.tmp"))


# ------------------------------------------------ `tune --resume` on damaged state

@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    """A real 2-trial sweep: `(sweep file, its sweep folder)`."""
    from rnnbench.sweeps import tuning
    root = tmp_path_factory.mktemp("finished")
    base = write_yaml(root / "tiny.yaml", {**TINY_SWEEP_BASE, "name": "tiny"})
    sweep = write_yaml(root / "damaged.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 2, "seed": 1}})
    sweep_dir = Path(tuning.tune(str(sweep), str(root / "results")))
    # One more trial to run, so `--resume` reads the state (a complete sweep ends at once).
    recorded = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    recorded["tuner"]["max_trials"] = 3
    (sweep_dir / "sweep.yaml").write_text(yaml.safe_dump(recorded, sort_keys=False))
    return sweep, sweep_dir


def damage(path, how):
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_text("")
    elif how == "truncated":
        text = path.read_text()
        path.write_text(text[: len(text) // 2])
    elif how == "list":
        path.write_text("[]")
    elif how == "unknown_status":
        state = json.loads(path.read_text())
        path.write_text(json.dumps({**state, "status": "EXPLODED"}))


@pytest.mark.slow
@pytest.mark.parametrize("name,how", [
    ("tuner0.json", "truncated"), ("tuner0.json", "empty"), ("tuner0.json", "list"),
    ("tuner0.json", "missing"),
    ("oracle.json", "truncated"), ("oracle.json", "empty"), ("oracle.json", "list"),
    ("oracle.json", "missing"),
    ("trial_1/trial.json", "truncated"), ("trial_1/trial.json", "empty"),
    ("trial_1/trial.json", "list"), ("trial_1/trial.json", "missing"),
    ("trial_1/trial.json", "unknown_status"),
])
def test_resume_of_damaged_state_exits_2_naming_the_file(finished_sweep, tmp_path, capsys,
                                                         name, how):
    sweep, original = finished_sweep
    results = tmp_path / "results"
    sweep_dir = results / "sweeps" / original.parent.name / original.name
    shutil.copytree(original, sweep_dir)
    damaged = sweep_dir / "tuner" / name
    damage(damaged, how)
    before = sorted(p.name for p in (sweep_dir / "trials").iterdir())
    code = cli.main(["tune", str(sweep), "--resume", sweep_dir.name,
                     "--results-dir", str(results)])
    err = capsys.readouterr().err
    assert code == 2, err[-2000:]
    assert str(damaged) in err and "Nothing was run" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in (sweep_dir / "trials").iterdir()) == before


@pytest.mark.slow
@pytest.mark.parametrize("status,score", [("EXPLODED", 0.5), ("COMPLETED", "low")])
def test_a_trial_json_with_an_unknown_status_or_score_is_a_problem_row(finished_sweep,
                                                                        tmp_path, status,
                                                                        score):
    from rnnbench.sweeps import definition, leaderboard
    _, original = finished_sweep
    sweep_dir = tmp_path / original.name
    shutil.copytree(original, sweep_dir)
    path = sweep_dir / "tuner" / "trial_1" / "trial.json"
    state = json.loads(path.read_text())
    path.write_text(json.dumps({**state, "status": status, "score": score}))
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    board = leaderboard.build(sweep_dir, sweep).set_index("trial_id")
    assert board.loc["1", "status"] == "UNREADABLE"
    assert str(path) in board.loc["1", "error"]
    assert board.loc["0", "rank"] == 1 and board["rank"].notna().sum() == 1
