"""A per-process cache of loaded datasets, for the trials of one sweep.

A sweep's trials usually train on the same arrays; loading and preprocessing
them once per process (not once per trial) is part of what keeps a trial's
fixed cost small. The cache is on only inside `sharing()`: a single run, a
study or the Python API load as before and keep nothing.
"""

import collections
import contextlib
import dataclasses
import json
import logging

from rnnbench.config import experiment as config_lib

# A sweep varies the model far more often than the data: a few entries suffice,
# and a bound keeps a sweep over many data settings from holding them all.
MAX_ENTRIES = 4
log = logging.getLogger("rnnbench.runs")
_cache = None  # an OrderedDict while `sharing()` is active


@contextlib.contextmanager
def sharing():
    """Within this block `load` keeps what it loaded for the next caller."""
    global _cache
    outer = _cache
    if outer is None:
        _cache = collections.OrderedDict()
    try:
        yield
    finally:
        _cache = outer


def key(exp):
    """Everything that defines the arrays: the dataset (its class too), params,
    split, scale and seed, as one string."""
    cls = type(config_lib.dataset_of(exp))
    split = dataclasses.asdict(exp.data.split) if exp.data.split else None
    return json.dumps([exp.data.name, f"{cls.__module__}.{cls.__qualname__}",
                       dict(exp.data.params), split, exp.data.scale, exp.seed],
                      sort_keys=True, default=repr)


def load(exp):
    """The experiment's `Splits`: from the cache inside `sharing()`, else loaded.

    Cached arrays are made read-only, so a caller that wrote into them would
    fail loudly rather than hand a later trial different data.
    """
    if _cache is None:
        return _load(exp)
    k = key(exp)
    if k in _cache:
        _cache.move_to_end(k)
        log.debug(f"data {exp.data.name}: reused this process's copy")
        return _cache[k]
    splits = _load(exp)
    for part in (splits.train, splits.val, splits.test):
        freeze(part.x)
        freeze(part.y)
    _cache[k] = splits
    while len(_cache) > MAX_ENTRIES:
        _cache.popitem(last=False)
    return splits


def freeze(arrays):
    """Marks every NumPy array in `arrays` (one, or a list/tuple/dict) read-only."""
    if isinstance(arrays, dict):
        arrays = list(arrays.values())
    for a in arrays if isinstance(arrays, (list, tuple)) else [arrays]:
        if hasattr(a, "setflags"):
            a.setflags(write=False)


def _load(exp):
    return config_lib.dataset_of(exp).load(
        dict(exp.data.params),
        dataclasses.asdict(exp.data.split) if exp.data.split else None,
        exp.data.scale, exp.seed)
