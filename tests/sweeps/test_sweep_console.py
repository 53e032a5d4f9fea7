"""What `rnnbench tune` tells the user: one trial numbering, progress, ETA,
an honest leaderboard, and command-line overrides recorded in the sweep folder.
"""

import logging
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import TINY_SWEEP_BASE, read_json, write_yaml
from rnnbench.errors import UserError

SPACE = {"model.layers[0].cell": {"choice": ["simple_rnn", "gru", "lstm"]}}


@pytest.fixture
def sweep_file(tmp_path):
    """A 3-trial random sweep of a tiny 2-epoch base experiment."""
    base = write_yaml(tmp_path / "tiny.yaml", {
        **TINY_SWEEP_BASE, "train": {**TINY_SWEEP_BASE["train"], "epochs": 2}})
    return write_yaml(tmp_path / "console.yaml", {
        "experiment": str(base), "tuner": {"algorithm": "random", "max_trials": 3, "seed": 0},
        "space": SPACE})


@pytest.fixture
def rnnbench_lines():
    """The messages of the "rnnbench" logger while the test runs."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger = logging.getLogger("rnnbench")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


# ------------------------------------------------------ numbering and progress

@pytest.mark.slow
def test_console_numbers_trials_like_the_folders_with_progress_and_eta(
        tmp_path, sweep_file, rnnbench_lines, capsys, monkeypatch):
    from rnnbench.sweeps import progress, tuning
    monkeypatch.setattr(progress, "EPOCH_LINE_EVERY_S", 0.0)  # a line every epoch
    sweep_dir = Path(tuning.tune(str(sweep_file), str(tmp_path / "results")))
    printed = capsys.readouterr()
    # Keras Tuner's display (which says "Running Trial #1" for trial 0) is off.
    assert "Trial #" not in printed.out + printed.err
    assert "Best val_loss So Far" not in printed.out + printed.err

    ids = sorted(p.name for p in (sweep_dir / "trials").iterdir())
    assert ids == ["0", "1", "2"]
    starts = [line for line in rnnbench_lines if " started: " in line]
    ends = [line for line in rnnbench_lines if " completed in " in line]
    assert [line.split()[1] for line in starts] == ids
    assert [line.split()[1] for line in ends] == ids
    for trial_id, line in zip(ids, starts):
        config = yaml.safe_load((sweep_dir / "trials" / trial_id / "config.yaml").read_text())
        assert f"cell={config['model']['layers'][0]['cell']}" in line
    for trial_id, line in zip(ids, ends):
        score = read_json(sweep_dir / "trials" / trial_id / "metrics.json")["val_loss"]
        assert f"val_loss={score:.4g}" in line
    assert "1/3 trials done, about" in ends[0] and "left" in ends[0]
    assert "2/3 trials done, about" in ends[1]
    assert ends[2].endswith("3/3 trials done")
    # One compact epoch line per trial (2 epochs: the last has none).
    epoch_lines = [line for line in rnnbench_lines if ": epoch " in line]
    assert [line.split(":")[0] for line in epoch_lines] == [f"trial {i}" for i in ids]
    assert all(" epoch 1/2 loss=" in line and "val_loss=" in line for line in epoch_lines)

    # With workers, the chief says the same from the sweep folder's files.
    from rnnbench.sweeps import definition
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    watcher = progress.SweepWatcher(sweep_dir, sweep, workers=2)
    del rnnbench_lines[:]
    watcher.poll()
    assert rnnbench_lines == []  # what had ended before the chief started is not news
    watcher.seen = {}
    watcher.poll()
    assert [line.split()[:3] for line in rnnbench_lines] == [
        ["trial", i, word] for i in ids for word in ("started:", "completed")]
    for start, chief_line in zip(starts, rnnbench_lines[::2]):
        assert chief_line == start


def test_epoch_lines_are_throttled(rnnbench_lines):
    from rnnbench.sweeps import progress
    callback = progress.EpochProgress("trial 7", every=3600)
    callback.set_params({"epochs": 50})
    callback.on_train_begin()
    for epoch in range(50):
        callback.on_epoch_end(epoch, {"loss": 1.0, "val_loss": 2.0})
    assert rnnbench_lines == []  # no line within the hour, and none for the last epoch
    callback = progress.EpochProgress("trial 7", every=0)
    callback.set_params({"epochs": 3})
    callback.on_train_begin()
    for epoch in range(3):
        callback.on_epoch_end(epoch, {"loss": 1.0, "val_loss": 2.0, "rmse": 3.0})
    assert rnnbench_lines == ["trial 7: epoch 1/3 loss=1 val_loss=2",
                              "trial 7: epoch 2/3 loss=1 val_loss=2"]


# ------------------------------------------------------------- the leaderboard

def fake_sweep_dir(tmp_path, n_trials):
    """A sweep folder with a leaderboard of `n_trials` completed trials (no training)."""
    from rnnbench.sweeps import definition
    sweep = definition.parse_sweep({"name": "fake", "experiment": "tiny", "space": SPACE},
                                   source="<test>")
    sweep_dir = tmp_path / "sweeps" / "fake" / "20260101-000000-abcd"
    sweep_dir.mkdir(parents=True)
    (sweep_dir / "sweep.yaml").write_text(definition.sweep_yaml(sweep))
    (sweep_dir / "base.yaml").write_text(yaml.safe_dump(TINY_SWEEP_BASE))
    rows = [{"rank": i + 1, "trial_id": str(i), "status": "COMPLETED",
             "objective (val_loss)": 0.1 * (i + 1), "model.layers[0].cell": "gru",
             "run_dir": str(sweep_dir / "trials" / str(i))} for i in range(n_trials)]
    pd.DataFrame(rows).to_csv(sweep_dir / "leaderboard.csv", index=False)
    return sweep_dir


@pytest.mark.parametrize("n_trials", [8, 12])
def test_console_leaderboard_shows_every_trial_or_says_how_many_it_hides(tmp_path, n_trials):
    from rnnbench.sweeps import report
    sweep_dir = fake_sweep_dir(tmp_path, n_trials)
    text = report.summary(sweep_dir)
    assert f"sweep fake: {n_trials} trials ({n_trials} completed)" in text
    shown = [line.split()[1] for line in text.splitlines() if "COMPLETED" in line]
    assert shown == [str(i) for i in range(min(n_trials, 10))]
    assert str(sweep_dir / "leaderboard.csv") in text
    if n_trials > 10:
        assert f"the top 10 of {n_trials} trials" in text
    else:
        assert "top" not in text


# -------------------------------------------------- --set and --max-trials

def test_bad_set_key_is_rejected_like_rnnbench_run_does(tmp_path, sweep_file, capsys):
    from rnnbench.cli import main
    results = tmp_path / "results"
    assert main(["run", str(tmp_path / "tiny.yaml"), "--set", "train.epochz=5",
                 "--results-dir", str(results)]) == 2
    run_error = capsys.readouterr().err
    assert main(["tune", str(sweep_file), "--set", "train.epochz=5",
                 "--results-dir", str(results)]) == 2
    tune_error = capsys.readouterr().err
    assert "Traceback" not in tune_error

    def reason(text):  # the message after its source prefix, as one line
        return " ".join(text.split()).split("Unknown key", 1)[1]
    assert reason(tune_error) == reason(run_error)
    assert "did you mean 'epochs'" in reason(tune_error)
    assert "(the value came from --set train.epochz=5)" in " ".join(tune_error.split())
    assert not results.exists()  # nothing was started


def test_max_trials_must_be_positive(tmp_path, sweep_file):
    from rnnbench.sweeps import tuning
    with pytest.raises(UserError, match=r"Expected `--max-trials` to be at least 1. "
                                        r"Received: 0"):
        tuning.tune(str(sweep_file), str(tmp_path / "results"), max_trials=0)


@pytest.mark.slow
def test_set_and_max_trials_apply_and_are_recorded_for_resume(tmp_path, sweep_file):
    from rnnbench.cli import main
    from rnnbench.sweeps import definition
    results = tmp_path / "results"
    assert main(["tune", str(sweep_file), "--max-trials", "1", "--set", "train.epochs=1",
                 "--set", "train.batch_size=8", "--results-dir", str(results)]) == 0
    (sweep_dir,) = (results / "sweeps" / "console").iterdir()
    assert [p.name for p in (sweep_dir / "trials").iterdir()] == ["0"]
    config = yaml.safe_load((sweep_dir / "trials" / "0" / "config.yaml").read_text())
    assert config["train"]["epochs"] == 1 and config["train"]["batch_size"] == 8
    assert read_json(sweep_dir / "trials" / "0" / "metrics.json")["epochs_run"] == 1
    # The sweep folder records what ran, so --resume and a reader see it.
    saved = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    assert saved["tuner"]["max_trials"] == 1
    assert saved["overrides"] == {"train.epochs": 1, "train.batch_size": 8}
    sweep, base_raw = definition.load_saved_sweep(sweep_dir)
    assert base_raw["train"]["epochs"] == 1 and sweep.tuner.max_trials == 1
    with pytest.raises(UserError, match="cannot change it.*--set train.epochs=3"):
        main_raise(["tune", str(sweep_file), "--resume", "--set", "train.epochs=3",
                    "--results-dir", str(results)])


def main_raise(argv):
    """Runs the `tune` handler without main()'s error handling, to see the UserError."""
    from rnnbench.cli import make_parser
    args = make_parser().parse_args(argv)
    return args.handler(args)
