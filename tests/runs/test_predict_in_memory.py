"""`Run.predict` on data held in Python: a DataFrame, arrays, a list of texts.

Each gives the same predictions as the same data written to a file and passed
by path (what `rnnbench predict --data` reads). Untrained run folders: the
preprocessing and the plumbing are under test, not the weights.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import untrained_run
from own_files import price_csv, reviews_csv

import rnnbench
from rnnbench.errors import UserError


@pytest.fixture(scope="module")
def series_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    path = price_csv(folder / "prices.csv", n=120)
    untrained_run(folder / "run", {"name": "file_series", "path": str(path),
                                   "time_column": "date", "targets": "close",
                                   "features": ["open", "volume"], "window": 5}, "gru")
    return rnnbench.load_run(folder / "run"), path


def test_a_dataframe_predicts_as_its_csv(series_run):
    run, path = series_run
    frame = pd.read_csv(path)
    expected = run.predict(path)
    pd.testing.assert_frame_equal(run.predict(frame), expected)
    # the time column as the index, as pandas users often keep it
    pd.testing.assert_frame_equal(run.predict(frame.set_index("date")), expected)


def test_arrays_predict_as_their_npz(tmp_path):
    untrained_run(tmp_path / "run", {"name": "adding", "seq_len": 6, "train_size": 8,
                                     "val_size": 4, "test_size": 4}, "simple_rnn")
    run = rnnbench.load_run(tmp_path / "run")
    x = np.random.default_rng(0).uniform(size=(5, 6, 2)).astype("float32")
    np.savez(tmp_path / "new.npz", x=x)
    expected = run.predict(tmp_path / "new.npz")
    pd.testing.assert_frame_equal(run.predict(x), expected)
    pd.testing.assert_frame_equal(run.predict({"x": x}), expected)
    with pytest.raises(UserError, match=r"<ndarray of shape \(5, 3, 2\)>") as error:
        run.predict(x[:, :3])
    assert "rnnbench-data-" not in str(error.value)  # never the temporary file's name


@pytest.fixture
def text_run(tmp_path):
    """An untrained classifier of the texts of a review table."""
    path = reviews_csv(tmp_path / "reviews.csv")
    untrained_run(tmp_path / "run", {"name": "file_text", "path": str(path),
                                     "text_column": "review", "label_column": "sentiment",
                                     "seq_len": 8}, "lstm")
    return rnnbench.load_run(tmp_path / "run")


def test_a_list_of_texts_predicts_as_a_txt_file(tmp_path, text_run):
    run = text_run
    texts = ["great value, works well", "broke after a day"]
    (tmp_path / "new.txt").write_text("\n".join(texts) + "\n")
    expected = run.predict(tmp_path / "new.txt")
    pd.testing.assert_frame_equal(run.predict(texts), expected)
    table = run.predict(pd.DataFrame({"review": texts}))
    np.testing.assert_allclose(table.filter(like="probability").to_numpy(),
                               expected.filter(like="probability").to_numpy())


def test_a_list_of_texts_gets_a_row_per_text_an_empty_one_too(text_run):
    """A `.txt` leaves blank lines out (a corpus); a list's rows must line up with it."""
    run = text_run
    texts = ["great value", "", "broke after a day", "   "]
    found = run.predict(texts)
    assert len(found) == len(run.inputs(texts).x) == 4
    assert found["text"].tolist() == texts
    alone = run.predict(["broke after a day"])
    np.testing.assert_allclose(found.filter(like="probability").to_numpy()[2],
                               alone.filter(like="probability").to_numpy()[0], rtol=1e-6)


@pytest.mark.parametrize("data", [42, [], {"x": "text"}], ids=["int", "empty", "dict_of_str"])
def test_other_objects_are_refused_naming_what_is_accepted(series_run, data):
    run, _ = series_run
    with pytest.raises(UserError, match="Expected data to predict to be a path to a file, "
                                        "a pandas DataFrame, a NumPy array"):
        run.predict(data)


@pytest.mark.parametrize("level", ["word", "char"])
@pytest.mark.slow
def test_a_prompt_and_its_continuation_print_as_one_text(tmp_path, capsys, caplog, level):
    # Word tokens were printed glued to the prompt: "the cat satmat on".
    from own_files import corpus_txt

    from rnnbench.cli import main
    path = corpus_txt(tmp_path / "corpus.txt")
    untrained_run(tmp_path / "run", {"name": "file_corpus", "path": str(path),
                                     "level": level, "seq_len": 6}, "gru")
    run = rnnbench.load_run(tmp_path / "run")
    generated = run.generate("the cat", length=3, temperature=0)
    assert run.continued("the cat", generated) == (
        f"the cat {generated}" if level == "word" else f"the cat{generated}")
    assert run.continued("the cat ", generated) == f"the cat {generated}"
    assert main(["predict", str(tmp_path / "run"), "--prompt", "the cat", "--length", "3",
                 "--temperature", "0"]) == 0
    out = capsys.readouterr().out.splitlines()  # a word run's corpus has "The", not "the"
    assert out[-1] == run.continued("the cat", generated)
    assert len(out) == 1 or (level, len(out)) == ("word", 2) and "('the')" in out[0]
    caplog.clear()
    with caplog.at_level("WARNING", logger="rnnbench"):
        run.encode("The cat \u00e9t\u00e9")  # no accented letter in the corpus
    assert caplog.messages == [
        "1 of the prompt's {} are not in the run's vocabulary ({}); each is read as the "
        "unknown token".format(*(("characters", "'\u00e9'") if level == "char" else
                                 ("words", "'\u00e9t\u00e9'")))]


def test_a_classifier_run_does_not_generate(text_run):
    with pytest.raises(UserError, match="Expected a language model's run to sample text "
                                        "from. Received: a run of task 'classify'"):
        text_run.generate("a fine")


def test_the_terminals_table_cuts_a_long_text_the_file_keeps_whole(text_run, tmp_path):
    from rnnbench.runs import use
    found = text_run.predict(["great value " * 2000, "broke after a day"])
    shown = use.render(found)
    assert max(len(line) for line in shown.splitlines()) <= 120 and "..." in shown
    use.write_predictions(found, tmp_path / "p.csv")
    assert len(pd.read_csv(tmp_path / "p.csv")["text"][0]) == len("great value " * 2000)


def test_a_series_files_forecasts_carry_what_followed_each_window(series_run):
    run, path = series_run
    found = run.predict(path)
    close = pd.read_csv(path).sort_values("date")["close"].to_numpy()
    np.testing.assert_allclose(found["actual"].to_numpy()[:-1], close[5:], rtol=1e-6)
    assert np.isnan(found["actual"].to_numpy()[-1])  # the forecast past the file's end


def test_several_targets_over_a_horizon_carry_an_actual_beside_each_forecast(tmp_path):
    path = price_csv(tmp_path / "prices.csv", n=120)
    untrained_run(tmp_path / "run", {"name": "file_series", "path": str(path),
                                     "time_column": "date", "targets": ["close", "open"],
                                     "window": 5, "horizon": 2}, "gru")
    found = rnnbench.load_run(tmp_path / "run").predict(path)
    frame = pd.read_csv(path).sort_values("date")
    for column in ("close", "open"):
        for k in (1, 2):
            assert f"{column}_forecast_{k}" in found
            actual = found[f"{column}_actual_{k}"].to_numpy()
            expected = frame[column].to_numpy()[4 + k:]
            np.testing.assert_allclose(actual[:len(expected)], expected, rtol=1e-6)
            assert np.isnan(actual[len(expected):]).all()


def test_a_table_run_names_what_it_takes_for_arrays_and_a_text_run_the_bad_item(
        series_run, text_run):
    # Arrays were written to an .npz the table reader refused as "a zip archive".
    run, _ = series_run
    for data in (np.zeros((4, 5, 3)), {"x": np.zeros((4, 5, 3))}):
        with pytest.raises(UserError, match=r"a path to a table or a pandas DataFrame with "
                                            r"the columns it was trained on: its dataset "
                                            r"reads tables\. Received: <(ndarray|dict)"):
            run.predict(data)
    with pytest.raises(UserError, match=r"a list whose item 1 is None \(NoneType\)"):
        text_run.predict(["a fine film", None])
    with pytest.raises(UserError, match=r"or a list of texts: its dataset reads tables"):
        text_run.predict(np.array([[1, 2]]))


def test_the_test_splits_rows_carry_their_ids_and_a_panels_series_and_dates(tmp_path):
    """They were numbered 0, 1, ... (`sample`): a test row could not be found in the file."""
    from own_files import long_csv
    path = long_csv(tmp_path / "long.csv")
    untrained_run(tmp_path / "seq", {"name": "file_sequences", "path": str(path),
                                     "id_column": "sid", "time_column": "t",
                                     "value_columns": ["a", "b"], "label_column": "lab"},
                  "gru")
    run = rnnbench.load_run(tmp_path / "seq")
    test = run.predict()
    assert test.columns[0] == "sid" and set(test["sid"]) <= set(pd.read_csv(path)["sid"])
    by_id = run.predict(path).set_index("sid")  # the file's sequences, by their ids
    np.testing.assert_allclose(test.set_index("sid").filter(like="probability"),
                               by_id.loc[test["sid"]].filter(like="probability"), rtol=1e-5)
    days = pd.date_range("2023-01-01", periods=60).strftime("%Y-%m-%d")
    panel = pd.DataFrame({"store": ["a"] * 60 + ["b"] * 60, "date": list(days) * 2,
                          "sales": np.sin(np.arange(120) / 4).round(3)})
    panel.to_csv(tmp_path / "panel.csv", index=False)
    untrained_run(tmp_path / "panel", {"name": "file_series", "path": str(tmp_path /
                                                                          "panel.csv"),
                                       "time_column": "date", "id_column": "store",
                                       "targets": "sales", "window": 5}, "gru")
    test = rnnbench.load_run(tmp_path / "panel").predict()
    assert list(test.columns[:1]) == ["date"] and set(test["series"]) == {"a", "b"}
    last = test.groupby("series")["date"].max()
    assert list(last) == ["2023-03-01", "2023-03-01"]  # each store's last day
    actual = panel.set_index(["store", "date"])["sales"]
    assert list(test["actual"]) == list(actual.loc[list(zip(test["series"], test["date"]))])


@pytest.mark.parametrize("horizon", [1, 2])
def test_actual_is_the_files_numbers_as_written(tmp_path, horizon):
    """Not float32 round-off: the test split's `actual` was 176.779993 where the file
    has 176.78 (scaled and unscaled), and a new file's `actual` 176.77999877929688."""
    days = pd.date_range("2023-01-01", periods=60).strftime("%Y-%m-%d")
    frame = pd.DataFrame({"date": days, "price": (176.78 + np.arange(60) % 7 * 0.01).round(2),
                          "volume": 1234567.5 + np.arange(60) * 250})
    frame.to_csv(tmp_path / "prices.csv", index=False)
    untrained_run(tmp_path / "run", {"name": "file_series", "path": str(tmp_path /
                                                                        "prices.csv"),
                                     "time_column": "date", "targets": ["price", "volume"],
                                     "window": 5, "horizon": horizon}, "gru")
    run = rnnbench.load_run(tmp_path / "run")
    written = frame.set_index("date")
    step = "_1" if horizon > 1 else ""
    for predicted in (run.predict(), run.predict(tmp_path / "prices.csv").iloc[:-1]):
        for column in ("price", "volume"):
            found = predicted[f"{column}_actual{step}"].dropna()
            assert list(found) == list(written.loc[predicted["date"], column][:len(found)])


@pytest.mark.parametrize("target", ["classes", "values"])
def test_a_text_tables_test_rows_carry_their_row_and_text(tmp_path, target):
    """They were numbered 0, 1, ... within the test part, without their text."""
    frame = pd.read_csv(reviews_csv(tmp_path / "reviews.csv"))
    frame.loc[3, "sentiment"] = None  # an unlabelled row still counts in the numbering
    frame["stars"] = np.arange(len(frame)) % 5 + 1
    frame.to_csv(tmp_path / "reviews.csv", index=False)
    label = "sentiment" if target == "classes" else "stars"
    untrained_run(tmp_path / "run", {"name": "file_text", "path": str(tmp_path / "reviews.csv"),
                                     "text_column": "review", "label_column": label,
                                     "target": target, "unlabelled": "skip",
                                     "seq_len": 8}, "gru")
    run = rnnbench.load_run(tmp_path / "run")
    test = run.predict()
    rows = frame.iloc[test["sample"] - 1]  # the file's rows, from 1
    assert test.columns[0] == "sample" and list(test["text"]) == list(rows["review"])
    assert list(test["actual"]) == list(rows[label])
    by_row = run.predict(tmp_path / "reviews.csv").set_index("sample").loc[test["sample"]]
    assert list(by_row["text"]) == list(test["text"])
    predicted = "probability" if target == "classes" else "prediction"
    np.testing.assert_allclose(test.filter(like=predicted).to_numpy(),
                               by_row.filter(like=predicted).to_numpy(), rtol=1e-5)


@pytest.mark.parametrize("target", ["classes", "values"])
def test_an_npzs_test_rows_carry_their_row_of_the_file(tmp_path, target):
    """They were numbered 0, 1, ... within the test part: joined back to the file, each
    prediction landed on another sample."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 6, 2)).astype("float32")
    y = np.where(x[:, :, 0].mean(1) > 0, "dog", "cat") \
        if target == "classes" else np.round(rng.normal(size=60) * 100 + 725.31, 2)
    y[4] = "" if target == "classes" else np.nan  # skipped, still counted
    np.savez(tmp_path / "arrays.npz", x=x, y=y)
    untrained_run(tmp_path / "run", {"name": "file_arrays", "path": str(tmp_path / "arrays.npz"),
                                     "target": target, "unlabelled": "skip"}, "gru")
    run = rnnbench.load_run(tmp_path / "run")
    test = run.predict()
    rows = test["sample"].to_numpy()
    assert 4 not in rows and list(test["actual"]) == list(y[rows])  # 725.31, as written
    by_row = run.predict(x[rows])
    with pytest.raises(UserError, match=r"one sample of shape \(6, 2\) without the samples "
                                        r"axis; pass x\[None\]"):  # it said (3, 1)
        run.predict(x[0])
    predicted = "probability" if target == "classes" else "prediction"
    np.testing.assert_allclose(test.filter(like=predicted).to_numpy(),
                               by_row.filter(like=predicted).to_numpy(), rtol=1e-5)


def test_a_number_per_sequence_tables_actual_is_the_files(tmp_path):
    """It showed 725.309994 where the file has 725.31 (scaled and unscaled in float32)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"sid": np.repeat(np.arange(40), 5), "t": np.tile(np.arange(5), 40),
                          "a": rng.normal(size=200),
                          "y": np.repeat(np.round(rng.normal(size=40) * 100 + 725.31, 2), 5)})
    frame.to_csv(tmp_path / "long.csv", index=False)
    untrained_run(tmp_path / "run", {"name": "file_sequences", "path": str(tmp_path / "long.csv"),
                                     "id_column": "sid", "time_column": "t",
                                     "value_columns": ["a"], "label_column": "y",
                                     "target": "values"}, "gru")
    test = rnnbench.load_run(tmp_path / "run").predict()
    written = frame.groupby("sid")["y"].first()
    assert list(test["actual"]) == list(written.loc[test["sid"].astype(int)])


def test_a_changed_training_file_is_named_when_the_test_split_is_reloaded(tmp_path, caplog):
    import json

    from rnnbench.data.own import reading
    path = price_csv(tmp_path / "prices.csv", n=120)
    untrained_run(tmp_path / "run", {"name": "file_series", "path": str(path),
                                     "time_column": "date", "targets": "close",
                                     "window": 5, "scale": "standard"}, "gru")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    manifest["data"] = {"files": reading.file_facts([path])}
    (tmp_path / "run" / "manifest.json").write_text(json.dumps(manifest))
    frame = pd.read_csv(path)
    frame["close"] *= 2  # the file the run was trained on, changed since
    frame.to_csv(path, index=False)
    with caplog.at_level("WARNING", logger="rnnbench"):
        rnnbench.load_run(tmp_path / "run").predict()
    assert f"{str(path.resolve())!r} changed since the run (its SHA-256 differs" in caplog.text


def test_a_too_short_new_series_file_is_named_as_the_data_to_predict(series_run, tmp_path):
    run, path = series_run
    frame = pd.read_csv(path)
    frame.head(0).to_csv(tmp_path / "empty.csv", index=False)
    with pytest.raises(UserError, match=r"empty.csv' \(`--data`\) to have data rows"):
        run.predict(tmp_path / "empty.csv")
    frame.head(1).to_csv(tmp_path / "one.csv", index=False)
    with pytest.raises(UserError, match=r"one.csv' has 1 row; a forecast needs a window of 5"):
        run.predict(tmp_path / "one.csv")
