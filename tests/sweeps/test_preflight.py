"""A sweep checks its base experiment before the first trial: the dataset must
be able to load here, or the sweep stops at once with the pip command (exit 2)."""

import sys
from pathlib import Path

import yaml

from rnnbench.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_sweep_over_a_dataset_whose_package_is_missing_exits_2_before_any_trial(
        tmp_path, capsys, monkeypatch):
    # As if sktime were not installed: `import sktime` fails and find_spec finds
    # nothing. In this process, not a fresh one: the check and its message are
    # tested, not the process (a fresh one paid TensorFlow's import); an uncaught
    # exception would fail the test, so there is no traceback to hide.
    monkeypatch.setitem(sys.modules, "sktime", None)
    sweep = tmp_path / "gp.yaml"
    sweep.write_text(yaml.safe_dump({
        "experiment": str(REPO / "experiments" / "gunpoint_lstm.yaml"),
        "tuner": {"algorithm": "random", "max_trials": 3},
        "space": {"model.layers[*].units": {"int": [16, 64], "step": 16}}}))
    results = tmp_path / "results"
    code = main(["tune", str(sweep), "--results-dir", str(results)])
    out, stderr = capsys.readouterr()
    err = " ".join(stderr.split())
    assert code == 2, out[-2000:] + stderr[-2000:]
    assert "Traceback" not in stderr
    assert "rnnbench: error: Sweep 'gp' cannot run here" in err
    assert "the `gunpoint` dataset" in err and "pip install sktime" in err
    assert "No trial was started" in err
    assert not results.exists()  # no sweep folder, no trial
