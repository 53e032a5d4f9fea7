"""A sweep checks its base experiment before the first trial: the dataset must
be able to load here, or the sweep stops at once with the pip command (exit 2)."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# As if sktime were not installed: `import sktime` fails and find_spec finds nothing.
WITHOUT_SKTIME = """
import sys
sys.modules["sktime"] = None
from rnnbench.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_sweep_over_a_dataset_whose_package_is_missing_exits_2_before_any_trial(tmp_path):
    sweep = tmp_path / "gp.yaml"
    sweep.write_text(yaml.safe_dump({
        "experiment": str(REPO / "experiments" / "gunpoint_lstm.yaml"),
        "tuner": {"algorithm": "random", "max_trials": 3},
        "space": {"model.layers[*].units": {"int": [16, 64], "step": 16}}}))
    results = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_SKTIME, "tune", str(sweep), "--results-dir",
         str(results)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    err = " ".join(result.stderr.split())
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "rnnbench: error: Sweep 'gp' cannot run here" in err
    assert "the `gunpoint` dataset" in err and "pip install sktime" in err
    assert "No trial was started" in err
    assert not results.exists()  # no sweep folder, no trial
