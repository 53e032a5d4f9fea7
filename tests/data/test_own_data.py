"""The user's own files as datasets (issue 23): what each reads, fits and refuses.

Every file is generated (tests/own_files.py). Nothing here trains but the
`slow` runs at the end.
"""

import json
import os
import re

import numpy as np
import pandas as pd
import pytest
from own_files import (arrays_npz, cell_sequences, cell_sequences_file, own_data_files,
                       price_csv, probe_bases, sequence_folder, tagged_long_csv)

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.config.registry import TASKS
from rnnbench.data import cache
from rnnbench.data.own import feeding
from rnnbench.data.own.common import WindowView
from rnnbench.data.own.tables import MASK_VALUE
from rnnbench.data.text import split_documents
from rnnbench.errors import UserError
from rnnbench.runs import reproduce

FILE_DATASETS = ("file_series", "file_text", "file_corpus", "file_arrays", "file_sequences")
KINDS = {"file_series": ("series", "values"), "file_text": ("tokens", "classes"),
         "file_corpus": ("tokens", "tokens"), "file_arrays": ("arrays", "classes"),
         "file_sequences": ("table_sequences", "classes")}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return own_data_files(tmp_path_factory.mktemp("own"))


def experiment(data, **top):
    raw = {"name": "own", "seed": 1, "data": data,
           "model": {"layers": [{"cell": "gru", "units": 4}]},
           "train": {"epochs": 1, "batch_size": 16}, **top}
    return config_lib.validate(raw, source="<test>")


def load(data):
    exp = experiment(data)
    return exp, cache.load(exp)


def base(files, name, **data):
    return {"name": name, **probe_bases(files)[name], **data}


# ------------------------------------------------------------------ every dataset

@pytest.mark.parametrize("name", FILE_DATASETS)
def test_load_fills_a_json_preprocessing_record_of_the_documented_kinds(files, name):
    exp, splits = load(base(files, name))
    record = json.loads(json.dumps(splits.preprocessing))
    assert record["format"] == "rnnbench.preprocessing" and record["version"] == 1
    assert (record["inputs"]["kind"], record["outputs"]["kind"]) == KINDS[name]
    assert splits.spec == config_lib.data_spec(exp)
    assert [f["sha256"] for f in splits.info["files"]]  # what the manifest records
    assert min(len(splits.train), len(splits.val), len(splits.test)) > 0


@pytest.mark.parametrize("name", FILE_DATASETS)
def test_new_inputs_of_the_training_file_are_the_training_inputs(files, name):
    exp, splits = load(base(files, name))
    dataset = config_lib.dataset_of(exp)
    new = dataset.new_inputs(dict(exp.data.params), splits.preprocessing,
                             exp.data.params["path"])
    x = np.asarray(new.x)
    assert x.shape[1:] == splits.train.x.shape[1:]
    if name == "file_series":  # every window, in time order: the training windows first
        np.testing.assert_array_equal(x[:len(splits.train)], splits.train.x)
    elif name == "file_corpus":
        assert x.dtype == np.int32 and x.max() < splits.spec.vocab_size
    else:  # the same rows, preprocessed alike, wherever the split put them
        rows = {tuple(np.ravel(r)) for r in x}
        assert all(tuple(np.ravel(r)) in rows for r in splits.train.x)


# ------------------------------------------------------------------ series

def test_series_rows_are_sorted_by_time_and_scaled_on_the_training_rows(files):
    exp, splits = load(base(files, "file_series", scale="standard"))
    frame = pd.read_csv(files["prices"]).sort_values("date")
    close = frame["close"].to_numpy()
    first_val_target = 5 + len(splits.train)  # window 5, horizon 1
    mean, std = close[:first_val_target].mean(), close[:first_val_target].std()
    np.testing.assert_allclose(splits.train.x[0, :, 0], (close[:5] - mean) / std, rtol=1e-5)
    np.testing.assert_allclose(splits.inverse_transform(splits.test.y)[-1], close[-1:],
                               rtol=1e-5)
    assert splits.preprocessing["inputs"]["scalers"]["close"]["mean"] == pytest.approx(mean)


def test_series_windows_are_views_of_one_array_not_copies(files):
    _, splits = load(base(files, "file_series", features=["open", "high", "low", "volume"]))
    assert isinstance(splits.train.x, WindowView)
    assert np.shares_memory(splits.train.x, splits.val.x)  # val windows reach back
    assert not splits.train.x.flags.owndata


def test_fit_is_fed_views_a_batch_at_a_time_and_arrays_as_before(files):
    _, splits = load(base(files, "file_series"))
    lazy = feeding.fit_arguments(splits, 16, seed=3)
    assert "batch_size" not in lazy and len(lazy["x"]) == -(-len(splits.train) // 16)
    x, y = lazy["x"][0]
    assert x.shape == (16, 5, 1) and y.shape == (16, 1)
    _, text = load(base(files, "file_text"))
    plain = feeding.fit_arguments(text, 16, seed=3)
    assert plain["x"] is text.train.x and plain["batch_size"] == 16 and plain["shuffle"]


def test_several_series_in_a_long_table_are_windowed_each_on_its_own(files):
    _, splits = load(base(files, "file_series", path=str(files["two_series"]),
                          targets="value", id_column="id"))
    assert splits.info["series"] == 2
    one = load(base(files, "file_series", path=str(files["two_series"]), targets="value"))[1]
    # 2 x 80 rows: each series loses its own first window of targets.
    total = sum(len(getattr(splits, p)) for p in ("train", "val", "test"))
    assert total == 2 * (80 - 5) and total < sum(len(getattr(one, p))
                                                 for p in ("train", "val", "test")) + 5


@pytest.mark.parametrize("scale", [None, "standard"])
@pytest.mark.parametrize("policy, rows", [("drop", 300 - 18), ("ffill", 300),
                                          ("interpolate", 300)])
def test_missing_values_follow_the_policy(files, policy, rows, scale):
    _, splits = load(base(files, "file_series", path=str(files["prices_gaps"]),
                          missing=policy, scale=scale))
    assert splits.info["rows"] == rows
    assert np.isfinite(splits.train.x).all() and np.isfinite(splits.test.y).all()


def test_an_empty_timestamp_is_named_by_its_row(files, tmp_path):
    frame = pd.read_csv(files["prices"])
    frame.loc[frame.index[6], "date"] = None
    frame.to_csv(tmp_path / "no_date.csv", index=False)
    with pytest.raises(UserError, match=r"Column 'date' .* is empty in row 7\. Expected a "
                                        r"timestamp in every row"):
        load(base(files, "file_series", path=str(tmp_path / "no_date.csv")))


def test_repeated_timestamps_keep_the_row_the_policy_names(files):
    first = load(base(files, "file_series", path=str(files["prices_repeats"]),
                      duplicates="first"))[1]
    last = load(base(files, "file_series", path=str(files["prices_repeats"]),
                     duplicates="last"))[1]
    assert first.info["rows"] == last.info["rows"] == 300
    assert not np.array_equal(first.train.y, last.train.y)


def test_new_series_file_without_a_column_names_it(files, tmp_path):
    exp, splits = load(base(files, "file_series", features=["volume"]))
    frame = pd.read_csv(files["prices"]).drop(columns=["volume"])
    frame.to_csv(tmp_path / "new.csv", index=False)
    with pytest.raises(UserError, match="column 'volume'"):
        config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                              tmp_path / "new.csv")


@pytest.mark.parametrize("written,label", [
    # Berlin over the clock change (+01:00, then +02:00): one UTC timeline, said so.
    (lambda t: t.tz_localize("UTC").tz_convert("Europe/Berlin").strftime(
        "%Y-%m-%d %H:%M:%S%z"), "{}Z"),
    (lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"), "{}Z"),
    (lambda t: t.strftime("%Y-%m-%d %H:%M:%S"), "{}"),  # no offset: as written
])
def test_times_with_utc_offsets_are_one_utc_timeline_and_labelled_so(tmp_path, written,
                                                                     label):
    hours = pd.date_range("2024-03-30 12:00", periods=40, freq="h")  # DST: 31 March
    frame = pd.DataFrame({"time": written(hours), "load": np.arange(40.0)})
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "load.csv", index=False)
    exp, splits = load({"name": "file_series", "path": str(tmp_path / "load.csv"),
                        "time_column": "time", "targets": "load", "window": 5})
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                tmp_path / "load.csv")
    np.testing.assert_array_equal(new.x[:, 0, 0], np.arange(36))  # time order throughout
    assert new.index[0] == label.format("2024-03-30T17:00:00")  # the row after the window
    assert new.index[-1] == label.format("2024-04-01T04:00:00")  # one step past the end
    # Midnight is an hour like the others in an hourly series, not a date alone.
    assert label.format("2024-03-31T00:00:00") in new.index


def test_a_column_of_words_is_a_one_hot_input_and_new_data_keeps_the_runs_values(tmp_path):
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "weekday": days.day_name(),
                          "sales": np.arange(120.0) % 7})
    frame.to_csv(tmp_path / "shop.csv", index=False)
    exp, splits = load({"name": "file_series", "path": str(tmp_path / "shop.csv"),
                        "time_column": "date", "targets": "sales", "categories": ["weekday"],
                        "window": 4})
    inputs = splits.preprocessing["inputs"]
    names = sorted(days.day_name().unique())
    assert inputs["categories"] == {"weekday": names}
    assert inputs["columns"] == ["sales"] + [f"weekday={n}" for n in names]
    dataset = config_lib.dataset_of(exp)
    assert splits.train.x.shape[1:] == (4, 8) == dataset.spec(dict(exp.data.params)).input_shape
    frame.loc[frame.index[-10:], "weekday"] = "Holiday"  # a value training never saw
    frame.to_csv(tmp_path / "new.csv", index=False)
    new = dataset.new_inputs(dict(exp.data.params), splits.preprocessing, tmp_path / "new.csv")
    from rnnbench.data.own.common import scaler_of_columns
    raw = scaler_of_columns(inputs["scalers"], inputs["columns"]).inverse_transform(
        new.x.reshape(-1, 8)).reshape(new.x.shape)
    np.testing.assert_allclose(raw[0, 0, 1:], np.eye(7)[names.index("Monday")], atol=1e-5)
    np.testing.assert_allclose(raw[-1, -1, 1:], 0.0, atol=1e-5)  # a holiday: no weekday


@pytest.mark.parametrize("freq, first, last", [
    ("D", "2024-01-06", "2024-01-17"), ("6h", "2024-01-02T06:00:00", "2024-01-05T00:00:00")])
def test_a_daily_series_is_labelled_by_dates_and_a_finer_one_by_times(tmp_path, freq, first,
                                                                      last):
    times = pd.date_range("2024-01-01", periods=16, freq=freq)
    pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M:%S"), "y": np.arange(16.0)}).to_csv(
        tmp_path / "y.csv", index=False)
    exp, splits = load({"name": "file_series", "path": str(tmp_path / "y.csv"),
                        "time_column": "time", "targets": "y", "window": 5})
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                tmp_path / "y.csv")
    assert (new.index[0], new.index[-1]) == (first, last)


# ------------------------------------------------------------------ text

def test_text_vocabulary_is_fitted_on_the_training_rows_only(files):
    exp, splits = load(base(files, "file_text"))
    frame = pd.read_csv(files["reviews"])
    codes = np.unique(frame["sentiment"], return_inverse=True)[1]
    train = split_documents(codes, {"val": 0.15, "test": 0.15}, 1234)["train"]
    seen = {w.strip("!").lower() for t in frame["review"].iloc[train] for w in t.split()}
    vocabulary = splits.preprocessing["inputs"]["vocabulary"]
    assert set(vocabulary) <= seen and splits.preprocessing["outputs"]["label_names"] == \
        ["neg", "pos"]


def test_a_number_per_text_is_standardized_on_the_training_rows(files):
    exp, splits = load(base(files, "file_text", path=str(files["reviews_rated"]),
                            label_column="stars", target="values", task="regress"))
    stars = pd.read_csv(files["reviews_rated"])["stars"].to_numpy()
    scaler = splits.preprocessing["outputs"]["scaler"]
    restored = splits.inverse_transform(splits.train.y)[:, 0]
    assert np.isclose(scaler["mean"][0], restored.mean(), atol=1e-5)
    assert abs(splits.train.y.mean()) < 1e-5 and abs(splits.train.y.std() - 1) < 1e-4
    assert set(np.round(restored, 4)) <= set(stars)
    assert splits.baseline_name == "mean of the training part"


def test_a_label_that_is_no_number_is_named_for_a_values_target(files, tmp_path):
    frame = pd.read_csv(files["reviews_rated"]).astype({"stars": object})
    frame.loc[5, "stars"] = "great"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(UserError, match=r"to be numbers for `data.target: values`\. "
                                        r"Received: 'great' \(label 6, counting from 1"):
        load(base(files, "file_text", path=str(tmp_path / "bad.csv"), label_column="stars",
                  target="values", task="regress"))


def test_new_text_without_labels_is_tokenized_with_the_saved_vocabulary(files, tmp_path):
    exp, splits = load(base(files, "file_text"))
    pd.DataFrame({"review": ["great GREAT zebra", "awful"]}).to_csv(tmp_path / "new.csv",
                                                                      index=False)
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                tmp_path / "new.csv")
    vocabulary = splits.preprocessing["inputs"]["vocabulary"]
    great = vocabulary.index("great") + 2
    assert new.x[0, :3].tolist() == [great, great, 1]  # zebra: out of vocabulary
    assert new.extra["text"][1] == "awful" and "sentiment" not in new.extra


def test_corpus_reads_a_folder_and_a_glob_as_one_text(files, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    text = files["corpus"].read_text()
    (folder / "a.txt").write_text(text[:len(text) // 2])
    (folder / "b.txt").write_text(text[len(text) // 2:])
    by_folder = load({"name": "file_corpus", "path": str(folder), "seq_len": 10})[1]
    by_glob = load({"name": "file_corpus", "path": str(folder / "*.txt"), "seq_len": 10})[1]
    np.testing.assert_array_equal(by_folder.train.x, by_glob.train.x)
    assert len(by_folder.info["files"]) == 2


def test_word_level_corpus_predicts_the_next_word(files):
    _, splits = load({"name": "file_corpus", "path": str(files["corpus"]), "level": "word",
                      "seq_len": 6, "max_vocab": 20})
    np.testing.assert_array_equal(splits.train.x[0, 1:], splits.train.y[0, :-1])
    assert splits.info["oov_rate"]["train"] == 0.0


# ------------------------------------------------------------------ arrays, tables

def test_arrays_with_a_split_of_their_own_keep_it(tmp_path):
    rng = np.random.default_rng(0)
    parts = {f"{k}_{p}": (rng.normal(size=(n, 6, 2)) if k == "x" else np.arange(n) % 2)
             for p, n in (("train", 30), ("val", 10), ("test", 12)) for k in ("x", "y")}
    np.savez(tmp_path / "split.npz", **parts)
    _, splits = load({"name": "file_arrays", "path": str(tmp_path / "split.npz")})
    assert (len(splits.train), len(splits.val), len(splits.test)) == (30, 10, 12)
    assert splits.info["own_split"]


@pytest.mark.parametrize("target", ["classes", "values"])
def test_arrays_split_into_train_and_test_only_take_validation_from_train(tmp_path, target):
    # scikit-learn's train_test_split, saved with its capital X.
    rng = np.random.default_rng(0)
    x_train, x_test = rng.normal(size=(40, 6, 2)), rng.normal(size=(12, 6, 2))
    y_train = np.arange(40) % 2 if target == "classes" else rng.normal(size=40)
    y_test = np.arange(12) % 2 if target == "classes" else rng.normal(size=12)
    np.savez(tmp_path / "tt.npz", X_train=x_train, y_train=y_train, X_test=x_test,
             y_test=y_test)
    _, splits = load({"name": "file_arrays", "path": str(tmp_path / "tt.npz"),
                      "target": target, "split": {"val": 0.25, "test": 0.15}})
    assert (len(splits.train), len(splits.val), len(splits.test)) == (30, 10, 12)
    np.testing.assert_allclose(splits.test.x, x_test.astype(np.float32))
    # Train and val are the file's training samples, each once.
    held = np.concatenate([splits.train.x, splits.val.x])
    order = np.lexsort(held.reshape(len(held), -1).T)
    expected = x_train.astype(np.float32)
    np.testing.assert_allclose(held[order], expected[np.lexsort(expected.reshape(40, -1).T)])
    assert splits.info["own_split"] and splits.info["val_from_train"]
    if target == "classes":
        assert sorted(np.bincount(splits.val.y)) == [5, 5]  # stratified


def test_one_hot_labels_load_as_their_class_ids(tmp_path):
    data = np.load(arrays_npz(tmp_path / "ids.npz"))
    np.savez(tmp_path / "one_hot.npz", x=data["x"], y=np.eye(3)[data["y"]])
    _, by_ids = load({"name": "file_arrays", "path": str(tmp_path / "ids.npz")})
    _, by_one_hot = load({"name": "file_arrays", "path": str(tmp_path / "one_hot.npz")})
    assert by_one_hot.spec.num_classes == 3
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(by_one_hot, part).x, getattr(by_ids, part).x)
        np.testing.assert_array_equal(getattr(by_one_hot, part).y, getattr(by_ids, part).y)


def test_arrays_from_npy_files_and_a_shape_mismatch_of_new_inputs(files, tmp_path):
    exp, splits = load({"name": "file_arrays", "path": str(files["x_npy"]),
                        "y_path": str(files["y_npy"]), "scale": "minmax"})
    assert splits.train.x.shape[1:] == (10, 2) and splits.spec.num_classes == 3
    np.save(tmp_path / "wrong.npy", np.zeros((3, 10, 4)))
    with pytest.raises(UserError, match=r"\(10, 2\).*\(10, 4\)"):
        config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                              tmp_path / "wrong.npy")


def test_values_target_makes_the_task_regress_and_refuses_classify(files):
    exp = experiment({"name": "file_arrays", "path": str(files["arrays"]), "target": "values"})
    assert exp.data.task == "regress"
    with pytest.raises(UserError, match="Expected `data.task` to be 'regress'"):
        experiment({"name": "file_arrays", "path": str(files["arrays"]), "target": "values",
                    "task": "classify"})


@pytest.mark.parametrize("name", ["file_arrays", "file_sequences"])
@pytest.mark.parametrize("scale", ["standard", "minmax", None])
def test_a_values_target_is_scaled_as_the_inputs_are_and_scored_in_its_units(
        files, tmp_path, name, scale):
    # Days in hospital, a price: a target far from 0 that an output layer starting at 0
    # took many epochs to reach (a sequence regression lost to the training mean).
    rng = np.random.default_rng(0)
    if name == "file_arrays":
        np.savez(tmp_path / "a.npz", x=rng.normal(size=(90, 6, 2)),
                 y=500 + 40 * rng.normal(size=90))
        data = {"name": name, "path": str(tmp_path / "a.npz"), "target": "values"}
    else:
        frame = pd.read_csv(files["long"])
        frame["stay"] = 500 + 40 * frame["sid"].str[1:].astype(int) % 7
        frame.to_csv(tmp_path / "long.csv", index=False)
        data = {**base(files, name), "path": str(tmp_path / "long.csv"),
                "label_column": "stay", "target": "values"}
    _, splits = load({**data, "scale": scale})
    scaler = splits.preprocessing["outputs"]["scaler"]
    if scale is None:
        assert scaler == {"kind": None} and splits.inverse_transform is None
        assert splits.train.y.mean() > 400
        return
    assert scaler["kind"] == scale
    low, high = (-3, 3) if scale == "standard" else (0, 1)
    assert low <= splits.train.y.min() and splits.train.y.max() <= high
    original = splits.inverse_transform(splits.test.y)
    assert 400 < original.mean() < 600
    # what a run scores: `*_original` in the target's units, beside the scaled metrics
    scores = TASKS.get("regress")().score(splits.test.y, np.zeros_like(splits.test.y),
                                          splits.inverse_transform)
    assert scores["mae_original"] == pytest.approx(np.abs(
        original - splits.inverse_transform(np.zeros_like(splits.test.y))).mean())


@pytest.mark.parametrize("offset, scale, warned", [(120.0, None, True),
                                                   (120.0, "standard", False),
                                                   (0.0, None, False)])
def test_inputs_far_from_1_without_data_scale_are_warned_of(files, tmp_path, offset, scale,
                                                            warned):
    from rnnbench.config.registry import DATASETS
    from rnnbench.data.targets import unscaled_warning
    frame = pd.read_csv(files["long"])
    frame["a"] += offset  # a blood pressure, not a z-score
    frame.to_csv(tmp_path / "long.csv", index=False)
    _, splits = load({**base(files, "file_sequences"), "path": str(tmp_path / "long.csv"),
                      "scale": scale})
    warning = unscaled_warning(splits, DATASETS.get("file_sequences").takes_scale, scale)
    assert (warning is not None) == warned
    if warned:  # the padding (mask value) is no input
        assert "training inputs reach 12" in warning and "data.scale=standard" in warning


def test_long_table_sequences_are_padded_and_masked(files):
    _, splits = load(base(files, "file_sequences"))
    lengths = splits.info["lengths"]
    assert (lengths["min"], lengths["max"]) == (4, 8)
    assert splits.spec.mask == "value"
    padded = np.all(splits.train.x == splits.spec.mask_value, axis=-1)
    assert padded.any() and not padded[:, 0].any()


def test_new_sequences_are_labelled_under_their_id_column(files):
    exp, splits = load(base(files, "file_sequences"))
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                files["long"])
    id_column = exp.data.params["id_column"]
    assert new.index_name == id_column
    assert sorted(new.index) == sorted(set(pd.read_csv(files["long"])[id_column].astype(str)))


def test_wide_table_rows_end_with_empty_cells(files):
    _, splits = load({"name": "file_sequences", "path": str(files["wide"]), "layout": "wide"})
    assert splits.train.x.shape[1:] == (8, 1) and splits.spec.num_classes == 3


CELLS = {"name": "file_sequences", "layout": "cell", "id_column": "id",
         "value_columns": ["signal"], "label_column": "trend", "scale": "standard"}


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_a_sequence_a_cell_loads_as_the_numbers_it_holds(tmp_path, suffix):
    path = cell_sequences_file(tmp_path / f"cells.{suffix}")
    exp, splits = load({**CELLS, "path": str(path), "scale": None})
    frame = cell_sequences()
    lengths = frame["signal"].map(len)
    assert (splits.info["lengths"]["min"], splits.info["lengths"]["max"]) == \
        (lengths.min(), lengths.max())
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                str(path))
    assert new.index_name == "id" and new.index[:2] == ["r0", "r1"]
    real = new.x[0, :lengths[0], 0]  # unscaled: the numbers of the first cell
    np.testing.assert_allclose(real, frame["signal"][0], atol=1e-3)
    assert np.all(new.x[0, lengths[0]:] == MASK_VALUE)


@pytest.mark.parametrize("cell, names", [
    ("0.1 0.2 x 0.4", "holds '0.1 0.2 x 0.4' in 'signal'"),
    ("", "holds an empty cell in 'signal'"),
    ("[0.1, nan, 0.3]", "finite numbers"),
])
def test_a_cell_that_is_no_sequence_of_numbers_is_named_by_row_and_column(tmp_path, cell,
                                                                          names):
    path = cell_sequences_file(tmp_path / "cells.csv")
    frame = pd.read_csv(path)
    frame.loc[6, "signal"] = cell
    frame.to_csv(path, index=False)
    with pytest.raises(UserError, match=re.escape(names)) as caught:
        load({**CELLS, "path": str(path)})
    assert "Row 7 of" in str(caught.value)


def test_the_cells_of_a_row_hold_one_step_of_every_feature(tmp_path):
    frame = cell_sequences(n=20)
    frame["signal"] = [" ".join(map(str, cell)) for cell in frame["signal"]]
    frame["other"] = frame["signal"]
    frame.loc[3, "other"] = "1 2 3"
    frame.to_csv(tmp_path / "two.csv", index=False)
    with pytest.raises(UserError, match=r"Row 4 of .*\[\d+, 3\] numbers in \['signal', "
                                        r"'other'\]"):
        load({**CELLS, "path": str(tmp_path / "two.csv"), "value_columns": ["signal", "other"]})


STEPS = {"name": "file_sequences", "layout": "long", "id_column": "session",
         "time_column": "t", "value_columns": ["x", "y"], "label_column": "state",
         "target": "steps", "scale": "standard"}


def test_labels_that_change_within_a_sequence_label_its_steps(tmp_path):
    from rnnbench.data.tasks import PADDED_LABEL
    path = tagged_long_csv(tmp_path / "tags.csv")
    # (the default max_length, the longest training sequence, may cut a longer test one)
    exp, splits = load({**STEPS, "path": str(path), "max_length": 60})
    assert exp.data.task == "sequence_label" and splits.spec.num_classes == 2
    frame = pd.read_csv(path)
    lengths = frame.groupby("session").size()
    assert splits.train.y.shape == splits.train.x.shape[:2]
    real = splits.train.y != PADDED_LABEL  # exactly the steps the inputs do not pad
    np.testing.assert_array_equal(real, ~np.all(splits.train.x == MASK_VALUE, axis=-1))
    total = sum(int(r.sum()) for r in (getattr(splits, p).y != PADDED_LABEL
                                       for p in ("train", "val", "test")))
    assert total == len(frame) == lengths.sum()
    # s0's labels in time order, as the file holds them shuffled
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                str(path))
    s0 = frame[frame.session == "s0"].sort_values("t")["state"]
    assert new.extra["state"][new.index.index("s0")] == " ".join(s0)


def step_arrays(path, n=60, steps=12, seed=0):
    """x (n, steps, 1) following a flipping 0/1 state, y the state; every third sample
    shorter, its last 4 steps NaN padding labelled 9 (a value no real step has)."""
    rng = np.random.default_rng(seed)
    y = np.cumsum(rng.random((n, steps)) < 0.2, axis=1) % 2
    x = (y + rng.normal(0, 0.3, (n, steps)))[..., None]
    x[::3, -4:] = np.nan
    y[::3, -4:] = 9
    np.savez(path, x=x, y=y)
    return x, y


def test_arrays_with_a_class_at_every_step_label_their_real_steps(tmp_path):
    from rnnbench.data.tasks import PADDED_LABEL
    x, y = step_arrays(tmp_path / "steps.npz")
    exp, splits = load({"name": "file_arrays", "path": str(tmp_path / "steps.npz"),
                        "target": "steps", "scale": "standard"})
    assert exp.data.task == "sequence_label"
    assert splits.preprocessing["outputs"]["label_names"] == ["0", "1"]  # not the padding's 9
    for part in ("train", "val", "test"):
        got = getattr(splits, part)
        np.testing.assert_array_equal(got.y == PADDED_LABEL,
                                      np.all(got.x == MASK_VALUE, axis=-1))
    new = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                tmp_path / "steps.npz")
    assert new.extra["actual"][0] == " ".join(map(str, y[0, :-4]))  # real steps only
    assert new.extra["actual"][1] == " ".join(map(str, y[1]))
    np.savez(tmp_path / "short.npz", x=x, y=y[:, :5])
    with pytest.raises(UserError, match=r"label at every step.*\(60, 12\).*\(60, 5\)"):
        load({"name": "file_arrays", "path": str(tmp_path / "short.npz"), "target": "steps"})


def test_a_step_score_leaves_the_padded_steps_out():
    from rnnbench.data.tasks import PADDED_LABEL, SequenceLabel
    labels = np.array([[0, 1, PADDED_LABEL], [1, PADDED_LABEL, PADDED_LABEL]])
    probs = np.zeros((2, 3, 2))
    probs[..., 0] = 1.0  # always class 0: right on 1 of the 3 real steps, wrong on padding
    assert SequenceLabel().score(labels, probs)["accuracy"] == pytest.approx(1 / 3)


def test_step_labels_need_the_long_layout(tmp_path):
    path = tagged_long_csv(tmp_path / "tags.csv")
    with pytest.raises(UserError, match=r"data.layout: long.*target: steps"):
        load({**STEPS, "path": str(path), "layout": "wide", "id_column": None,
              "time_column": None})


FILES = {"name": "file_sequences", "layout": "files", "time_column": "t",
         "value_columns": ["ax", "ay"], "scale": None}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_folder_of_a_sequence_a_table_loads_each_file_in_time_order(tmp_path, suffix):
    root = sequence_folder(tmp_path / "moves", per_class=6, suffix=suffix)
    exp, splits = load({**FILES, "path": str(root)})
    assert splits.spec.num_classes == 2 and splits.info["sequences"] == 12
    assert len(splits.info["files"]) == 12
    dataset = config_lib.dataset_of(exp)
    new = dataset.new_inputs(dict(exp.data.params), splits.preprocessing, str(root))
    assert new.index_name == "file" and new.index[0] == f"run/000.{suffix}"
    assert list(new.extra["label"][:1]) == ["run"]  # the subfolder, shown as `actual`
    first = pd.read_parquet(root / "run" / f"000.{suffix}") if suffix == "parquet" else \
        pd.read_csv(root / "run" / f"000.{suffix}")
    ordered = first.sort_values("t")
    np.testing.assert_allclose(new.x[0, :len(first), 0], ordered["ax"], atol=1e-6)
    flat = tmp_path / "new"  # new data needs no class subfolders
    flat.mkdir()
    (root / "walk" / f"001.{suffix}").rename(flat / f"x.{suffix}")
    new = dataset.new_inputs(dict(exp.data.params), splits.preprocessing, str(flat))
    assert new.index == [f"x.{suffix}"] and "label" not in new.extra


def test_a_folder_of_tables_names_the_file_of_a_bad_cell_and_needs_classes(tmp_path):
    root = sequence_folder(tmp_path / "moves", per_class=3)
    bad = root / "walk" / "002.csv"
    frame = pd.read_csv(bad)
    frame.loc[4, "ay"] = np.nan
    frame.to_csv(bad, index=False)
    with pytest.raises(UserError, match=r"Column 'ay' of '.*walk/002.csv' has an empty, "
                                        r"NaN or inf cell in row 5\."):  # the file's row
        load({**FILES, "path": str(root)})
    with pytest.raises(UserError, match="subfolder per class"):
        load({**FILES, "path": str(root / "walk")})
    with pytest.raises(UserError, match=r"data.target.*layout: files"):
        load({**FILES, "path": str(root), "target": "values"})


# ------------------------------------------------------------------ paths

def test_a_relative_path_is_read_against_the_yaml_that_names_it(files, tmp_path, monkeypatch):
    folder = tmp_path / "project" / "experiments"
    folder.mkdir(parents=True)
    price_csv(folder / "mine.csv", n=60)
    (folder / "mine.yaml").write_text(
        "data: {name: file_series, path: mine.csv, targets: close, window: 3}\n"
        "model: {layers: [{cell: gru, units: 2}]}\n")
    monkeypatch.chdir(tmp_path)
    exp = config_lib.load_experiment(str(folder / "mine.yaml"))
    assert exp.data.params["path"] == str(folder / "mine.csv")
    # --set: against the working directory; $RNNBENCH_DATA: when not found there.
    price_csv(tmp_path / "other.csv", n=60)
    exp = config_lib.load_experiment(str(folder / "mine.yaml"), ["data.path=other.csv"])
    assert exp.data.params["path"] == str(tmp_path / "other.csv")
    (folder / "far.yaml").write_text(
        (folder / "mine.yaml").read_text().replace("mine.csv", "elsewhere.csv"))
    data_root = tmp_path / "data"
    data_root.mkdir()
    price_csv(data_root / "elsewhere.csv", n=60)
    monkeypatch.setenv("RNNBENCH_DATA", str(data_root))
    exp = config_lib.load_experiment(str(folder / "far.yaml"))
    assert exp.data.params["path"] == str(data_root / "elsewhere.csv")


def test_reproduce_sees_a_changed_or_missing_data_file(files, tmp_path):
    path = price_csv(tmp_path / "p.csv", n=40)
    _, splits = load({"name": "file_series", "path": str(path), "targets": "close",
                      "window": 3})
    manifest = {"data": {"files": splits.info["files"]}}
    assert reproduce.data_changes(manifest) == []
    with open(path, "a") as f:
        f.write("2030-01-01,1,1,1,1,1\n")
    with pytest.raises(UserError, match="changed since it ran.*--allow-data-change"):
        reproduce.check_data(manifest, "run X", allow=False)
    assert "changed" in reproduce.check_data(manifest, "run X", allow=True)[0]
    os.remove(path)
    assert "is gone" in reproduce.data_changes(manifest)[0]


# ------------------------------------------------------------------ bad files

def _prices(tmp_path, edit=None, n=60, name="p.csv"):
    frame = pd.read_csv(price_csv(tmp_path / name, n=n, shuffle=False))
    if edit:
        frame = edit(frame)
    frame.to_csv(tmp_path / name, index=False)
    return tmp_path / name


def _cell(frame, column, row, value):
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return frame


def _series(path, **data):
    return {"name": "file_series", "path": str(path), "time_column": "date",
            "targets": "close", "window": 5, **data}


def _text(path, **data):
    return {"name": "file_text", "path": str(path), "text_column": "review",
            "label_column": "sentiment", "seq_len": 5, **data}


def _ragged_npz(path):
    """Sequences of 3 to 40 steps as an object array, as np.savez pickles them."""
    rng = np.random.default_rng(0)
    np.savez(path, x=np.array([rng.normal(size=n) for n in range(3, 41)], dtype=object),
             y=rng.integers(0, 2, size=38))
    return path


def _write(path, content):
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _per_step_labels_npz(path):
    x = np.random.default_rng(0).normal(size=(40, 6, 1)).astype("float32")
    np.savez(path, x=x, y=(x[..., 0] > 0).astype("int64"))
    return path


BAD_FILES = {
    "missing file": (lambda t: _series(t / "nope.csv"), "does not exist"),
    "a folder, not a file": (lambda t: _series(t), "to name a file"),
    "empty file": (lambda t: _series(_write(t / "e.csv", "")), "empty file"),
    "not a Parquet file": (lambda t: _series(_write(t / "p.parquet", "date,close\n1,2\n")),
                           r"Could not read '.*p.parquet' \(`data.path`\): Parquet magic bytes"),
    "not a NumPy file": (lambda t: {"name": "file_arrays", "path": str(
        _write(t / "a.npz", "x,y\n1,2\n"))}, r"'.*a.npz' \(`data.path`\) as NumPy arrays: "
                                                r"it is not a .npy or .npz file"),
    "sequences of different lengths": (lambda t: {"name": "file_arrays", "path": str(
        _ragged_npz(t / "r.npz"))}, r"object arrays, .* are refused: sequences of different "
                                    r"lengths can be padded .*pad_sequences"),
    "a class label per time step": (lambda t: {"name": "file_arrays", "path": str(
        _per_step_labels_npz(t / "s.npz"))}, r"one class label per sample .* int64 labels of "
                                             r"shape \(40, 6\), 6 per sample; a class at "
                                             r"every step is `data.target: steps`.* "
                                             r"`data.target: values`"),
    "a constant target": (lambda t: _series(_prices(t, lambda f: f.assign(close=5.0))),
                          r"Expected target 'close' to vary over its training rows\. Received: "
                          r"the same value in every one: there is nothing to forecast"),
    "header only": (lambda t: _series(_write(t / "h.csv", "date,close\n")), "no rows"),
    "not UTF-8 text": (lambda t: {"name": "file_corpus", "path": str(
        _write(t / "l.txt", "caf\xe9 ".encode("latin-1") * 400))}, "UTF-8"),
    "not UTF-8 table": (lambda t: _text(_write(
        t / "l.csv", ("review,sentiment\n" + "caf\xe9 au lait,pos\nbad,neg\n" * 30
                      ).encode("latin-1"))), "UTF-8"),
    "missing column": (lambda t: _series(_prices(t), targets="Close"),
                       "did you mean 'close'"),
    "non-numeric cell": (lambda t: _series(_prices(t, lambda f: _cell(f, "close", 7, "n/a?"))),
                         r"'n/a\?' in row 8"),
    "NaN without a policy": (lambda t: _series(_prices(t, lambda f: _cell(f, "close", 3, ""))),
                             "missing value .* row 4"),
    "inf": (lambda t: _series(_prices(t, lambda f: _cell(f, "close", 3, "inf"))),
            "infinite value"),
    "too few rows": (lambda t: _series(_prices(t, n=12), window=10), "needs at least 14 rows"),
    "one class": (lambda t: _text(_write(t / "o.csv", "review,sentiment\n" +
                                         "good film,pos\n" * 40)), "at least 2 classes"),
    "duplicate timestamps": (lambda t: _series(_prices(
        t, lambda f: pd.concat([f, f.iloc[[5]]]))), "repeats the timestamp '2020-01-06'"),
    "unparseable timestamps": (lambda t: _series(_prices(
        t, lambda f: _cell(f, "date", 9, "someday"))), "'someday' in row 10"),
    "empty text column": (lambda t: _text(_write(t / "x.csv", "review,sentiment\n" +
                                                 ",pos\n,neg\n" * 20)), "every row empty"),
    "continuous label": (lambda t: _text(_write(t / "c.csv", "review,sentiment\n" + "".join(
        f"text number {i},{i * 0.37:.2f}\n" for i in range(80)))), "continuous"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_exits_2_with_one_paragraph_and_writes_nothing(case, tmp_path, capsys):
    make, match = BAD_FILES[case]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    raw = {"name": "bad", "data": make(data_dir),
           "model": {"layers": [{"cell": "gru", "units": 2}]}, "train": {"epochs": 1}}
    (tmp_path / "bad.yaml").write_text(json.dumps(raw))
    results = tmp_path / "results"
    code = main(["run", str(tmp_path / "bad.yaml"), "--results-dir", str(results)])
    err = capsys.readouterr().err
    assert code == 2, err
    message = " ".join(err.split())
    assert "Traceback" not in err and "\n\n" not in err.strip()
    assert re.search(match, message), message
    assert not results.exists() or not any(results.rglob("manifest.json"))


# ------------------------------------------------------------------ training

@pytest.mark.slow
@pytest.mark.parametrize("name", FILE_DATASETS)
def test_a_file_dataset_trains_and_scores_its_baseline(files, name, tmp_path):
    from rnnbench.runs import training
    exp = experiment(base(files, name))
    result = training.run(exp, results_dir=tmp_path, verbose=0)
    assert any(k.startswith("baseline_test_") for k in result.metrics)
    assert result.manifest["data"]["files"][0]["sha256"]
    training.release_memory()


def test_a_table_too_large_for_the_memory_left_is_refused_before_reading(files, monkeypatch):
    from rnnbench.data.own import reading
    monkeypatch.setattr(reading, "available_memory", lambda: 1_000)
    with pytest.raises(UserError, match=r"too large for this machine: about 30\d rows x 2 "
                                        r"columns needs about .* GiB"):
        load(base(files, "file_series"))


@pytest.mark.parametrize("name, level", [("file_text", "word"), ("file_text", "char"),
                                         ("file_corpus", "char"), ("file_corpus", "word")])
def test_a_text_too_large_for_the_memory_left_is_refused_before_reading(files, monkeypatch,
                                                                        name, level):
    from rnnbench.data.own import reading

    def unread(*args, **kwargs):
        raise AssertionError("read before the memory check")

    monkeypatch.setattr(reading, "available_memory", lambda: 1_000)
    monkeypatch.setattr(reading, "read_table", unread)
    monkeypatch.setattr(reading, "read_text", unread)
    factor = reading.TEXT_LOAD_FACTOR[level]
    with pytest.raises(UserError, match=rf"too large for this machine: its .* MiB of text "
                                        rf"needs about .* GiB while loading \({factor}x its "
                                        rf"size at `data.level: {level}`"):
        load(base(files, name, level=level))


@pytest.mark.parametrize("form", ["npz", "npy"])
def test_arrays_too_large_for_the_memory_left_are_refused_before_reading(tmp_path, monkeypatch,
                                                                         form):
    from rnnbench.data.own import arrays, reading
    x, y = np.zeros((40, 6, 2), np.float32), np.arange(40) % 2
    if form == "npz":
        np.savez(tmp_path / "a.npz", x=x, y=y)
        data = {"name": "file_arrays", "path": str(tmp_path / "a.npz")}
    else:
        np.save(tmp_path / "x.npy", x)
        np.save(tmp_path / "y.npy", y)
        data = {"name": "file_arrays", "path": str(tmp_path / "x.npy"),
                "y_path": str(tmp_path / "y.npy")}
    monkeypatch.setattr(reading, "available_memory", lambda: 1_000)
    monkeypatch.setattr(arrays, "_load", None)  # reading the arrays would fail the test
    size = x.nbytes + y.nbytes
    with pytest.raises(UserError, match=rf"too large for this machine: its {size / 2**20:.1f} "
                                        rf"MiB of arrays need about .* GiB while loading "
                                        rf"\({arrays.LOAD_FACTOR}x their stored size\)"):
        load({**data, "name": "file_arrays"})


def test_a_sequence_table_too_large_for_the_memory_left_is_refused_before_reading(
        files, monkeypatch):
    from rnnbench.data.own import reading, tables

    def unread(*args, **kwargs):
        raise AssertionError("read before the memory check")

    monkeypatch.setattr(reading, "available_memory", lambda: 1_000)
    monkeypatch.setattr(reading, "read_table", unread)
    with pytest.raises(UserError, match=rf"too large for this machine: about \d+ rows x \d+ "
                                        rf"columns needs about .* GiB while loading "
                                        rf"\({tables.LOAD_FACTOR}x the float32 size of the "
                                        rf"columns read\)"):
        load(base(files, "file_sequences"))


def test_an_unreadable_file_exits_2_naming_it_and_writes_nothing(tmp_path, monkeypatch, capsys):
    # Tests may run as root, who reads any file: the permission check is what is patched.
    path = _prices(tmp_path)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if str(p) == str(path)
                        else real_access(p, mode, *a, **k))
    raw = {"name": "bad", "data": _series(path),
           "model": {"layers": [{"cell": "gru", "units": 2}]}, "train": {"epochs": 1}}
    (tmp_path / "bad.yaml").write_text(json.dumps(raw))
    results = tmp_path / "results"
    assert main(["run", str(tmp_path / "bad.yaml"), "--results-dir", str(results)]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert f"Could not read {str(path)!r} (`data.path`): permission denied." in message
    assert not results.exists()


def _end_padded(path, n=40, steps=12, seed=0):
    """x (n, steps, 2) whose samples end in NaN steps (lengths 4 to steps), labels a/b."""
    rng = np.random.default_rng(seed)
    x = np.full((n, steps, 2), np.nan)
    lengths = rng.integers(4, steps + 1, n)
    for i, length in enumerate(lengths):
        x[i, :length] = rng.normal(size=(length, 2)) * [1, 10] + [0, 100] + i % 2
    np.savez(path, x=x, y=np.where(np.arange(n) % 2, "b", "a"))
    return x, lengths


def test_arrays_end_padded_with_nan_steps_are_masked_and_scaled_on_real_steps(tmp_path):
    x, lengths = _end_padded(tmp_path / "varlen.npz")
    exp, splits = load({"name": "file_arrays", "path": str(tmp_path / "varlen.npz"),
                        "scale": "standard"})
    assert (splits.spec.mask, splits.spec.mask_value) == ("value", MASK_VALUE)
    assert splits.preprocessing["inputs"]["mask_value"] == MASK_VALUE
    every = np.concatenate([splits.train.x, splits.val.x, splits.test.x])
    padded = np.all(every == MASK_VALUE, axis=-1)
    assert sorted(padded.sum(axis=1)) == sorted(12 - lengths)  # exactly the NaN steps
    real = splits.train.x[~np.all(splits.train.x == MASK_VALUE, axis=-1)]
    np.testing.assert_allclose(real.mean(axis=0), 0, atol=1e-5)  # fitted on real steps
    np.testing.assert_allclose(real.std(axis=0), 1, atol=1e-4)


@pytest.mark.parametrize("where, step", [("middle", 2), ("one feature", None)])
def test_arrays_with_nan_that_is_no_end_padding_are_refused_naming_it(tmp_path, where, step):
    x, _ = _end_padded(tmp_path / "varlen.npz")
    if step is None:
        x[3, 1, 0] = np.nan  # one feature of a real step
    else:
        x[3, step] = np.nan  # a whole step, with real steps after it
    np.savez(tmp_path / "bad.npz", x=x, y=np.where(np.arange(len(x)) % 2, "b", "a"))
    with pytest.raises(UserError, match=r"hold NaN or inf, e.g. at sample 3, step "
                                        rf"{step if step is not None else 1}, feature 0\. "
                                        r".*NaN only as whole steps at the end"):
        load({"name": "file_arrays", "path": str(tmp_path / "bad.npz")})


def test_check_of_arrays_shows_the_data_side_whatever_bytes_the_npz_holds(tmp_path, capsys):
    # Carriage returns and line feeds in the arrays' bytes: `check` sniffed the .npz as
    # a CSV to describe its separator and died with csv.Error's traceback.
    x = np.tile(np.array([13, 10, 34, 44, 13], np.uint8), (30, 2, 1)).transpose(0, 2, 1)
    x[::2] += 1
    np.savez(tmp_path / "bytes.npz", x=x, y=np.arange(30) % 2)
    path = tmp_path / "bytes.yaml"
    path.write_text(f"data: {{name: file_arrays, path: {tmp_path / 'bytes.npz'}}}\n"
                    "model: {layers: [{cell: gru, units: 2}]}\n")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "samples per split: train" in out and "bytes.npz (" in out


def test_check_names_a_class_too_rare_to_reach_the_test_split(tmp_path, capsys):
    # Two rows of `meh`: both train, and the test accuracy says nothing about `meh`.
    rows = [{"text": f"good film {i}", "label": "pos"} for i in range(30)]
    rows += [{"text": f"bad film {i}", "label": "neg"} for i in range(30)]
    rows += [{"text": "so so film", "label": "meh"}, {"text": "so so", "label": "meh"}]
    pd.DataFrame(rows).to_csv(tmp_path / "rare.csv", index=False)
    path = tmp_path / "rare.yaml"
    path.write_text(f"data: {{name: file_text, path: {tmp_path / 'rare.csv'}}}\n"
                    "model: {layers: [{cell: gru, units: 2}]}\n")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no test sample of class meh (too few rows to stratify)" in out
    assert "no test sample of class pos" not in out
    # A few dozen rows plan far fewer than 200 steps: the run takes one a call, as check
    # now says (it showed auto's upper bound, 16).
    assert "steps_per_execution: 1 (auto" in out


def test_number_classes_of_texts_are_in_numeric_order(tmp_path):
    # Read as text, labels 1..12 were classes '1', '10', '11', '12', '2', ...
    from rnnbench.config import experiment as config_lib
    from rnnbench.data import cache
    frame = pd.DataFrame({"text": [f"film number {i}" for i in range(120)],
                          "stars": np.arange(120) % 12 + 1})
    frame.to_csv(tmp_path / "stars.csv", index=False)
    exp = config_lib.validate({
        "name": "stars", "data": {"name": "file_text", "path": str(tmp_path / "stars.csv"),
                                  "label_column": "stars"},
        "model": {"layers": [{"cell": "gru", "units": 2}]}}, source="<test>")
    splits = cache.load(exp)
    names = splits.info["class_names"]
    assert names == [str(k) for k in range(1, 13)]
    rows = splits.test_labels().index  # each test sample's row of the file, from 1
    assert [names[k] for k in splits.test.y.ravel()] == \
        [str(frame["stars"][r - 1]) for r in rows]


def test_whole_numbers_written_yyyymmdd_are_dates(tmp_path):
    # 20230131 then 20230201: read as numbers, the step looked 70 long (a "gap") and the
    # forecasts were labelled 20230201.0; as dates every step is one day.
    from rnnbench.data.own import inspect as inspecting
    days = pd.date_range("2023-01-01", periods=120, freq="D")
    frame = pd.DataFrame({"Date": days.strftime("%Y%m%d").astype(int),
                          "close": np.round(100 + np.sin(np.arange(120) / 5), 3)})
    frame.to_csv(tmp_path / "compact.csv", index=False)
    found = inspecting.inspect(str(tmp_path / "compact.csv"))
    assert (found.time_column, found.column("Date").kind) == ("Date", "time")
    exp, splits = load({"name": "file_series", "path": str(tmp_path / "compact.csv"),
                        "time_column": "Date", "targets": "close", "window": 5})
    assert splits.info["periods"]["train"][0] == "2023-01-06"
    from rnnbench.data.own.series_file import FileSeries
    rows = FileSeries().read(FileSeries().with_defaults(exp.data.params),
                             tmp_path / "compact.csv")
    assert set(np.diff(rows.time)) == {86_400 * 10**9}  # one day, every step


def test_a_time_column_read_as_numbers_stays_numbers_in_its_later_chunks():
    # A chunk of values that happen to look like yyyymmdd dates after a first chunk of
    # plain numbers: one column, one unit (nanoseconds mixed with numbers sorted wrong).
    import pyarrow as pa

    from rnnbench.data.own.series_file import TimeReader
    reader = TimeReader("t", "file.csv")
    first = reader(pa.array([1, 2, 3], pa.int64()), 0)
    later = reader(pa.array([20230101, 20230102], pa.int64()), 3)
    assert first.tolist() == [1.0, 2.0, 3.0] and later.tolist() == [20230101.0, 20230102.0]


def test_a_corpus_baseline_gives_words_unseen_in_training_some_mass(tmp_path):
    """A test part of words the training part never saw (the OOV id) scored the unigram
    baseline at -log(1e-7) a token (perplexity ~2e6 on 50,000 words), which an untrained
    model 'beat'; add-one smoothing keeps it near a guess over the vocabulary."""
    rng = np.random.default_rng(0)
    (tmp_path / "words.txt").write_text(" ".join(f"w{rng.integers(0, 3000)}"
                                                 for _ in range(4000)))
    _, splits = load({"name": "file_corpus", "path": str(tmp_path / "words.txt"),
                      "level": "word", "max_vocab": 3002, "seq_len": 10})
    assert np.mean(splits.test.y == 1) > 0.2  # many test words are out of vocabulary
    scores = TASKS.get("language_model")().score(splits.test.y,
                                                 splits.baseline_predict(splits.test.x))
    assert np.isfinite(scores["perplexity"]) and scores["perplexity"] < 2 * 3002, scores


def _series_inputs(tmp_path, frame, new=None, **data):
    """`(splits, NewInputs)` of a `file_series` run on `frame`, predicting on `new`."""
    frame.to_csv(tmp_path / "series.csv", index=False)
    (new if new is not None else frame).to_csv(tmp_path / "new.csv", index=False)
    exp, splits = load({"name": "file_series", "path": str(tmp_path / "series.csv"),
                        "targets": "value", "window": 4, **data})
    found = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                  str(tmp_path / "new.csv"))
    return splits, found


@pytest.mark.parametrize("written, freq, end, after", [
    ("%Y-%m", "MS", "2021-02-01", "2021-03-01"),     # 2021-02, then the next month's 1st
    ("%d/%m/%Y", "ME", "2021-08-31", "2021-09-30"),  # month ends: 31 Aug, then 30 Sep
    ("%Y-%m-%d", "QS", "2021-01-01", "2021-04-01"),  # quarters of 90 to 92 days
])
def test_the_forecast_past_the_end_is_one_calendar_step_later(tmp_path, written, freq, end,
                                                              after):
    """Months and quarters differ in days: a median day count landed days off."""
    times = pd.date_range(end=end, periods=60, freq=freq)
    frame = pd.DataFrame({"when": times.strftime(written),
                          "value": np.sin(np.arange(60) / 2).round(3)})
    _, found = _series_inputs(tmp_path, frame, time_column="when")
    assert found.index[-1] == after


def test_interpolation_is_linear_in_time_and_actual_is_the_files_value(tmp_path):
    """A gap between 10 (day 0) and 40 (day 3), a missing day between: 20 on day 1."""
    days = pd.to_datetime(["2022-01-01", "2022-01-02", "2022-01-04"])
    times = pd.date_range("2021-10-01", periods=60).append(days).append(
        pd.date_range("2022-01-05", periods=10))
    values = np.sin(np.arange(len(times)) / 3).round(3)
    values[60:63] = [10.0, np.nan, 40.0]
    values[-1] = np.nan
    frame = pd.DataFrame({"date": times.strftime("%Y-%m-%d"), "value": values})
    _, found = _series_inputs(tmp_path, frame, time_column="date", missing="interpolate")
    x = pd.Series(found.extra["actual"]["actual"], index=found.index)
    assert np.isnan(x["2022-01-02"]) and np.isnan(x["2022-01-14"])  # empty in the file
    assert x["2022-01-01"] == 10.0 and x["2022-01-04"] == 40.0
    from rnnbench.data.own.series_file import fill_missing
    table = values[:, None].astype(np.float32)
    filled, keep, bad = fill_missing(table, ["value"], None, None, "interpolate", "f.csv",
                                     times.to_numpy("datetime64[ns]").astype(np.int64))
    assert keep is None and bad[61, 0] and bad[-1, 0] and bad.sum() == 2
    assert filled[61, 0] == pytest.approx(20.0) and filled[-1, 0] == filled[-2, 0]


def test_monthly_dates_on_the_first_written_day_first_are_read_so_in_training_and_new_data(
        tmp_path):
    """`01/02/2004` is 1 February here: read month first, the months were January's
    days 1 to 12 with a jump a year. New data of twelve such rows reads both ways
    evenly (days 1 to 12 of one January); it takes the run's reading."""
    times = pd.date_range("2004-01-01", periods=204, freq="MS")
    frame = pd.DataFrame({"date": times.strftime("%d/%m/%Y"),
                          "value": np.sin(np.arange(204) / 2).round(3)})
    splits, found = _series_inputs(tmp_path, frame.iloc[:192], new=frame.iloc[192:],
                                   time_column="date")
    assert splits.preprocessing["inputs"]["dates"] == "day first"
    assert found.index == ["2020-05-01", "2020-06-01", "2020-07-01", "2020-08-01",
                           "2020-09-01", "2020-10-01", "2020-11-01", "2020-12-01",
                           "2021-01-01"]


def test_a_panels_periods_span_every_series(tmp_path):
    """Store b starts 30 days after store a: each part's dates run over both."""
    days_a, days_b = pd.date_range("2023-01-01", periods=100), \
        pd.date_range("2023-01-31", periods=100)
    frame = pd.DataFrame({"store": ["a"] * 100 + ["b"] * 100,
                          "date": days_a.append(days_b).strftime("%Y-%m-%d"),
                          "value": np.sin(np.arange(200) / 3).round(3)})
    splits, _ = _series_inputs(tmp_path, frame, time_column="date", id_column="store")
    a_alone, _ = _series_inputs(tmp_path, frame[frame.store == "a"], time_column="date")
    b_alone, _ = _series_inputs(tmp_path, frame[frame.store == "b"], time_column="date")
    periods = splits.info["periods"]
    for part in ("train", "val", "test"):
        assert periods[part] == [a_alone.info["periods"][part][0],
                                 b_alone.info["periods"][part][1]]
