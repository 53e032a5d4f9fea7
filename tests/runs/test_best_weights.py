"""Early stopping and the checkpoint honour `monitor`, `mode` and `restore_best_weights`.

Each run is built so that its last epoch is not its best one (a learning rate
high enough that the validation metric turns bad after an early best, and a
patience that never stops the run), so "best" and "last" are different weights.
"""

import keras
import numpy as np
import pandas as pd
import pytest
from helpers import experiment_dict

import rnnbench
from rnnbench.config import experiment as config_lib

pytestmark = pytest.mark.slow

EPOCHS = 4


def run(tmp_path, task, early_stopping):
    raw = experiment_dict(task=task, epochs=EPOCHS)
    raw["train"]["optimizer"] = {"name": "adam", "learning_rate": 0.3}
    raw["train"]["early_stopping"] = {"patience": EPOCHS, **early_stopping}
    result = rnnbench.run(config_lib.validate(raw), results_dir=tmp_path, verbose=0)
    return result.metrics, pd.read_csv(result.run_dir / "history.csv"), result.run_dir


def rescore(run_dir, part="test"):
    """The task's scores of the reloaded model.keras on a split."""
    exp = config_lib.load_experiment(run_dir / "config.yaml")
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params), {}, None, exp.seed)
    model = keras.saving.load_model(run_dir / "model.keras")
    data = getattr(splits, part)
    return config_lib.task_of(exp).score(data.y, model.predict(data.x, verbose=0))


@pytest.fixture(scope="module")
def best_and_last(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("runs")
    return {restore: run(tmp_path, "regress", {"monitor": "val_loss",
                                               "restore_best_weights": restore})
            for restore in (True, False)}


def test_the_constructed_run_has_a_best_epoch_before_the_last(best_and_last):
    metrics, history, _ = best_and_last[True]
    best = int(np.argmin(history["val_loss"])) + 1
    assert metrics["best_epoch"] == best < EPOCHS == metrics["epochs_run"]


@pytest.mark.parametrize("restore, weights", [(True, "best"), (False, "last")])
def test_restore_best_weights_chooses_the_evaluated_weights_and_says_so(
        best_and_last, restore, weights):
    metrics, history, run_dir = best_and_last[restore]
    epoch = metrics["best_epoch"] if restore else EPOCHS
    assert (metrics["evaluated_weights"], metrics["evaluated_epoch"]) == (weights, epoch)
    # The evaluated val_loss is the one Keras logged at that epoch: those weights.
    assert metrics["val_loss"] == pytest.approx(history["val_loss"][epoch - 1], rel=1e-4)
    # model.keras holds the evaluated weights: reloaded, it scores the same.
    assert rescore(run_dir)["mse"] == pytest.approx(metrics["test_mse"], rel=1e-6)


def test_best_and_last_weights_score_differently(best_and_last):
    assert best_and_last[True][0]["test_mse"] != best_and_last[False][0]["test_mse"]


def test_monitor_on_val_accuracy_takes_the_highest_epoch(tmp_path):
    metrics, history, run_dir = run(tmp_path, "classify", {"monitor": "val_accuracy"})
    best = int(np.argmax(history["val_accuracy"])) + 1
    # The construction: a min mode (Keras' choice for an unknown name) would differ.
    assert best != int(np.argmin(history["val_accuracy"])) + 1
    assert metrics["monitor"] == "val_accuracy"
    assert metrics["best_epoch"] == metrics["evaluated_epoch"] == best
    assert metrics["evaluated_weights"] == "best"
    assert metrics["val_accuracy"] == pytest.approx(history["val_accuracy"][best - 1])
    rescored = rescore(run_dir)
    assert rescored["accuracy"] == metrics["test_accuracy"]
    assert rescored["loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)


def test_an_explicit_mode_overrides_auto(tmp_path):
    metrics, history, _ = run(tmp_path, "classify", {"monitor": "val_accuracy",
                                                     "mode": "min"})
    assert metrics["best_epoch"] == int(np.argmin(history["val_accuracy"])) + 1
    assert metrics["val_accuracy"] == pytest.approx(
        history["val_accuracy"][metrics["best_epoch"] - 1])
