"""`rnnbench study`: grid x seeds as run folders, a report read back from them."""

import csv
import json

import numpy as np
import pytest
import yaml
from helpers import experiment_config, experiment_dict

from rnnbench.cli import main
from rnnbench.errors import UserError
from rnnbench.reports import results_table, study, study_report


def write_study(tmp_path, **changes):
    base = experiment_dict(task="regress", cells=("lstm",), epochs=2)
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    spec = {"description": "tiny study", "experiment": str(tmp_path / "base.yaml"),
            "grid": {"model.layers[*].cell": ["simple_rnn", "gru"],
                     "model.layers[*].bidirectional": [False, True]},
            "seeds": [1, 2], "metric": "test_mse", **changes}
    path = tmp_path / "tiny_study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_variants_cover_the_grid_with_readable_labels(tmp_path):
    spec, _ = study.load_study(write_study(tmp_path))
    labels = [study.variant_label(v) for v in study.variants(spec)]
    assert labels == ["simple_rnn", "bi-simple_rnn", "gru", "bi-gru"]


@pytest.mark.parametrize("changes, expected", [
    ({"grid": {"model.layers[*].cell": []}}, "to be a non-empty list"),
    ({"grid": {"model.layers[*].cell": ["lstn"]}}, "Expected `model.layers[0].cell` to be one of"),
    ({"seeds": []}, "Expected `seeds` to be a non-empty list"),
    ({"gird": {}}, "Unknown key `gird`"),
])
def test_bad_study_files_are_user_errors(tmp_path, changes, expected):
    with pytest.raises(UserError) as info:
        study.load_study(write_study(tmp_path, **changes))
    assert expected in str(info.value)


@pytest.mark.parametrize("given, command", [
    ("adding_cells", "rnnbench study adding_cells"),
    ("studies/my study.yaml", "rnnbench study 'studies/my study.yaml'"),
])
def test_the_reproduce_command_is_the_name_or_the_path_as_given(given, command):
    assert study.reproduce_command(given) == command


@pytest.mark.slow
def test_study_writes_a_report_that_agrees_with_the_run_folders(tmp_path, capsys):
    results_dir = tmp_path / "results"
    assert main(["study", str(write_study(tmp_path)), "--results-dir", str(results_dir)]) == 0
    study_dir = next((results_dir / "studies" / "tiny_study").iterdir())
    runs = json.loads((study_dir / "runs.json").read_text())
    assert len(runs) == 4 * 2
    assert all((p := study_dir / "runs" / f"{r['variant']}-seed{r['seed']}").is_dir()
               and (p / "metrics.json").exists() for r in runs)

    for name in ("learning_curves", "metric_vs_params", "times"):
        png = study_dir / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    report = (study_dir / "report.md").read_text()
    assert "figures/learning_curves.png" in report and "| bi-gru | 2 |" in report
    assert f"Reproduce with `rnnbench study {tmp_path / 'tiny_study.yaml'}`" in report
    assert f"`rnnbench study {tmp_path / 'tiny_study.yaml'}`" in capsys.readouterr().out

    # The report's per-variant means equal those computed from `rnnbench results`.
    table = results_table.table(results_dir, "tiny_study")
    assert len(table) == 8 and set(table["status"]) == {"completed"}
    table["variant"] = [r.split("/")[-1].rsplit("-seed", 1)[0] for r in table["run_id"]]
    for variant, group in table.groupby("variant"):
        line = next(l for l in report.splitlines() if l.startswith(f"| {variant} |"))
        assert f"{group['test_mse'].mean():.4g} ± {group['test_mse'].std(ddof=1):.2g}" in line

    # Learning curves come from the TensorBoard events, equal to history.csv.
    run_dir = study_dir / "runs" / "gru-seed1"
    with open(run_dir / "history.csv") as f:
        history = [float(row["val_loss"]) for row in csv.DictReader(f)]
    np.testing.assert_allclose(study_report.validation_curve(run_dir), history, rtol=1e-5)

    latencies = [r["latency_ms"] for r in runs if r["seed"] == 1]
    assert len(latencies) == 4 and all(v > 0 for v in latencies)


@pytest.mark.slow
def test_latency_times_the_runs_own_kernels_with_its_weights(tmp_path):
    import rnnbench
    exp = experiment_config(task="forecast", cells=("lstm", "lstm"), bidirectional=True)
    run_dir = rnnbench.run(exp, results_dir=tmp_path).run_dir
    assert study_report.inference_latency_ms(run_dir) > 0
