"""The per-process dataset cache a sweep's trials share (`rnnbench.data.cache`)."""

import numpy as np
import pytest

from helpers import experiment_dict
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache


def config(seed=1, data=None, **changes):
    raw = experiment_dict(**changes)
    raw["seed"] = seed
    raw["data"].update(data or {})
    return config_lib.validate(raw, source="<test>")


def test_a_second_load_of_the_same_data_is_the_first_copy_inside_sharing():
    with cache.sharing():
        first = cache.load(config())
        # A change of the model, not of the data, shares the arrays.
        assert cache.load(config(units=8, cells=("gru",))) is first
        other_seed = cache.load(config(seed=2))
    assert not np.array_equal(other_seed.train.x, first.train.x)
    assert cache.load(config()) is not first  # outside the block nothing is kept


def sunspots(*overrides):
    return config_lib.load_experiment("sunspots_lstm", list(overrides))


@pytest.mark.parametrize("changed", [
    "seed=2", "data.window=20", "data.split.val=0.2", "data.scale=standard"])
def test_a_trial_never_gets_another_configs_data(changed):
    """Every input of `Dataset.load` is in the key: each change loads its own arrays."""
    base, other = sunspots(), sunspots(changed)
    assert cache.key(other) != cache.key(base)
    with cache.sharing():
        a, b = cache.load(base), cache.load(other)
        assert cache.load(sunspots(changed)) is b
    fresh = cache.load(other)  # outside sharing(): loaded again, not from the cache
    assert fresh is not b
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(b, name).x, getattr(fresh, name).x)
        np.testing.assert_array_equal(getattr(b, name).y, getattr(fresh, name).y)
    if changed == "seed=2":
        return  # sunspots' split is chronological: the same arrays, still a key of its own
    assert any(getattr(a, n).x.shape != getattr(b, n).x.shape
               or not np.array_equal(getattr(a, n).x, getattr(b, n).x)
               for n in ("train", "val", "test"))


def test_cached_arrays_are_read_only():
    with cache.sharing():
        splits = cache.load(config())
    with pytest.raises(ValueError, match="read-only"):
        splits.train.x[0] = 0


def test_the_cache_keeps_at_most_a_few_entries():
    with cache.sharing():
        first = cache.load(config(seed=0))
        for seed in range(1, cache.MAX_ENTRIES + 1):
            cache.load(config(seed=seed))
        assert cache.load(config(seed=0)) is not first
