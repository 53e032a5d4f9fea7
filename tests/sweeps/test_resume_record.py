"""`tune --resume` finds the sweep folder first and runs from its own record
(sweep.yaml, base.yaml), whatever became of the tuning file since: changed,
broken or deleted, one line says so and the record is used."""

import logging
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import TINY_SWEEP_BASE, write_yaml
from rnnbench.errors import UserError
from rnnbench.sweeps import definition, tuning

SPACE = {"model.layers[0].units": {"int": [2, 8]}}
OTHER_SPACE = {"model.layers[0].units": {"int": [3, 5]},
               "model.layers[0].cell": {"choice": ["gru", "lstm"]}}


def sweep_data(base, max_trials=2, space=SPACE, **tuner):
    return {"experiment": str(base), "space": space,
            "tuner": {"algorithm": "random", "max_trials": max_trials, "seed": 1, **tuner}}


@pytest.fixture
def sweep_file(tmp_path):
    base = write_yaml(tmp_path / "tiny.yaml", TINY_SWEEP_BASE)
    return write_yaml(tmp_path / "record.yaml", sweep_data(base))


def new_folder(sweep_file, tmp_path, **kwargs):
    """A sweep folder as a first `rnnbench tune` leaves it before its first trial."""
    _, _, folder = tuning.open_sweep(str(sweep_file), str(tmp_path / "results"), **kwargs)
    (folder / tuning.PROJECT).mkdir()
    return Path(folder)


def resumed(argument, tmp_path, caplog, resume=True):
    """`(sweep, sweep_dir, warning lines)` of opening `argument` for a resume."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="rnnbench"):
        sweep, _, folder = tuning.open_sweep(str(argument), str(tmp_path / "results"),
                                             resume=resume)
    return sweep, folder, [r.getMessage() for r in caplog.records
                           if r.levelno >= logging.WARNING]


def test_an_unchanged_file_resumes_without_a_word(sweep_file, tmp_path, caplog):
    folder = new_folder(sweep_file, tmp_path)
    sweep, found, warnings = resumed(sweep_file, tmp_path, caplog, resume=folder.name)
    assert found == folder and sweep.tuner.max_trials == 2
    assert warnings == []


def test_a_changed_file_is_named_in_one_line_and_the_record_runs(sweep_file, tmp_path,
                                                                 caplog):
    folder = new_folder(sweep_file, tmp_path)
    base = tmp_path / "tiny.yaml"
    write_yaml(sweep_file, sweep_data(base, max_trials=9, space=OTHER_SPACE))
    sweep, found, warnings = resumed(sweep_file, tmp_path, caplog)
    assert found == folder
    recorded, _ = definition.load_saved_sweep(folder)
    assert sweep == recorded and sweep.tuner.max_trials == 2
    assert [p.path for p in sweep.params] == ["model.layers[0].units"]
    (line,) = warnings
    assert "\n" not in line and "now differs" in line
    assert "tuner.max_trials" in line and "space.model.layers[0].cell" in line
    assert str(folder / "sweep.yaml") in line


@pytest.mark.parametrize("how", ["deleted, by its path", "deleted, by its name",
                                 "no longer loads"])
def test_a_gone_or_broken_file_is_named_and_the_record_runs(sweep_file, tmp_path,
                                                            caplog, how):
    folder = new_folder(sweep_file, tmp_path)
    if how.startswith("deleted"):
        sweep_file.unlink()
    else:
        sweep_file.write_text("space: [unclosed\n")
    argument = "record" if how.endswith("name") else sweep_file
    sweep, found, warnings = resumed(argument, tmp_path, caplog)
    assert found == folder and sweep.name == "record" and sweep.tuner.max_trials == 2
    (line,) = warnings
    assert ("is gone" if how.startswith("deleted") else "no longer loads") in line


def test_set_at_the_start_is_part_of_the_record_not_a_difference(sweep_file, tmp_path,
                                                                 caplog):
    folder = new_folder(sweep_file, tmp_path, overrides=["train.epochs=2"])
    sweep, found, warnings = resumed(sweep_file, tmp_path, caplog)
    assert found == folder and dict(sweep.overrides) == {"train.epochs": 2}
    assert warnings == []


def test_a_deleted_file_with_nothing_to_resume_is_a_user_error(sweep_file, tmp_path):
    sweep_file.unlink()
    with pytest.raises(UserError, match="Nothing to resume.*'record'"):
        tuning.open_sweep(str(sweep_file), str(tmp_path / "results"), resume=True)


def test_the_recorded_algorithm_decides_whether_a_resume_is_refused(sweep_file, tmp_path):
    folder = new_folder(sweep_file, tmp_path)
    recorded = yaml.safe_load((folder / "sweep.yaml").read_text())
    recorded["tuner"]["algorithm"] = "grid"
    write_yaml(folder / "sweep.yaml", recorded)
    with pytest.raises(UserError, match="grid search cannot resume"):
        tuning.open_sweep(str(sweep_file), str(tmp_path / "results"), resume=True)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["changed", "deleted"])
def test_cli_resume_runs_the_recorded_sweep(sweep_file, tmp_path, how, capsys, monkeypatch):
    folder = new_folder(sweep_file, tmp_path)
    if how == "changed":
        write_yaml(sweep_file, sweep_data(tmp_path / "tiny.yaml", max_trials=1,
                                          space=OTHER_SPACE))
    else:
        sweep_file.unlink()
    # The command line's main() in this process: what is tested is what a resume
    # reads, not the process (a fresh one paid TensorFlow's import).
    from rnnbench.cli import main
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["tune", str(sweep_file), "--resume", "--results-dir",
                 str(tmp_path / "results")])
    out, err = capsys.readouterr()
    assert code == 0, err[-3000:]
    assert ("now differs" if how == "changed" else "is gone") in out
    board = pd.read_csv(folder / "leaderboard.csv")
    assert len(board) == 2 and set(board["status"]) == {"COMPLETED"}
    assert "model.layers[0].cell" not in board.columns
