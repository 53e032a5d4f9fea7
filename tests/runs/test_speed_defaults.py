"""The fast defaults change speed, not results: the same seed gives the same run."""

import csv
import json

import pytest
from helpers import experiment_dict, gpu_visible, run_cli, scalar_events

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


@pytest.mark.parametrize("size,epochs", [(64, 1), (4000, 2)])
def test_a_run_builds_and_records_the_simple_rnn_kernel_its_planned_steps_choose(
        tmp_path, size, epochs):
    """The run passes its planned steps (epochs x batches) to the rule, the builder
    and the manifest alike: ~10 steps keep Keras' loop, ~1,400 unroll (on a CPU)."""
    import keras

    from rnnbench.models import builders
    raw = experiment_dict(task="regress", cells=("simple_rnn",), epochs=epochs, size=size)
    raw["train"]["batch_size"] = 4
    code, run_dir = run_cli(tmp_path, raw)
    assert code == 0
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (choice,) = manifest["simple_rnn_kernel"]
    if not gpu_visible():  # on a GPU the rule stops before counting steps
        planned = int(choice["reason"].split(" planned training steps")[0].split()[-1])
        assert (planned >= speed.UNROLL_MIN_PLANNED_STEPS) == (size > 64), choice
    assert choice["chosen"] == ("unrolled" if size > 64 and not gpu_visible() else "keras")
    built = builders.STAND_IN.get(("simple_rnn", choice["chosen"]), keras.layers.SimpleRNN)
    assert manifest["layers"][0]["class"] == built.__name__
