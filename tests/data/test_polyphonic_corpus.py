"""`data.corpus` acts even when `data.path` names a file: they must agree."""

import numpy as np
import pytest

from rnnbench.cli import main
from rnnbench.data import music

BASE = ["show", "jsb_lstm"]


def test_a_path_to_another_corpus_file_is_refused(jsb_file, capsys):
    code = main([*BASE, "--set", f"data.path={jsb_file}", "--set", "data.corpus=nottingham"])
    assert code == 2
    assert "Expected `data.corpus` to be the corpus of `data.path` (JSB_Chorales.mat): " \
           "'jsb_chorales'" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("path_of", [lambda f: f, lambda f: f.parent])
def test_a_matching_file_or_a_folder_is_accepted(jsb_file, path_of, capsys):
    assert main([*BASE, "--set", f"data.path={path_of(jsb_file)}"]) == 0


def test_train_seq_len_chunks_only_the_training_part_and_keeps_every_step():
    """Truncated-BPTT training chunks; val/test stay whole pieces; no step lost or doubled."""
    dataset = music.Polyphonic()
    whole = dataset.load({"corpus": "jsb_chorales"})
    chunked = dataset.load({"corpus": "jsb_chorales", "train_seq_len": 24})
    assert chunked.train.x.shape[1] == 24 and whole.train.x.shape[1] > 24
    for part in ("val", "test"):
        assert np.array_equal(getattr(chunked, part).x, getattr(whole, part).x)
    assert chunked.info["sequences"] == {"train": "chunks of 24 steps",
                                         "val": "whole pieces", "test": "whole pieces"}

    def steps(y):  # the unpadded target frames, in order
        return y[y[..., 0] >= 0]
    assert np.array_equal(steps(chunked.train.y), steps(whole.train.y))
    # Same frames, summed in another order.
    assert chunked.info["baseline_train_nll"] == pytest.approx(
        whole.info["baseline_train_nll"], rel=1e-12)


def test_marginal_nll_is_frame_nll_of_the_marginal_at_every_step():
    """The closed form the loader records as `baseline_train_nll`, against the full sum."""
    rng = np.random.default_rng(2)
    y = (rng.random((7, 30, music.KEYS)) < 0.1).astype(np.float32)
    y[2, 20:] = -1.0  # padded steps count in neither
    valid = y[..., 0] >= 0
    on, steps = y[valid].sum(0, dtype=np.float64), int(valid.sum())
    probs = ((on + 1.0) / (steps + 2.0)).astype(np.float32)
    assert music.marginal_nll(on, steps, probs) == pytest.approx(
        music.frame_nll(y, np.broadcast_to(probs, y.shape)), rel=1e-12)
