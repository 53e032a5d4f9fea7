"""What a sweep's trial costs besides its training: the data is loaded once per
process, no retracing warning, and every trial's manifest has its phases' seconds."""

import logging
from pathlib import Path

import pytest

from helpers import TINY_SWEEP_BASE, LogRecords, read_json, write_yaml

PHASES = {"setup", "data", "build", "first_step", "epochs", "weights", "evaluate", "write"}


@pytest.mark.slow
def test_a_sweep_loads_its_data_once_and_never_warns_of_retracing(tmp_path):
    import tensorflow as tf

    from rnnbench.sweeps import tuning
    # Three epochs: with one epoch of one validation batch, Keras' own train and test
    # functions (traced once per new model, counted by TensorFlow across models)
    # have too few calls per trace and set the warning off; a real trial has many.
    base = write_yaml(tmp_path / "tiny.yaml",
                      {**TINY_SWEEP_BASE, "train": {"epochs": 3, "batch_size": 16}})
    sweep = write_yaml(tmp_path / "cost.yaml", {
        "experiment": str(base),
        "tuner": {"algorithm": "random", "max_trials": 6, "seed": 1},
        "space": {"model.layers[0].units": {"int": [2, 8]},
                  "model.layers[0].cell": {"choice": ["simple_rnn", "gru", "lstm"]}}})
    ours, theirs = LogRecords(), LogRecords()
    rnnbench_log = logging.getLogger("rnnbench")
    level = rnnbench_log.level
    rnnbench_log.setLevel(logging.DEBUG)
    rnnbench_log.addHandler(ours.handler)
    tf.get_logger().addHandler(theirs.handler)
    try:
        sweep_dir = Path(tuning.tune(str(sweep), str(tmp_path / "results")))
    finally:
        rnnbench_log.removeHandler(ours.handler)
        rnnbench_log.setLevel(level)
        tf.get_logger().removeHandler(theirs.handler)
    manifests = [read_json(p) for p in sorted(sweep_dir.glob("trials/*/manifest.json"))]
    assert len(manifests) == 6
    assert [m for m in theirs.messages if "retracing" in m] == []
    reused = [m for m in ours.messages if "reused this process's copy" in m]
    assert len(reused) == 5  # every trial after the first
    for manifest in manifests:
        phases = manifest["phases_s"]
        assert set(phases) == PHASES and all(s >= 0 for s in phases.values())
        assert phases["epochs"] > 0
