"""`rnnbench new NAME --data FILE`: an experiment for the user's own file (issue 23).

The files are generated (tests/own_files.py); the commands run in a fresh
working directory, where `new` writes experiments/ and tuning/ and `run`,
`tune` and `reproduce` find them.
"""

import re
import subprocess
import sys

import numpy as np
import pytest
import yaml
from own_files import (arrays_npz, cell_sequences_file, corpus_txt, long_csv, price_csv,
                       reviews_csv, sequence_folder, tagged_long_csv)

from rnnbench.cli import main


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    return tmp_path


def rnnbench(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def written(workdir, name):
    return yaml.safe_load((workdir / "experiments" / f"{name}.yaml").read_text())


@pytest.mark.parametrize("make, argv, dataset, task", [
    (lambda d: price_csv(d / "prices.csv"), ["--target", "close"], "file_series", "forecast"),
    (lambda d: reviews_csv(d / "reviews.csv"), ["--target", "sentiment"], "file_text",
     "classify"),
    (lambda d: reviews_csv(d / "reviews.csv"), [], "file_text", "classify"),
    (lambda d: corpus_txt(d / "book.txt"), [], "file_corpus", "language_model"),
    (lambda d: arrays_npz(d / "arrays.npz"), [], "file_arrays", "classify"),
])
@pytest.mark.slow
def test_new_picks_the_dataset_and_task_from_the_file(workdir, capsys, make, argv, dataset,
                                                      task):
    path = make(workdir / "data")
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), *argv)
    assert code == 0, err
    data = written(workdir, "mine")["data"]
    assert (data["name"], data["task"]) == (dataset, task)
    assert data["path"] == f"../data/{path.name}"  # relative to the experiment file
    assert "rnnbench run mine" in out and "rnnbench tune mine" in out
    assert (workdir / "tuning" / "mine.yaml").is_file()
    assert rnnbench(capsys, "show", "mine")[0] == 0


def test_new_on_prices_forecasts_the_target_from_every_price_column(workdir, capsys):
    path = price_csv(workdir / "data" / "prices.csv")
    rnnbench(capsys, "new", "prices_lstm", "--data", str(path), "--target", "close")
    data = written(workdir, "prices_lstm")["data"]
    assert data["time_column"] == "date" and data["targets"] == "close"
    assert data["features"] == ["open", "high", "low", "volume"]
    header = (workdir / "experiments" / "prices_lstm.yaml").read_text().splitlines()[:4]
    assert "#   rnnbench run prices_lstm" in header


@pytest.mark.parametrize("columns", [["date", "sales"], ["", "date", "sales"]],
                         ids=["date_and_value", "with_pandas_index"])
def test_new_forecasts_a_series_only_column_of_values_without_target(workdir, capsys,
                                                                     columns):
    import pandas as pd
    frame = pd.read_csv(price_csv(workdir / "data" / "prices.csv"))
    frame = frame.rename(columns={"close": "sales"}).sort_values("date").reset_index(drop=True)
    frame[["date", "sales"]].to_csv(workdir / "data" / "sales.csv", index="" in columns)
    code, out, err = rnnbench(capsys, "new", "sales", "--data", "data/sales.csv")
    assert code == 0, err
    assert "chosen: target 'sales': the only column of values beside the time column 'date'" \
        in out
    data = written(workdir, "sales")["data"]
    assert (data["name"], data["targets"], data["time_column"]) == \
        ("file_series", "sales", "date")
    assert rnnbench(capsys, "check", "sales")[0] == 0


def test_new_classifies_texts_by_the_only_other_column_without_target(workdir, capsys):
    import pandas as pd
    frame = pd.read_csv(reviews_csv(workdir / "data" / "reviews.csv"))
    frame = frame.rename(columns={"sentiment": "is_positive"})
    frame["is_positive"] = (frame["is_positive"] == "pos").astype(int)
    frame[["review", "is_positive"]].to_csv(workdir / "data" / "mine.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "mine", "--data", "data/mine.csv")
    assert code == 0, err
    assert "chosen: target 'is_positive': the label column beside the texts" in out
    data = written(workdir, "mine")["data"]
    assert (data["name"], data["task"], data["label_column"]) == \
        ("file_text", "classify", "is_positive")


def test_new_sizes_a_text_classifiers_vocabulary_to_the_words_its_file_holds(workdir,
                                                                             capsys):
    # 20,000 rows of an embedding for the ~20 words of a small file: new writes the
    # file's own count (plus padding and unknown) instead of the default.
    import string

    import pandas as pd
    path = reviews_csv(workdir / "data" / "reviews.csv")
    words = {w for text in pd.read_csv(path)["review"]
             for w in text.lower().translate(str.maketrans("", "", string.punctuation)).split()}
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target",
                              "sentiment")
    assert code == 0, err
    assert written(workdir, "mine")["data"]["max_tokens"] == len(words) + 2
    assert f"chosen: max_tokens {len(words) + 2}: the texts hold {len(words)} distinct words" \
        in out


@pytest.mark.parametrize("words, cut", [(12, False), (1000, True)])
def test_new_says_when_the_texts_are_longer_than_what_the_model_reads(workdir, capsys,
                                                                      words, cut):
    import pandas as pd
    texts = [" ".join(["good" if i % 2 else "bad"] * words) for i in range(20)]
    pd.DataFrame({"text": texts, "label": [i % 2 for i in range(20)]}).to_csv(
        workdir / "data" / "docs.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "docs", "--data", "data/docs.csv")
    assert code == 0, err
    seq_len = written(workdir, "docs")["data"]["seq_len"]
    said = f"chosen: seq_len {seq_len}: the texts hold {words:,} words on average"
    assert (said in " ".join(out.split())) == cut and seq_len == (200 if cut else 18)


@pytest.mark.parametrize("shape", [(300,), (300, 2)])
@pytest.mark.slow
def test_a_lone_series_array_is_told_how_to_become_a_table_to_forecast(workdir, capsys,
                                                                       shape):
    import numpy as np
    np.save(workdir / "data" / "wave.npy", np.sin(np.arange(np.prod(shape)) / 7).reshape(shape))
    code, _, err = rnnbench(capsys, "new", "wave", "--data", "data/wave.npy")
    assert code == 2 and f"{shape} without labels reads as a series" in err, err
    command = err.split('python -c "')[1].split('",')[0]  # the command it gives, run here
    done = subprocess.run([sys.executable, "-c", command], cwd=workdir / "data")
    assert done.returncode == 0
    code, out, err = rnnbench(capsys, "new", "wave", "--data", "data/wave.csv",
                              "--target", "0")
    assert code == 0 and "chosen: forecast '0' one step ahead" in out, err


def test_a_folder_of_series_tables_is_told_how_to_become_one_panel(workdir, capsys):
    """A file per store was read as one text, for a character language model."""
    import numpy as np
    import pandas as pd
    (workdir / "data" / "stores").mkdir()
    for s in range(3):
        pd.DataFrame({"date": pd.date_range("2024-01-01", periods=80).strftime("%Y-%m-%d"),
                      "sales": np.random.default_rng(s).poisson(20, 80)}).to_csv(
            workdir / "data" / "stores" / f"store{s}.csv", index=False)
    code, _, err = rnnbench(capsys, "new", "stores", "--data", "data/stores")
    assert code == 2 and "3 tables side by side" in err, err
    command = err.split('python -c "')[1].split('",')[0]  # the command it gives, run here
    assert subprocess.run([sys.executable, "-c", command], cwd=workdir).returncode == 0
    code, out, err = rnnbench(capsys, "new", "stores", "--data", "stores.csv",
                              "--target", "sales")
    assert code == 0 and "per series of 'series' (3 series" in out, err


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.slow
def test_a_table_of_texts_for_a_language_model_is_told_how_to_become_text(workdir, capsys,
                                                                         suffix):
    """`--task language_model` on a table said only that it wanted a .txt (or, without
    `--target`, asked for one)."""
    path = reviews_csv(workdir / "data" / "reviews.csv")
    if suffix == "parquet":
        import pandas as pd
        pd.read_csv(path).to_parquet(workdir / "data" / "reviews.parquet")
    code, _, err = rnnbench(capsys, "new", "lm", "--data", f"data/reviews.{suffix}",
                            "--task", "language_model")
    assert code == 2 and "Save its texts as plain text, one a line" in err, err
    command = err.split('python -c "')[1].split('",')[0]  # the command it gives, run here
    assert subprocess.run([sys.executable, "-c", command]).returncode == 0  # from anywhere
    assert len((workdir / "data" / "reviews.txt").read_text().splitlines()) == 120
    assert f"rnnbench new NAME --data {workdir / 'data' / 'reviews.txt'} --task" in err
    code, out, err = rnnbench(capsys, "new", "lm", "--data", "data/reviews.txt")
    assert code == 0 and written(workdir, "lm")["data"]["name"] == "file_corpus", err


@pytest.mark.parametrize("chars,written", [(2, False), (59, False), (60, True)])
def test_new_refuses_a_text_too_short_for_a_language_models_split(workdir, capsys, chars,
                                                                  written):
    """As file_corpus counts it: windows of 8 in a 15% validation and test part."""
    (workdir / "data" / "tiny.txt").write_text(("abcdefg " * 10)[:chars])
    code, _, err = rnnbench(capsys, "new", "tiny", "--data", "data/tiny.txt")
    assert (code == 0) == written, err
    if written:
        assert rnnbench(capsys, "check", "tiny")[0] == 0
    else:
        assert "at least 60 characters" in err and f"Received: {chars} characters" in err


def test_new_refuses_classes_too_few_to_split_as_the_run_would(workdir, capsys):
    import pandas as pd
    texts = ["good fun here", "bad slow plot", "great cast", "awful end", "fine work",
             "dull story"]
    pd.DataFrame({"text": texts, "label": ["p", "n"] * 3}).to_csv(
        workdir / "data" / "six.csv", index=False)
    code, _, err = rnnbench(capsys, "new", "six", "--data", "data/six.csv")
    assert code == 2 and "Received: 6 rows ({'n': 3, 'p': 3})" in err, err
    assert "larger `data.split`" in err and not (workdir / "experiments").exists()
    # what the run says of such a file, written by hand
    (workdir / "experiments").mkdir()
    (workdir / "experiments" / "six.yaml").write_text(
        "data: {name: file_text, path: ../data/six.csv, text_column: text, "
        "label_column: label, seq_len: 4}\nmodel: {layers: [{cell: gru, units: 2}]}\n")
    code, _, err = rnnbench(capsys, "check", "six")
    assert code == 2 and "leave the val and test parts empty" in err, err
    assert "raise `data.split.val` / `data.split.test`" in err


def test_new_names_the_columns_a_text_classifier_leaves_unread(workdir, capsys):
    import pandas as pd
    words = ["match team goal score", "phone app chip code", "taste cook dish chef"]
    pd.DataFrame({"id": range(90), "title": [words[i % 3][:9] for i in range(90)],
                  "body": [f"{words[i % 3]} and the rest of it" for i in range(90)],
                  "label": [i % 3 for i in range(90)]}).to_csv(
        workdir / "data" / "posts.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(workdir / "data" / "posts.csv"),
                              "--target", "label")
    assert code == 0, err
    assert written(workdir, "mine")["data"]["text_column"] == "body"
    assert "not read: ['title'], as a text classifier reads one text column" in out  # not id


def test_new_takes_the_one_column_named_like_a_label_without_target(workdir, capsys):
    import numpy as np
    import pandas as pd
    x = np.random.default_rng(0).normal(size=(120, 3))
    pd.DataFrame({"f1": x[:, 0], "f2": x[:, 1], "f3": x[:, 2],
                  "label": np.where(x[:, 0] > 0, "hi", "lo")}).to_parquet(
        workdir / "data" / "rows.parquet")
    code, out, err = rnnbench(capsys, "new", "rows", "--data", "data/rows.parquet")
    assert code == 0, err
    assert "chosen: target 'label': the one column named like a label" in out
    assert written(workdir, "rows")["data"]["task"] == "classify"


@pytest.mark.parametrize("argv, match", [
    (["--target", "Close"], r"did you mean 'close'"),
    (["--target", "HIGH"], r"did you mean 'high'"),  # difflib alone finds no match
    ([], r"Expected `--target COLUMN`.*'date', 'open'.*forecast together by naming them "
         r"all: `--target open,high,low,close,volume`"),
    (["--target", "date", "--task", "forecast"], "to be numeric"),
    (["--target", "close,Open"], r"Received: 'Open'.*did you mean 'open'"),
    (["--target", "close, close"], r"each `--target` column once.*\['close'\]"),
    (["--target", "close,open", "--task", "classify"], r"one `--target` column for `--task "
                                                        r"classify`"),
])
def test_new_refuses_what_it_cannot_use_and_writes_nothing(workdir, capsys, argv, match):
    path = price_csv(workdir / "data" / "prices.csv")
    code, _, err = rnnbench(capsys, "new", "mine", "--data", str(path), *argv)
    assert code == 2 and re.search(match, err), err
    assert not (workdir / "experiments").exists()


def test_new_names_the_working_folder_a_missing_data_file_was_looked_for_in(workdir, capsys):
    # It spoke of the folder of "the YAML file that names it": `--data` has none.
    code, _, err = rnnbench(capsys, "new", "mine", "--data", "data/nope.csv")
    assert code == 2 and "YAML" not in err, err
    assert f"a relative path is read against the working folder, {workdir}" in err


@pytest.mark.parametrize("folders, match", [
    (True, "its labels are the names of its class subfolders"),
    (False, "a plain text is modelled, not labelled"),
])
def test_new_refuses_a_target_for_texts_that_have_no_columns(workdir, capsys, folders, match):
    root = workdir / "data" / "texts"
    for label in ("pos", "neg") if folders else ("",):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(4):
            (root / label / f"{i}.txt").write_text(f"some {label} words here {i}")
    code, _, err = rnnbench(capsys, "new", "mine", "--data", str(root), "--target", "label")
    assert code == 2 and f"Expected no `--target` for {str(root)!r}: {match}" in err, err
    assert not (workdir / "experiments").exists()


@pytest.mark.parametrize("where", ["npy", "npz"])
def test_new_refuses_sequences_of_different_lengths_in_an_object_array(workdir, capsys,
                                                                        where):
    # A pickled object array; np.load without allow_pickle raised through `new` (.npy).
    import numpy as np
    ragged = np.empty(40, dtype=object)
    for i in range(40):
        ragged[i] = np.zeros((5 + i % 7, 2))
    labels = np.arange(40) % 2
    if where == "npy":
        np.save(workdir / "data" / "x.npy", ragged, allow_pickle=True)
        np.save(workdir / "data" / "y.npy", labels)
    else:
        np.savez(workdir / "data" / "x.npz", x=ragged, y=labels)
    code, _, err = rnnbench(capsys, "new", "mine", "--data", str(workdir / "data" / f"x.{where}"))
    assert code == 2 and "Traceback" not in err, err
    assert "object arrays, which only unpickling reads, are refused" in err
    assert "keras.utils.pad_sequences" in err
    assert not (workdir / "experiments").exists()


@pytest.mark.parametrize("dtype, scale", [("float32", "standard"), ("int64", "standard"),
                                          ("bool", None)])
def test_new_scales_arrays_of_numbers_not_of_flags(workdir, capsys, dtype, scale):
    import numpy as np
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(60, 8, 2)) * 100).astype(dtype)
    np.savez(workdir / "data" / "a.npz", x=x, y=np.arange(60) % 2)
    code, _, err = rnnbench(capsys, "new", "mine", "--data", str(workdir / "data" / "a.npz"))
    assert code == 0, err
    assert written(workdir, "mine")["data"].get("scale") == scale


def test_new_says_when_its_experiment_shares_a_shipped_ones_name(workdir, capsys):
    path = price_csv(workdir / "data" / "prices.csv")
    code, out, err = rnnbench(capsys, "new", "sunspots_lstm", "--data", str(path),
                              "--target", "close")
    assert code == 0, err
    written_here = workdir / "experiments" / "sunspots_lstm.yaml"
    assert "is an experiment of the same name" in out
    assert f"`rnnbench run sunspots_lstm` from this folder reads {written_here}" in out
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "close")
    assert "same name" not in out


def test_new_does_not_overwrite_without_force(workdir, capsys):
    path = price_csv(workdir / "data" / "prices.csv")
    assert rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "close")[0] == 0
    code, _, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "open")
    assert code == 2 and "--force" in err
    assert written(workdir, "mine")["data"]["targets"] == "close"
    assert rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "open",
                    "--force")[0] == 0
    assert written(workdir, "mine")["data"]["targets"] == "open"


def test_check_shows_the_data_side(workdir, capsys):
    path = reviews_csv(workdir / "data" / "reviews.csv")
    rnnbench(capsys, "new", "reviews", "--data", str(path), "--target", "sentiment")
    code, out, err = rnnbench(capsys, "check", "reviews")
    assert code == 0, err
    assert "samples per split: train" in out and "classes: ['neg', 'pos']" in out
    assert "input shape per sample:" in out and "SHA-256" in out


@pytest.mark.slow
def test_new_run_tune_reproduce_on_a_price_csv(workdir, capsys):
    path = price_csv(workdir / "data" / "prices.csv", n=200)
    assert rnnbench(capsys, "new", "prices", "--data", str(path), "--target", "close")[0] == 0
    code, _, err = rnnbench(capsys, "run", "prices", "--epochs", "1")
    assert code == 0, err
    run_dir = next((workdir / "results" / "prices").iterdir())
    code, out, err = rnnbench(capsys, "tune", "prices", "--max-trials", "2",
                              "--set", "train.epochs=1")
    assert code == 0, err
    trials = list((workdir / "results" / "sweeps" / "prices").glob("*/trials/*/metrics.json"))
    assert len(trials) == 2
    code, out, err = rnnbench(capsys, "reproduce", str(run_dir))
    assert code == 0 and "reproduced" in out, out + err
    with open(path, "a") as f:
        f.write("2031-01-01,1,2,0,1.5,100\n")
    runs_before = len(list((workdir / "results" / "prices").iterdir()))
    code, _, err = rnnbench(capsys, "reproduce", str(run_dir))
    assert code == 2 and "changed since it ran" in err and "prices.csv" in err
    assert len(list((workdir / "results" / "prices").iterdir())) == runs_before


@pytest.mark.parametrize("make, argv", [
    (lambda d: reviews_csv(d / "reviews.csv"), ["--target", "sentiment"]),
    (lambda d: price_csv(d / "prices.csv"), ["--target", "close"]),
])
def test_show_of_an_own_data_experiment_imports_no_pandas_or_tensorflow(workdir, capsys,
                                                                        make, argv):
    path = make(workdir / "data")
    assert rnnbench(capsys, "new", "mine", "--data", str(path), *argv)[0] == 0
    probe = ("import sys, io, contextlib\nfrom rnnbench.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    assert main(['show', 'mine']) == 0\n"
             "print(sorted(m for m in ('pandas', 'tensorflow', 'keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=workdir, check=True)
    assert done.stdout.strip() == "[]", done.stderr


def _daily_csv(path, column, values):
    import numpy as np
    import pandas as pd
    pd.DataFrame({"date": pd.date_range("2020-01-01", periods=len(values), freq="D")
                  .strftime("%Y-%m-%d"), column: np.round(values, 3)}).to_csv(path, index=False)
    return path


def _trending_price(n=400, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    return 50 + 0.2 * np.arange(n) + np.cumsum(rng.normal(0, 1, n))


def _seasonal(n=400, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    return 10 + 3 * np.sin(2 * np.pi * np.arange(n) / 12) + rng.normal(0, 0.3, n)


@pytest.mark.parametrize("values, transform, because, random_walk", [
    (_trending_price(), "difference", "outside the training part's range", True),
    (_seasonal(), "none", "within the 5% and 1 std limits", False),
])
def test_new_chooses_the_target_transform_from_the_training_part(
        workdir, capsys, values, transform, because, random_walk):
    path = _daily_csv(workdir / "data" / "series.csv", "y", values)
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "y")
    assert code == 0, err
    assert written(workdir, "mine")["data"]["target_transform"] == transform
    text = (workdir / "experiments" / "mine.yaml").read_text()
    comment = text.split("\n  target_transform:")[0].rsplit("\n  # target_transform ", 1)[1]
    comment = " ".join(comment.replace("\n  #", " ").split())
    assert comment.startswith(transform) and because in comment
    assert re.search(r"\d+\.\d% of the val/test targets", comment)
    assert ("no model should be expected to beat persistence" in out) == random_walk
    # A forecast trains on MAE, what its MASE scores; the comment above the key says so.
    assert written(workdir, "mine")["train"]["loss"] == "mae"
    assert "MASE" in text.split("\n  loss: mae")[0].rsplit("\n  # loss: mae", 1)[1]
    assert rnnbench(capsys, "show", "mine")[0] == 0


@pytest.mark.parametrize("trending", [None, "humidity"])
def test_new_forecasts_the_columns_a_comma_joined_target_names_together(workdir, capsys,
                                                                        trending):
    import pandas as pd
    table = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=400).strftime("%Y-%m-%d"),
                          "temp": _seasonal(seed=1), "humidity": _seasonal(seed=2) * 5,
                          "wind": _seasonal(seed=3)})
    if trending:
        table[trending] = _trending_price(seed=4)
    table.to_csv(workdir / "data" / "weather.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "mine", "--data", "data/weather.csv",
                              "--target", "temp, humidity")
    assert code == 0, err
    data = written(workdir, "mine")["data"]
    assert data["targets"] == ["temp", "humidity"] and data["features"] == ["wind"]
    # One transform serves both: a target that would leave the training range decides.
    assert data["target_transform"] == ("difference" if trending else "none")
    said = " ".join(out.split())
    assert "forecast ['temp', 'humidity'] together" in said
    assert (f"for {trending!r}" if trending else "for each of ['temp', 'humidity']") in said
    assert rnnbench(capsys, "show", "mine")[0] == 0


@pytest.mark.parametrize("columns, time_column", [
    ({"step": None, "load": "target", "temp": "feature"}, "step"),  # no date: the counter is the clock
    ({"date": "date", "row_id": None, "load": "target", "temp": "feature"}, "date"),
])
def test_new_never_makes_a_counter_column_a_feature(workdir, capsys, columns, time_column):
    # A column that only grows (a row number, an index pandas wrote) lies outside its
    # training range on the whole test part: as a feature it wrecks the forecast.
    import numpy as np
    import pandas as pd
    n, rng = 300, np.random.default_rng(0)
    made = {"date": pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M"),
            "step": np.arange(n), "row_id": np.arange(1000, 1000 + n),
            "load": np.round(5 + np.sin(np.arange(n) / 4) + rng.normal(0, 0.1, n), 3),
            "temp": np.round(rng.normal(20, 2, n), 2)}
    path = workdir / "data" / "load.csv"
    pd.DataFrame({name: made[name] for name in columns}).to_csv(path, index=False)
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "load")
    assert code == 0, err
    data = written(workdir, "mine")["data"]
    assert data["time_column"] == time_column
    assert data["features"] == ["temp"]
    counters = [name for name, role in columns.items() if role is None and name != time_column]
    assert ("not a feature" in out) == bool(counters)


def test_new_one_hots_a_column_of_few_words_and_names_a_text_it_leaves_out(workdir,
                                                                           capsys):
    """A weekday beside daily sales was left out of a forecast's inputs."""
    import pandas as pd
    days = pd.date_range("2024-01-01", periods=200, freq="D")
    path = workdir / "data" / "sales.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "weekday": days.day_name(),
                  "note": [f"delivery {i} arrived late" for i in range(200)],
                  "sales": (days.dayofweek * 3.5 + days.day).astype(float),
                  "promo": days.day % 2}).to_csv(path, index=False)
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "sales")
    assert code == 0, err
    data = written(workdir, "mine")["data"]
    assert (data["features"], data["categories"]) == (["promo"], ["weekday"])
    said = " ".join(out.split())
    assert "one-hot inputs: ['weekday'] (7 values)" in said
    assert "not a feature: ['note'] hold words" in said
    code, out, err = rnnbench(capsys, "check", "mine")
    assert code == 0 and "input shape per sample: (10, 9)" in out, err  # 2 + 7 one-hot


def _spreadsheet_csv(path, footer=""):
    """Dates and values as a spreadsheet saves them: two empty unnamed columns at the right."""
    days = [f"2024-{m:02d}-{d:02d}" for m in (1, 2, 3, 4) for d in range(1, 29)]
    rows = "".join(f"{day},{100 + i % 9 + i / 10},,\n" for i, day in enumerate(days))
    path.write_text("Date,Close,,\n" + rows + footer)
    return path


def test_new_and_check_leave_out_the_empty_unnamed_columns_of_a_spreadsheet(workdir, capsys):
    path = _spreadsheet_csv(workdir / "data" / "close.csv")
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path))
    assert code == 0, err
    assert "column ''" not in out
    data = written(workdir, "mine")["data"]
    assert (data["time_column"], data["targets"]) == ("Date", "Close")
    assert "features" not in data
    code, out, err = rnnbench(capsys, "check", "mine")
    assert code == 0, err


def test_new_refuses_a_footer_under_a_series_naming_its_rows(workdir, capsys):
    path = _spreadsheet_csv(workdir / "data" / "close.csv", footer=",,,\nTotal,12345,,\n")
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "Close")
    assert code == 2 and "Traceback" not in err
    assert ("Received: 2 rows at the end of the file that do not ('', 'Total'; rows "
            "113-114), after 112 that do: a footer of totals or notes?") in err
    assert not (workdir / "experiments").exists()


def test_new_says_when_a_series_is_too_short_to_test_for_a_random_walk(workdir, capsys):
    path = _daily_csv(workdir / "data" / "short.csv", "price", _trending_price(n=60))
    code, out, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "price")
    assert code == 0, err
    note = " ".join(out.split())
    assert re.search(r"holds \d+ changes, too few to test whether the series is close to a "
                     r"random walk \(the test needs at least 58\)", note)
    assert "within 2% of it is a good result" in note


@pytest.mark.parametrize("gaps", [0, 3])
def test_new_interpolates_a_series_with_gaps_and_check_passes(workdir, capsys, gaps):
    import numpy as np
    values = _seasonal()
    values[[40, 41, 200][:gaps]] = np.nan
    path = _daily_csv(workdir / "data" / "gaps.csv", "sales", values)
    code, out, err = rnnbench(capsys, "new", "gaps", "--data", str(path), "--target", "sales")
    assert code == 0, err
    data = written(workdir, "gaps")["data"]
    if gaps:
        assert data["missing"] == "interpolate"
        assert f"chosen: missing interpolate: {gaps} cells of the series' columns" in out
        assert "could not be measured" not in out  # the target transform saw the series
    else:
        assert "missing" not in data and "missing interpolate" not in out
    code, out, err = rnnbench(capsys, "check", "gaps")
    assert code == 0, err
    assert "rows: 400" in out


@pytest.mark.parametrize("header, refused", [(False, True), (True, False)])
def test_new_refuses_a_table_whose_first_row_is_data(workdir, capsys, header, refused):
    path = workdir / "data" / "values.csv"
    rows = "\n".join(f"{20 + (i % 7) * 0.37:.2f},{i % 5 + 0.5}" for i in range(60))
    path.write_text(("level,rate\n" if header else "") + rows + "\n")
    code, _, err = rnnbench(capsys, "new", "values", "--data", str(path), "--target",
                            "level" if header else "20.00")
    assert (code == 2) == refused, err
    if refused:
        assert "to start with a header row" in err and "['20.00', '0.5']" in err
        assert not (workdir / "experiments").exists()


def test_new_reads_a_long_table_as_sequences_not_rows(workdir, capsys):
    path = long_csv(workdir / "data" / "steps.csv")  # sid, grp, t, a, b, lab, lab2; shuffled
    code, out, err = rnnbench(capsys, "new", "steps", "--data", str(path), "--target", "lab")
    assert code == 0, err
    data = written(workdir, "steps")["data"]
    assert (data["name"], data["layout"], data["task"]) == ("file_sequences", "long",
                                                            "classify")
    assert (data["id_column"], data["time_column"]) == ("sid", "t")
    assert {"a", "b"} <= set(data["value_columns"]) and "sid" not in data["value_columns"]
    assert data["scale"] == "standard"  # a table's numbers come in any units
    assert "classify each sequence of 'sid' (60 sequences" in out
    assert "class balance by sequence {'0': 30, '1': 30}" in out
    code, out, err = rnnbench(capsys, "check", "steps")
    assert code == 0, err
    assert "sequences: 60" in out


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_new_reads_a_sequence_held_in_a_cell_as_a_sequence_not_a_text(workdir, capsys,
                                                                      suffix):
    """`0.1 -0.2 0.4 ...` in one cell (or a list, in Parquet and JSON) was a text of
    number-words to classify, or nested values refused."""
    path = cell_sequences_file(workdir / "data" / f"signals.{suffix}")
    code, out, err = rnnbench(capsys, "new", "signals", "--data", str(path),
                              "--target", "trend")
    assert code == 0, err
    data = written(workdir, "signals")["data"]
    assert (data["name"], data["layout"], data["task"]) == ("file_sequences", "cell",
                                                            "classify")
    assert (data["value_columns"], data["id_column"]) == (["signal"], "id")
    assert "column 'signal': sequence" in out and "numbers per row" in out
    assert "the numbers in ['signal'] as a sequence" in " ".join(out.split())
    code, out, err = rnnbench(capsys, "check", "signals")
    assert code == 0, err
    assert "sequences: 120" in out
    assert re.search(r"input shape per sample: \((3\d|40), 1\)", out), out  # padded


@pytest.mark.slow
def test_a_sequence_a_cell_new_writes_is_learned_and_predicted_by_its_id(workdir, capsys):
    path = cell_sequences_file(workdir / "data" / "signals.csv")
    metrics = new_then_run(workdir, capsys, "signals", path, "trend", "as a sequence")
    # Rising against falling through noise: the majority class scores 0.5.
    assert metrics["test_accuracy"] >= 0.9 > metrics["baseline_test_accuracy"], metrics
    (run_dir,) = (workdir / "results" / "signals").iterdir()
    code, _, err = rnnbench(capsys, "predict", str(run_dir), "--data", str(path),
                            "--out", "p.csv")
    assert code == 0, err
    import pandas as pd
    predicted = pd.read_csv(workdir / "p.csv")
    assert list(predicted["id"][:2]) == ["r0", "r1"]
    assert (predicted["label"] == pd.read_csv(path)["trend"]).mean() >= 0.9


def test_new_classifies_a_folder_of_a_sequence_a_table_by_its_subfolders(workdir, capsys):
    """Recordings kept a CSV each in a folder per class (HAR's layout) were read as one
    text for a character language model."""
    sequence_folder(workdir / "data" / "moves", per_class=5)
    code, out, err = rnnbench(capsys, "new", "moves", "--data", "data/moves")
    assert code == 0, err
    data = written(workdir, "moves")["data"]
    assert (data["name"], data["layout"], data["task"]) == ("file_sequences", "files",
                                                            "classify")
    assert (data["time_column"], data["value_columns"]) == ("t", ["ax", "ay"])
    assert "classify each file by its subfolder" in out and "ordered by 't'" in out
    assert "{'run': 5, 'walk': 5}" in out
    code, out, err = rnnbench(capsys, "check", "moves")
    assert code == 0, err
    assert "sequences: 10" in out and "... 5 more files" in out
    code, _, err = rnnbench(capsys, "new", "again", "--data", "data/moves", "--target", "ax")
    assert code == 2 and "subfolders name the classes" in err, err


@pytest.mark.slow
def test_a_folder_of_tables_new_writes_is_learned_and_predicted_by_file(workdir, capsys):
    import json

    import pandas as pd
    sequence_folder(workdir / "data" / "moves", per_class=30)
    code, out, err = rnnbench(capsys, "new", "moves", "--data", "data/moves")
    assert code == 0, err
    code, _, err = rnnbench(capsys, "run", "moves")
    assert code == 0, err
    (run_dir,) = (workdir / "results" / "moves").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # One frequency against three: the majority class scores 0.5.
    assert metrics["test_accuracy"] >= 0.9 > metrics["baseline_test_accuracy"], metrics
    code, _, err = rnnbench(capsys, "predict", str(run_dir), "--data", "data/moves",
                            "--out", "p.csv")
    assert code == 0, err
    predicted = pd.read_csv(workdir / "p.csv")
    assert list(predicted.columns[:2]) == ["file", "label"] and "actual" in predicted
    assert (predicted["label"] == predicted["actual"]).mean() >= 0.9


@pytest.mark.parametrize("cells", [["555 1234", "555 9876"], ["3 - 1", "0 - 2"]])
def test_a_few_numbers_in_a_text_cell_are_not_a_sequence(workdir, capsys, cells):
    import pandas as pd
    pd.DataFrame({"phone": cells * 20, "value": range(40),
                  "label": ["a", "b"] * 20}).to_csv(workdir / "data" / "t.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "t", "--data", "data/t.csv", "--target", "label")
    assert code == 0, err
    assert "column 'phone': category" in out


def test_new_labels_every_step_where_the_label_changes_within_a_sequence(workdir, capsys):
    """A state logged on every row of each session was classified a row at a time, the
    step number among the features and the session ignored."""
    path = tagged_long_csv(workdir / "data" / "tags.csv")
    code, out, err = rnnbench(capsys, "new", "tags", "--data", str(path), "--target", "state")
    assert code == 0, err
    data = written(workdir, "tags")["data"]
    assert (data["layout"], data["target"], data["task"]) == ("long", "steps",
                                                              "sequence_label")
    assert (data["id_column"], data["time_column"], data["value_columns"]) == (
        "session", "t", ["x", "y"])
    assert "label every step of each sequence of 'session'" in " ".join(out.split())
    code, out, err = rnnbench(capsys, "check", "tags")
    assert code == 0, err
    assert "sequences: 40" in out


@pytest.mark.parametrize("argv, task", [([], "forecast"),
                                         (["--task", "classify"], "sequence_label")])
def test_a_dated_panels_class_like_column_stays_a_forecast_unless_classify_is_asked(
        workdir, capsys, argv, task):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(0)
    pd.DataFrame([{"store_id": s, "date": d.strftime("%Y-%m-%d"), "sales": rng.poisson(20),
                   "promo": int(rng.random() < 0.3)}
                  for s in range(4) for d in pd.date_range("2024-01-01", periods=60)]).to_csv(
        workdir / "data" / "promo.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "promo", "--data", "data/promo.csv",
                              "--target", "promo", *argv)
    assert code == 0, err
    assert written(workdir, "promo")["data"]["task"] == task


@pytest.mark.slow
def test_step_labels_new_writes_are_learned_and_predicted_a_step_each(workdir, capsys):
    import pandas as pd
    path = tagged_long_csv(workdir / "data" / "tags.csv", sequences=60)
    metrics = new_then_run(workdir, capsys, "tags", path, "state", "label every step")
    # x follows the state through noise of 0.3: far above the majority class's ~0.55.
    assert metrics["test_accuracy"] >= 0.8 > metrics["baseline_test_accuracy"] + 0.2, metrics
    (run_dir,) = (workdir / "results" / "tags").iterdir()
    code, _, err = rnnbench(capsys, "predict", str(run_dir), "--data", str(path),
                            "--out", "p.csv")
    assert code == 0, err
    predicted = pd.read_csv(workdir / "p.csv").set_index("session")
    lengths = pd.read_csv(path).groupby("session").size()
    import json
    kept = json.loads((run_dir / "preprocessing.json").read_text())["inputs"]["max_length"]
    # a label for each real step of a session (up to the steps the run keeps), none for
    # its padding
    assert all(len(predicted.loc[s, "predicted"].split()) == min(n, kept)
               for s, n in lengths.items())


@pytest.mark.parametrize("in_order", [False, True], ids=["shuffled", "increasing"])
def test_new_keeps_a_table_of_independent_rows_wide(workdir, capsys, in_order):
    # An id per row is no sequence: each row stays one sample of its numeric columns, and
    # an id that only grows does not make a label a series to forecast.
    path = workdir / "data" / "rows.csv"
    order = range(60) if in_order else [(7 * i) % 60 for i in range(60)]
    rows = [f"{i},{i % 3 * 0.5 + 0.1},{i % 5 * 0.25 + 0.2},{i % 2}" for i in order]
    path.write_text("id,x1,x2,label\n" + "\n".join(rows) + "\n")
    code, out, err = rnnbench(capsys, "new", "rows", "--data", str(path), "--target", "label")
    assert code == 0, err
    data = written(workdir, "rows")["data"]
    assert (data["layout"], data["task"], data["value_columns"]) == ("wide", "classify",
                                                                      ["x1", "x2"])


@pytest.mark.parametrize("steps, along_rows, task", [
    ([f"t{i}" for i in range(12)], False, "regress"),
    ([f"x_{i}" for i in range(1, 9)], False, "regress"),
    # No numbered steps: each row's numbers as the features of one sample.
    (["open", "high", "low", "volume", "a1", "a2", "a3", "a4"], False, "regress rows"),
    ([f"t{i}" for i in range(7)], False, "regress rows"),  # too few to be steps
    ([f"sensor{i}" for i in range(1, 9)], True, "forecast"),  # a series of 8 sensors
])
def test_new_regresses_a_row_of_numbered_steps_and_names_the_rows_by_their_id(
        workdir, capsys, steps, along_rows, task):
    # A numeric target beside columns that number the steps of a sequence, no time
    # column, and a target that does not follow from row to row: each row is a sample (a
    # unit's readings and its remaining life), not a time step of one series to forecast
    # along the rows. Eight sensors read along a series (the target follows from the
    # last row) stay a forecast.
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(0)
    values = rng.normal(size=(80, len(steps))).cumsum(axis=1)
    if along_rows:
        values = rng.normal(size=(80, len(steps))).cumsum(axis=0)
    table = pd.DataFrame(values, columns=steps)
    table.insert(0, "unit", [f"u{i}" for i in range(80)])
    table["rul"] = 3 * values[:, -1] + 50
    path = workdir / "data" / "units.csv"
    table.to_csv(path, index=False)
    code, out, err = rnnbench(capsys, "new", "units", "--data", str(path), "--target", "rul")
    assert code == 0, err
    data = written(workdir, "units")["data"]
    assert data["task"] == task.split()[0]
    said = " ".join(out.split())
    if task == "regress rows":
        assert (data["name"], data["id_column"], data["value_columns"], data["target"]) == \
            ("file_sequences", "unit", steps, "values")
        assert "regress, not forecast: the rows' only order is the file's, and 'rul' does " \
            "not follow from one row to the next (lag-1 correlation" in said
    elif task == "regress":
        assert (data["name"], data["layout"], data["id_column"], data["value_columns"],
                data["target"]) == ("file_sequences", "wide", "unit", steps, "values")
        assert (f"regress, not forecast: no time column orders the rows, the columns "
                f"{steps[0]!r}..{steps[-1]!r} number the steps of a sequence in each row, "
                "and 'rul' does not follow from one row to the next (lag-1 correlation") \
            in " ".join(out.split())
        code, out, err = rnnbench(capsys, "new", "units", "--data", str(path), "--target",
                                  "rul", "--task", "forecast", "--force")
        assert code == 0 and written(workdir, "units")["data"]["task"] == "forecast", err
    else:
        assert data["name"] == "file_series" and "regress, not forecast" not in out


def test_new_regresses_a_rows_own_number_in_a_table_ordered_by_a_row_id(workdir, capsys):
    """A spend per customer row, ordered by row_id: was forecast from the 20 rows before
    it, so a row's own numbers never reached its own target; and a column of words was
    left out without a word."""
    import pandas as pd
    rng = np.random.default_rng(0)
    age, income = rng.integers(18, 80, 300), rng.normal(5e4, 1.5e4, 300)
    plan = rng.choice(["basic", "pro"], 300)
    pd.DataFrame({"row_id": np.arange(300), "age": age, "income": income, "plan": plan,
                  "spend": age * 2 + income / 1000 + rng.normal(0, 5, 300)}).to_csv(
        workdir / "data" / "spend.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "spend", "--data", "data/spend.csv",
                              "--target", "spend")
    assert code == 0, err
    data = written(workdir, "spend")["data"]
    assert (data["name"], data["task"], data["value_columns"]) == (
        "file_sequences", "regress", ["age", "income"])
    said = " ".join(out.split())
    assert "the rows' only order is a growing 'row_id'" in said
    assert "not read: ['plan'], which hold words or times" in said
    code, out, err = rnnbench(capsys, "new", "spend", "--data", "data/spend.csv",
                              "--target", "spend", "--task", "forecast", "--force")
    assert code == 0 and written(workdir, "spend")["data"]["name"] == "file_series", err


@pytest.mark.parametrize("sort", [False, True], ids=["file order", "sorted by price"])
def test_new_regresses_a_number_per_text_from_the_text(workdir, capsys, sort):
    # A price beside a description and no time: the number is learned from the text, not
    # forecast along the rows (also where the rows are sorted by it, so each price
    # follows from the last); a rating of a few whole numbers stays classes.
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(0)
    words = ["spacious", "bright", "view", "noisy", "dark", "old", "garden", "quiet"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(120)]
    frame = pd.DataFrame({"description": texts,
                          "price": [round(2e5 + 3e4 * t.count("view") + rng.normal(0, 5e3))
                                    for t in texts],
                          "stars": rng.integers(1, 6, len(texts)),
                          "agent": rng.choice(["ann", "bob", "cy"], len(texts))})
    if sort:
        frame = frame.sort_values("price")
    path = workdir / "data" / "flats.csv"
    frame.to_csv(path, index=False)
    code, out, err = rnnbench(capsys, "new", "flats", "--data", str(path), "--target", "price")
    assert code == 0, err
    data = written(workdir, "flats")["data"]
    assert (data["name"], data["task"], data["target"], data["text_column"],
            data["label_column"]) == ("file_text", "regress", "values", "description", "price")
    assert "chosen: regress 'price' from the text of 'description'" in out
    code, out, err = rnnbench(capsys, "check", "flats")
    assert code == 0 and "baseline: mean of the training part" in out, err
    code, out, err = rnnbench(capsys, "new", "stars", "--data", str(path), "--target", "stars")
    assert code == 0 and written(workdir, "stars")["data"]["task"] == "classify", err
    code, out, err = rnnbench(capsys, "new", "agent", "--data", str(path), "--target", "agent",
                              "--task", "regress")
    assert code == 2
    assert "Expected `--target` 'agent' to be numeric to regress it" in err
    assert not (workdir / "experiments" / "agent.yaml").exists()


def test_new_refuses_a_table_whose_header_repeats_among_its_rows(workdir, capsys):
    # Two exports joined one after the other: every column read as text, the prices
    # classified as 187 classes of one row each, and `run` failed on the split.
    path = price_csv(workdir / "data" / "prices.csv")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:51] + lines[:1] + lines[51:]))
    code, _, err = rnnbench(capsys, "new", "mine", "--data", str(path), "--target", "close")
    assert code == 2, err
    assert "to name its columns once, in its first line. Received: data row 51 repeats " \
        "that line (1 such row" in err
    assert not (workdir / "experiments").exists()


def test_a_number_per_text_with_an_empty_cell_is_written_to_skip_it_and_loads(workdir,
                                                                               capsys):
    # `new` once wrote an experiment that `run` then refused; it now writes
    # `unlabelled: skip` (tests/data/test_unlabelled.py), and the run loads.
    import pandas as pd

    from rnnbench.config import experiment as config_lib
    from rnnbench.data import cache
    frame = pd.read_csv(_flats_csv(workdir / "data" / "flats.csv", n=60))
    frame.loc[7, "price"] = None
    frame.to_csv(workdir / "data" / "flats.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "flats", "--data", "data/flats.csv", "--target",
                              "price")
    assert code == 0, err
    assert "unlabelled skip: 1 of 60 rows have no 'price'" in " ".join(out.split())
    data = written(workdir, "flats")["data"]
    assert (data["target"], data["unlabelled"]) == ("values", "skip")
    splits = cache.load(config_lib.load_experiment("flats"))
    assert len(splits.train) + len(splits.val) + len(splits.test) == 59


def _flats_csv(path, n=300, seed=4):
    """Flat descriptions and prices: +10,000 a 'spacious', +8,000 a 'view', -5,000 a
    'noisy', noise of 2,000 (the error a perfect model is left with)."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    words = "cozy spacious modern old bright dark garden balcony view noisy quiet central"
    rows = []
    for i in range(n):
        chosen = list(rng.choice(words.split(), 8))
        price = 100 + 10 * chosen.count("spacious") + 8 * chosen.count("view") - \
            5 * chosen.count("noisy") + rng.normal(0, 2)
        rows.append({"description": " ".join(chosen) + f" flat number {i}",
                     "price": round(price * 1000)})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def new_then_run(workdir, capsys, name, path, target, chosen):
    """`rnnbench new NAME --data PATH --target TARGET` (which must print `chosen`), then
    `rnnbench run NAME`; returns the run's metrics.json."""
    import json
    code, out, err = rnnbench(capsys, "new", name, "--data", str(path), "--target", target)
    assert code == 0 and chosen in out, err
    code, _, err = rnnbench(capsys, "run", name)
    assert code == 0, err
    (run_dir,) = (workdir / "results" / name).iterdir()
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.mark.slow
def test_a_number_per_text_new_writes_is_learned_down_to_the_noise(workdir, capsys):
    metrics = new_then_run(workdir, capsys, "flats", _flats_csv(workdir / "data" / "flats.csv"),
                           "price", "chosen: regress 'price' from the text")
    # in the price's units: 1,984 against the training mean's 10,010 at seed 42, where
    # the noise alone leaves 2,000
    assert metrics["test_rmse_original"] < 0.4 * metrics["baseline_test_rmse_original"], \
        metrics


@pytest.mark.parametrize("argv", [["--target", "power"], []], ids=["target", "no target"])
def test_a_txt_file_of_columns_is_a_table_not_a_text_to_model(workdir, capsys, argv):
    # An instrument's export: tab-separated columns under a header, saved as .txt.
    import numpy as np
    rows = [f"2024-01-01 {h // 4:02d}:{h % 4 * 15:02d}\t{50 + 10 * np.sin(h / 9):.3f}"
            for h in range(96)]
    path = workdir / "data" / "meter.txt"
    path.write_text("time\tpower\n" + "\n".join(rows) + "\n")
    code, out, err = rnnbench(capsys, "new", "meter", "--data", str(path), *argv)
    assert code == 0, err
    data = written(workdir, "meter")["data"]
    assert (data["name"], data["targets"], data["time_column"]) == (
        "file_series", "power", "time")
    assert f"{path}: table" in out
    code, out, err = rnnbench(capsys, "check", "meter")
    assert code == 0 and "rows: 96" in out, err


def test_a_txt_file_of_prose_with_one_comma_a_line_stays_a_text_to_model(workdir, capsys):
    lines = [f"The {w} sat on the mat, and the dog ran far away" for w in
             ("cat", "hen", "fox", "owl", "bat", "elk")] * 20
    path = workdir / "data" / "story.txt"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = rnnbench(capsys, "new", "story", "--data", str(path))
    assert code == 0, err
    assert written(workdir, "story")["data"]["name"] == "file_corpus"


def test_new_keeps_the_first_row_of_a_timestamp_a_daylight_saving_clock_repeats(
        workdir, capsys):
    # Local wall-clock times: the hour the clock is set back repeats. A run refuses a
    # repeated timestamp unless data.duplicates says which row to keep, so new chooses.
    import numpy as np
    import pandas as pd
    hours = pd.date_range("2023-10-20", periods=24 * 20, freq="h", tz="Europe/Berlin")
    load = 100 + 20 * np.sin(np.arange(len(hours)) * 2 * np.pi / 24)
    path = workdir / "data" / "load.csv"
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "load": load.round(3)}).to_csv(
        path, index=False)
    code, out, err = rnnbench(capsys, "new", "load", "--data", str(path), "--target", "load")
    assert code == 0, err
    assert written(workdir, "load")["data"]["duplicates"] == "first"
    said = " ".join(out.split())
    assert ("chosen: duplicates first: 1 row repeats the timestamp of the row before (e.g. "
            "'2023-10-29T02:00:00' in rows 219 and 220") in said
    assert "could not be measured" not in said  # the target transform read the series
    code, out, err = rnnbench(capsys, "check", "load")
    assert code == 0, err
    assert "rows: 479" in out  # 480 hours written, one of the repeated hour left out


def test_new_classifies_arrays_with_one_hot_labels(workdir, capsys):
    import numpy as np
    data = np.load(arrays_npz(workdir / "data" / "ids.npz"))
    np.savez(workdir / "data" / "hot.npz", x=data["x"], y=np.eye(3)[data["y"]])
    code, out, err = rnnbench(capsys, "new", "hot", "--data", str(workdir / "data" / "hot.npz"))
    assert code == 0, err
    written_data = written(workdir, "hot")["data"]
    assert (written_data["task"], written_data["target"]) == ("classify", "classes")
    assert "labels: one-hot, 3 classes (read as class ids)" in out
    assert "classes: {0: 30, 1: 30, 2: 30}" in out


def test_new_labels_every_step_of_arrays_whose_labels_are_shaped_like_the_steps(workdir,
                                                                              capsys):
    """Such labels were regressed as that many values a sample, or refused for classify."""
    import numpy as np
    x = np.random.default_rng(0).normal(size=(60, 8, 1)).astype("float32")
    path = workdir / "data" / "steps.npz"
    np.savez(path, x=x, y=(x[..., 0] > 0).astype("int64"))
    for name, argv in (("steps", []), ("steps2", ["--task", "classify"])):
        code, out, err = rnnbench(capsys, "new", name, "--data", str(path), *argv)
        assert code == 0, err
        data = written(workdir, name)["data"]
        assert (data["name"], data["target"], data["task"]) == ("file_arrays", "steps",
                                                                "sequence_label")
        assert "chosen: label every step" in out and "class balance by step" in out
    code, out, err = rnnbench(capsys, "check", "steps")
    assert code == 0 and "target shape per sample: (8,)" in out, err
    code, out, err = rnnbench(capsys, "new", "values", "--data", str(path), "--task", "regress")
    assert code == 0 and written(workdir, "values")["data"]["target"] == "values", err


def test_new_forecasts_a_files_only_column_and_refuses_a_constant_one(workdir, capsys):
    import numpy as np
    import pandas as pd
    values = np.sin(np.arange(300) / 9).round(3)
    pd.DataFrame({"load": values}).to_csv(workdir / "data" / "load.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "load", "--data", str(workdir / "data" / "load.csv"))
    assert code == 0, err
    assert "chosen: target 'load': the file's only column" in out
    assert written(workdir, "load")["data"]["targets"] == "load"
    pd.DataFrame({"date": pd.date_range("2021-01-01", periods=300).strftime("%Y-%m-%d"),
                  "load": 5.0}).to_csv(workdir / "data" / "flat.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "flat", "--data", str(workdir / "data" / "flat.csv"))
    assert code == 2 and "Expected the target to vary over the training part" in err, err
    assert not (workdir / "experiments" / "flat.yaml").exists()


def _unspaced_reviews(path, n=200, seed=0):
    """Short Chinese reviews without spaces, as the script is written; the label follows
    the characters (of two disjoint sets)."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    good, bad = list("好看精彩喜欢推荐"), list("无聊难看失望糟糕")
    rows = [("".join(rng.choice(good if i % 2 else bad, 10)), "pos" if i % 2 else "neg")
            for i in range(n)]
    pd.DataFrame(rows, columns=["review", "label"]).to_csv(path, index=False)
    return path


def test_new_reads_texts_whose_words_run_together_by_characters(workdir, capsys):
    path = _unspaced_reviews(workdir / "data" / "zh.csv")
    code, out, err = rnnbench(capsys, "new", "zh", "--data", str(path))
    assert code == 0, err
    data = written(workdir, "zh")["data"]
    assert (data["name"], data["level"], data["seq_len"]) == ("file_text", "char", 15)
    assert "10.0 characters a row, read by characters: its words run together" in out
    # A folder of class subfolders in such a script: by characters too.
    import pandas as pd
    for i, (text, label) in enumerate(pd.read_csv(path).itertuples(index=False)):
        (workdir / "data" / "zh_docs" / label).mkdir(parents=True, exist_ok=True)
        (workdir / "data" / "zh_docs" / label / f"{i}.txt").write_text(text, encoding="utf-8")
    code, out, err = rnnbench(capsys, "new", "zh_docs", "--data",
                              str(workdir / "data" / "zh_docs"))
    assert code == 0, err
    assert written(workdir, "zh_docs")["data"]["level"] == "char"
    assert "15 characters of each (its words run together" in out
    # Beside a numeric column they are still the texts to classify (not a category).
    frame = pd.read_csv(path).assign(stars=range(200))
    frame.to_csv(workdir / "data" / "zh_stars.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "zh_stars", "--data",
                              str(workdir / "data" / "zh_stars.csv"), "--target", "label")
    assert code == 0, err
    data = written(workdir, "zh_stars")["data"]
    assert (data["name"], data["text_column"], data["level"]) == ("file_text", "review", "char")


@pytest.mark.slow
def test_texts_whose_words_run_together_are_learned_by_characters_not_words(workdir, capsys):
    """By words each 10-character review is one token seen once: nothing to learn."""
    import json
    path = _unspaced_reviews(workdir / "data" / "zh.csv")
    assert rnnbench(capsys, "new", "zh", "--data", str(path))[0] == 0
    accuracy = {}
    for level, seq_len in (("char", 15), ("word", 8)):
        code, _, err = rnnbench(capsys, "run", "zh", "--set", "train.epochs=8",
                                "--set", f"data.level={level}", "--set",
                                f"data.seq_len={seq_len}", "--results-dir", str(workdir / level))
        assert code == 0, err
        (metrics,) = (workdir / level).glob("zh/*/metrics.json")
        accuracy[level] = json.loads(metrics.read_text())["test_accuracy"]
    assert accuracy["char"] >= 0.9 and accuracy["word"] <= 0.6, accuracy


def _panel_csv(path, stores=("berlin", "paris", "rome"), days=200):
    """Daily sales per store, a weekly season at three levels; rows shuffled."""
    import numpy as np
    import pandas as pd
    frames = [pd.DataFrame({
        "store": store, "weekday": pd.date_range("2022-01-01", periods=days).day_name(),
        "date": pd.date_range("2022-01-01", periods=days).strftime("%Y-%m-%d"),
        "sales": 100 + 10 * k + 5 * np.sin(np.arange(days) * 2 * np.pi / 7)
        + np.random.default_rng(k).normal(0, 1, days)}) for k, store in enumerate(stores)]
    pd.concat(frames).sample(frac=1, random_state=0).to_csv(path, index=False)
    return path


def test_new_forecasts_each_series_of_a_panel(workdir, capsys):
    path = _panel_csv(workdir / "data" / "stores.csv")
    code, out, err = rnnbench(capsys, "new", "stores", "--data", str(path), "--target", "sales")
    assert code == 0, err
    data = written(workdir, "stores")["data"]
    # store, not weekday: under weekday the dates still repeat (three stores a day).
    assert (data["id_column"], data["time_column"]) == ("store", "date")
    assert "per series of 'store' (3 series" in out
    # The level of the next store is no trend of the first (100 -> 110 -> 120).
    assert "target_transform none" in out and "could not be measured" not in out
    code, out, err = rnnbench(capsys, "check", "stores")
    assert code == 0, err
    assert "series: 3" in out


def test_new_keeps_one_series_whose_timestamps_do_not_repeat(workdir, capsys):
    path = _panel_csv(workdir / "data" / "one.csv", stores=("berlin",))
    code, out, err = rnnbench(capsys, "new", "one", "--data", str(path), "--target", "sales")
    assert code == 0, err
    assert "id_column" not in written(workdir, "one")["data"] and "per series" not in out


@pytest.mark.parametrize("name, content, match", [
    ("book.xlsx", b"PK\x03\x04" + b"\x00" * 64, "a spreadsheet workbook; save its sheet as CSV"),
    ("nested.jsonl", b'{"t": 1, "v": {"a": 1}}\n{"t": 2, "v": {"a": 2}}\n',
     r"column 'v' .* to hold one value per cell\. Received: nested values"),
    ("latin1.csv", "datum,v\n01.01.2021,1\nM\u00e4rz,2\n".encode("latin-1"),
     "to be UTF-8 text"),
])
def test_new_refuses_files_it_cannot_read_in_one_paragraph(workdir, capsys, name, content,
                                                          match):
    path = workdir / "data" / name
    path.write_bytes(content)
    code, out, err = rnnbench(capsys, "new", "bad", "--data", str(path), "--target", "v")
    assert code == 2 and re.search(match, err), err
    assert "Traceback" not in err and not (workdir / "experiments").exists()


def test_a_cp1252_file_is_refused_with_a_command_that_makes_it_readable(workdir, capsys):
    """The remedy the message names, run as written in the file's folder, gives a file
    `new` reads (iconv ships with the C library on Linux)."""
    import subprocess
    folder = workdir / "data"
    (folder / "sales 2021.csv").write_bytes(("date,v,shop\n" + "".join(
        f"2021-01-{d:02d},{d},caf\u00e9 \u20ac{d % 2}\n" for d in range(1, 29))).encode("cp1252"))
    code, _, err = rnnbench(capsys, "new", "sales", "--data", str(folder / "sales 2021.csv"),
                            "--target", "v")
    assert code == 2 and "to be UTF-8 text" in err, err
    command = re.search(r"e\.g\. `([^`]+)`", " ".join(err.split())).group(1)
    assert command == "iconv -f cp1252 -t utf-8 'sales 2021.csv' > 'sales 2021.utf8.csv'"
    subprocess.run(command, shell=True, cwd=folder, check=True, timeout=30)
    assert (folder / "sales 2021.utf8.csv").read_text().endswith(",28,caf\u00e9 \u20ac0\n")
    code, _, err = rnnbench(capsys, "new", "sales", "--data",
                            str(folder / "sales 2021.utf8.csv"),
                            "--target", "v")
    assert code == 0, err


def _arrays(folder, files):
    """Writes `.npz`/`.npy` files: `{"b.npz": {"features": x, ...}, "x.npy": x}`."""
    import numpy as np
    for name, value in files.items():
        if name.endswith(".npz"):
            np.savez(folder / name, **value)
        else:
            np.save(folder / name, value)


def _samples(n=60, shape=(8,), classes=3, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)), rng.integers(0, classes, size=n)


@pytest.mark.parametrize("files, argv, keys, chosen", [
    # Arrays named otherwise than x/y: the two of as many samples, labels the flatter.
    ({"b.npz": dict(zip(("features", "labels"), _samples()))}, [],
     {"x_key": "features", "y_key": "labels"}, "inputs 'features', labels 'labels'"),
    # Its own split, by the names' stems.
    ({"s.npz": {"feats_train": _samples()[0], "lab_train": _samples()[1],
                 "feats_test": _samples(20)[0], "lab_test": _samples(20)[1]}}, [],
     {"x_key": "feats", "y_key": "lab"}, "inputs 'feats', labels 'lab'"),
    # --target names the labels; the one other array is the inputs.
    ({"t.npz": {"signal": _samples()[0], "kind": _samples()[1], "ids": _samples()[1]}},
     ["--target", "kind"], None, None),
])
def test_new_finds_the_inputs_and_labels_of_an_npz_named_its_own_way(workdir, capsys, files,
                                                                     argv, keys, chosen):
    _arrays(workdir / "data", files)
    (name,) = files
    args = ["new", "arr", "--data", f"data/{name}", *argv]
    if keys is None:  # three arrays: --target alone leaves two candidates for the inputs
        code, _, err = rnnbench(capsys, *args)
        assert code == 2 and "one array of inputs beside 'kind'" in err, err
        code, _, err = rnnbench(capsys, "new", "arr", "--data", f"data/{name}",
                                "--target", "knd")
        assert code == 2 and "did you mean 'kind'" in err, err
        return
    code, out, err = rnnbench(capsys, *args)
    assert code == 0, err
    data = written(workdir, "arr")["data"]
    assert {k: data[k] for k in keys} == keys and f"chosen: {chosen}" in out
    assert data["target"] == "classes" and "classes: {0:" in out


@pytest.mark.parametrize("inputs, labels, argv", [
    ("x.npy", "y.npy", []),                 # found beside it, named like it
    ("X_train.npy", "y_train.npy", []),
    ("sensors.npy", "tags.npy", ["--target", "data/tags.npy"]),
])
def test_new_takes_the_labels_npy_beside_an_inputs_npy(workdir, capsys, inputs, labels, argv):
    x, y = _samples(shape=(8, 2))
    _arrays(workdir / "data", {inputs: x, labels: y})
    code, out, err = rnnbench(capsys, "new", "arr", "--data", f"data/{inputs}", *argv)
    assert code == 0, err
    data = written(workdir, "arr")["data"]
    # Paths relative to the YAML file, as `data:` reads them.
    assert (data["path"], data["y_path"]) == (f"../data/{inputs}", f"../data/{labels}")
    assert f"labels: {workdir / 'data' / labels}" in out


def test_an_inputs_npy_without_labels_asks_for_them_by_name(workdir, capsys):
    _arrays(workdir / "data", {"sensors.npy": _samples()[0]})
    code, _, err = rnnbench(capsys, "new", "arr", "--data", "data/sensors.npy")
    assert code == 2 and "as `--target LABELS.npy`" in err and "Traceback" not in err, err
    assert not (workdir / "experiments").exists()


def test_short_texts_beside_a_label_are_classified_as_texts(workdir, capsys):
    """Reviews of 1-6 words read as a category column; with no numbers beside them,
    `new` used to write a sequence classifier of 0 columns. A quoted cell may hold a
    line break."""
    import csv
    import random
    rng = random.Random(0)
    good, bad = ["superb", "loved it", "wonderful acting"], ["awful", "boring plot", "dull"]
    with open(workdir / "data" / "rev.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "review", "rating"])
        for i in range(120):
            pos = rng.random() < 0.5
            text = rng.choice(good if pos else bad) + ("\nand more" if i % 3 == 0 else "")
            writer.writerow([i, text, "pos" if pos else "neg"])
    code, out, err = rnnbench(capsys, "new", "rev", "--data", "data/rev.csv",
                              "--target", "rating")
    assert code == 0, err
    data = written(workdir, "rev")["data"]
    assert (data["name"], data["text_column"], data["label_column"]) == (
        "file_text", "review", "rating")
    assert "short texts" in out
    (workdir / "data" / "ids.csv").write_text(
        "id,label\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(50)))
    code, _, err = rnnbench(capsys, "new", "ids", "--data", "data/ids.csv", "--target", "label")
    assert code == 2 and "Expected a column to learn 'label' from" in err, err
    assert not (workdir / "experiments" / "ids.yaml").exists()


@pytest.mark.parametrize("dates, note", [
    # A tenth of the days missing: "one step ahead" is the next row, not the next day.
    (lambda pd: pd.date_range("2021-01-01", periods=300, freq="D")[
        [i for i in range(300) if i % 10 != 3]], "usually 1 day apart, but 30 of 269 steps "
                                                 "are longer (up to 2 days"),
    (lambda pd: pd.date_range("2021-01-01", periods=300, freq="h"), None),
    (lambda pd: pd.date_range("2000-01-01", periods=120, freq="MS"), None),  # 28-31 days
    (lambda pd: pd.date_range("1900-01-01", periods=120, freq="YS"), None),  # leap years
])
def test_new_says_when_the_rows_are_not_evenly_spaced_in_time(workdir, capsys, dates, note):
    import numpy as np
    import pandas as pd
    times = dates(pd)
    values = np.sin(np.arange(len(times)) / 7) * 10 + 50
    pd.DataFrame({"date": times.strftime("%Y-%m-%d %H:%M"), "sales": values.round(3)}).to_csv(
        workdir / "data" / "s.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "s", "--data", "data/s.csv")
    assert code == 0, err
    said = " ".join(out.split())
    if note is None:
        assert "not evenly spaced" not in said
    else:
        assert f"note: the rows are not evenly spaced in time: {note}" in said
        assert "not evenly spaced" in (workdir / "experiments" / "s.yaml").read_text()


@pytest.mark.slow
def test_a_sequence_regression_new_writes_beats_the_training_mean(workdir, capsys):
    """A target near 100 from inputs near 0, as `new` writes it. Before the target and
    inputs were scaled, the run's test MSE was 100x the mean baseline's (10,270 to 102.9)."""
    import numpy as np
    import pandas as pd
    rng, rows = np.random.default_rng(0), []
    for i in range(120):
        level = rng.normal()
        for t, a in enumerate(level + 0.3 * rng.normal(size=int(rng.integers(4, 9)))):
            rows.append({"unit_id": f"u{i}", "t": t, "a": a, "b": rng.normal(),
                         "target": round(100 + 10 * level, 3)})
    path = workdir / "data" / "units.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    metrics = new_then_run(workdir, capsys, "units", path, "target",
                           "regress each sequence of 'unit_id'")
    # in the target's own units, against the training mean (6.7 to 102.9 at seed 42)
    assert metrics["test_mse_original"] < 0.5 * metrics["baseline_test_mse_original"], metrics


@pytest.mark.parametrize("income_scale", [1.0, 1 / 20000], ids=["apart", "alike"])
def test_new_reads_a_rows_columns_on_scales_apart_as_features_each_scaled(workdir, capsys,
                                                                         income_scale):
    """A customer table (age, income, tenure, a label) written as a sequence of three
    steps shared one scaler: income's spread drowned the others (test accuracy at the
    majority's, where the same data with income in tens of thousands reached 0.99)."""
    import pandas as pd
    from rnnbench.config import experiment as config_lib
    from rnnbench.data import cache
    rng = np.random.default_rng(5)
    age = rng.integers(20, 70, 300)
    pd.DataFrame({"customer_id": np.arange(1, 301), "age": age,
                  "income": rng.normal(80000, 30000, 300).round(0) * income_scale,
                  "tenure": rng.integers(0, 10, 300),
                  "label": np.where(age > 45, "yes", "no")}).to_csv(
        workdir / "data" / "customers.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "customers", "--data", "data/customers.csv")
    assert code == 0, err
    data = written(workdir, "customers")["data"]
    assert data["value_columns"] == ["age", "income", "tenure"]
    if income_scale != 1.0:  # spreads alike: a sequence a row, as before
        assert data["layout"] == "wide"
        return
    assert data["layout"] == "cell" and "as the features of one step" in out
    assert "to 3e+04 ('income')" in out
    splits = cache.load(config_lib.load_experiment(workdir / "experiments" / "customers.yaml"))
    assert splits.train.x.shape[1:] == (1, 3)
    scaled = splits.train.x.reshape(-1, 3)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-5)  # each on its own
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-3)
    assert rnnbench(capsys, "check", "customers")[0] == 0


def test_new_says_when_labels_differ_only_in_case_or_spaces(workdir, capsys):
    import pandas as pd
    texts = [f"{word} film number {i}" for i, word in enumerate(["good", "bad"] * 30)]
    labels = ["pos", "neg", "POS", "neg ", "pos", "neg"] * 10
    pd.DataFrame({"review": texts, "sentiment": labels}).to_csv(
        workdir / "data" / "messy.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "messy", "--data", "data/messy.csv")
    assert code == 0, err
    assert "labels that differ only in case or spaces are different classes: 'POS' " \
           "'pos'; 'neg' 'neg '" in out
    reviews_csv(workdir / "data" / "clean.csv")
    code, out, err = rnnbench(capsys, "new", "clean", "--data", "data/clean.csv")
    assert code == 0 and "differ only in case" not in out


def test_new_shows_the_largest_classes_of_many(workdir, capsys):
    import pandas as pd
    labels = [f"c{i % 40}" for i in range(400)]
    pd.DataFrame({"text": [f"word{i % 40} and more" for i in range(400)],
                  "label": labels}).to_csv(workdir / "data" / "many.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "many", "--data", "data/many.csv")
    assert code == 0, err
    balance = out.split("class balance ")[1].split("}")[0] + "}"
    assert balance.count(": 10") == 12 and "... and 28 more classes}" in balance


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_new_fills_empty_feature_cells_and_leaves_out_a_column_with_no_value(workdir, capsys,
                                                                             suffix):
    """A row of features with a few empty cells gets `missing: mean` (check then passes);
    a column with no value at all is no feature, and no target."""
    import pandas as pd
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 200),
                          "income": rng.normal(5e4, 2e4, 200),
                          "score": rng.normal(0, 1, 200), "notes": np.nan,
                          "churned": rng.random(200) < 0.4})  # pandas writes True/False
    frame.loc[::10, "score"] = np.nan
    path = workdir / "data" / f"cust.{suffix}"
    getattr(frame, f"to_{suffix}")(path, index=False)
    code, out, err = rnnbench(capsys, "new", "cust", "--data", str(path), "--target", "churned")
    assert code == 0, err
    assert "column 'notes': empty (no value in the sample)" in out
    assert "not read: ['notes'], which hold no value" in out
    assert "missing mean: 20 empty cells ({'score': 20})" in out
    assert "class balance {'False': " in out  # the class names the run will use
    data = written(workdir, "cust")["data"]
    assert (data["layout"], data["missing"]) == ("cell", "mean")
    assert data["value_columns"] == ["age", "income", "score"]
    code, out, err = rnnbench(capsys, "check", "cust")
    assert code == 0, err
    assert "classes: ['False', 'True']" in out
    code, out, err = rnnbench(capsys, "new", "notes", "--data", str(path), "--target", "notes")
    assert code == 2 and "column 'notes'" in err and "every cell of it empty" in err


def test_new_writes_no_missing_key_for_a_wide_rows_empty_end(workdir, capsys):
    """A wide row's empty cells at its end make a shorter sequence, not a missing value."""
    import pandas as pd
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(60, 10)), columns=[f"t{i}" for i in range(10)])
    frame.loc[::4, ["t8", "t9"]] = np.nan
    frame["label"] = np.where(frame["t0"] > 0, "up", "down")
    frame.to_csv(workdir / "data" / "wide.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "wide", "--data", "data/wide.csv",
                              "--target", "label")
    assert code == 0, err
    assert written(workdir, "wide")["data"]["layout"] == "wide"
    assert "missing" not in written(workdir, "wide")["data"]
    frame.loc[5, "t3"] = np.nan  # a gap inside a row
    frame.to_csv(workdir / "data" / "wide.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "wide", "--data", "data/wide.csv",
                              "--target", "label", "--force")
    assert code == 0, err
    assert written(workdir, "wide")["data"]["missing"] == "mean"
    assert "missing mean: 1 empty cell ({'t3': 1})" in out


def test_new_fills_a_long_tables_empty_steps_and_names_the_interpolation(workdir, capsys):
    import pandas as pd
    path = long_csv(workdir / "data" / "long.csv")
    frame = pd.read_csv(path)
    frame.loc[frame.index[3::40], "a"] = np.nan
    frame.to_csv(path, index=False)
    code, out, err = rnnbench(capsys, "new", "steps", "--data", str(path), "--target", "lab")
    assert code == 0, err
    data = written(workdir, "steps")["data"]
    assert (data["layout"], data["missing"]) == ("long", "mean")
    said = " ".join(out.split())
    assert f"missing mean: {frame['a'].isna().sum()} empty cells ({{'a': " in said
    assert "s.interpolate(limit_direction='both'))" in said
    code, out, err = rnnbench(capsys, "check", "steps")
    assert code == 0, err


def test_no_forecast_together_hint_where_the_only_order_is_a_growing_id(workdir, capsys):
    import pandas as pd
    rng = np.random.default_rng(2)
    pd.DataFrame({"customer_id": np.arange(100, 400), "age": rng.integers(18, 80, 300),
                  "income": rng.normal(5e4, 2e4, 300), "churned": rng.random(300) < 0.4}
                 ).to_csv(workdir / "data" / "cust.csv", index=False)
    code, _, err = rnnbench(capsys, "new", "cust", "--data", "data/cust.csv")
    assert code == 2 and "Expected `--target COLUMN`" in err
    assert "forecast together" not in err


def test_new_needs_no_target_beside_a_y_feature_or_for_a_series_that_only_rises(workdir,
                                                                                 capsys):
    import pandas as pd
    rng = np.random.default_rng(0)
    rows = [(f"s{i:02d}", t, rng.normal(), rng.normal(), "up" if i % 2 else "down")
            for i in range(40) for t in range(10)]
    pd.DataFrame(rows, columns=["seq_id", "t", "x", "y", "label"]).to_csv(
        workdir / "data" / "xy.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "xy", "--data", "data/xy.csv")
    assert code == 0, err
    assert "chosen: target 'label': the one column named like a label" in out
    assert written(workdir, "xy")["data"]["value_columns"] == ["x", "y"]
    quarters = pd.period_range("1990Q1", periods=120, freq="Q").astype(str)
    pd.DataFrame({"quarter": quarters, "gdp": (100 * np.exp(0.01 * np.arange(120))).round(2)}
                 ).to_csv(workdir / "data" / "gdp.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "gdp", "--data", "data/gdp.csv")
    assert code == 0, err
    assert "chosen: target 'gdp': the only column of values beside the time column " \
        "'quarter'" in out


def test_a_repeated_time_with_a_utc_offset_is_named_in_utc_with_its_z(workdir, capsys):
    import pandas as pd
    hours = pd.date_range("2024-03-20", periods=300, freq="h", tz="Europe/Berlin")
    written_times = hours.strftime("%Y-%m-%d %H:%M:%S%z").str.replace(
        r"(\d\d)(\d\d)$", r"\1:\2", regex=True)
    frame = pd.DataFrame({"timestamp": written_times, "temp": np.sin(np.arange(300) / 4)})
    pd.concat([frame.iloc[:100], frame.iloc[[99]], frame.iloc[100:]]).to_csv(
        workdir / "data" / "h.csv", index=False)
    code, out, err = rnnbench(capsys, "new", "h", "--data", "data/h.csv")
    assert code == 0, err
    utc = hours[99].tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")
    assert f"(e.g. '{utc}Z' in rows 100 and 101" in " ".join(out.split())
