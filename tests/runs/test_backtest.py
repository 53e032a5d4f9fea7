"""`rnnbench backtest`: rolling-origin folds of a forecast (issue 31 part 2)."""

import json

import numpy as np
import pandas as pd
import pytest

from rnnbench.cli import main


def series_experiment(folder, n=160):
    """A `file_series` experiment on a generated trending seasonal series, in `folder`."""
    t = np.arange(n)
    values = 10 + 0.05 * t + np.sin(2 * np.pi * t / 8) + np.random.default_rng(0).normal(0, .1, n)
    pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n).strftime("%Y-%m-%d"),
                  "y": np.round(values, 4)}).to_csv(folder / "series.csv", index=False)
    (folder / "experiments").mkdir()
    (folder / "experiments" / "mine.yaml").write_text(
        "seed: 1\n"
        f"data: {{name: file_series, task: forecast, path: {folder / 'series.csv'}, "
        "time_column: date, targets: y, window: 8, season: 8, scale: standard, "
        "target_transform: difference}\n"
        "model: {layers: [{cell: gru, units: 4}]}\n"
        "train: {epochs: 1, batch_size: 16}\n", encoding="utf-8")
    return "mine"


def backtest(capsys, *argv):
    code = main(["backtest", *argv])
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


@pytest.mark.parametrize("argv, match", [
    (["gunpoint_lstm"], "Expected a forecast experiment on a series"),
    (["sine_lstm", "--folds", "1"], "Expected `--folds` to be >= 2"),
    (["sine_lstm", "--folds", "40"], "Expected `--folds` to be at most"),
    (["sine_lstm", "--epochs", "0"], "Expected `--epochs` to be >= 1"),
])
def test_backtest_refuses_bad_input_and_writes_nothing(tmp_path, capsys, argv, match):
    code, out, err = backtest(capsys, *argv, "--results-dir", str(tmp_path / "results"))
    assert code == 2 and match in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_too_many_folds_names_what_is_allowed(tmp_path, capsys):
    code, _, err = backtest(capsys, "sine_lstm", "--folds", "40",
                            "--results-dir", str(tmp_path))
    allowed = int(err.split("at most ")[1].split()[0])
    assert code == 2 and 2 <= allowed < 40 and "Received: 40" in err


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["built-in", "file_series"])
def test_backtest_runs_each_fold_and_writes_backtest_json(tmp_path, capsys, monkeypatch, kind):
    name = "sine_lstm"
    if kind == "file_series":
        monkeypatch.chdir(tmp_path)
        name = series_experiment(tmp_path)
    code, out, err = backtest(capsys, name, "--folds", "2", "--epochs", "1",
                              "--results-dir", str(tmp_path / "results"))
    assert code == 0, err
    [written] = (tmp_path / "results" / "backtests" / name).glob("*/backtest.json")
    result = json.loads(written.read_text())
    folds = result["fold_results"]
    assert [f["fold"] for f in folds] == [1, 2] and result["epochs"] == 1
    # Expanding window, consecutive disjoint test blocks, the last one ending the series.
    assert folds[0]["train_positions"] < folds[1]["train_positions"]
    assert folds[0]["test_positions"][1] == folds[1]["test_positions"][0]
    assert folds[1]["test_positions"][1] == result["target_positions"]
    for fold in folds:  # each fold is an ordinary run folder
        run_dir = written.parent / f"fold{fold['fold']}"
        assert (run_dir / "metrics.json").is_file() and (run_dir / "model.keras").is_file()
    whos = ["model", "naive"] + (["ets"] if kind == "built-in" else [])
    for who in whos:
        mase = result["summary"][who]["mase"]
        values = [f[who]["mase"] for f in folds]
        assert mase["n"] == 2 and mase["mean"] == pytest.approx(np.mean(values))
        assert mase["std"] == pytest.approx(np.std(values, ddof=1))
    # The last fold is the experiment's own split: its naive score is the run's own.
    last = json.loads((written.parent / "fold2" / "metrics.json").read_text())
    assert folds[1]["naive"]["mase"] == pytest.approx(last["baseline_test_mase"])
    assert "mean ± std (n)" in out and "backtest.json" in out
    # TensorBoard: each fold's scores at step = fold, read back with TensorBoard's reader.
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util
    acc = ea.EventAccumulator(str(written.parent / "tb"), size_guidance={ea.TENSORS: 0})
    acc.Reload()
    events = acc.Tensors("backtest/model_mase")
    assert [e.step for e in events] == [1, 2]
    assert [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events] == \
        pytest.approx([f["model"]["mase"] for f in folds])
    # The folds (shortened splits) stay out of `rnnbench results`' rows of the experiment.
    assert main(["results", "--results-dir", str(tmp_path / "results")]) == 0
    assert "backtests" not in capsys.readouterr().out


def test_backtest_refuses_a_folder_without_config_and_a_long_table(tmp_path, capsys,
                                                                    monkeypatch):
    (tmp_path / "empty").mkdir()
    code, _, err = backtest(capsys, str(tmp_path / "empty"))
    assert code == 2 and "a run folder holding config.yaml" in err
    monkeypatch.chdir(tmp_path)
    series_experiment(tmp_path)
    frame = pd.read_csv(tmp_path / "series.csv").assign(shop="a")
    frame.to_csv(tmp_path / "series.csv", index=False)
    text = (tmp_path / "experiments" / "mine.yaml").read_text()
    (tmp_path / "experiments" / "mine.yaml").write_text(
        text.replace("targets: y,", "targets: y, id_column: shop,"))
    code, _, err = backtest(capsys, "mine", "--results-dir", str(tmp_path / "results"))
    assert code == 2 and "`data.id_column` 'shop'" in err, err
    assert not (tmp_path / "results").exists()
