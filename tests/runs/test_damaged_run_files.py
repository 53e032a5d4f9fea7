"""A run folder with a damaged manifest.json or metrics.json (issue 29 part 3).

`reproduce RUN_DIR` used to train a whole new run and then crash (exit 1, which
also means "not reproduced"); now the file is named and nothing runs (exit 2).
"""

import json

import pytest

from helpers import experiment_dict
from rnnbench import cli
from rnnbench.config import experiment as config_lib
from rnnbench.runs import folders

GOOD = {"manifest.json": {"status": "completed", "seed": 1},
        "metrics.json": {"val_loss": 0.5, "test_loss": 0.6, "wall_time_s": 1.0}}
VARIANTS = {
    "missing": None,
    "empty": "",
    "truncated": '{"val_loss": 0.5, "test_lo',
    "list": "[]",
    "number": "3",
}


def run_folder(tmp_path, damaged, text):
    """A run folder (config, manifest, metrics) whose `damaged` file holds `text`."""
    run_dir = tmp_path / "results" / "toy_regress" / "run1"
    run_dir.mkdir(parents=True)
    exp = config_lib.validate(experiment_dict(), source="<test>")
    (run_dir / "config.yaml").write_text(config_lib.to_yaml(exp))
    for name, data in GOOD.items():
        if name != damaged:
            (run_dir / name).write_text(json.dumps(data))
        elif text is not None:
            (run_dir / name).write_text(text)
    return run_dir


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("damaged", sorted(GOOD))
def test_reproduce_names_a_damaged_file_and_trains_nothing(tmp_path, capsys, damaged,
                                                            variant):
    run_dir = run_folder(tmp_path, damaged, VARIANTS[variant])
    new_results = tmp_path / "new"
    code = cli.main(["reproduce", str(run_dir), "--results-dir", str(new_results)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(run_dir / damaged) in err and "Nothing was run" in err
    assert "Traceback" not in err
    assert not new_results.exists()  # no run folder was started


@pytest.mark.parametrize("metrics", [{}, {"baseline": "naive", "wall_time_s": 3.0}])
def test_reproduce_refuses_metrics_without_a_number_to_compare(tmp_path, capsys, metrics):
    run_dir = run_folder(tmp_path, "metrics.json", json.dumps(metrics))
    assert cli.main(["reproduce", str(run_dir), "--results-dir", str(tmp_path / "new")]) == 2
    assert "holds no numeric metric to compare" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_json_object_says_what_is_wrong(tmp_path, variant):
    path = tmp_path / "state.json"
    if VARIANTS[variant] is not None:
        path.write_text(VARIANTS[variant])
    data, problem = folders.json_object(path)
    assert data is None
    assert problem.startswith({"missing": "is missing", "empty": "is empty",
                               "truncated": "is not valid JSON", "list": "is not a JSON",
                               "number": "is not a JSON"}[variant])
