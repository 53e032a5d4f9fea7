"""`rnnbench predict` and `export` on bad input: exit 2 with one paragraph, nothing written;
and the columns of the predictions table per task.

Run folders are built here without training: a config, a manifest, the
dataset's own preprocessing record and an untrained model.keras.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from own_files import reviews_csv

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache as data_cache
from rnnbench.data.base import PREPROCESSING_FORMAT, PREPROCESSING_VERSION
from rnnbench.runs import use

SINE = {"name": "sine_tiny", "seed": 1,
        "data": {"name": "sine", "task": "forecast", "window": 8, "length": 120,
                 "scale": "minmax"},
        "model": {"layers": [{"cell": "lstm", "units": 3}]},
        "train": {"epochs": 1, "batch_size": 16}}
ADDING = {"name": "adding_tiny", "seed": 1,
          "data": {"name": "adding", "seq_len": 8, "train_size": 16, "val_size": 8,
                   "test_size": 8},
          "model": {"layers": [{"cell": "gru", "units": 3}]},
          "train": {"epochs": 1, "batch_size": 8}}
ITALY = {"name": "italy_tiny", "seed": 1,
         "data": {"name": "italy_power_demand", "task": "classify"},
         "model": {"layers": [{"cell": "simple_rnn", "units": 3}]},
         "train": {"epochs": 1, "batch_size": 16}}


def make_run(folder, raw=SINE, status="completed", pid=None, model=True,
             preprocessing=True, save=None):
    """A run folder as `rnnbench run` leaves it, with an untrained model.keras."""
    from rnnbench.models import builders
    exp = config_lib.validate(json.loads(json.dumps(raw)), source="<test>")
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(config_lib.to_yaml(exp))
    manifest = {"experiment": exp.name, "status": status, "pid": pid or os.getpid(),
                "host": {"hostname": socket.gethostname()}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if preprocessing:
        record = {"format": PREPROCESSING_FORMAT, "version": PREPROCESSING_VERSION,
                  **data_cache.load(exp).preprocessing}
        (folder / "preprocessing.json").write_text(json.dumps(record))
    if model:
        built = builders.build_model(exp, compile=False)
        if save is None:
            built.save(folder / "model.keras")
        else:
            save(built, folder / "model.keras")
    return folder


@pytest.fixture(scope="module")
def sine_run(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("runs") / "sine_tiny" / "20260101-000000-aaaa")


@pytest.fixture(scope="module")
def adding_run(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("runs") / "adding_tiny" / "20260101-000000-bbbb",
                    ADDING)


def predict_error(capsys, *args):
    """Runs `rnnbench ARGS`; asserts exit 2 with one paragraph; returns it, unwrapped."""
    code = main(list(map(str, args)))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("rnnbench: error: ") and "Traceback" not in err
    assert "\n\n" not in err.strip()
    return " ".join(err.split())


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ------------------------------------------------------------------ the run folder


@pytest.mark.parametrize("command", ["predict", "export"])
def test_not_a_folder(tmp_path, capsys, command):
    message = predict_error(capsys, command, tmp_path / "nowhere")
    assert "not a folder" in message and "run folder" in message


@pytest.mark.parametrize("given", ["sine_tiny", "results/sine_tiny/latest"])
def test_an_experiment_s_name_is_answered_with_its_latest_completed_run(
        tmp_path, capsys, monkeypatch, given):
    runs = tmp_path / "results" / "sine_tiny"
    make_run(runs / "20260101-000000-aaaa", model=False, preprocessing=False)
    make_run(runs / "20260102-000000-bbbb", model=False, preprocessing=False)
    make_run(runs / "20260103-000000-cccc", status="failed", model=False,
             preprocessing=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNBENCH_RESULTS", raising=False)
    message = predict_error(capsys, "predict", given)
    assert "not a folder" in message
    assert "latest completed run of sine_tiny is results/sine_tiny/20260102-000000-bbbb" \
        in message


def test_a_folder_that_is_no_run(tmp_path, capsys):
    message = predict_error(capsys, "predict", tmp_path)
    assert "config.yaml" in message and "none of them" in message


def test_a_sweep_folder_points_at_its_trials(tmp_path, capsys):
    (tmp_path / "trials" / "0001").mkdir(parents=True)
    message = predict_error(capsys, "predict", tmp_path)
    assert "sweep folder" in message and "trials" in message


def test_a_half_written_manifest(tmp_path, capsys):
    run = make_run(tmp_path / "run", model=False)
    (run / "manifest.json").write_text('{"status": "compl')
    message = predict_error(capsys, "predict", run)
    assert "half-written" in message and "manifest.json unreadable" in message


@pytest.mark.parametrize("status,pid,words", [
    ("failed", None, "failed"),
    ("interrupted", None, "was interrupted"),
    ("running", "dead", "died"),
    ("running", "alive", "still training"),
])
@pytest.mark.parametrize("command", ["predict", "export"])
def test_a_run_that_did_not_complete(tmp_path, capsys, status, pid, words, command):
    pid = dead_pid() if pid == "dead" else os.getpid()
    run = make_run(tmp_path / "run", status=status, pid=pid, model=False)
    message = predict_error(capsys, command, run)
    assert words in message and "Expected a completed run" in message
    assert f"rnnbench run {run / 'config.yaml'}" in message


def test_model_missing(tmp_path, capsys):
    run = make_run(tmp_path / "run", model=False)
    message = predict_error(capsys, "predict", run)
    assert "has no model.keras" in message


def test_model_corrupt(tmp_path, capsys):
    run = make_run(tmp_path / "run", model=False)
    (run / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    message = predict_error(capsys, "predict", run)
    assert "Could not load" in message and "corrupt" in message


def test_model_cut_short(tmp_path, capsys, sine_run):
    run = make_run(tmp_path / "run", model=False)
    whole = (sine_run / "model.keras").read_bytes()
    (run / "model.keras").write_bytes(whole[:len(whole) // 2])
    message = predict_error(capsys, "predict", run)
    assert "corrupt or cut short" in message


def test_preprocessing_missing_says_how_to_get_it(tmp_path, capsys):
    run = make_run(tmp_path / "run", preprocessing=False, model=False)
    message = predict_error(capsys, "predict", run)
    assert "no preprocessing.json" in message and "older" in message
    assert f"rnnbench reproduce {run}" in message


@pytest.mark.parametrize("change,words", [
    ({"version": PREPROCESSING_VERSION + 1}, "newer rnnbench"),
    ({"format": "something.else"}, "to have `format`"),
])
def test_preprocessing_of_another_format_or_version(tmp_path, capsys, change, words):
    run = make_run(tmp_path / "run", model=False)
    record = json.loads((run / "preprocessing.json").read_text())
    (run / "preprocessing.json").write_text(json.dumps({**record, **change}))
    assert words in predict_error(capsys, "predict", run)


def test_preprocessing_corrupt(tmp_path, capsys):
    run = make_run(tmp_path / "run", model=False)
    (run / "preprocessing.json").write_text("{")
    assert "Could not read" in predict_error(capsys, "predict", run)


# ------------------------------------------------------------------ the new data


def test_data_file_missing(capsys, sine_run, tmp_path):
    message = predict_error(capsys, "predict", sine_run, "--data", tmp_path / "new.csv")
    assert "no such file" in message


def test_data_of_a_kind_the_dataset_does_not_read(capsys, sine_run, tmp_path):
    (tmp_path / "new.json").write_text("{}")
    message = predict_error(capsys, "predict", sine_run, "--data", tmp_path / "new.json")
    assert "'.csv'" in message and "new.json" in message


def test_series_without_the_value_column(capsys, sine_run, tmp_path):
    (tmp_path / "new.csv").write_text("t,a,b\n0,1,2\n1,2,3\n")
    message = predict_error(capsys, "predict", sine_run, "--data", tmp_path / "new.csv")
    assert "value column 'value'" in message and "['t', 'a', 'b']" in message


def test_series_shorter_than_the_window(capsys, sine_run, tmp_path):
    (tmp_path / "new.csv").write_text("value\n" + "\n".join(["0.5"] * 5) + "\n")
    message = predict_error(capsys, "predict", sine_run, "--data", tmp_path / "new.csv")
    assert "`data.window`=8" in message and "Received: 5" in message


def test_series_with_a_value_that_is_no_number(capsys, sine_run, tmp_path):
    (tmp_path / "new.csv").write_text("value\n" + "\n".join(["0.5"] * 9) + "\nabc\n")
    message = predict_error(capsys, "predict", sine_run, "--data", tmp_path / "new.csv")
    assert "'value'" in message and "numbers" in message


def test_arrays_with_the_wrong_feature_count(capsys, adding_run, tmp_path):
    np.savez(tmp_path / "new.npz", x=np.zeros((4, 8, 3)))
    message = predict_error(capsys, "predict", adding_run, "--data", tmp_path / "new.npz")
    assert "(samples, 8, 2)" in message and "(4, 8, 3)" in message


def test_arrays_without_x(capsys, adding_run, tmp_path):
    np.savez(tmp_path / "new.npz", a=np.zeros((4, 8, 2)), b=np.zeros(4))
    message = predict_error(capsys, "predict", adding_run, "--data", tmp_path / "new.npz")
    assert "named `x`" in message and "['a', 'b']" in message


def test_labels_outside_the_runs_label_space(capsys, tmp_path):
    run = make_run(tmp_path / "run", ITALY)
    labels = json.loads((run / "preprocessing.json").read_text())["outputs"]["label_names"]
    np.savez(tmp_path / "new.npz", x=np.zeros((2, 24)), y=np.array(["1", "7"]))
    message = predict_error(capsys, "predict", run, "--data", tmp_path / "new.npz")
    assert str(labels) in message and "['7']" in message


@pytest.mark.slow
def test_a_text_tables_labels_outside_the_runs_classes(capsys, tmp_path):
    reviews_csv(tmp_path / "reviews.csv")
    run = make_run(tmp_path / "run", {
        "name": "reviews_tiny", "seed": 1,
        "data": {"name": "file_text", "path": str(tmp_path / "reviews.csv"),
                 "text_column": "review", "label_column": "sentiment", "seq_len": 6},
        "model": {"layers": [{"cell": "gru", "units": 3}]},
        "train": {"epochs": 1, "batch_size": 16}})
    new = pd.read_csv(tmp_path / "reviews.csv").head(6)
    new.to_csv(tmp_path / "known.csv", index=False)
    assert main(["predict", str(run), "--data", str(tmp_path / "known.csv")]) == 0
    new.loc[[1, 4], "sentiment"] = ["neutral", "mixed"]
    new.to_csv(tmp_path / "new.csv", index=False)
    message = predict_error(capsys, "predict", run, "--data", tmp_path / "new.csv")
    assert "to be among the run's classes ['neg', 'pos']" in message
    assert "Received: ['mixed', 'neutral'], which the model never learned" in message
    new.drop(columns="sentiment").to_csv(tmp_path / "unlabelled.csv", index=False)
    assert main(["predict", str(run), "--data", str(tmp_path / "unlabelled.csv")]) == 0


def test_out_never_replaces_the_data_it_reads(capsys, sine_run, tmp_path, monkeypatch):
    data = "value\n" + "\n".join(str(v / 10) for v in range(60)) + "\n"
    (tmp_path / "new.csv").write_text(data)
    monkeypatch.chdir(tmp_path)  # the same file, named two ways
    message = predict_error(capsys, "predict", sine_run, "--data", "new.csv",
                            "--out", tmp_path / "new.csv")
    assert "another file than `--data`" in message and "would replace the data" in message
    assert (tmp_path / "new.csv").read_text() == data


@pytest.mark.parametrize("name", ["metrics.json", "history.csv", "preprocessing.json"])
@pytest.mark.slow
def test_out_never_replaces_the_runs_record(capsys, tmp_path, name):
    run = make_run(tmp_path / "run")
    (run / "history.csv").write_text("epoch,loss\n0,1.0\n")
    (run / "metrics.json").write_text('{"test_mse": 0.1}')
    before = (run / name).read_bytes()
    message = predict_error(capsys, "predict", run, "--out", run / name)
    assert f"which is the run's own {name}" in message
    assert (run / name).read_bytes() == before
    # a name of the user's own in the run folder is theirs to write, and to write again
    for _ in range(2):
        assert main(["predict", str(run), "--out", str(run / "predictions.csv")]) == 0
    assert "forecast" in (run / "predictions.csv").read_text()


def test_out_never_replaces_another_runs_record(capsys, tmp_path):
    run, other = make_run(tmp_path / "run"), make_run(tmp_path / "other")
    (other / "metrics.json").write_text('{"test_mse": 0.1}')
    message = predict_error(capsys, "predict", run, "--out", other / "metrics.json")
    assert f"which is the run {str(other)!r}'s metrics.json" in message
    assert (other / "metrics.json").read_text() == '{"test_mse": 0.1}'


def trained_on_file(run, path):
    """Writes a series file at `path` and records it as `run`'s training data."""
    path.write_text("value\n" + "\n".join(str(v / 10) for v in range(60)) + "\n")
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["data"] = {"files": [{"path": str(path), "size": 1, "sha256": "0"}]}
    (run / "manifest.json").write_text(json.dumps(manifest))
    return path


def test_out_never_replaces_the_data_the_run_was_trained_on(capsys, tmp_path):
    run = make_run(tmp_path / "run")
    trained_on = trained_on_file(run, tmp_path / "train.csv")
    before = trained_on.read_text()
    message = predict_error(capsys, "predict", run, "--out", trained_on)
    assert "not to replace the data the run was trained on" in message
    assert trained_on.read_text() == before


def test_out_into_a_missing_folder(capsys, sine_run, tmp_path):
    message = predict_error(capsys, "predict", sine_run, "--out",
                            tmp_path / "missing" / "p.csv")
    assert "existing folder" in message


@pytest.mark.parametrize("flag,value", [("--prompt", "hello"), ("--temperature", 0.5),
                                        ("--length", 10), ("--seed", 3)])
def test_sampling_flags_of_a_run_that_does_not_sample(capsys, sine_run, flag, value):
    message = predict_error(capsys, "predict", sine_run, flag, value)
    assert f"Expected {flag} to be left out" in message and "forecast run" in message


def test_flags_a_language_model_does_not_read(capsys, tmp_path):
    raw = {"name": "chars_tiny", "seed": 1,
           "data": {"name": "news_chars", "seq_len": 10, "stride": 10, "max_chars": 5000},
           "model": {"layers": [{"cell": "gru", "units": 3}], "embedding": {"dim": 2}},
           "train": {"epochs": 1, "batch_size": 8}}
    run = make_run(tmp_path / "run", raw)
    (tmp_path / "prompt.txt").write_text("the ")
    message = predict_error(capsys, "predict", run, "--batch-size", 8)
    assert "Expected --batch-size to be left out" in message
    message = predict_error(capsys, "predict", run, "--prompt", "a", "--data",
                            tmp_path / "prompt.txt")
    assert "Expected --data to be left out" in message and "two prompts" in message
    assert "--temperature" in predict_error(capsys, "predict", run, "--temperature", -1)


def test_bad_batch_size(capsys, sine_run):
    assert "--batch-size" in predict_error(capsys, "predict", sine_run, "--batch-size", 0)


# ------------------------------------------------------------------ export


def test_export_format_unknown(capsys, sine_run):
    with pytest.raises(SystemExit) as stop:
        main(["export", str(sine_run), "--format", "onnx"])
    assert stop.value.code == 2
    assert "invalid choice: 'onnx'" in capsys.readouterr().err


def test_export_into_a_folder_with_files(capsys, sine_run, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    message = predict_error(capsys, "export", sine_run, "--out", tmp_path / "out")
    assert "new or empty folder" in message
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


@pytest.mark.slow
def test_tflite_refuses_a_cell_it_cannot_convert_naming_it(capsys, tmp_path):
    """A model.keras holding rnnbench's FusedLSTM itself (as releases before
    `models.saving` wrote it) needs the BlockLSTM op, which TFLite lacks."""
    raw = json.loads(json.dumps(SINE))
    raw["train"]["lstm_kernel"] = "block"
    run = make_run(tmp_path / "run", raw, save=lambda model, path: model.save(path))
    message = predict_error(capsys, "export", run, "--format", "tflite",
                            "--out", tmp_path / "out")
    assert "BlockLSTM" in message and "FusedLSTM" in message and "['lstm']" in message
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ the table, per task
# (an untrained model: the columns and their meaning, not the numbers, are checked)


def test_regression_table(tmp_path):
    import rnnbench
    table = rnnbench.load_run(make_run(tmp_path / "run", ADDING)).predict()
    assert list(table.columns) == ["sample", "prediction", "actual"]
    assert len(table) == ADDING["data"]["test_size"]


def test_sequence_label_table_names_each_steps_token(tmp_path):
    import rnnbench
    raw = {"name": "copy_tiny", "seed": 1,
           "data": {"name": "copy_memory", "delay": 4, "length": 2, "train_size": 8,
                    "val_size": 4, "test_size": 4},
           "model": {"layers": [{"cell": "gru", "units": 3}], "embedding": {"dim": 2}},
           "train": {"epochs": 1, "batch_size": 4}}
    table = rnnbench.load_run(make_run(tmp_path / "run", raw)).predict()
    assert list(table.columns) == ["sample", "predicted", "actual"]
    steps = 4 + 2 * 2
    vocabulary = {"blank", "delimiter", *map(str, range(1, 9))}
    for row in table["predicted"].tolist() + table["actual"].tolist():
        assert len(row.split()) == steps and set(row.split()) <= vocabulary
    assert table["actual"][0].split()[:5] == ["blank"] * 5


def test_piano_roll_table_names_the_keys_of_unpadded_steps(tmp_path, jsb_file):
    import rnnbench
    raw = {"name": "jsb_tiny", "seed": 1, "data": {"name": "polyphonic", "seq_len": 6},
           "model": {"layers": [{"cell": "lstm", "units": 3}]},
           "train": {"epochs": 1, "batch_size": 4}}
    run = rnnbench.load_run(make_run(tmp_path / "run", raw))
    x = np.full((2, 6, 88), -1.0, np.float32)
    x[0, :4] = 0.0
    x[1, :] = 1.0
    np.savez(tmp_path / "new.npz", x=x)
    table = run.predict(tmp_path / "new.npz")
    assert [len(row.split("|")) for row in table["keys_on"]] == [4, 6]
    assert run.preprocessing["outputs"]["label_names"][:2] == ["A0", "A#0"]
    assert run.preprocessing["outputs"]["label_names"][-1] == "C8"


@pytest.mark.parametrize("suffix", list(use.OUT_FORMATS))
def test_predictions_are_written_in_the_format_the_suffix_names(tmp_path, suffix):
    frame = pd.DataFrame({"date": ["2021-01-01", "2021-01-02"], "forecast_1": [1.5, -2.25],
                          "label": ["up", "down"]})
    path = use.write_predictions(frame, tmp_path / f"p{suffix}")
    read = {".parquet": pd.read_parquet, ".json": pd.read_json,
            ".jsonl": lambda p: pd.read_json(p, lines=True),
            ".tsv": lambda p: pd.read_csv(p, sep="\t")}.get(suffix, pd.read_csv)
    back = read(path)
    assert back["forecast_1"].tolist() == [1.5, -2.25] and back["label"].tolist() == ["up", "down"]
    assert [p.name for p in tmp_path.iterdir()] == [f"p{suffix}"]  # no temporary left


@pytest.mark.parametrize("out", ["p.xlsx", "predictions"])
def test_an_out_file_of_no_known_format_is_refused_before_the_run_is_read(tmp_path, capsys,
                                                                          out):
    assert main(["predict", str(tmp_path / "no_such_run"), "--out", str(tmp_path / out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Expected `--out` to end in .csv, .tsv, .csv.gz, .parquet, .json, .jsonl" in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


@pytest.mark.parametrize("other_place", ["exp_b/run", "sweeps/tune_b/20260101-x/trials/0"])
def test_out_never_replaces_the_data_another_run_was_trained_on(capsys, tmp_path,
                                                                other_place):
    results = tmp_path / "results"
    run, other = make_run(results / "exp_a" / "run"), make_run(results / other_place)
    trained_on = trained_on_file(other, tmp_path / "panel.csv")
    before = trained_on.read_text()
    message = predict_error(capsys, "predict", run, "--out", trained_on)
    assert f"which the run {str(other)!r} was trained on" in message
    assert trained_on.read_text() == before
    assert main(["predict", str(run), "--out", str(tmp_path / "mine.csv")]) == 0
