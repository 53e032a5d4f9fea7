"""`rnnbench baseline`: the naive baseline a run scores, and 1-NN Euclidean, computed."""

import json

import pytest
from helpers import TINY_SWEEP_BASE, imports_after, write_experiment

from rnnbench.cli import main
from rnnbench.config.registry import DATASETS
from rnnbench.data import one_nn


@pytest.mark.parametrize("dataset, published_accuracy", [
    ("gunpoint", 0.9133), ("italy_power_demand", 0.9553), ("arrow_head", 0.8000)])
def test_one_nn_reproduces_the_archives_published_figure(dataset, published_accuracy):
    found = one_nn.one_nn_euclidean(dataset)
    assert round(found["accuracy"], 4) == published_accuracy
    assert round(found["error"], 4) == DATASETS.get(dataset).one_nn_euclidean_error


def test_one_nn_uses_the_whole_archive_training_part():
    found = one_nn.one_nn_euclidean("gunpoint")
    assert (found["train"], found["test"]) == (50, 150)  # not the 40 left after validation


def test_the_command_prints_both_baselines_without_tensorflow():
    code = "from rnnbench.cli import main; main(['baseline', 'gunpoint_lstm'])"
    assert "tensorflow" not in imports_after(code)


def test_the_command_prints_the_one_nn_figure(capsys):
    assert main(["baseline", "gunpoint_lstm"]) == 0
    out = capsys.readouterr().out
    assert "majority class of the training part" in out
    row = next(line for line in out.splitlines() if "1-NN" in line and "accuracy" in line)
    assert row.split()[-2:] == ["0.9133", "0.9133"]  # computed, published


@pytest.mark.parametrize("args, expected", [
    (["adding_lstm", "--kind", "one_nn"], "Expected a UCR/UEA archive dataset"),
    (["no_such_experiment"], "Unknown experiment"),
])
def test_bad_input_exits_2(args, expected, capsys):
    assert main(["baseline", *args]) == 2
    assert expected in " ".join(capsys.readouterr().err.split())


@pytest.mark.slow
def test_the_naive_baseline_is_the_one_the_run_writes(tmp_path, capsys):
    raw = {**TINY_SWEEP_BASE, "name": "tiny_adding"}
    path = write_experiment(raw, tmp_path)
    assert main(["run", str(path), "--results-dir", str(tmp_path / "r")]) == 0
    metrics = json.loads(next((tmp_path / "r").glob("*/*/metrics.json")).read_text())
    capsys.readouterr()
    assert main(["baseline", str(path), "--kind", "naive"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    printed = {row[-2]: float(row[-1]) for row in rows}
    assert printed["test_mse"] == round(metrics["baseline_test_mse"], 4)
