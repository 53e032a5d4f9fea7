"""`rnnbench tune`: memory stays bounded over many trials in one process."""

import pytest

from helpers import rss_mb
from sweeps.tuning_helpers import SMALL_SPACE, read_board, tune, write_sweep


# ---------------------------------------------------------------------- memory

@pytest.mark.slow
def test_memory_stays_bounded_over_seven_trials_in_one_process(tmp_path, tiny, monkeypatch):
    """RSS after trial 2 vs after trial 7 of one in-process sweep.

    Bound: 94 MB for 5 trials (the 150 MB for 8 of the 10-trial version).
    Each trial here holds well under 1 MB of model and data, so anything near
    the bound is a leak of whole trials (models, datasets, tuner state). Measured on TF 2.21 / Keras 3.15: about
    9 MB a trial, the same growth a bare `keras` build/fit/`clear_session()`
    loop shows with no rnnbench code in it, so the bound leaves ~2x headroom.
    """
    from rnnbench.sweeps import tuning
    rss = []
    original = tuning.SweepTuner.on_trial_end

    def on_trial_end(self, trial):
        original(self, trial)
        rss.append(rss_mb())

    monkeypatch.setattr(tuning.SweepTuner, "on_trial_end", on_trial_end)
    sweep = write_sweep(tmp_path, "mem", tiny, SMALL_SPACE, max_trials=7, seed=0)
    sweep_dir = tune(sweep, tmp_path / "results")
    assert (read_board(sweep_dir)["status"] == "COMPLETED").sum() == 7
    assert len(rss) == 7
    growth = rss[6] - rss[1]
    assert growth < 94, f"RSS grew {growth:.0f} MB from trial 2 to 7: {rss}"
