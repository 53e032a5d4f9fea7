"""`rnnbench results`: every run folder in one table, broken ones included."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from rnnbench.cli import main
from rnnbench.errors import UserError
from rnnbench.reports import results_table
from rnnbench.runs import folders


def fake_run(root, experiment, run_id, status="completed", metrics=None, cells=("lstm",),
             sweep=None):
    """A run folder as rnnbench writes it (files only; no training needed here)."""
    if sweep:
        folder = root / "sweeps" / sweep / "20260101-000000-aaaa" / "trials" / run_id
    else:
        folder = root / experiment / run_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({
        "experiment": experiment, "run_id": run_id, "status": status,
        "started_at": "2026-11-22T10:00:00+00:00", "params": 1234,
        "git": {"commit": "abc"}, **({"error": "RunFailed: loss became NaN"}
                                     if status == "failed" else {})}))
    (folder / "config.yaml").write_text(yaml.safe_dump(
        {"model": {"layers": [{"cell": c, "bidirectional": i == 1}
                              for i, c in enumerate(cells)]}}))
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "results"
    fake_run(root, "exp_a", "20261122-100000-0001",
             metrics={"val_loss": 0.5, "test_loss": 0.4, "epochs_run": 3, "wall_time_s": 1.5,
                      "baseline": "zeros", "baseline_test_loss": 1.0})
    fake_run(root, "exp_a", "20261122-110000-0002",
             metrics={"val_loss": 0.2, "test_loss": 0.3, "epochs_run": 5, "wall_time_s": 2.0})
    fake_run(root, "exp_b", "20261122-120000-0003", status="failed")
    fake_run(root, "exp_b", "20261122-130000-0004", status="interrupted")
    fake_run(root, "exp_a", "0", sweep="sweep_x", cells=("gru", "gru"),
             metrics={"val_loss": 0.1, "test_loss": 0.1, "epochs_run": 2})
    broken = root / "exp_b" / "20261122-140000-0005"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"status": "comp')  # cut off mid-write
    completed_without_metrics = fake_run(root, "exp_b", "20261122-150000-0006")
    assert not (completed_without_metrics / "metrics.json").exists()
    return root


def test_every_folder_is_listed_and_none_is_dropped(root):
    frame = results_table.table(root)
    assert len(frame) == 7
    by_id = frame.set_index("run_id")
    assert by_id.loc["20261122-120000-0003", "status"] == "failed"
    assert "loss became NaN" in by_id.loc["20261122-120000-0003", "problem"]
    assert by_id.loc["20261122-130000-0004", "status"] == "interrupted"
    assert "manifest.json unreadable" in by_id.loc["20261122-140000-0005", "problem"]
    assert "metrics.json missing" in by_id.loc["20261122-150000-0006", "problem"]
    trial = by_id.loc["20260101-000000-aaaa/0"]
    assert trial["sweep"] == "sweep_x" and trial["experiment"] == "exp_a"
    assert trial["cells"] == "gru+bi-gru"
    assert by_id.loc["20261122-100000-0001", "baseline_test_loss"] == 1.0


def test_filter_by_experiment_or_sweep_and_sort(root):
    assert set(results_table.table(root, "exp_b")["experiment"]) == {"exp_b"}
    assert list(results_table.table(root, "sweep_x")["run_id"]) == ["20260101-000000-aaaa/0"]
    ranked = results_table.table(root, "exp_a", sort="val_loss")
    assert list(ranked["val_loss"]) == [0.1, 0.2, 0.5]


def test_unknown_name_or_sort_key_is_a_user_error(root):
    with pytest.raises(UserError, match="No runs of 'exp_z'"):
        results_table.table(root, "exp_z")
    with pytest.raises(UserError, match=r"Expected `--sort` to be one of \['test_loss'"):
        results_table.table(root, sort="val_los")


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_formats(root, fmt, capsys):
    assert main(["results", "--results-dir", str(root), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        from io import StringIO
        assert len(pd.read_csv(StringIO(out))) == 7
    elif fmt == "markdown":
        lines = out.strip().splitlines()
        assert lines[0].startswith("| experiment |") and lines[1].startswith("|---|")
        assert len(lines) == 2 + 7
    else:
        assert "exp_a" in out and "failed" in out


def test_results_does_not_import_tensorflow(root):
    code = ("import sys\nfrom rnnbench.cli import main\n"
            f"main(['results', '--results-dir', {str(root)!r}])\n"
            "assert 'tensorflow' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("metric, larger_first", [
    ("val_accuracy", True), ("val_auc", True), ("test_frame_accuracy", True),
    ("test_rmse", False), ("val_loss", False)])
def test_sort_and_sweep_objectives_share_one_higher_is_better_rule(tmp_path, metric,
                                                                   larger_first):
    from rnnbench.sweeps.definition import TunerConfig
    root = tmp_path / "results"
    for i, value in enumerate([0.2, 0.9, 0.5]):
        fake_run(root, "exp", f"20261122-10000{i}-000{i}", metrics={metric: value})
    ranked = list(results_table.table(root, sort=metric)[metric])
    assert ranked == sorted(ranked, reverse=larger_first)
    assert TunerConfig(objective=metric).objective_direction == ("max" if larger_first
                                                                 else "min")


def test_leaderboard_and_results_read_run_folders_with_one_reader(root):
    from rnnbench.sweeps import leaderboard
    folder = root / "exp_a" / "20261122-100000-0001"
    facts, row = leaderboard.run_facts(folder), results_table.describe(None, None, folder)
    assert facts["val_loss"] == row["val_loss"] == 0.5
    assert facts["epochs_run"] == row["epochs"] == 3
    record = folders.read_run(root / "exp_b" / "20261122-140000-0005")
    assert record.manifest is None and record.status is None
    assert record.problems["manifest.json"] == "manifest.json unreadable (JSONDecodeError)"
    assert record.problems["config.yaml"] == "config.yaml missing"


def test_no_results_says_where_it_looked_and_how_to_make_some(tmp_path, capsys):
    (tmp_path / "nothing").mkdir()
    assert main(["results", "--results-dir", str(tmp_path / "nothing")]) == 0
    out = capsys.readouterr().out
    assert "Empty DataFrame" not in out
    assert f"No run folders under {(tmp_path / 'nothing').resolve()}" in out
    assert "`rnnbench run NAME`" in out


@pytest.mark.parametrize("make", ["missing", "file"])
def test_a_results_root_that_is_no_folder_is_bad_input(tmp_path, capsys, make):
    root = tmp_path / "resluts"
    if make == "file":
        root.write_text("not a folder")
    assert main(["results", "--results-dir", str(root)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(root) in err and "--results-dir" in err
    assert ("does not exist" if make == "missing" else "is a file") in err


def test_studies_have_their_own_column_and_are_named_as_studies(root):
    run = root / "studies" / "cells_x" / "20260101-000000-bbbb" / "runs" / "lstm-s1"
    fake_run(run.parent.parent.parent.parent.parent, "exp_a", "unused")  # a plain run
    run.mkdir(parents=True)
    for name in ("manifest.json", "config.yaml"):
        (run / name).write_text((root / "exp_a" / "unused" / name).read_text())
    frame = results_table.table(root, "cells_x")
    assert list(frame["study"]) == ["cells_x"] and frame["sweep"].isna().all()
    with pytest.raises(UserError, match=r"studies: \['cells_x'\]"):
        results_table.table(root, "cells_y")


def test_the_reference_metric_and_its_baseline_lead_the_default_columns(tmp_path):
    root = tmp_path / "results"
    folder = fake_run(root, "exp", "20261122-100000-0001", metrics={
        "test_mae": 1.0, "test_mape": 2.0, "test_mase": 0.8, "test_rmse": 0.5,
        "baseline_test_mase": 1.6, "baseline_test_rmse": 0.9})
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["reference"] = {"metric": "test_rmse", "value": 0.5, "tolerance": 0.1}
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    frame = results_table.table(root)
    columns = results_table.default_columns(frame)
    assert columns.index("test_rmse") < columns.index("baseline_test_rmse")
    assert "test_mae" not in columns  # alphabetical fill only without a reference
    text = results_table.render(frame, "table", columns)
    assert "baseline_test_rmse" in text.splitlines()[0]


def test_a_non_numeric_epoch_count_is_a_problem_row_not_a_crash(root):
    folder = root / "exp_a" / "20261122-100000-0001"
    metrics = json.loads((folder / "metrics.json").read_text())
    (folder / "metrics.json").write_text(json.dumps({**metrics, "epochs_run": "three"}))
    row = results_table.table(root).set_index("run_id").loc["20261122-100000-0001"]
    assert "`epochs_run` is not a number" in row["problem"]
    assert pd.isna(row["epochs"])


def test_a_name_offered_twice_is_suggested_once():
    from rnnbench.config.schema import close_matches_hint
    assert close_matches_hint("test_rmse_", ["test_rmse", "test_rmse"]) == \
        " (did you mean 'test_rmse'?)"


def test_a_misspelt_sort_key_suggests_the_tables_columns(root):
    with pytest.raises(UserError, match=r"Received: 'test_los' \(did you mean 'test_loss'"):
        results_table.table(root, sort="test_los")
    with pytest.raises(UserError, match=r"did you mean 'wall_time_s'"):
        results_table.table(root, sort="wall_time")


def test_the_sort_column_and_the_sweeps_objective_are_shown(root, capsys):
    sweep_dir = root / "sweeps" / "sweep_x" / "20260101-000000-aaaa"
    (sweep_dir / "sweep.yaml").write_text(yaml.safe_dump(
        {"experiment": "exp_a", "tuner": {"objective": "val_mae"}}))
    trial = sweep_dir / "trials" / "0" / "metrics.json"
    trial.write_text(json.dumps({**json.loads(trial.read_text()), "val_mae": 0.25,
                                 "test_smape": 3.5}))
    # Four test_ metrics that sort before test_smape fill the default columns.
    for i, name in enumerate(("test_mae", "test_mape", "test_mase", "test_mse")):
        fake_run(root, "exp_c", f"20261122-16000{i}-000{i}", metrics={name: 1.0})
    assert main(["results", "--results-dir", str(root), "--sort", "test_smape"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert "test_smape" in header and "val_mae" in header
    assert "sweep_objective" not in header
