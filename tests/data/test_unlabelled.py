"""Rows without a label (`data.unlabelled`): refused by default, or left out of training
and scoring with `skip`, which `new` writes; `predict` labels every row.

A table of texts or sequences where only some rows are labelled is how labelling work
usually arrives: the rest are the rows the user wants the model for.
"""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from own_files import reviews_csv, wide_csv

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache
from rnnbench.data.own.tables import MASK_VALUE
from rnnbench.errors import UserError

EVERY = 7  # every 7th row's label is emptied


def with_empty_labels(path, column):
    """Empties every `EVERY`th cell of `column`; returns how many."""
    frame = pd.read_csv(path)
    frame[column] = frame[column].astype(object)
    frame.loc[::EVERY, column] = None
    frame.to_csv(path, index=False)
    return len(frame.index[::EVERY])


@pytest.fixture
def texts(tmp_path):
    path = reviews_csv(tmp_path / "reviews.csv", n=140)
    return path, with_empty_labels(path, "sentiment")


@pytest.fixture
def sequences(tmp_path):
    path = wide_csv(tmp_path / "wide.csv", sequences=90)
    return path, with_empty_labels(path, "label")


@pytest.fixture
def arrays(tmp_path):
    """Float 0/1 labels (as a NumPy file of floats holds them), every 7th NaN."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6, 2)).astype(np.float32)
    y = (x[:, :, 0].mean(axis=1) > 0).astype(np.float64)
    y[::EVERY] = np.nan
    np.savez(tmp_path / "arrays.npz", x=x, y=y)
    return tmp_path / "arrays.npz", int(np.isnan(y).sum())


def experiment(data):
    return config_lib.validate({
        "name": "partly", "seed": 1, "data": data,
        "model": {"layers": [{"cell": "gru", "units": 4}]},
        "train": {"epochs": 1, "batch_size": 16}}, source="<test>")


def text_data(path, **keys):
    return {"name": "file_text", "path": str(path), "text_column": "review",
            "label_column": "sentiment", **keys}


def wide_data(path, **keys):
    return {"name": "file_sequences", "path": str(path), "layout": "wide", **keys}


def arrays_data(path, **keys):
    return {"name": "file_arrays", "path": str(path), **keys}


CASES = [("texts", text_data, "rows"), ("sequences", wide_data, "sequences"),
         ("arrays", arrays_data, "samples")]


@pytest.mark.parametrize("fixture, data, unit", CASES)
def test_an_empty_label_is_refused_by_default_naming_the_key_that_skips_it(
        request, fixture, data, unit):
    path, empty = request.getfixturevalue(fixture)
    with pytest.raises(UserError) as caught:
        cache.load(experiment(data(path)))
    message = str(caught.value)
    assert f"{unit[:-1]} 1, {empty} in all" in message
    assert "`data.unlabelled: skip`" in message


@pytest.mark.parametrize("fixture, data, unit", CASES)
def test_skip_trains_and_scores_on_the_labelled_samples_only(request, fixture, data, unit):
    path, empty = request.getfixturevalue(fixture)
    labels = pd.Series(np.load(path)["y"]) if fixture == "arrays" else \
        pd.read_csv(path).iloc[:, -1 if fixture == "sequences" else 2]
    exp = experiment(data(path, unlabelled="skip"))
    splits = cache.load(exp)
    sizes = len(splits.train) + len(splits.val) + len(splits.test)
    assert sizes == len(labels) - empty == labels.notna().sum()
    assert splits.info[f"unlabelled_{unit}"] == empty
    names = splits.preprocessing["outputs"]["label_names"]
    # float labels 0.0/1.0 are the classes "0" and "1", as the same labels saved as ints
    numeric = pd.api.types.is_numeric_dtype(labels)
    assert names == sorted({str(int(v)) if numeric else str(v) for v in labels.dropna()})
    assert splits.spec.num_classes == len(names)  # spec counts the filled cells only


def test_skip_of_a_table_that_is_fully_labelled_changes_nothing(tmp_path):
    path = reviews_csv(tmp_path / "reviews.csv", n=140)
    plain = cache.load(experiment(text_data(path)))
    skipping = cache.load(experiment(text_data(path, unlabelled="skip")))
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(plain, part).x, getattr(skipping, part).x)
        np.testing.assert_array_equal(getattr(plain, part).y, getattr(skipping, part).y)
    assert skipping.info["unlabelled_rows"] == 0


def test_skip_is_refused_for_array_labels_at_every_step(tmp_path):
    """Whole-number step labels have no empty value; a table's empty cells do."""
    np.savez(tmp_path / "steps.npz", x=np.zeros((8, 4, 1)), y=np.zeros((8, 4), int))
    with pytest.raises(UserError, match="data.unlabelled: error"):
        experiment({"name": "file_arrays", "path": str(tmp_path / "steps.npz"),
                    "target": "steps", "unlabelled": "skip"})


def test_an_unknown_policy_is_refused_naming_the_choices(texts):
    with pytest.raises(UserError) as caught:
        experiment(text_data(texts[0], unlabelled="drop"))
    assert "data.unlabelled" in str(caught.value) and "skip" in str(caught.value)


@pytest.mark.parametrize("fixture, argv, unit, sample", [
    ("texts", ["--target", "sentiment"], "rows", "rows"),
    ("sequences", [], "rows", "sequences"),  # a row a sequence
    ("arrays", [], "samples", "samples")])
def test_new_writes_skip_and_says_how_many(request, tmp_path, monkeypatch, capsys, fixture,
                                           argv, unit, sample):
    path, empty = request.getfixturevalue(fixture)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "partly", "--data", str(path), *argv]) == 0
    out = " ".join(capsys.readouterr().out.split())
    data = yaml.safe_load((tmp_path / "experiments" / "partly.yaml").read_text())["data"]
    assert (data["task"], data["unlabelled"]) == ("classify", "skip")
    total = len(np.load(path)["y"]) if fixture == "arrays" else len(pd.read_csv(path))
    assert f"unlabelled skip: {empty} of {total} {unit} have no" in out
    assert "have no a " not in out  # arrays: 'have no label (NaN in the labels)'
    assert main(["show", "partly"]) == 0
    assert len(cache.load(config_lib.load_experiment("partly")).train) > 0
    capsys.readouterr()
    assert main(["check", "partly"]) == 0
    assert f"unlabelled: {empty} {sample} without a label left out (data.unlabelled: skip)" \
        in capsys.readouterr().out


def test_float_labels_of_whole_numbers_are_classes_and_nan_values_a_regression(
        tmp_path, monkeypatch, capsys):
    """0.0/1.0 labels (a NumPy file of floats) are classes; measurements with NaN for the
    unknown ones stay a regression that skips them."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 5, 1))
    values = x[:, :, 0].mean(axis=1)
    values[::9] = np.nan
    np.savez(tmp_path / "flags.npz", x=x, y=(x[:, 0, 0] > 0).astype(np.float32))
    np.savez(tmp_path / "values.npz", x=x, y=values)
    monkeypatch.chdir(tmp_path)
    for name, task, skip in (("flags", "classify", None), ("values", "regress", "skip")):
        assert main(["new", name, "--data", f"{name}.npz"]) == 0
        data = yaml.safe_load((tmp_path / "experiments" / f"{name}.yaml").read_text())["data"]
        assert (data["task"], data.get("unlabelled")) == (task, skip)
    capsys.readouterr()
    splits = cache.load(config_lib.load_experiment("flags"))
    assert splits.preprocessing["outputs"]["label_names"] == ["0", "1"]
    assert len(cache.load(config_lib.load_experiment("values")).train) > 0


def test_new_refuses_a_label_column_with_no_label_at_all(tmp_path, monkeypatch, capsys):
    path = reviews_csv(tmp_path / "reviews.csv", n=60)
    frame = pd.read_csv(path)
    frame["sentiment"] = None
    frame.to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "partly", "--data", str(path), "--target", "sentiment"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "column 'sentiment'" in err and "every cell of it empty" in err
    assert not (tmp_path / "experiments" / "partly.yaml").exists()


@pytest.mark.slow
def test_a_run_on_the_labelled_rows_predicts_every_row(texts, tmp_path, capsys):
    from rnnbench.runs import use
    path, empty = texts
    exp_path = tmp_path / "partly.yaml"
    exp_path.write_text(yaml.safe_dump({
        "name": "partly", "seed": 1, "data": text_data(path, unlabelled="skip", seq_len=8),
        "model": {"layers": [{"cell": "gru", "units": 4}]},
        "train": {"epochs": 1, "batch_size": 16}}))
    assert main(["run", str(exp_path), "--results-dir", str(tmp_path / "results")]) == 0
    said = " ".join("".join(capsys.readouterr()).split())
    assert f"{empty} rows without a label left out (data.unlabelled: skip)" in said
    (run_dir,) = (tmp_path / "results" / "partly").iterdir()
    frame = use.load_run(run_dir).predict(path)
    labels = pd.read_csv(path)["sentiment"]
    assert len(frame) == len(labels)  # the unlabelled rows are predicted too
    assert set(frame["label"]) <= {"neg", "pos"}
    assert (frame["sentiment"] == "").sum() == empty


def test_predict_shows_an_empty_actual_where_the_file_has_no_label():
    from rnnbench.data.own import arrays, labelled
    labels = np.array([np.nan, 1.0, 0.0])
    assert arrays._actual(labels, 3, "classes", None) == {"actual": ["", "1", "0"]}
    assert [labelled.label_text(v) for v in (None, " ", "pos", 2, 2.0, 2.5)] == \
        ["", "", "pos", "2", "2", "2.5"]


def test_new_skips_the_unlabelled_sequences_of_a_long_table(tmp_path, monkeypatch, capsys):
    from own_files import long_csv
    path = long_csv(tmp_path / "long.csv", sequences=60)
    frame = pd.read_csv(path)
    frame["lab"] = frame["lab"].map({0: "rest", 1: "move"}).astype(object)
    frame.loc[frame.sid.isin([f"s{i}" for i in range(0, 60, 10)]), "lab"] = None
    frame.to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "sessions", "--data", str(path), "--target", "lab"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "class balance by sequence {'move': 30, 'rest': 24}" in out  # no '' class
    assert "unlabelled skip: 6 of 60 sequences have no 'lab'" in out
    splits = cache.load(config_lib.load_experiment("sessions"))
    assert splits.info["unlabelled_sequences"] == 6
    assert len(splits.train) + len(splits.val) + len(splits.test) == 54


@pytest.fixture
def tagged(tmp_path):
    """A state at every step; every 5th row's state left empty (unannotated)."""
    from own_files import tagged_long_csv
    path = tagged_long_csv(tmp_path / "tagged.csv", sequences=30)
    frame = pd.read_csv(path)
    frame.loc[frame.index[::5], "state"] = None
    frame.to_csv(path, index=False)
    return path, int(frame["state"].isna().sum())


def steps_data(path, **keys):
    return {"name": "file_sequences", "path": str(path), "layout": "long",
            "id_column": "session", "time_column": "t", "value_columns": ["x", "y"],
            "label_column": "state", "target": "steps", **keys}


def test_unlabelled_steps_are_refused_naming_one_or_left_out_as_padding_is(tagged):
    from rnnbench.data.tasks import PADDED_LABEL
    path, empty = tagged
    with pytest.raises(UserError) as caught:
        cache.load(experiment(steps_data(path)))
    assert re.search(rf"an empty label \(sequence 's\d+', step \d+; {empty} in all\)",
                     str(caught.value)) and "`data.unlabelled: skip`" in str(caught.value)
    splits = cache.load(experiment(steps_data(path, unlabelled="skip")))
    assert splits.info["unlabelled_steps"] == empty
    parts = (splits.train, splits.val, splits.test)
    real = sum(int((p.x[..., 0] != MASK_VALUE).sum()) for p in parts)  # steps, not padding
    labelled_steps = sum(int((p.y != PADDED_LABEL).sum()) for p in parts)
    assert labelled_steps == real - empty == len(pd.read_csv(path)) - empty


def test_new_writes_skip_for_unlabelled_steps(tagged, tmp_path, monkeypatch, capsys):
    path, empty = tagged
    monkeypatch.chdir(tmp_path)
    assert main(["new", "states", "--data", str(path), "--target", "state"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    data = yaml.safe_load((tmp_path / "experiments" / "states.yaml").read_text())["data"]
    assert (data["target"], data["unlabelled"]) == ("steps", "skip")
    assert f"unlabelled skip: {empty} of {len(pd.read_csv(path))} steps have no 'state'" in out
    assert "'': " not in out  # no empty class in the balance


def test_a_label_on_one_row_of_each_sequence_labels_the_sequence(tmp_path, monkeypatch,
                                                                  capsys):
    from own_files import long_csv
    path = long_csv(tmp_path / "long.csv", sequences=40)
    frame = pd.read_csv(path).sort_values(["sid", "t"])
    frame["lab"] = frame["lab"].astype(object)
    frame.loc[frame.t > 0, "lab"] = None  # written once, on the first row of a sequence
    frame.sample(frac=1, random_state=0).to_csv(path, index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "once", "--data", str(path), "--target", "lab"]) == 0
    data = yaml.safe_load((tmp_path / "experiments" / "once.yaml").read_text())["data"]
    assert (data["target"], data.get("unlabelled")) == ("classes", None)
    splits = cache.load(config_lib.load_experiment("once"))
    assert len(splits.train) + len(splits.val) + len(splits.test) == 40
    frame.loc[frame.sid == "s3", "lab"] = [0, 1] + [None] * (int((frame.sid == "s3").sum()) - 2)
    frame.to_csv(path, index=False)
    with pytest.raises(UserError, match="Sequence 's3' .* more than one value in 'lab'"):
        cache.load(config_lib.load_experiment("once"))
