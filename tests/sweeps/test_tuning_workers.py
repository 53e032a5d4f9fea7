"""`rnnbench tune --workers 2`: every trial exactly once, with --max-trials and --set
reaching the workers through the saved sweep.yaml."""

import pytest
import yaml

from sweeps.tuning_helpers import (SMALL_SPACE, check_distributed_sweep, only_sweep_dir,
                                   rnnbench_cli, write_sweep)


@pytest.mark.slow
def test_distributed_sweep_runs_every_trial_exactly_once(tmp_path, tiny):
    sweep = write_sweep(tmp_path, "dist", tiny, SMALL_SPACE, algorithm="random",
                        max_trials=9, seed=1)
    results = tmp_path / "results"
    # --max-trials and --set reach the workers through the saved sweep.yaml.
    result = rnnbench_cli("tune", str(sweep), "--workers", "2", "--max-trials", "6",
                          "--set", "train.batch_size=8", "--results-dir", str(results),
                          cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    sweep_dir = only_sweep_dir(results, "dist")
    check_distributed_sweep(sweep_dir, 6)
    assert {p.name for p in (sweep_dir / "trials").iterdir()} == {str(i) for i in range(6)}
    for trial_id in range(6):
        config = yaml.safe_load((sweep_dir / "trials" / str(trial_id) / "config.yaml")
                                .read_text())
        assert config["train"]["batch_size"] == 8
    for tuner_id in ("tuner0", "tuner1"):
        assert (sweep_dir / f"worker-{tuner_id}.log").stat().st_size > 0
