"""Tables as users' spreadsheets write them: `;`, tab or `|` between fields, decimal
commas, and dates written day first (`31.12.2021`), read to the same data as a plain
comma-separated ISO file. Every file is generated here; nothing trains."""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from own_files import price_csv, reviews_csv

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache
from rnnbench.data.own import dialect, timestamps
from rnnbench.errors import UserError

# (delimiter, decimal, date format): the layouts a spreadsheet in another locale exports.
LAYOUTS = {
    "semicolon_decimal_comma_day_first": (";", ",", "%d.%m.%Y"),
    "tab_decimal_point": ("\t", ".", "%Y-%m-%d"),
    "pipe_day_first_slashes": ("|", ".", "%d/%m/%Y"),
    "semicolon_decimal_point": (";", ".", "%Y-%m-%d"),
}


def rewrite(source, path, delimiter, decimal, date_format, quote=False):
    """`source` (a comma-separated ISO price table) written in another layout."""
    frame = pd.read_csv(source)
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime(date_format)
    frame.to_csv(path, sep=delimiter, decimal=decimal, index=False,
                 quoting=1 if quote else 0)  # 1: csv.QUOTE_ALL, the streaming reader's path
    return path


def series_splits(path, **data):
    raw = {"name": "layout", "seed": 1,
           "data": {"name": "file_series", "path": str(path), "time_column": "date",
                    "targets": "close", "features": ["open", "volume"], "window": 5, **data},
           "model": {"layers": [{"cell": "gru", "units": 4}]},
           "train": {"epochs": 1, "batch_size": 16}}
    return cache.load(config_lib.validate(raw, source="<test>"))


@pytest.fixture(scope="module")
def prices(tmp_path_factory):
    # Rows shuffled: the time column alone puts them in order, so a date read
    # month first where it is day first would reorder the series.
    return price_csv(tmp_path_factory.mktemp("layouts") / "prices.csv", n=120, shuffle=True)


@pytest.mark.parametrize("quote", [False, True], ids=["plain", "quoted"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_series_in_another_layout_loads_the_same_windows(prices, tmp_path, layout, quote):
    delimiter, decimal, date_format = LAYOUTS[layout]
    other = rewrite(prices, tmp_path / "prices.csv", delimiter, decimal, date_format, quote)
    assert dialect.of_file(other)[:2] == (delimiter, decimal)
    expected, got = series_splits(prices), series_splits(other)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(got, part).x, getattr(expected, part).x)
        np.testing.assert_array_equal(getattr(got, part).y, getattr(expected, part).y)
    assert got.info["periods"] == expected.info["periods"]


def test_a_text_table_separated_by_semicolons_keeps_the_commas_in_its_texts(tmp_path):
    plain = reviews_csv(tmp_path / "reviews.csv")
    frame = pd.read_csv(plain)
    frame["review"] = frame["review"].str.replace(" ", ", ", n=1)  # commas inside the text
    frame.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    assert dialect.of_file(tmp_path / "semi.csv")[:2] == (";", ".")

    def texts(path):
        raw = {"name": "texts", "seed": 1,
               "data": {"name": "file_text", "path": str(path), "text_column": "review",
                        "label_column": "sentiment", "seq_len": 8},
               "model": {"layers": [{"cell": "gru", "units": 4}]},
               "train": {"epochs": 1, "batch_size": 16}}
        return cache.load(config_lib.validate(raw, source="<test>"))
    frame.to_csv(tmp_path / "comma.csv", index=False)
    expected, got = texts(tmp_path / "comma.csv"), texts(tmp_path / "semi.csv")
    np.testing.assert_array_equal(got.train.x, expected.train.x)
    np.testing.assert_array_equal(got.train.y, expected.train.y)


@pytest.mark.parametrize("text,expected", [
    ("a,b\n1.5,2\n", (",", ".")),
    ("a;b\n1,5;2\n3,25;4\n", (";", ",")),
    ("a;b\n1.5;2\n", (";", ".")),
    ("a\tb\n1,5\t2\n", ("\t", ",")),
    ("a|b|c\nx|1|2\n", ("|", ".")),
    ("value\n1\n2\n", (",", ".")),  # one column: nothing to split
    ('text,label\n"good; fine",pos\n"bad; sad",neg\n', (",", ".")),  # ; inside quotes
    ("a;b\n1,5;2\n3.5;4\n", (";", ".")),  # both marks: not a decimal-comma file
])
def test_sniff_finds_the_delimiter_and_decimal_mark(text, expected):
    assert dialect.sniff(text)[:2] == expected


def test_sniff_leaves_out_a_last_line_the_sample_cut():
    assert dialect.sniff("a;b\n1,5;2\n3,2", complete=False)[:2] == (";", ",")


@pytest.mark.parametrize("text,expected", [
    ('a,b\n"1,234.5",2\n', dialect.Dialect(",", ".", 0, ",")),  # quoted: a spreadsheet
    ("a;b\n1.234,5;2\n", dialect.Dialect(";", ",", 0, ".")),
    ("a;b\n3,14;1.234\n", dialect.Dialect(";", ",", 0, ".")),  # 1.234 beside 3,14: grouped
    ("a;b\n1,234.5;2\n", dialect.Dialect(";", ".", 0, ",")),
    ("a;b\n1,5;2\n", dialect.Dialect(";", ",", 0, "")),  # 1,5 is no group of three
    ("# source: x\n#units: EUR\n\na,b\n1,2\n", dialect.Dialect(",", ".", 3, "")),
    ("#a,b\n1,2\n", dialect.Dialect(",", ".", 1, "")),  # the file's first line is a comment
    ("# just a note\n", dialect.Dialect()),  # nothing after the comments: no skipping
])
def test_sniff_finds_thousands_separators_and_comment_lines(text, expected):
    assert dialect.sniff(text) == expected


def export_quirk(frame, path, quirk):
    """`frame` (a price table) written with one habit of exporting tools."""
    frame = frame.copy()
    if quirk == "comment_lines":
        path.write_text("# exported 2021-03-01 by a logger\n# units: EUR, shares\n"
                        + frame.to_csv(index=False))
    elif quirk == "thousands_quoted":
        frame["volume"] = [f"{v:,}" for v in frame["volume"]]
        frame["close"] = [f"{v * 100:,.3f}" for v in frame["close"]]
        frame.to_csv(path, index=False)
    elif quirk == "thousands_decimal_comma":
        frame["volume"] = [f"{v:,}".replace(",", ".") for v in frame["volume"]]
        frame["close"] = [f"{v * 100:,.3f}".translate(str.maketrans(",.", ".,"))
                          for v in frame["close"]]
        frame.to_csv(path, sep=";", index=False, decimal=",")
    elif quirk == "missing_marks":
        frame = frame.astype({"open": object})
        frame.loc[frame.index[[3, 40, 77]], "open"] = ["?", "-", "--"]
        frame.to_csv(path, index=False)
    elif quirk == "spaces_after_commas":  # `date, open, ...` as people type a CSV
        path.write_text(frame.to_csv(index=False).replace(",", ", "))
    elif quirk == "currency":  # as Nasdaq's history exports prices: `$1,234.500`
        for name in ("open", "high", "low"):
            frame[name] = [f"${v:.3f}" for v in frame[name]]
        frame["close"] = [f"-${-v * 100:,.3f}" if v < 0 else f"${v * 100:,.3f}"
                          for v in frame["close"]]
        frame.to_csv(path, index=False)
    elif quirk == "currency_after_decimal_comma":  # `1.234,500 €`, dates `31.12.2020`
        frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%d.%m.%Y")
        frame["close"] = [f"{v * 100:,.3f} €".translate(str.maketrans(",.", ".,"))
                          for v in frame["close"]]
        frame.to_csv(path, sep=";", index=False, decimal=",")
    elif quirk == "percent":  # a change column as investing.com writes it: `-0.52%`
        frame["open"] = [f"{v:.3f}%" for v in frame["open"]]
        frame.to_csv(path, index=False)
    elif quirk == "excel_sep_line":  # Excel's "CSV UTF-8" in a decimal-comma locale
        text = frame.to_csv(sep=";", index=False, decimal=",", lineterminator="\r\n")
        path.write_bytes(("sep=;\r\n" + text).encode("utf-8-sig"))
    elif quirk == "multipliers":  # volumes as investing.com writes them: `1.23K`, `4.5M`
        frame["volume"] = [f"{v / 1000:.3f}K" if v % 2 else f"{v / 1e6:.6f}M"
                           for v in frame["volume"]]
        frame.to_csv(path, index=False)
    return path


QUIRKS = ["comment_lines", "thousands_quoted", "thousands_decimal_comma", "missing_marks",
          "spaces_after_commas", "currency", "currency_after_decimal_comma", "percent",
          "multipliers", "excel_sep_line"]
SCALED = ("thousands_quoted", "thousands_decimal_comma", "currency",
          "currency_after_decimal_comma")  # close written x100, so grouped in thousands


@pytest.mark.parametrize("quirk", QUIRKS)
def test_an_export_quirk_loads_the_same_windows_as_a_plain_file(prices, tmp_path, quirk):
    frame = pd.read_csv(prices)
    plain = frame.copy()
    if quirk in SCALED:
        plain["close"] = plain["close"] * 100
    if quirk == "missing_marks":
        plain.loc[plain.index[[3, 40, 77]], "open"] = np.nan  # the marks mean "no value"
    plain.to_csv(tmp_path / "plain.csv", index=False)
    other = export_quirk(frame, tmp_path / "quirk.csv", quirk)
    expected = series_splits(tmp_path / "plain.csv", missing="interpolate")
    got = series_splits(other, missing="interpolate")
    for part in ("train", "val", "test"):
        np.testing.assert_allclose(getattr(got, part).x, getattr(expected, part).x, rtol=1e-6)
        np.testing.assert_allclose(getattr(got, part).y, getattr(expected, part).y, rtol=1e-6)
    assert got.info["periods"] == expected.info["periods"]


def test_the_recorded_hash_covers_the_comment_lines(prices, tmp_path):
    import hashlib
    from rnnbench.data.own import reading
    path = export_quirk(pd.read_csv(prices), tmp_path / "noted.csv", "comment_lines")
    series_splits(path)  # the streaming read hashes the file on the way
    facts, = reading.file_facts([path])
    assert facts["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("quirk", ["comment_lines", "thousands_quoted", "missing_marks",
                                   "spaces_after_commas", "currency",
                                   "currency_after_decimal_comma", "excel_sep_line"])
def test_new_reads_an_export_quirk_and_says_how(prices, tmp_path, capsys, monkeypatch, quirk):
    path = export_quirk(pd.read_csv(prices), tmp_path / "prices.csv", quirk)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "quirk", "--data", str(path), "--target", "close"]) == 0
    out = capsys.readouterr().out
    assert "column 'close': number" in out and "column 'volume': integer" in out
    layout = {"comment_lines": "layout: 2 comment (or `sep=`) lines before the header "
                               "skipped",
              "excel_sep_line": "layout: semicolon-separated, decimal comma; 1 comment (or "
                                "`sep=`) line before the header skipped",
              "thousands_quoted": "layout: thousands separated by ','",
              "missing_marks": "missing interpolate: 3 cells",
              "spaces_after_commas": "spaces after the delimiters in the header dropped",
              "currency": "layout: thousands separated by ','; currency and percent signs, "
                          "K/M/B multipliers read off numbers",
              "currency_after_decimal_comma": "layout: semicolon-separated, decimal comma; "
                                              "thousands separated by '.'; currency and "
                                              "percent signs, K/M/B multipliers read off "
                                              "numbers",
              }[quirk]
    assert layout in out
    assert main(["check", "quirk"]) == 0


@pytest.mark.parametrize("cells,stray", [(["1.5", "n.a.", "2.5", "3", "4", "5", "6", "7",
                                           "8", "9", "10"], "'n.a.'"),
                                         (["1.5%", "2 pct", "2.5%", "3%", "4%", "5%", "6%",
                                           "7%", "8%", "9%", "10%"], "'2 pct'")])
def test_new_names_the_cells_that_keep_a_target_from_being_numeric(tmp_path, capsys,
                                                                   monkeypatch, cells, stray):
    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=40 * len(cells)),
                          "rate": cells * 40})
    frame.to_csv(tmp_path / "rates.csv", index=False)
    code = main(["new", "rates", "--data", str(tmp_path / "rates.csv"), "--target", "rate"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "Expected `--target` 'rate' to be numeric to forecast it" in err
    assert f"cells that are not numbers among the first" in err and f"e.g. {stray}" in err


@pytest.mark.parametrize("cells,reading,first_days", [
    # Day first: 13.01 cannot be month first; pandas' "mixed" read 02.01 as 1 February.
    (["01.01.2021", "02.01.2021", "13.01.2021"], timestamps.DAY_FIRST, [1, 2, 13]),
    (["01/02/2021", "01/13/2021"], timestamps.MONTH_FIRST, [2, 13]),
    (["2021-01-02T00:00:00Z", "2021-01-03T00:00:00Z"], timestamps.MONTH_FIRST, [2, 3]),
    # Monthly, no day above 12: both readings parse and keep the order; dots mean day first.
    ([f"01.{m:02d}.2021" for m in range(1, 13)], timestamps.DAY_FIRST, [1] * 12),
    (["2021-01-01", "2021-01-02 10:00"], timestamps.EACH_CELL, [1, 2]),
])
def test_a_time_column_is_read_with_one_reading(cells, reading, first_days):
    parsed, chosen = timestamps.parse(pd.Series(cells))
    assert chosen == reading
    assert list(parsed.dt.day) == first_days


def test_new_and_check_name_the_layout_and_the_day_first_time_column(prices, tmp_path,
                                                                      capsys, monkeypatch):
    path = rewrite(prices, tmp_path / "euro.csv", ";", ",", "%d.%m.%Y")
    frame = pd.read_csv(path, sep=";", decimal=",").rename(columns={"date": "Datum"})
    frame.to_csv(path, sep=";", decimal=",", index=False)  # a name no rule knows
    monkeypatch.chdir(tmp_path)
    assert main(["new", "euro", "--data", str(path), "--target", "close"]) == 0
    out = capsys.readouterr().out
    assert "time column: 'Datum'" in out
    assert "layout: semicolon-separated, decimal comma" in out
    assert main(["check", "euro"]) == 0
    out = capsys.readouterr().out
    assert "semicolon-separated, decimal comma)" in out
    window = yaml.safe_load((tmp_path / "experiments" / "euro.yaml").read_text())["data"]["window"]
    first_target = pd.Timestamp("2020-01-01") + pd.Timedelta(days=window)  # ISO in the source
    assert f"periods: train {first_target.date()} .." in out


@pytest.mark.parametrize("written", ["%Y-%m-%d %H:%M:%S%z", "%d.%m.%Y %H:%M %z"])
def test_local_times_across_a_clock_change_are_one_utc_timeline(tmp_path, written):
    # Berlin's clocks go forward on 2021-03-28: the offsets change from +0100 to +0200
    # inside the column (pandas refuses such a column unless told to use UTC).
    local = pd.date_range("2021-03-26", periods=120, freq="h", tz="Europe/Berlin")
    close = np.round(100 + np.sin(np.arange(120) / 5), 3)
    frame = pd.DataFrame({"date": local.strftime(written), "close": close,
                          "open": close, "volume": np.arange(120) % 7})
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "local.csv", index=False)
    frame.assign(date=local.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")).to_csv(
        tmp_path / "utc.csv", index=False)
    expected, got = series_splits(tmp_path / "utc.csv"), series_splits(tmp_path / "local.csv")
    np.testing.assert_array_equal(got.train.y, expected.train.y)
    # the same instants, marked as UTC where the file gave offsets
    assert got.info["periods"] == {part: [f"{t}Z" for t in ends]
                                   for part, ends in expected.info["periods"].items()}


@pytest.mark.parametrize("quirk", QUIRKS)
def test_predict_reads_an_export_quirk_as_training_did(prices, tmp_path, quirk):
    from pathlib import Path

    from rnnbench.data import reading
    frame = pd.read_csv(prices)
    got = reading.read_table(Path(export_quirk(frame, tmp_path / "new.csv", quirk)))
    expected = frame.copy()
    if quirk in SCALED:
        expected["close"] = expected["close"] * 100
    if quirk == "currency_after_decimal_comma":
        expected["date"] = pd.to_datetime(expected["date"]).dt.strftime("%d.%m.%Y")
    if quirk == "missing_marks":
        expected.loc[expected.index[[3, 40, 77]], "open"] = np.nan
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_name_two_columns_share_is_refused_by_new_and_by_a_run(tmp_path, capsys):
    path = tmp_path / "twice.csv"
    path.write_text("date,value,value\n" + "".join(f"2021-01-{d:02d},{d},{2 * d}\n"
                                                   for d in range(1, 29)))
    assert main(["new", "twice", "--data", str(path), "--target", "value"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "to have distinct names. Received: 'value' as columns [2, 3]" in err
    assert "Traceback" not in err
    with pytest.raises(UserError, match="to have distinct names"):
        series_splits(path)


def test_a_padded_tables_labels_are_read_without_the_spaces(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    rows = [f"{a:.3f}, {b:.3f}, {c:.3f}, {'yes' if a > 0 else 'no'}" for a, b, c in x]
    path = tmp_path / "typed.csv"
    path.write_text("a, b, c, label\n" + "\n".join(rows) + "\n")
    raw = {"name": "typed", "seed": 1,
           "data": {"name": "file_sequences", "path": str(path), "layout": "wide",
                    "label_column": "label", "target": "classes"},
           "model": {"layers": [{"cell": "gru", "units": 4}]},
           "train": {"epochs": 1, "batch_size": 16}}
    splits = cache.load(config_lib.validate(raw, source="<test>"))
    assert splits.preprocessing["outputs"]["label_names"] == ["no", "yes"]
    assert splits.preprocessing["inputs"]["columns"] == ["a", "b", "c"]


# The table layouts pandas' DataFrame.to_json writes (and json.dump of a dict of lists).
JSON_LAYOUTS = {
    "records_array": lambda frame, path: frame.to_json(path, orient="records", indent=1),
    "pandas_default_columns": lambda frame, path: frame.to_json(path),
    "split": lambda frame, path: frame.to_json(path, orient="split"),
    "table_schema": lambda frame, path: frame.to_json(path, orient="table"),
    "column_lists": lambda frame, path: path.write_text(
        __import__("json").dumps({c: frame[c].tolist() for c in frame}, indent=2)),
    "json_lines_gz": lambda frame, path: frame.to_json(path, orient="records", lines=True,
                                                      compression="gzip"),
}


@pytest.mark.parametrize("layout", list(JSON_LAYOUTS))
def test_a_json_table_loads_the_same_windows_as_the_csv(prices, tmp_path, layout):
    path = tmp_path / ("prices.jsonl.gz" if layout == "json_lines_gz" else "prices.json")
    JSON_LAYOUTS[layout](pd.read_csv(prices), path)
    expected, got = series_splits(prices), series_splits(path)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(got, part).x, getattr(expected, part).x)
        np.testing.assert_array_equal(getattr(got, part).y, getattr(expected, part).y)


@pytest.mark.parametrize("content, received", [
    ('[[1, 2], [3, 4]]', "an array whose items are not all objects"),  # orient="values"
    ("[1, 2, 3]", "an array whose items are not all objects"),
    ('{"close": [1, 2], "date": ["2021-01-01"]}', "column lists of different lengths"),
    ("[]", "an empty array"),
    ('{"columns": ["close"], "data": [1, 2]}', '"columns" and "data" whose rows are not all'),
    ('"close"', "a JSON str"),
])
def test_a_json_file_that_is_no_table_is_refused_in_one_paragraph(tmp_path, capsys, content,
                                                                  received):
    path = tmp_path / "table.json"
    path.write_text(content)
    assert main(["new", "t", "--data", str(path), "--target", "close", "--force"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"Received: {received}" in err and "orient='records', lines=True" in err, err
    assert "Traceback" not in err


def test_a_json_array_keeps_a_column_its_first_records_lack(tmp_path):
    """Records need not share keys: a column that starts later is read, not dropped."""
    from rnnbench.data.own import json_tables
    path = tmp_path / "t.json"
    path.write_text('[{"a": 1}, {"a": 2, "b": "x"}, {"b": "y"}]')
    table = json_tables.read(path)
    assert table.column_names == ["a", "b"]
    assert table.column("a").to_pylist() == [1, 2, None]
    assert table.column("b").to_pylist() == [None, "x", "y"]


@pytest.mark.parametrize("layout,cells,numbers", [
    (dialect.Dialect(",", ".", 0, ",", (), True),
     ["$1,234.5", "-$3.25", "12.5%", "1,23", "1e3", "inf", "n.a.", "1.23M", "45.6K", "5 m"],
     [1234.5, -3.25, 12.5, None, 1000.0, float("inf"), None, 1230000.0, 45600.0, None]),
    (dialect.Dialect(";", ",", 0, ".", (), True),
     ["3.003,77 €", "-€3,5", "23.02.2024", "1.23", "12"],
     [3003.77, -3.5, None, None, 12.0]),
])
def test_a_cell_is_a_number_only_as_the_file_writes_numbers(layout, cells, numbers):
    # Before, a thousands separator was dropped wherever it stood: the date 23.02.2024
    # became 23022024 and 1,23 became 123.
    from rnnbench.data.own import reading
    got = reading.numbers_of_text(pd.Series(cells, dtype=object), layout).tolist()
    assert [None if np.isnan(v) else v for v in got] == numbers


@pytest.mark.parametrize("content, table", [
    ("time\tpower\n1\t2.5\n2\t2.7\n3\t2.9\n", True),  # an instrument's export
    ("date,close\n2024-01-02,10.5\n2024-01-03,10.7\n2024-01-04,10.1\n", True),
    ('review\tlabel\n"Fine.\nTwo lines."\tpos\n"Bad."\tneg\n"Good,\nso good"\tpos\n', True),
    ("word;count\nthe;12\nof;7\nand;5\n", True),
    ("The cat sat, and sat.\nThe dog ran, far away.\nA bird sang, all day.\n", False),
    ("I loved it, fantastic\nterrible, awful\n", False),  # too few rows to tell
    ("Chapter 1\n\nIt was a dark night. The rain fell.\nNobody came.\n", False),
])
def test_a_txt_is_a_table_where_its_rows_split_alike(tmp_path, content, table):
    path = tmp_path / "file.txt"
    path.write_text(content)
    assert dialect.is_table(path) is table


def test_a_classifier_trained_on_a_txt_table_predicts_a_txt_table_by_its_text_column(
        tmp_path):
    from helpers import untrained_run

    from rnnbench.runs import use
    frame = pd.read_csv(reviews_csv(tmp_path / "reviews.csv"))
    frame["review"] = frame["review"] + "\nsecond line"  # a quoted cell over two lines
    frame.to_csv(tmp_path / "reviews.txt", sep="\t", index=False)
    frame.head(3).to_csv(tmp_path / "new.txt", sep="\t", index=False)
    untrained_run(tmp_path / "run", {"name": "file_text", "path": str(tmp_path / "reviews.txt"),
                                     "text_column": "review", "label_column": "sentiment",
                                     "seq_len": 6}, "gru")
    predicted = use.load_run(tmp_path / "run").predict(tmp_path / "new.txt")
    assert predicted["text"].tolist() == frame["review"].head(3).tolist()
    assert predicted["sentiment"].tolist() == frame["sentiment"].head(3).tolist()


@pytest.mark.parametrize("written", [("True", "False"), ("TRUE", "FALSE"), ("true", "false")])
def test_a_true_false_column_is_read_as_one_and_zero(prices, tmp_path, capsys, monkeypatch,
                                                      written):
    """As pandas and Excel write a bool column; `new` calls it numeric, so a run reads it
    as one (1 and 0, as Parquet's booleans are read)."""
    frame = pd.read_csv(prices)
    flags = frame["volume"] > 3000
    numeric = frame.assign(volume=flags.astype(int))
    numeric.to_csv(tmp_path / "numeric.csv", index=False)
    frame.assign(volume=flags.map({True: written[0], False: written[1]})).to_csv(
        tmp_path / "flags.csv", index=False)
    expected, got = series_splits(tmp_path / "numeric.csv"), series_splits(tmp_path / "flags.csv")
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(got, part).x, getattr(expected, part).x)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "flags", "--data", "flags.csv", "--target", "close"]) == 0
    assert main(["check", "flags"]) == 0, capsys.readouterr().err


def test_a_column_of_true_false_and_numbers_names_the_cell(prices, tmp_path):
    frame = pd.read_csv(prices).astype({"volume": object})
    frame.loc[frame.index[5], "volume"] = "True"
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    with pytest.raises(UserError, match="Expected column 'volume' .* to hold numbers. "
                                        "Received: 'True' in row 6"):
        series_splits(tmp_path / "mixed.csv")


def test_a_header_that_is_not_utf8_is_refused_in_one_paragraph(tmp_path, capsys):
    frame = pd.DataFrame({"Datum": pd.date_range("2021-01-01", periods=60).strftime("%Y-%m-%d"),
                          "Temperatur °C": np.arange(60.0)})
    frame.to_csv(tmp_path / "excel.csv", index=False, encoding="cp1252")
    assert main(["new", "excel", "--data", str(tmp_path / "excel.csv")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "to be UTF-8 text" in err and "iconv -f cp1252 -t utf-8" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name,content,received", [
    ("arrays.csv", "npy", "a NumPy .npy array, not text"),
    ("arrays.tsv", "npz", "a zip archive (.npz, .keras, .xlsx), not text"),
    ("notes.txt", "npy", "a NumPy .npy array, not text"),
    ("excel_unicode.csv", "utf16", "a UTF-16 file"),
    ("excel_unicode.txt", "utf16", "a UTF-16 file"),
])
def test_a_binary_or_utf16_file_is_refused_in_one_paragraph(tmp_path, capsys, name, content,
                                                            received):
    path = tmp_path / name
    if content == "utf16":
        path.write_text("review,label\n" + "fine film,pos\nbad film,neg\n" * 20, "utf-16")
    else:
        with open(path, "wb") as f:  # np.save/np.savez add their suffix to a str path
            (np.save if content == "npy" else np.savez)(f, np.zeros((20, 5)))
    assert main(["new", "probe", "--data", str(path)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"Received: {received}" in err and "Traceback" not in err
    if content == "utf16":
        assert "iconv -f utf-16 -t utf-8" in err


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_sniff_reads_lines_that_end_in_a_carriage_return(line_end):
    text = line_end.join(["date;value", "2021-01-01;1,5", "2021-01-02;2,5", ""])
    assert dialect.sniff(text)[:2] == (";", ",")


def test_a_cell_holding_an_unquoted_carriage_return_is_named_with_its_remedy(tmp_path, capsys):
    rows = "".join(f"a film {i} \rwith a break,pos\nplain {i},neg\n" for i in range(20))
    (tmp_path / "pasted.csv").write_text("review,label\n" + rows, newline="")
    assert main(["new", "pasted", "--data", str(tmp_path / "pasted.csv")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "carriage returns (\\r) without a line feed" in err and "Traceback" not in err


def test_times_of_day_without_dates_order_no_rows(tmp_path, capsys, monkeypatch):
    """`22:00 .. 02:59` crosses midnight: new keeps the file's row order, and a
    `data.time_column` of such times is refused in one paragraph."""
    clock = pd.date_range("2021-01-01 22:00", periods=300, freq="min").strftime("%H:%M")
    pd.DataFrame({"time": clock, "sales": np.sin(np.arange(300) / 7).round(3)}).to_csv(
        tmp_path / "clock.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "clock", "--data", "clock.csv", "--target", "sales"]) == 0
    assert "no time column found: rows are taken in file order" in capsys.readouterr().out
    assert "time_column" not in yaml.safe_load(
        (tmp_path / "experiments" / "clock.yaml").read_text())["data"]
    with pytest.raises(UserError, match=r"Received: times of day only \('22:00:00' in row "
                                        r"1\), which order no rows across midnight"):
        series_splits(tmp_path / "clock.csv", targets="sales", features=[], time_column="time")


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_a_missing_value_inside_a_sequence_is_refused_with_how_to_fill_it(tmp_path, layout):
    rng = np.random.default_rng(0)
    if layout == "long":
        frame = pd.DataFrame({"sid": np.repeat([f"s{i}" for i in range(20)], 6),
                              "step": np.tile(np.arange(6), 20), "ax": rng.normal(size=120),
                              "label": np.repeat(["a", "b"] * 10, 6)})
        frame.loc[5, "ax"] = np.nan
        data = {"id_column": "sid", "time_column": "step", "value_columns": ["ax"]}
    else:
        frame = pd.DataFrame(rng.normal(size=(20, 8)), columns=[f"t{i}" for i in range(8)])
        frame["label"] = ["a", "b"] * 10
        frame.loc[3, "t2"] = np.nan
        data = {"layout": "wide", "value_columns": [f"t{i}" for i in range(8)]}
    frame.to_csv(tmp_path / "seq.csv", index=False)
    raw = {"name": "seq", "data": {"name": "file_sequences", "path": str(tmp_path / "seq.csv"),
                                   "label_column": "label", **data},
           "model": {"layers": [{"cell": "gru", "units": 2}]}}
    with pytest.raises(UserError, match=r"Fill such cells in the file \(e\.g\. pandas") as e:
        cache.load(config_lib.validate(raw, source="<test>"))
    # The pandas line it gives fills the cell (a wide row's along the row, not down a
    # column of one value per sequence), and the file then loads.
    line = re.search(r"pandas: (.*?)\), leave out", str(e.value))[1]
    names = {"df": frame, "id": "sid", "columns": ["ax"], "steps": data["value_columns"]}
    exec(line, {}, names)
    assert not frame[data["value_columns"]].isna().any().any()
    frame.to_csv(tmp_path / "seq.csv", index=False)
    cache.load(config_lib.validate(raw, source="<test>"))


@pytest.mark.parametrize("written", [["7,000", "41,215.13"], ["7000", "41,215.13"]])
def test_numbers_with_thousands_separators_are_one_step_features_of_a_row(tmp_path, written):
    """`layout: cell` split `7,000` at its comma into the sequence [7, 0] (two steps, or
    a row refused for its cells' lengths where one column had no separator)."""
    rng = np.random.default_rng(0)
    age, income = rng.integers(18, 80, 60) * 100, rng.normal(5e4, 1.5e4, 60).round(2)
    frame = pd.DataFrame({
        "age": [f"{a:,}" if "," in written[0] else str(a) for a in age],
        "income": [f"{v:,.2f}" for v in income], "label": ["a", "b"] * 30})
    frame.to_csv(tmp_path / "rows.csv", index=False)
    raw = {"name": "rows", "data": {"name": "file_sequences", "path": str(tmp_path / "rows.csv"),
                                    "layout": "cell", "value_columns": ["age", "income"],
                                    "label_column": "label"},
           "model": {"layers": [{"cell": "gru", "units": 2}]}}
    exp = config_lib.validate(raw, source="<test>")
    splits = cache.load(exp)
    assert splits.train.x.shape[1:] == (1, 2)
    found = config_lib.dataset_of(exp).new_inputs(dict(exp.data.params), splits.preprocessing,
                                                  str(tmp_path / "rows.csv"))
    np.testing.assert_allclose(found.x[:, 0, :], np.stack([age, income], axis=1), rtol=1e-6)


@pytest.mark.parametrize("written,number", [
    (lambda v: f"${v:,.2f}", lambda v: v),
    (lambda v: f"{v:,}", lambda v: v),
    (lambda v: f"{v / 100:.2f}%", lambda v: v / 100),  # as written: 12.5% is 12.5
], ids=["currency", "thousands", "percent"])
def test_a_number_per_text_written_as_the_file_writes_numbers_is_regressed(
        tmp_path, capsys, monkeypatch, written, number):
    """`new` read `$20,545.00` as a number and chose a regression that `check` and
    `run` then refused: the labels were parsed as plain floats."""
    frame = pd.read_csv(reviews_csv(tmp_path / "reviews.csv"))
    frame["price"] = 1000 + np.arange(len(frame)) * 1237
    plain = frame[["review", "price"]]
    plain.assign(price=plain["price"].map(number)).to_csv(tmp_path / "plain.csv",
                                                          index=False)
    plain.assign(price=plain["price"].map(written)).to_csv(tmp_path / "written.csv",
                                                           index=False)

    def values(path):
        raw = {"name": "prices", "seed": 1,
               "data": {"name": "file_text", "path": str(path), "text_column": "review",
                        "label_column": "price", "target": "values", "seq_len": 8},
               "model": {"layers": [{"cell": "gru", "units": 4}]},
               "train": {"epochs": 1, "batch_size": 16}}
        splits = cache.load(config_lib.validate(raw, source="<test>"))
        return splits.inverse_transform(splits.train.y)
    np.testing.assert_allclose(values(tmp_path / "written.csv"),
                               values(tmp_path / "plain.csv"), rtol=1e-6)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "priced", "--data", "written.csv", "--target", "price"]) == 0
    assert main(["check", "priced"]) == 0, capsys.readouterr().err


def test_a_tsv_of_one_column_keeps_the_commas_in_its_texts(tmp_path):
    """No tab in any row: it was read as comma-separated, and failed on its first comma."""
    from rnnbench.data.own import reading
    texts = ["lovely, superb; film", "awful, dull; boring", "the end"]
    pd.DataFrame({"review": texts}).to_csv(tmp_path / "p.tsv", sep="\t", index=False)
    assert dialect.of_file(tmp_path / "p.tsv").delimiter == "\t"
    assert reading.table_columns(tmp_path / "p.tsv") == ["review"]
    _, others, _ = reading.read_table(tmp_path / "p.tsv", other=["review"])
    assert others["review"].to_pylist() == texts
