"""The fast defaults change speed, not results: the same seed gives the same run."""

import csv
import json

import pytest
from helpers import experiment_dict, run_cli, scalar_events

from rnnbench.config import experiment as config_lib
from rnnbench.models import speed

pytestmark = pytest.mark.slow


def test_steps_per_execution_auto_gives_the_numbers_of_one_step_per_call(tmp_path):
    # 64 samples / batch 8 = 8 steps an epoch: `auto` runs all 8 in one call (30
    # planned epochs: 240 steps, enough to repay the trace; early stopping ends sooner).
    raw = experiment_dict(task="regress", cells=("lstm", "gru"), epochs=30)
    raw["train"].update(batch_size=8, early_stopping={"monitor": "val_loss", "patience": 1,
                                                      "min_delta": 0.05})
    runs = {}
    for setting in (1, "auto"):
        raw["train"]["steps_per_execution"] = setting
        code, run_dir = run_cli(tmp_path, raw)
        assert code == 0
        runs[setting] = run_dir
    manifests = {k: json.loads((d / "manifest.json").read_text()) for k, d in runs.items()}
    assert manifests["auto"]["steps_per_execution"]["chosen"] == 8
    assert manifests[1]["steps_per_execution"] == {
        "setting": 1, "chosen": 1, "reason": "set in train.steps_per_execution"}
    exp = config_lib.load_experiment(runs["auto"] / "config.yaml")
    assert manifests["auto"]["lstm_kernel"][0]["chosen"] == speed.lstm_kernel(
        exp, config_lib.data_spec(exp), 0).chosen  # "block" on a CPU, "keras" on a GPU
    assert manifests["auto"]["threads"]["setting"] == "auto"

    def history(run_dir):
        with open(run_dir / "history.csv") as f:
            return list(csv.DictReader(f))

    def metrics(run_dir):
        found = json.loads((run_dir / "metrics.json").read_text())
        found.pop("wall_time_s")
        return found

    assert history(runs["auto"]) == history(runs[1])  # the CSV's text: bit for bit
    assert metrics(runs["auto"]) == metrics(runs[1])
    assert metrics(runs[1])["epochs_run"] < 6  # early stopping acted, at the same epoch
    for part in ("train", "validation"):
        assert scalar_events(runs["auto"], part) == scalar_events(runs[1], part)
