"""Shared fixtures: a seed per test, a tiny dataset for every task, configs.

Plain helpers (configs, files, processes) live in helpers.py.
"""

import collections
import gc
import random
import sys

import numpy as np
import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.config.registry import DATASETS
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits

from helpers import ALL_TASKS, NUM_SAMPLES, experiment_dict


@pytest.hookimpl(trylast=True)  # after `-m` deselects: the fast lane orders what it runs
def pytest_collection_modifyitems(items):
    """Orders the test files by cost, the ones with the most slow tests first.

    Under `--dist loadfile` a worker takes whole files in this order
    (`--no-loadscope-reorder` in setup.cfg keeps it; xdist's own order is by
    test count, which puts hundreds of fast config checks before a file of
    sweeps). Longest first, no worker is left alone with a long file at the end.
    A file's tests keep their order.
    """
    def file_of(item):
        return item.nodeid.partition("::")[0]
    slow, total = collections.Counter(), collections.Counter()
    for item in items:
        total[file_of(item)] += 1
        slow[file_of(item)] += item.get_closest_marker("slow") is not None
    items.sort(key=lambda item: (-slow[file_of(item)], -total[file_of(item)],
                                 file_of(item)))


@pytest.fixture(autouse=True, scope="module")
def frozen_heap():
    """Moves what is alive when a test file starts out of the cyclic collector's reach.

    Every run ends with Keras' `clear_session` and a `gc.collect()`, each a
    walk over the whole heap: TensorFlow's and Keras' modules, and what the
    worker's earlier files keep (caches, registries), ~0.1-0.3 s a walk and
    growing. Frozen objects are still freed by reference counting; only
    garbage that is cyclic and was alive at the freeze stays, and the
    collection before it leaves none. (A fresh process, as a user runs it, has
    the small heap this restores.)
    """
    gc.collect()
    gc.freeze()
    yield


@pytest.fixture(autouse=True)
def seed():
    random.seed(0)
    np.random.seed(0)
    if "keras" in sys.modules:  # only tests that use Keras pay its import
        sys.modules["keras"].utils.set_random_seed(0)


@pytest.fixture(autouse=True)
def op_determinism_off():
    """Each test starts with TensorFlow's op determinism off, as a fresh process does.

    A run with `train.deterministic: true` switches it on process-wide, and
    with it on Keras quietly compiles without XLA (`jit_compile` tests would
    then test nothing).
    """
    if "tensorflow" in sys.modules:
        from tensorflow.python.framework import config as tf_config
        tf_config.disable_op_determinism()
    yield


@pytest.fixture
def jsb_file():
    """The JSB Chorales file shipped in the package; missing, the test fails, never skips."""
    from rnnbench.data import music
    path = music.SHIPPED_DIR / "JSB_Chorales.mat"
    if not path.is_file():
        pytest.fail(f"package data missing: {path}")
    return path


@DATASETS.register("toy")
class ToyDataset(Dataset):
    """Random data of any shape, for every task: tests only.

    Variable-length inputs are right-padded: token id 0, or float 0 steps.
    """

    tasks = ALL_TASKS
    params = {
        "steps": Param(int, 6), "features": Param(int, 3),
        "tokens": Param(bool, False), "vocab_size": Param(int, 12),
        "num_classes": Param(int, 3), "output_dim": Param(int, 1),
        "variable_length": Param(bool, False), "size": Param(int, NUM_SAMPLES),
        "task_hint": Param(str, "regress"),
    }

    def spec(self, params):
        p = params
        tokens = p["tokens"] or p["task_hint"] == "language_model"
        steps = None if p["variable_length"] else p["steps"]
        num_classes = p["vocab_size"] if p["task_hint"] == "language_model" else p["num_classes"]
        mask = ("zero" if tokens else "value") if p["variable_length"] else None
        return DataSpec(
            input_shape=(steps,) if tokens else (steps, p["features"]),
            input_dtype="int32" if tokens else "float32",
            vocab_size=p["vocab_size"] if tokens else None, mask=mask,
            num_classes=num_classes, output_dim=p["output_dim"])

    def load(self, params, split, scale, seed):
        spec = self.spec(params)
        rng = np.random.default_rng(seed)
        parts = [self._part(params, spec, rng) for _ in range(3)]
        return Splits(*parts, spec=spec, baseline_name="zeros",
                      baseline_predict=lambda x: np.zeros_like(
                          self._predict_shape(params, spec, len(x))))

    def _part(self, p, spec, rng):
        n, steps = p["size"], p["steps"]
        if spec.input_dtype == "int32":
            x = rng.integers(1, p["vocab_size"], size=(n, steps)).astype("int32")
        else:
            x = rng.normal(size=(n, steps, p["features"])).astype("float32")
        if p["variable_length"]:
            lengths = rng.integers(2, steps + 1, size=n)
            x[np.arange(steps)[None, :] >= lengths[:, None]] = 0
        hint = p["task_hint"]
        if hint in ("regress", "forecast"):
            y = rng.normal(size=(n, p["output_dim"])).astype("float32")
        elif hint == "classify":
            y = rng.integers(0, p["num_classes"], size=(n,)).astype("int32")
        else:
            y = rng.integers(0, spec.num_classes, size=(n, steps)).astype("int32")
        return Split(x, y)

    @staticmethod
    def _predict_shape(p, spec, n):
        hint = p["task_hint"]
        if hint in ("regress", "forecast"):
            return np.empty((n, p["output_dim"]), "float32")
        if hint == "classify":
            return np.empty((n, 1 if spec.num_classes == 2 else spec.num_classes), "float32")
        return np.empty((n, p["steps"], spec.num_classes), "float32")


@pytest.fixture
def make_experiment():
    """Factory: `make_experiment(task=..., cells=(...), **data_params)` -> config."""
    def make(**kwargs):
        return config_lib.validate(experiment_dict(**kwargs), source="<test>")
    return make
