"""Every built-in dataset records what it fitted, and `new_inputs` applies it exactly.

The round trips feed the raw data of a dataset's own test split through
`new_inputs` with the recorded preprocessing (as JSON, as a run folder holds
it) and get the test split's model inputs back: the record is complete.
"""

import csv
import json

import numpy as np
import pandas as pd
import pytest

from rnnbench.config.registry import DATASETS
from rnnbench.data import text as text_data
from rnnbench.data import ucr

from helpers import dataset_params

SPLIT = {"val": 0.15, "test": 0.15}
SMALL = {"train_size": 32, "val_size": 8, "test_size": 8}

# name -> (params, scale); None: the dataset takes no split or scale.
CASES = {
    "sunspots": ({"window": 20, "horizon": 1}, "minmax"),
    "co2": ({"window": 52}, "standard"),
    "airline": ({"window": 12, "horizon": 3}, "minmax"),
    "sine": ({"length": 300, "window": 10}, None),
    "mackey_glass": ({"length": 300, "window": 10}, "standard"),
    "gunpoint": ({}, "standard"),
    "italy_power_demand": ({}, "minmax"),
    "japanese_vowels": ({}, "standard"),
    "mnist1d": ({}, "standard"),
    "sentiment": ({"max_tokens": 200, "seq_len": 10}, None),
    "news_chars": ({"max_chars": 20000, "seq_len": 20, "stride": 20}, None),
    "polyphonic": ({}, None),
    "adding": ({"seq_len": 10, **SMALL}, None),
    "copy_memory": ({"delay": 6, "length": 3, **SMALL}, None),
    "bench": ({"seq_len": 5, "size": 16}, None),
}
TAKES_NO_SPLIT = ("gunpoint", "italy_power_demand", "japanese_vowels", "mnist1d",
                  "polyphonic", "adding", "copy_memory", "bench")


def load(name):
    params, scale = CASES[name]
    dataset = DATASETS.get(name)()
    params = dataset_params(name, params)
    split = None if name in TAKES_NO_SPLIT else SPLIT
    splits = dataset.load(params, split, scale if dataset.takes_scale else None, 0)
    # As a run folder holds it: through JSON and back.
    return dataset, params, splits, json.loads(json.dumps(splits.preprocessing))


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_dataset_records_its_preprocessing(name):
    _, _, splits, record = load(name)
    assert record == splits.preprocessing  # JSON-able as it is
    assert record["inputs"]["kind"] in ("series", "arrays", "text", "characters")
    assert record["outputs"]["kind"] in ("values", "classes", "tokens", "multilabel")
    if record["outputs"]["kind"] == "classes":
        assert len(record["outputs"]["label_names"]) == splits.spec.num_classes


@pytest.mark.parametrize("name,suffix", [("sunspots", ".csv"), ("sunspots", ".parquet"),
                                         ("airline", ".tsv"), ("mackey_glass", ".csv")])
def test_a_series_file_gives_the_test_windows_back(name, suffix, tmp_path):
    dataset, params, splits, record = load(name)
    raw = dataset.raw_series() if name != "mackey_glass" else dataset.raw_series(params)
    window = params["window"]
    first = splits.info["target_index"]["test"][0] - window
    part = raw.iloc[first:]
    time_column = record["inputs"]["time_column"]
    frame = pd.DataFrame({time_column: list(part.index),
                          record["inputs"]["columns"][0]: part.to_numpy()})
    path = tmp_path / f"new{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    found = dataset.new_inputs(params, record, path)
    n = len(splits.test)
    np.testing.assert_allclose(found.x[:n], splits.test.x, rtol=1e-6, atol=1e-6)
    expected_index = dataset.split_index(params, splits, "test")
    assert [str(v) for v in found.index[:n]] == [str(v) for v in expected_index]
    # The last window forecasts past the file: its label continues the file's step.
    assert found.index[-1] == {"sunspots": 2009, "airline": "1961-01",
                               "mackey_glass": len(raw)}[name]


@pytest.mark.parametrize("name", ["italy_power_demand", "japanese_vowels"])
def test_raw_ucr_series_give_the_test_inputs_back(name, tmp_path):
    dataset, params, splits, record = load(name)
    _, parts = ucr.archive(dataset.problem, name)
    series, labels = parts["test"]
    longest = max(len(s) for s in series)
    x = np.full((len(series), longest, dataset.channels), np.nan)
    for i, s in enumerate(series):
        x[i, :len(s)] = s
    np.savez(tmp_path / "new.npz", x=x, y=np.array(labels))
    found = dataset.new_inputs(params, record, tmp_path / "new.npz")
    np.testing.assert_allclose(found.x, splits.test.x[:, :longest], rtol=1e-6, atol=1e-6)
    names = record["outputs"]["label_names"]
    assert found.extra["actual"] == [names[i] for i in splits.test.y]


def test_raw_mnist1d_signals_give_the_test_inputs_back(tmp_path):
    from rnnbench.data.digits import mnist1d_arrays
    dataset, params, splits, record = load("mnist1d")
    _, _, x_test, y_test, _ = mnist1d_arrays()
    np.savez(tmp_path / "new.npz", x=x_test, y=y_test)
    found = dataset.new_inputs(params, record, tmp_path / "new.npz")
    np.testing.assert_allclose(found.x, splits.test.x, rtol=1e-6, atol=1e-6)
    assert found.extra["actual"] == [str(v) for v in y_test]


def test_test_tweets_give_the_test_token_ids_back(tmp_path):
    dataset, params, splits, record = load("sentiment")
    texts, labels, names, _, _ = text_data.documents("sentiment")
    index = text_data.split_documents(labels, SPLIT, params["split_seed"])["test"]
    pd.DataFrame({"text": [texts[i] for i in index],
                  "label": [names[labels[i]] for i in index]}).to_csv(
        tmp_path / "new.csv", index=False, quoting=csv.QUOTE_ALL)  # tweets hold lone \r
    found = dataset.new_inputs(params, record, tmp_path / "new.csv")
    np.testing.assert_array_equal(found.x, splits.test.x)
    assert found.extra["label"] == [names[y] for y in splits.test.y]


@pytest.mark.parametrize("name", ["adding", "copy_memory", "polyphonic", "bench"])
def test_arrays_pass_through_unchanged(name, tmp_path):
    dataset, params, splits, record = load(name)
    np.savez(tmp_path / "new.npz", x=splits.test.x)
    found = dataset.new_inputs(params, record, tmp_path / "new.npz")
    np.testing.assert_array_equal(found.x, splits.test.x)
