"""`rnnbench predict` and `rnnbench.load_run(...).predict` on tiny trained runs.

Each module fixture trains one tiny run (1 epoch) per task family; the tests
check that predictions come back in the original units, named as the run's
preprocessing.json says, and agree with what the run itself scored.
"""

import json

import numpy as np
import pandas as pd
import pytest

import rnnbench
from rnnbench.cli import main
from rnnbench.config import experiment as config_lib

from helpers import LogRecords, write_experiment, write_yaml

pytestmark = pytest.mark.slow

SINE = {"name": "sine_tiny", "seed": 1,
        "data": {"name": "sine", "task": "forecast", "window": 10, "horizon": 2,
                 "length": 200, "scale": "minmax"},
        "model": {"layers": [{"cell": "lstm", "units": 4}]},
        "train": {"epochs": 1, "batch_size": 32}}
ITALY = {"name": "italy_tiny", "seed": 1,
         "data": {"name": "italy_power_demand", "task": "classify", "scale": "standard"},
         "model": {"layers": [{"cell": "gru", "units": 4}]},
         "train": {"epochs": 1, "batch_size": 32}}
SENTIMENT = {"name": "sentiment_tiny", "seed": 1,
             "data": {"name": "sentiment", "task": "classify", "max_tokens": 300,
                      "seq_len": 12},
             "model": {"layers": [{"cell": "lstm", "units": 4}], "embedding": {"dim": 4}},
             "train": {"epochs": 1, "batch_size": 512}}
NEWS_CHARS = {"name": "chars_tiny", "seed": 1,
              "data": {"name": "news_chars", "task": "language_model", "seq_len": 20,
                       "stride": 20, "max_chars": 20000, "max_vocab": 40},
              "model": {"layers": [{"cell": "gru", "units": 8}], "embedding": {"dim": 4}},
              "train": {"epochs": 1, "batch_size": 64}}


def train(raw, root):
    exp = config_lib.validate(json.loads(json.dumps(raw)), source="<test>")
    return rnnbench.run(exp, results_dir=root, verbose=0)


@pytest.fixture(scope="module")
def sine(tmp_path_factory):
    return train(SINE, tmp_path_factory.mktemp("results"))


@pytest.fixture(scope="module")
def italy(tmp_path_factory):
    return train(ITALY, tmp_path_factory.mktemp("results"))


def test_a_run_writes_its_preprocessing(sine):
    record = json.loads((sine.run_dir / "preprocessing.json").read_text())
    assert (record["format"], record["version"]) == ("rnnbench.preprocessing", 1)
    assert record["inputs"]["window"] == 10 and record["inputs"]["horizon"] == 2
    assert record["inputs"]["scalers"]["value"] == sine.manifest["data"]["scaler"]
    assert record["outputs"]["scaler"] == sine.manifest["data"]["scaler"]


def test_test_split_predictions_are_in_original_units(sine):
    table = rnnbench.load_run(sine.run_dir).predict()
    assert list(table.columns) == ["t", "forecast_1", "forecast_2", "actual_1", "actual_2"]
    assert len(table) == sine.manifest["data"]["sizes"]["test"]
    # The first test window forecasts the first test target, labelled by its time.
    assert table["t"].iloc[0] == sine.manifest["data"]["target_index"]["test"][0]
    forecast = table[["forecast_1", "forecast_2"]].to_numpy()
    actual = table[["actual_1", "actual_2"]].to_numpy()
    mse = float(np.mean((forecast - actual) ** 2))
    assert mse == pytest.approx(sine.metrics["test_mse_original"], rel=1e-5)


def test_a_reloaded_test_split_is_checked_against_what_the_run_fitted(sine, tmp_path):
    import logging
    import shutil

    def warnings_of(run_dir):
        records = LogRecords()
        logger = logging.getLogger("rnnbench")
        logger.addHandler(records.handler)
        try:
            rnnbench.load_run(run_dir).predict()
        finally:
            logger.removeHandler(records.handler)
        return [m for m in records.messages if "differs from preprocessing.json" in m]

    assert warnings_of(sine.run_dir) == []
    changed = shutil.copytree(sine.run_dir, tmp_path / "changed")
    record = json.loads((changed / "preprocessing.json").read_text())
    record["inputs"]["window"] = 11
    (changed / "preprocessing.json").write_text(json.dumps(record))
    assert len(warnings_of(changed)) == 1


def test_new_series_file(sine, tmp_path):
    t = np.arange(40)
    values = np.sin(2 * np.pi * t / 50) * 3
    pd.DataFrame({"t": t + 1000, "value": values}).to_csv(tmp_path / "new.csv", index=False)
    run = rnnbench.load_run(sine.run_dir)
    table = run.predict(tmp_path / "new.csv")
    assert len(table) == 40 - 10 + 1
    assert table["t"].tolist() == list(range(1010, 1041))  # the last one extrapolated
    assert table["actual_1"].iloc[0] == pytest.approx(values[10])
    assert np.isnan(table["actual_1"].iloc[-1]) and np.isnan(table["actual_2"].iloc[-2])
    # The same numbers as the model on the windows scaled by hand.
    scaler = run.preprocessing["inputs"]["scalers"]["value"]
    lo, hi = scaler["data_min"], scaler["data_max"]
    windows = np.lib.stride_tricks.sliding_window_view((values - lo) / (hi - lo), 10)
    expected = run.model.predict(windows[:, :, None].astype("float32"), verbose=0)
    np.testing.assert_allclose(table["forecast_1"], expected[:, 0] * (hi - lo) + lo,
                               rtol=1e-5, atol=1e-5)


def test_a_new_series_file_in_a_spreadsheets_layout_predicts_the_same(sine, tmp_path):
    frame = pd.DataFrame({"t": np.arange(40) + 1000, "value": np.sin(np.arange(40) / 8) * 3})
    frame.to_csv(tmp_path / "new.csv", index=False)
    frame.to_csv(tmp_path / "semicolons.csv", sep=";", decimal=",", index=False)
    run = rnnbench.load_run(sine.run_dir)
    pd.testing.assert_frame_equal(run.predict(tmp_path / "semicolons.csv"),
                                  run.predict(tmp_path / "new.csv"))


def test_the_cli_writes_every_prediction(sine, tmp_path, capsys):
    assert main(["predict", str(sine.run_dir), "--out", str(tmp_path / "p.csv")]) == 0
    assert "predictions written to" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "p.csv")
    expected = rnnbench.load_run(sine.run_dir).predict()
    np.testing.assert_allclose(written["forecast_2"], expected["forecast_2"], rtol=1e-12)
    assert main(["predict", str(sine.run_dir)]) == 0
    shown = capsys.readouterr().out
    assert "forecast_1" in shown and "write them all with --out" in shown
    assert main(["predict", str(sine.run_dir), "--out", "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == ",".join(expected.columns)


def test_the_new_data_may_follow_the_run_folder_without_data(sine, tmp_path, capsys):
    """`rnnbench predict RUN_DIR FILE`, as a user first types it, is `--data FILE`."""
    frame = pd.DataFrame({"t": np.arange(40) + 1000, "value": np.sin(np.arange(40) / 8) * 3})
    frame.to_csv(tmp_path / "new.csv", index=False)
    new, run = str(tmp_path / "new.csv"), str(sine.run_dir)
    assert main(["predict", run, new, "--out", str(tmp_path / "a.csv")]) == 0
    assert main(["predict", run, "--data", new, "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    capsys.readouterr()
    assert main(["predict", run, new, "--data", new]) == 2
    assert "Expected the new data once" in capsys.readouterr().err


def test_classifier_names_its_labels(italy, tmp_path):
    run = rnnbench.load_run(italy.run_dir)
    names = run.preprocessing["outputs"]["label_names"]
    table = run.predict()
    assert list(table.columns) == ["sample", "label",
                                   *[f"probability_{n}" for n in names], "actual"]
    probs = table[[f"probability_{n}" for n in names]].to_numpy()
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-6)
    accuracy = float(np.mean(table["label"] == table["actual"]))
    assert accuracy == pytest.approx(italy.metrics["test_accuracy"])
    # New raw series in an .npz, with integer labels: scaled with the run's scaler.
    np.savez(tmp_path / "new.npz", x=np.random.default_rng(0).normal(size=(5, 24)),
             y=np.array([0, 1, 1, 0, 1]))
    new = run.predict(tmp_path / "new.npz")
    assert new["actual"].tolist() == [names[i] for i in (0, 1, 1, 0, 1)]
    assert set(new["label"]) <= set(names)


def test_text_classifier_reads_text_files_and_tables(tmp_path):
    result = train(SENTIMENT, tmp_path / "results")
    record = json.loads((result.run_dir / "preprocessing.json").read_text())
    vocabulary = record["inputs"]["vocabulary"]
    assert vocabulary[:2] == ["", "[UNK]"] and len(vocabulary) <= 300
    names = record["outputs"]["label_names"]
    run = rnnbench.load_run(result.run_dir)
    (tmp_path / "tweets.txt").write_text("what a great day\n\nthis is awful\n")
    table = run.predict(tmp_path / "tweets.txt")
    assert table["sample"].tolist() == [1, 3] and set(table["label"]) <= set(names)  # lines
    pd.DataFrame({"text": ["good", "bad"], "label": [names[0], names[-1]]}).to_csv(
        tmp_path / "tweets.csv", index=False)
    table = run.predict(tmp_path / "tweets.csv")
    assert table["text"].tolist() == ["good", "bad"]
    assert table["label"].tolist()[0] in names and "probability_" + names[0] in table


def test_language_model_samples_text(tmp_path, capsys):
    result = train(NEWS_CHARS, tmp_path / "results")
    run = rnnbench.load_run(result.run_dir)
    first = run.generate("The market", length=30, temperature=0.8, seed=3)
    assert len(first) == 30 and set(first) <= set(run.preprocessing["inputs"]["vocabulary"])
    assert run.generate("The market", length=30, temperature=0.8, seed=3) == first
    greedy = run.generate("The market", length=30, temperature=0)
    assert greedy == run.generate("The market", length=30, temperature=0, seed=9)
    assert main(["predict", str(result.run_dir), "--prompt", "The market", "--length",
                 "30", "--temperature", "0.8", "--seed", "3"]) == 0
    assert capsys.readouterr().out == "The market" + first + "\n"
    # A text file is the prompt, read as the dataset reads text (new_inputs).
    (tmp_path / "prompt.txt").write_text("the market ")
    table = run.predict(tmp_path / "prompt.txt", length=30, temperature=0.8, seed=3)
    assert table["prompt"][0] == "the market "
    assert table["generated"][0] == run.generate("the market ", length=30,
                                                 temperature=0.8, seed=3)


def test_a_sweeps_trial_is_a_run_folder(tmp_path, capsys):
    experiment = write_experiment({**json.loads(json.dumps(SINE)), "name": "sine_sweep"},
                                  tmp_path)
    sweep = write_yaml(tmp_path / "tiny_sweep.yaml", {
        "experiment": str(experiment),
        "tuner": {"algorithm": "random", "max_trials": 1, "objective": "val_loss"},
        "space": {"model.layers[0].units": {"choice": [3, 4]}}})
    assert main(["tune", str(sweep), "--results-dir", str(tmp_path / "results")]) == 0
    trials = sorted((tmp_path / "results" / "sweeps").glob("*/*/trials/*"))
    assert len(trials) == 1
    capsys.readouterr()
    assert main(["predict", str(trials[0])]) == 0
    assert "forecast_1" in capsys.readouterr().out


def test_own_files_predict_and_export(tmp_path):
    """A file_series and a file_text run (issue 23's datasets) through predict and export."""
    import tensorflow as tf
    rng = np.random.default_rng(0)
    days = pd.date_range("2020-01-01", periods=200, freq="D").strftime("%Y-%m-%d")
    prices = pd.DataFrame({"date": days, "price": 100 + np.cumsum(rng.normal(size=200)),
                           "volume": rng.uniform(1, 2, 200)})
    prices.to_csv(tmp_path / "prices.csv", index=False)
    prices.tail(30).to_csv(tmp_path / "recent.csv", index=False)
    words = [("good great fine", "pos"), ("bad awful poor", "neg")] * 30
    pd.DataFrame(words, columns=["text", "label"]).to_csv(tmp_path / "reviews.csv",
                                                          index=False)
    series = train({"name": "own_prices", "seed": 1,
                    "data": {"name": "file_series", "path": str(tmp_path / "prices.csv"),
                             "time_column": "date", "targets": "price", "features": "volume",
                             "window": 10, "horizon": 2, "scale": "standard"},
                    "model": {"layers": [{"cell": "gru", "units": 3}]},
                    "train": {"epochs": 1, "batch_size": 32}}, tmp_path / "results")
    run = rnnbench.load_run(series.run_dir)
    test = run.predict()
    assert list(test.columns)[:3] == ["date", "forecast_1", "forecast_2"]
    assert test["date"].iloc[-1] == days[-2]  # the last window's first target (horizon 2)
    new = run.predict(tmp_path / "recent.csv")
    assert list(new.columns) == ["date", "forecast_1", "forecast_2", "actual_1",
                                 "actual_2"] and len(new) == 21
    recent = prices["price"].tail(30).to_numpy()  # what followed each window, where known
    np.testing.assert_allclose(new["actual_1"].to_numpy()[:-1], recent[10:], rtol=1e-6)
    np.testing.assert_allclose(new["actual_2"].to_numpy()[:-2], recent[11:], rtol=1e-6)
    windows = prices[["price", "volume"]].tail(30).to_numpy(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(windows, 10, axis=0).transpose(0, 2, 1)
    assert main(["export", str(series.run_dir), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(windows))["forecast"].numpy(),
                               new[["forecast_1", "forecast_2"]].to_numpy(), atol=1e-4)

    text = train({"name": "own_reviews", "seed": 1,
                  "data": {"name": "file_text", "path": str(tmp_path / "reviews.csv"),
                           "text_column": "text", "label_column": "label", "seq_len": 4},
                  "model": {"layers": [{"cell": "lstm", "units": 3}], "embedding": {"dim": 2}},
                  "train": {"epochs": 1, "batch_size": 16}}, tmp_path / "results")
    run = rnnbench.load_run(text.run_dir)
    texts = ["good great", "Awful, POOR!", "unseen words"]
    pd.DataFrame({"text": texts}).to_csv(tmp_path / "few.csv", index=False)
    expected = run.predict(tmp_path / "few.csv")
    # The same texts one per line of a plain text file (blank lines skipped), each
    # labelled by its line.
    (tmp_path / "few.txt").write_text("\n".join(texts[:2]) + "\n\n" + texts[2] + "\n")
    from_lines = run.predict(tmp_path / "few.txt")
    assert from_lines["sample"].tolist() == [1, 2, 4]
    pd.testing.assert_frame_equal(from_lines.drop(columns="sample"),
                                  expected.drop(columns="sample"))
    assert main(["export", str(text.run_dir), "--out", str(tmp_path / "sm_text")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm_text")).signatures["serving_default"]
    got = served(inputs=tf.constant(texts))
    assert [v.decode() for v in got["label"].numpy()] == expected["label"].tolist()
    np.testing.assert_allclose(got["probabilities"].numpy(),
                               expected[["probability_neg", "probability_pos"]].to_numpy(),
                               atol=1e-5)


def test_a_panel_predicts_each_series_with_its_own_dates(tmp_path):
    days, stores = 60, ["north", "south"]
    frame = pd.concat([pd.DataFrame({
        "shop": shop, "date": pd.date_range("2023-03-01", periods=days).strftime("%Y-%m-%d"),
        "units": 20 + 5 * k + np.sin(np.arange(days) / 3)}) for k, shop in enumerate(stores)])
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "shops.csv", index=False)
    result = train({"name": "panel", "seed": 1,
                    "data": {"name": "file_series", "path": str(tmp_path / "shops.csv"),
                             "time_column": "date", "id_column": "shop", "targets": "units",
                             "window": 5},
                    "model": {"layers": [{"cell": "gru", "units": 3}]},
                    "train": {"epochs": 1, "batch_size": 16}}, tmp_path / "results")
    table = rnnbench.load_run(result.run_dir).predict(tmp_path / "shops.csv")
    assert table["series"].value_counts().to_dict() == {s: days - 5 + 1 for s in stores}
    for shop in stores:  # a date column a user can parse: the day each forecast is for
        dates = pd.to_datetime(table.loc[table["series"] == shop, "date"])
        assert dates.min() == pd.Timestamp("2023-03-06")
        assert dates.max() == pd.Timestamp("2023-03-01") + pd.Timedelta(days=days)
