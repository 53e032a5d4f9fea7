"""Memory over long sweeps: `--trials-per-process K` re-executes the tuner every K trials.

TensorFlow keeps ~36 MB per sunspots-sized trial in a process that runs them
one after another (a bare Keras loop does the same), so the bound is tested on
a sunspots-sized sweep, through the real command line (only a real `rnnbench`
process may re-execute itself).
"""

import re

import pandas as pd
import pytest

from helpers import rnnbench_process, write_yaml

RSS_LINE = re.compile(r"trial (\d+): process RSS (\d+) MB after (\d+) trials? in it")


def test_a_negative_trials_per_process_is_exit_2(tmp_path):
    result = rnnbench_process("tune", "sunspots_arch", "--trials-per-process", "-1",
                              "--results-dir", str(tmp_path), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Expected `--trials-per-process` to be >= 0. Received: -1" in result.stderr
    assert not (tmp_path / "sweeps").exists()


@pytest.mark.slow
def test_rss_stays_bounded_when_trials_go_on_in_a_fresh_process(tmp_path):
    """4 trials of the sunspots model, 2 per process: trial 4 ends where trial 2 did.

    Every trial trains the same `sunspots_lstm` network (only the learning rate
    is swept), so the RSS after each trial is comparable. Bound: no trial ends
    more than 80 MB above the first process's highest RSS. In one process the
    same trials grow ~36 MB each (BENCHMARKS.md); recycled, the second process
    starts again from the bottom, and trial 3 ends below trial 2.
    """
    sweep = write_yaml(tmp_path / "sunspots_lr.yaml", {
        "experiment": "sunspots_lstm", "overrides": {"train.epochs": 3},
        "tuner": {"algorithm": "random", "max_trials": 4, "objective": "val_rmse",
                  "seed": 1},
        "space": {"train.optimizer.learning_rate": {"float": [1.0e-4, 1.0e-2],
                                                    "sampling": "log"}}})
    result = rnnbench_process("tune", str(sweep), "--verbose", "--trials-per-process",
                              "2", "--results-dir", str(tmp_path / "results"),
                              timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rss = [(int(t), int(mb), int(k)) for t, mb, k in RSS_LINE.findall(result.stdout)]
    assert [t for t, _, _ in rss] == list(range(4))
    assert [k for _, _, k in rss] == [1, 2] * 2  # two processes of two trials
    assert result.stdout.count("going on in a fresh one") == 1
    first = max(mb for _, mb, _ in rss[:2])
    assert max(mb for _, mb, _ in rss[2:]) - first < 80, f"RSS per trial: {rss}"
    assert rss[2][1] < rss[1][1], rss  # memory came back

    (sweep_dir,) = (tmp_path / "results" / "sweeps" / "sunspots_lr").iterdir()
    board = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    assert sorted(board["trial_id"], key=int) == [str(i) for i in range(4)]
    assert (board["status"] == "COMPLETED").all()
    # No trial ran twice: nothing was set aside as interrupted.
    assert sorted(p.name for p in (sweep_dir / "trials").iterdir()) == sorted(
        str(i) for i in range(4))
    assert (sweep_dir / "sweep.lock").read_text() == ""  # released at the end
