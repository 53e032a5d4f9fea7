"""Sweep state that cannot lie: one owner per sweep folder, corrupt Keras Tuner state.

The sweep folders here are made by Keras Tuner itself (a tuner built, a trial
created) without training anything, so these tests are in the fast lane.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import TINY_SWEEP_BASE, write_yaml
from rnnbench.errors import UserError
from rnnbench.sweeps import lock

SPACE = {"model.layers[0].units": {"int": [2, 8]}}


@pytest.fixture
def sweep_file(tmp_path):
    base = write_yaml(tmp_path / "tiny.yaml", TINY_SWEEP_BASE)
    return write_yaml(tmp_path / "state.yaml", {
        "experiment": str(base), "tuner": {"algorithm": "random", "max_trials": 3},
        "space": SPACE})


@pytest.fixture
def sweep_dir(sweep_file, tmp_path):
    """A resumable sweep folder whose trial 0 was handed out (RUNNING), none trained."""
    from rnnbench.sweeps import tuning
    sweep, base_raw, folder = tuning.open_sweep(str(sweep_file), str(tmp_path / "results"))
    tuner = tuning.build_tuner(sweep, base_raw, folder)
    tuner.oracle.create_trial("tuner0")
    assert (folder / "tuner" / "trial_0" / "trial.json").is_file()
    return Path(folder)


def resume(sweep_file, sweep_dir, capsys):
    """`rnnbench tune --resume` in this process: its exit code and what it wrote.

    In process, not `python -m rnnbench`: what is tested is the check and its
    message, not the process (a fresh one paid TensorFlow's import, ~5 s, per
    case). A traceback cannot hide here: an uncaught exception fails the test.
    """
    from rnnbench.cli import main
    capsys.readouterr()
    code = main(["tune", str(sweep_file), "--resume", sweep_dir.name,
                 "--results-dir", str(sweep_dir.parents[2])])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["rnnbench"], code, out, err)


def hold_lock(folder):
    """A real second process that holds the lock on `folder` until killed."""
    code = ("import sys, time; from rnnbench.sweeps import lock; "
            "lock.SweepLock(sys.argv[1], command='holder').acquire(); "
            "print('held', flush=True); time.sleep(120)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


# ----------------------------------------------------------------------- the lock

def test_a_second_owner_exits_2_naming_the_holder(sweep_file, sweep_dir, capsys):
    holder = hold_lock(sweep_dir)
    try:
        result = resume(sweep_file, sweep_dir, capsys)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"pid {holder.pid} on host {socket.gethostname()}, since " in message
    assert str(sweep_dir) in message and "in use by another process" in message
    # Nothing was touched: trial 0 was not started again.
    assert not (sweep_dir / "trials").exists()


def test_a_lock_whose_holder_was_killed_is_taken_over(tmp_path, caplog):
    holder = hold_lock(tmp_path)
    with pytest.raises(UserError, match=f"pid {holder.pid} on host"):
        lock.SweepLock(tmp_path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    with caplog.at_level("WARNING", logger="rnnbench"):
        with lock.SweepLock(tmp_path):
            assert f'"pid": {os.getpid()}' in (tmp_path / lock.LOCK_NAME).read_text()
    assert f"pid {holder.pid} on host" in caplog.text and "is gone" in caplog.text
    # Released cleanly: the next owner takes it without a warning.
    caplog.clear()
    with caplog.at_level("WARNING", logger="rnnbench"), lock.SweepLock(tmp_path):
        pass
    assert "taking over" not in caplog.text


def test_a_fresh_holder_on_another_host_is_respected(tmp_path):
    # flock is not reliable on every shared filesystem: the record decides there.
    (tmp_path / lock.LOCK_NAME).write_text(
        '{"pid": 7, "host": "elsewhere", "since": "x", "heartbeat": %f}' % time.time())
    with pytest.raises(UserError, match="pid 7 on host elsewhere"):
        lock.SweepLock(tmp_path).acquire()
    (tmp_path / lock.LOCK_NAME).write_text(
        '{"pid": 7, "host": "elsewhere", "since": "x", "heartbeat": %f}'
        % (time.time() - 10 * lock.STALE_AFTER_S))
    with lock.SweepLock(tmp_path):
        pass


# ------------------------------------------------------------------ corrupt state

def truncate(path):
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


CORRUPTIONS = {
    "empty oracle.json": ("oracle.json", lambda p: p.write_text(""), "is empty"),
    "truncated oracle.json": ("oracle.json", truncate, "is not valid JSON"),
    "deleted oracle.json": ("oracle.json", Path.unlink, "is missing"),
    "empty trial.json": ("trial_0/trial.json", lambda p: p.write_text(""), "is empty"),
    "truncated trial.json": ("trial_0/trial.json", truncate, "is not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupt_state_exits_2_naming_the_file_and_the_remedy(sweep_file, sweep_dir, case,
                                                             capsys):
    name, damage, what = CORRUPTIONS[case]
    path = sweep_dir / "tuner" / name
    damage(path)
    result = resume(sweep_file, sweep_dir, capsys)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"{path} {what}" in message
    assert f"--resume {sweep_dir.name}" in message and "start a new sweep" in message
    assert not (sweep_dir / "trials").exists()  # nothing ran
    # The lock was released on the way out.
    assert (sweep_dir / lock.LOCK_NAME).read_text() == ""


def test_intact_state_passes_the_check(sweep_file, sweep_dir):
    from rnnbench.sweeps import tuning
    tuning.check_state("state", sweep_dir)  # no error
    (sweep_dir / "tuner" / "oracle.json").write_text("[]")
    with pytest.raises(UserError, match="is not a JSON object"):
        tuning.check_state("state", sweep_dir)
    (sweep_dir / "tuner" / "oracle.json").write_text("{}")
    with pytest.raises(UserError, match="lacks the keys"):
        tuning.check_state("state", sweep_dir)


def test_the_leaderboard_keeps_a_row_for_an_unreadable_trial(sweep_file, sweep_dir):
    from rnnbench.sweeps import definition, leaderboard
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    truncate(sweep_dir / "tuner" / "trial_0" / "trial.json")
    board = leaderboard.build(sweep_dir, sweep)
    assert list(board["trial_id"]) == ["0"]
    assert list(board["status"]) == ["UNREADABLE"]
    assert "trial_0/trial.json is empty or not valid JSON" in board["error"][0]


@pytest.mark.parametrize("manifest,expected", [
    ({"status": "running", "pid": 2**22 + 1234, "host": {"hostname": socket.gethostname()}},
     "DIED"),
    ({"status": "interrupted"}, "INTERRUPTED"),
    ({"status": "running", "pid": os.getpid(), "host": {"hostname": socket.gethostname()}},
     "RUNNING"),
])
def test_a_killed_trial_is_not_running_on_the_leaderboard(sweep_file, sweep_dir, manifest,
                                                          expected):
    # trial.json says RUNNING for a trial whose process was killed (SIGKILL) or
    # stopped: the run folder's manifest decides.
    import json

    from rnnbench.sweeps import definition, leaderboard
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    trial_dir = sweep_dir / "trials" / "0"
    trial_dir.mkdir(parents=True)
    (trial_dir / "manifest.json").write_text(json.dumps(
        {**manifest, "heartbeat_at": "2026-12-01T00:00:00+00:00"}))
    board = leaderboard.build(sweep_dir, sweep)
    assert list(board["status"]) == [expected]


def test_the_lock_is_kept_across_a_re_exec_of_its_holder(tmp_path):
    # What `--trials-per-process` does every K trials: the same pid, never unlocked.
    after_exec = ("import sys, time; from rnnbench.sweeps import lock; "
                  "lock.SweepLock(sys.argv[1]).acquire(); print('again', flush=True); "
                  "time.sleep(120)")
    before_exec = ("import os, sys; from rnnbench.sweeps import lock; "
                   "held = lock.SweepLock(sys.argv[1]); held.acquire(); held.hand_over(); "
                   f"os.execv(sys.executable, [sys.executable, '-c', {after_exec!r}, "
                   "sys.argv[1]])")
    proc = subprocess.Popen([sys.executable, "-c", before_exec, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "again"
        with pytest.raises(UserError, match=f"pid {proc.pid} on host"):
            lock.SweepLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait(timeout=30)
