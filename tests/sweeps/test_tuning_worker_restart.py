"""`rnnbench tune --workers 2`: a worker killed mid-trial is restarted under its id,
its trial re-run, and the killed attempt kept beside it."""

import os
import signal
from pathlib import Path

import pytest

from helpers import manifest_status, read_json, wait_for, write_yaml
from sweeps.tuning_helpers import (SLOW, SMALL_SPACE, check_distributed_sweep, only_sweep_dir,
                                   start_cli, stop_group, write_sweep)


def worker_pids(chief_pid, sweep_root):
    """`{tuner_id: pid}` of the chief's worker processes (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if ppid != chief_pid or b"--sweep-dir" not in argv:
                continue
            if not argv[argv.index(b"--sweep-dir") + 1].decode().startswith(str(sweep_root)):
                continue
            env = dict(item.split(b"=", 1) for item in
                       (entry / "environ").read_bytes().split(b"\0") if b"=" in item)
            found[env[b"KERASTUNER_TUNER_ID"].decode()] = int(entry.name)
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return found


@pytest.mark.slow
def test_distributed_sweep_survives_a_killed_worker(tmp_path):
    base = write_yaml(tmp_path / "slow.yaml", SLOW)
    sweep = write_sweep(tmp_path, "distkill", base, SMALL_SPACE, algorithm="random",
                        max_trials=4, seed=1)
    results = tmp_path / "results"
    sweep_root = results / "sweeps" / "distkill"
    proc = start_cli(["tune", str(sweep), "--workers", "2", "--results-dir", str(results)],
                     tmp_path / "chief.log", cwd=tmp_path)
    try:
        def running_worker():
            """`(tuner_id, pid, trial_id)` of a worker caught in the middle of a trial."""
            for sweep_dir in sweep_root.glob("*"):
                try:
                    ongoing = read_json(sweep_dir / "tuner" / "oracle.json")["ongoing_trials"]
                except (OSError, ValueError, KeyError):
                    return None
                pids = worker_pids(proc.pid, sweep_root)
                for tuner_id, trial_id in ongoing.items():
                    if (tuner_id in pids and
                            manifest_status(sweep_dir / "trials" / trial_id) == "running"):
                        return tuner_id, pids[tuner_id], trial_id
            return None
        tuner_id, pid, killed_trial = wait_for(running_worker, 150,
                                               "a worker to be running a trial", proc)
        os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=180)
    finally:
        stop_group(proc)
    log = (tmp_path / "chief.log").read_text()
    assert proc.returncode == 0, log[-3000:]
    assert f"worker {tuner_id} exited with -9; restarting it" in log

    sweep_dir = only_sweep_dir(results, "distkill")
    check_distributed_sweep(sweep_dir, 4)
    interrupted = sweep_dir / "trials" / f"{killed_trial}.interrupted-1"
    assert manifest_status(interrupted) == "running"
    assert ((interrupted / "config.yaml").read_text()
            == (sweep_dir / "trials" / killed_trial / "config.yaml").read_text())
    assert {p.name for p in (sweep_dir / "trials").iterdir()} == (
        {str(i) for i in range(4)} | {interrupted.name})
