"""Damaged or unwritable sweep state (issue 29): named with exit 2, never a traceback,
never a 0-byte file, and never a chief that waits forever."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import TINY_SWEEP_BASE, wait_for, write_yaml
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


@pytest.mark.slow
def test_a_worker_that_dies_on_a_full_disk_is_not_restarted(small_disk):
    import sys
    from rnnbench.errors import RunFailed
    from rnnbench.sweeps.distributed import supervision
    dying = ([sys.executable, "-c", "raise SystemExit(1)"], None)
    fill(small_disk)
    with pytest.raises(RunFailed, match="No space left on device.*not restarted"):
        supervision.supervise(small_disk, {"tuner0": dying})
    (small_disk / "filler").unlink()
    with pytest.raises(RunFailed, match="failed 4 times"):  # room again: restarted
        supervision.supervise(small_disk, {"tuner0": dying})


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


@pytest.mark.slow
def test_a_workers_sweep_on_a_disk_that_fills_ends_by_itself_and_resumes(tmp_path):
    """Seen twice before: both workers exited, were restarted, exited again, and the
    chief waited forever on the oracle's lock, leaving a 0-byte trial.json."""
    if not CAN_MOUNT:
        pytest.skip("mounting a tmpfs needs root")
    from helpers import manifest_status
    from sweeps.tuning_helpers import SLOW, read_board, start_cli, stop_group
    base = write_yaml(tmp_path / "slow.yaml", {**SLOW, "name": "slow"})
    sweep = write_yaml(tmp_path / "full.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 4, "seed": 1}})
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)],
                   check=True, timeout=30)
    args = ["tune", str(sweep), "--workers", "1", "--results-dir", str(disk)]
    proc = start_cli(args, tmp_path / "full.log", tmp_path)
    try:
        root = disk / "sweeps" / "full"
        wait_for(lambda: any(manifest_status(d) == "completed"
                             for d in root.glob("*/trials/*")), 240,
                 "a completed trial", proc=proc)
        fill(disk)
        code = proc.wait(timeout=400)  # bounded: it used to hang here forever
        log = (tmp_path / "full.log").read_text()
        assert code == 1, log[-3000:]
        assert "--resume" in log and "Traceback" not in log.splitlines()[-1]
        # A restart on a full disk would die the same way (it was restarted 3 times).
        assert "was not restarted" in log and "restarting it" not in log, log[-3000:]
        (sweep_dir,) = root.glob("*")
        for path in (sweep_dir / "tuner").rglob("*.json"):
            assert path.stat().st_size > 0, path
        (disk / "filler").unlink()
        again = start_cli(["tune", str(sweep), "--resume", sweep_dir.name, "--workers", "1",
                           "--results-dir", str(disk)], tmp_path / "again.log", tmp_path)
        try:
            assert again.wait(timeout=400) == 0, (tmp_path / "again.log").read_text()[-3000:]
        finally:
            stop_group(again)
        board = read_board(sweep_dir)
        assert sorted(board["trial_id"]) == ["0", "1", "2", "3"]
        # A trial the full disk failed is run again by the resume (issue 29 part 4).
        assert (board["status"] == "COMPLETED").all(), board.to_string()
    finally:
        stop_group(proc)
        subprocess.run(["umount", "-l", str(disk)], timeout=30)


# ------------------------------------------- resume re-runs what the environment broke

@pytest.mark.slow
@pytest.mark.parametrize("error,failure", [
    ("RunFailed: could not write model.keras: No space left on device (ENOSPC)",
     "environment"),
    ("RunFailed: could not write events: Read-only file system (EROFS)", "environment"),
    ("RunFailed: the loss became NaN at epoch 1", "configuration"),
])
def test_resume_reruns_a_trial_the_environment_failed_not_the_config(finished_sweep,
                                                                      tmp_path, error,
                                                                      failure):
    from rnnbench.sweeps import definition, leaderboard, tuning
    sweep_file, original = finished_sweep
    results = tmp_path / "results"
    sweep_dir = results / "sweeps" / original.parent.name / original.name
    shutil.copytree(original, sweep_dir)
    trial_json = sweep_dir / "tuner" / "trial_1" / "trial.json"
    state = json.loads(trial_json.read_text())
    trial_json.write_text(json.dumps({**state, "status": "FAILED", "score": None,
                                      "message": f"Traceback ...\n{error}"}))
    manifest_path = sweep_dir / "trials" / "1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "status": "failed", "error": error}))
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    board = leaderboard.build(sweep_dir, sweep).set_index("trial_id")
    assert board.loc["1", "failure"] == failure

    tuning.tune(str(sweep_file), str(results), resume=sweep_dir.name)
    states = {p.parent.name: json.loads(p.read_text())["status"]
              for p in (sweep_dir / "tuner").glob("trial_*/trial.json")}
    assert len(states) == 3  # the third trial the record asks for
    if failure == "environment":
        assert states["trial_1"] == "COMPLETED"
        assert (sweep_dir / "trials" / "1.interrupted-1").is_dir()  # the failed attempt
    else:
        assert states["trial_1"] == "FAILED"
        assert not (sweep_dir / "trials" / "1.interrupted-1").exists()
