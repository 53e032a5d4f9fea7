"""End to end: `rnnbench run` writes a complete, honest, reproducible run folder."""

import csv
import json

import numpy as np
import pytest
import yaml
from helpers import (NUM_SAMPLES, experiment_dict, gpu_visible, layer_class, run_cli,
                     scalar_events)

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.runs import training

pytestmark = pytest.mark.slow


def test_run_writes_a_complete_run_folder(tmp_path):
    raw = experiment_dict(task="classify", cells=("gru", "lstm"), epochs=3)
    code, run_dir = run_cli(tmp_path, raw)
    assert code == 0
    assert {p.name for p in run_dir.iterdir()} >= {
        "config.yaml", "manifest.json", "metrics.json", "history.csv", "model.keras", "tb"}

    # config.yaml is the fully resolved config and loads back to the same thing.
    exp = config_lib.load_experiment(tmp_path / f"{raw['name']}.yaml")
    assert config_lib.load_experiment(run_dir / "config.yaml") == exp

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["seed"] == 1 and manifest["deterministic"] is True
    assert manifest["versions"]["tensorflow"] and manifest["versions"]["keras"]
    gpu = gpu_visible()
    assert "commit" in manifest["git"] and manifest["device"]["type"] == ("GPU" if gpu else "CPU")
    assert manifest["host"]["cpu_model"] and "tf_enable_onednn_opts" in manifest["host"]
    # `cell: lstm` is built by train.lstm_kernel's rule (BlockLSTM on a CPU at this size).
    assert [layer["class"] for layer in manifest["layers"]] == ["GRU", layer_class(exp, 1)]
    assert all(layer["cudnn_eligible"] and layer["cudnn_used"] == gpu
               for layer in manifest["layers"])
    assert manifest["jit_compile"]["chosen"] is False  # determinism rules XLA out
    assert manifest["time_to_first_step_s"] > 0
    assert manifest["ended_at"] >= manifest["started_at"]

    metrics = json.loads((run_dir / "metrics.json").read_text())
    for part in ("train", "val", "test"):
        assert 0.0 <= metrics[f"{part}_accuracy"] <= 1.0
        assert metrics[f"{part}_loss"] > 0
        assert f"baseline_{part}_loss" in metrics
    assert metrics["baseline"] == "zeros" and metrics["epochs_run"] == 3
    # No early stopping: the best epoch by val_loss is evaluated.
    assert metrics["monitor"] == "val_loss" and metrics["evaluated_weights"] == "best"

    with open(run_dir / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(rows[0])

    train, val = scalar_events(run_dir, "train"), scalar_events(run_dir, "validation")
    assert len(train["epoch_loss"]) == 3 and len(val["epoch_loss"]) == 3
    np.testing.assert_allclose(train["epoch_loss"], [float(r["loss"]) for r in rows],
                               rtol=1e-5)
    np.testing.assert_allclose(val["epoch_loss"], [float(r["val_loss"]) for r in rows],
                               rtol=1e-5)


def test_saved_model_reproduces_the_recorded_test_metrics(tmp_path):
    import keras

    from rnnbench.data.tasks import Regress
    raw = experiment_dict(task="regress", cells=("textbook_lstm",), epochs=2)
    code, run_dir = run_cli(tmp_path, raw)
    assert code == 0
    exp = config_lib.load_experiment(run_dir / "config.yaml")
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params), {}, None, exp.seed)
    model = keras.saving.load_model(run_dir / "model.keras")
    scores = Regress().score(splits.test.y, model.predict(splits.test.x, verbose=0))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert scores["mse"] == pytest.approx(metrics["test_mse"], rel=1e-6)


def test_same_seed_gives_identical_metrics(tmp_path):
    raw = experiment_dict(task="sequence_label", cells=("gru",), epochs=2, tokens=True)
    first = run_cli(tmp_path, raw)[1]
    second = run_cli(tmp_path, raw)[1]
    assert first != second  # a new run folder each time, never overwritten
    strip = ("wall_time_s",)
    load = lambda d: {k: v for k, v in json.loads((d / "metrics.json").read_text()).items()
                      if k not in strip}
    assert load(first) == load(second)


def test_diverging_run_is_recorded_as_failed_and_exits_1(tmp_path, capsys):
    raw = experiment_dict(task="regress", epochs=3)
    raw["train"]["optimizer"] = {"name": "sgd", "learning_rate": 1e30}
    code, run_dir = run_cli(tmp_path, raw)
    assert code == 1
    assert "loss became NaN" in capsys.readouterr().err
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "NaN" in manifest["error"]
    assert not (run_dir / "metrics.json").exists()


def test_seed_and_epochs_flags_override_the_config(tmp_path):
    raw = experiment_dict(task="forecast", epochs=5)
    code, run_dir = run_cli(tmp_path, raw, "--seed", "9", "--epochs", "1")
    assert code == 0
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["seed"] == 9 and resolved["train"]["epochs"] == 1
    assert json.loads((run_dir / "metrics.json").read_text())["epochs_run"] == 1


def test_python_api_runs_and_returns_metrics(tmp_path):
    import rnnbench
    exp = config_lib.validate(experiment_dict(task="language_model", cells=("mgu",),
                                          variable_length=True))
    result = rnnbench.run(exp, results_dir=tmp_path, verbose=0)
    assert result.run_dir.parent == tmp_path / exp.name
    assert result.metrics["test_perplexity"] == pytest.approx(
        np.exp(result.metrics["test_loss"]))
    assert result.manifest["status"] == "completed"


def test_jit_auto_without_determinism_measures_xla_off_and_on(tmp_path):
    raw = experiment_dict(task="regress", epochs=1)
    # Keras' LSTM loop: BlockLSTM (the auto kernel here) has no XLA kernel.
    raw["train"].update(deterministic=False, jit_compile="auto", lstm_kernel="keras")
    code, run_dir = run_cli(tmp_path, raw)
    assert code == 0
    jit = json.loads((run_dir / "manifest.json").read_text())["jit_compile"]
    assert jit["setting"] == "auto"
    measured = jit["measured"]
    assert "samples/s without XLA" in jit["reason"]
    # The recorded choice is the rule applied to the recorded measurement.
    assert jit["chosen"] is training.xla_pays_off(
        measured["samples_per_s_without_xla"], measured["samples_per_s_with_xla"],
        measured["compile_extra_s"], measured["planned_samples"])
    assert measured["planned_samples"] == NUM_SAMPLES


def test_a_blocklstm_model_is_measured_with_xla_and_says_what_ran(tmp_path):
    # XLA cannot compile BlockLSTM, so under XLA FusedLSTM runs Keras' loop by itself
    # (issue 32): `auto` measures the two, and the manifest says which ran per layer.
    raw = experiment_dict(task="regress", epochs=1)
    raw["train"].update(deterministic=False, jit_compile="auto")
    code, run_dir = run_cli(tmp_path, raw)
    assert code == 0
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["lstm_kernel"][0]["chosen"] == "block"
    assert "samples/s without XLA" in manifest["jit_compile"]["reason"]
    layer = manifest["layers"][0]
    assert layer["class"] == "FusedLSTM"
    assert layer["fused"] is not manifest["jit_compile"]["chosen"]
    assert layer["runs"] == ("Keras' loop" if manifest["jit_compile"]["chosen"] else "BlockLSTM")


def test_check_says_auto_jit_is_decided_at_run_start(tmp_path, capsys):
    raw = experiment_dict(task="regress")
    raw["train"].update(deterministic=False, jit_compile="auto", lstm_kernel="keras")
    path = tmp_path / f"{raw['name']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["check", str(path)]) == 0
    assert "jit_compile: decided at the start of the run" in capsys.readouterr().out
