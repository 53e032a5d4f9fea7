"""`rnnbench reproduce`: run folders match to the last digit; references within tolerance."""

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import experiment_dict, gpu_visible, write_experiment

from rnnbench.cli import main


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A completed tiny run folder, trained once for the whole module."""
    root = tmp_path_factory.mktemp("recorded")
    raw = experiment_dict(task="classify", cells=("gru",), epochs=2)
    path = write_experiment(raw, root, "toy")
    assert main(["run", str(path), "--results-dir", str(root / "results")]) == 0
    return next((root / "results" / raw["name"]).iterdir())


@pytest.fixture
def recorded_run(trained_run, tmp_path):
    """A copy of `trained_run` that a test may edit."""
    return Path(shutil.copytree(trained_run, tmp_path / "recorded" / trained_run.name))


@pytest.mark.slow
def test_a_run_folder_reproduces_every_metric_exactly(recorded_run, tmp_path, capsys):
    code = main(["reproduce", str(recorded_run), "--results-dir", str(tmp_path / "again")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "reproduced" in out and "NOT" not in out
    new_run = next((tmp_path / "again").glob("*/*"))
    old = json.loads((recorded_run / "metrics.json").read_text())
    new = json.loads((new_run / "metrics.json").read_text())
    assert {k: v for k, v in old.items() if k != "wall_time_s"} == \
           {k: v for k, v in new.items() if k != "wall_time_s"}


@pytest.mark.slow
def test_a_changed_metric_is_a_miss_with_a_table(recorded_run, tmp_path, capsys):
    metrics = json.loads((recorded_run / "metrics.json").read_text())
    metrics["test_loss"] += 0.5
    (recorded_run / "metrics.json").write_text(json.dumps(metrics))
    code = main(["reproduce", str(recorded_run), "--results-dir", str(tmp_path / "again")])
    out = capsys.readouterr().out
    assert code == 1
    assert "NOT reproduced" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("test_loss"))
    assert "False" in row and "-0.5" in row


@pytest.mark.slow
def test_manifest_differences_that_change_numbers_are_warned(recorded_run, tmp_path, capsys):
    manifest = json.loads((recorded_run / "manifest.json").read_text())
    manifest["versions"]["tensorflow"] = "2.0.0"
    now = "GPU" if gpu_visible() else "CPU"
    manifest["device"]["type"] = other = {"CPU": "GPU", "GPU": "CPU"}[now]
    manifest["deterministic"] = False
    onednn_before = "1" if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" else "0"
    manifest["host"].update(cpu_model="Some Other CPU", tf_enable_onednn_opts=onednn_before)
    (recorded_run / "manifest.json").write_text(json.dumps(manifest))
    main(["reproduce", str(recorded_run), "--results-dir", str(tmp_path / "again")])
    out = capsys.readouterr().out
    assert "warning: tensorflow was 2.0.0" in out
    assert f"warning: device was {other}, is now {now}" in out
    assert "op determinism was off" in out
    assert "warning: the CPU was Some Other CPU" in out
    assert f"warning: TF_ENABLE_ONEDNN_OPTS was {onednn_before}, is now" in out


@pytest.mark.slow
def test_a_named_experiment_is_compared_with_its_reference(recorded_run, tmp_path, capsys):
    reached = json.loads((recorded_run / "metrics.json").read_text())["test_accuracy"]
    raw = yaml.safe_load((recorded_run / "config.yaml").read_text())
    for value, expected_code in ((reached, 0), (reached + 0.3, 1)):
        raw["reference"] = {"metric": "test_accuracy", "value": value, "tolerance": 1e-9}
        path = write_experiment(raw, tmp_path, "with_reference")
        code = main(["reproduce", str(path), "--results-dir", str(tmp_path / "r")])
        out = capsys.readouterr().out
        assert code == expected_code, out
        assert "test_accuracy" in out


@pytest.mark.slow
def test_several_seeds_are_averaged(recorded_run, tmp_path, capsys):
    raw = yaml.safe_load((recorded_run / "config.yaml").read_text())
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 10.0}
    path = write_experiment(raw, tmp_path, "seeds")
    assert main(["reproduce", str(path), "--seeds", "2", "--results-dir",
                 str(tmp_path / "r")]) == 0
    per_seed = capsys.readouterr().out.split("\n\n")[1].splitlines()
    assert [line.split()[0] for line in per_seed] == ["seed", "1", "2"]  # and their runs
    runs = [json.loads(p.read_text()) for p in (tmp_path / "r").glob("*/*/manifest.json")]
    assert sorted(m["seed"] for m in runs) == [1, 2]


@pytest.mark.slow
def test_a_sweep_trial_reproduces_its_leaderboard_score(tmp_path, capsys):
    base = experiment_dict(task="regress", cells=("lstm",), epochs=2)
    write_experiment(base, tmp_path, "base")
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump({
        "experiment": str(tmp_path / "base.yaml"),
        "tuner": {"algorithm": "random", "max_trials": 2, "objective": "val_loss", "seed": 3},
        "space": {"model.layers[0].units": {"int": [2, 8], "step": 2}}}))
    assert main(["tune", str(tmp_path / "sweep.yaml"), "--results-dir",
                 str(tmp_path / "results")]) == 0
    sweep_dir = next((tmp_path / "results" / "sweeps" / "sweep").iterdir())
    board = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    best = board.iloc[0]
    capsys.readouterr()
    assert main(["reproduce", best["run_dir"], "--results-dir", str(tmp_path / "again")]) == 0
    new_run = next((tmp_path / "again").glob("*/*"))
    again = json.loads((new_run / "metrics.json").read_text())
    assert again["val_loss"] == best["objective (val_loss)"]


@pytest.mark.parametrize("args, expected", [
    (["no_such_experiment"], "Unknown experiment"),
    (["adding_lstm", "--seeds", "0"], "Expected `--seeds` to be >= 1"),
])
def test_bad_input_exits_2(args, expected, capsys):
    assert main(["reproduce", *args]) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.slow
def test_an_experiment_without_reference_or_a_run_without_metrics_exits_2(
        recorded_run, tmp_path, capsys):
    raw = yaml.safe_load((recorded_run / "config.yaml").read_text())
    raw["reference"] = None
    write_experiment(raw, tmp_path, "noref")
    assert main(["reproduce", str(tmp_path / "noref.yaml")]) == 2
    assert "has no `reference:` block" in capsys.readouterr().err
    (recorded_run / "metrics.json").unlink()
    assert main(["reproduce", str(recorded_run)]) == 2
    # The CLI wraps long messages (this one holds the run's path) at any space.
    assert "metrics.json is missing" in " ".join(capsys.readouterr().err.split())


@pytest.mark.slow
def test_a_shipped_experiment_reaches_its_reference(tmp_path, capsys):
    """End to end on the cheapest shipped experiment (sine_lstm, about 10 s on 2 cores)."""
    assert main(["reproduce", "sine_lstm", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test_mase" in out and "reproduced" in out and "NOT" not in out
