"""SIGTERM of a `--workers` sweep stops its workers gracefully (issue 29 part 5): the
running trial is `interrupted`, as the chief's message says, not `died` (the workers
used to be SIGKILLed)."""

import os
import signal

import pytest

from helpers import manifest_status, wait_for, write_yaml
from sweeps.tuning_helpers import SLOW, start_cli, stop_group

pytestmark = pytest.mark.slow


def test_sigterm_of_a_workers_sweep_marks_the_running_trial_interrupted(tmp_path):
    # A trial of 400 epochs (~20 s here): with 40 (~3 s on a fast host) it once completed
    # between being seen running and the signal reaching its worker through the chief.
    base = write_yaml(tmp_path / "slow.yaml", {**SLOW, "name": "slow",
                                               "train": {**SLOW["train"], "epochs": 400}})
    sweep = write_yaml(tmp_path / "term.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 3, "seed": 1}})
    log = tmp_path / "chief.log"
    proc = start_cli(["tune", str(sweep), "--workers", "1", "--results-dir",
                      str(tmp_path / "results")], log, tmp_path)
    try:
        root = tmp_path / "results" / "sweeps" / "term"
        running = wait_for(lambda: [d for d in root.glob("*/trials/*")
                                    if manifest_status(d) == "running"], 240,
                           "a running trial", proc=proc)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=120) == 143, log.read_text()[-3000:]
    finally:
        stop_group(proc)
    assert manifest_status(running[0]) == "interrupted"
    assert "--resume" in log.read_text()


@pytest.mark.parametrize("verbose", [False, True])
def test_a_failed_trial_shows_no_keras_tuner_traceback_unless_verbose(tmp_path, verbose):
    from helpers import rnnbench_process
    from sweeps.tuning_helpers import TINY
    base = write_yaml(tmp_path / "boom.yaml", {
        **TINY, "name": "boom", "train": {**TINY["train"], "optimizer": {"name": "sgd"}}})
    sweep = write_yaml(tmp_path / "quiet.yaml", {
        "experiment": str(base),
        "space": {"train.optimizer.learning_rate": {"float": [1.0e29, 1.0e30]}},
        "tuner": {"algorithm": "random", "max_trials": 1, "seed": 1}})
    result = rnnbench_process("tune", str(sweep), *(["--verbose"] if verbose else []),
                              "--results-dir", str(tmp_path / "results"), cwd=tmp_path,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]  # its only trial failed
    assert "trial 0 failed" in output and "loss became NaN" in output
    assert ("Traceback" in output) == verbose
