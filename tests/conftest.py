"""Shared fixtures: a seed per test, a tiny dataset for every task, configs."""

import random
import sys

import numpy as np
import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.config.registry import DATASETS
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits

NUM_SAMPLES = 64
ALL_TASKS = ("regress", "forecast", "classify", "sequence_label", "language_model")


@pytest.fixture(autouse=True)
def seed():
    random.seed(0)
    np.random.seed(0)
    if "keras" in sys.modules:  # only tests that use Keras pay its import
        sys.modules["keras"].utils.set_random_seed(0)


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


def experiment_dict(task="regress", cells=("lstm",), units=4, bidirectional=False,
                    head=(), epochs=1, **data):
    """A tiny experiment as plain data, for any task and stack of cells."""
    layers = [{"cell": c, "units": units, "bidirectional": bidirectional} for c in cells]
    return {
        "name": f"toy_{task}",
        "description": "tiny test experiment",
        "seed": 1,
        "data": {"name": "toy", "task": task, "task_hint": task, **data},
        "model": {"layers": layers, "head": [{"units": u} for u in head]},
        "train": {"epochs": epochs, "batch_size": 16},
    }


@pytest.fixture
def make_experiment():
    """Factory: `make_experiment(task=..., cells=(...), **data_params)` -> config."""
    def make(**kwargs):
        return config_lib.validate(experiment_dict(**kwargs), source="<test>")
    return make


def experiment_config(layer_options=None, model=None, train=None, **kwargs):
    """`experiment_dict(**kwargs)`, with overrides, validated.

    Args:
        layer_options: maps a layer index to extra keys for `model.layers[i]`.
        model, train: keys that update the `model` and `train` blocks.
    """
    d = experiment_dict(**kwargs)
    for i, options in (layer_options or {}).items():
        d["model"]["layers"][i].update(options)
    d["model"].update(model or {})
    d["train"].update(train or {})
    return config_lib.validate(d, source="<test>")


def write_experiment(raw, directory, stem=None):
    """Writes an experiment (plain data) as `DIRECTORY/STEM.yaml`; returns the path."""
    import yaml
    path = directory / f"{stem or raw['name']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def rnnbench_process(*args, **kwargs):
    """Runs `python -m rnnbench ARGS` in a fresh process; returns the CompletedProcess."""
    import subprocess
    kwargs = {"capture_output": True, "text": True, "timeout": 300, **kwargs}
    return subprocess.run([sys.executable, "-m", "rnnbench", *args], **kwargs)


def imports_after(code):
    """The top-level packages a fresh Python process has imported after running `code`."""
    import json
    import subprocess
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return {name.partition(".")[0] for name in json.loads(out.splitlines()[-1])}


# ------------------------------------------------------------------ sweeps

# A base experiment for sweep tests: a trial trains in a few seconds on 2 cores.
TINY_SWEEP_BASE = {
    "description": "tiny",
    "data": {"name": "adding", "seq_len": 8, "train_size": 48, "val_size": 16,
             "test_size": 16},
    "model": {"layers": [{"cell": "lstm", "units": 4}]},
    "train": {"epochs": 1, "batch_size": 16},
}


def write_yaml(path, data):
    import yaml
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def read_json(path):
    import json
    from pathlib import Path
    return json.loads(Path(path).read_text())


def trial_states(sweep_dir, params):
    """`{trial_id: (status, active values, all values)}` from Keras Tuner's trial.json."""
    from pathlib import Path

    import keras_tuner as kt
    states = {}
    for path in sorted(Path(sweep_dir, "tuner").glob("trial_*/trial.json")):
        state = read_json(path)
        hp = kt.HyperParameters.from_config(state["hyperparameters"])
        active = {k: v for k, v in hp.values.items() if k in params and hp.is_active(k)}
        states[state["trial_id"]] = (state["status"], active, dict(hp.values))
    return states


def default_sigint():
    """`preexec_fn` for a child the test Ctrl-Cs: SIGINT acts as in a user's terminal.

    A shell's `cmd &` job, and everything it starts, inherits SIGINT ignored,
    and Python then never raises KeyboardInterrupt; so a suite started that way
    (a CI script's background job) would see a child shrug off SIGINT.
    """
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(predicate, timeout, what, proc=None, interval=0.1):
    """Polls `predicate` until it returns something truthy, which it returns.

    Fails after `timeout` seconds, or at once when `proc` (a Popen) has exited.
    """
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the process exited ({proc.returncode}) before {what}")
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class LogRecords:
    """A logging handler that keeps the messages it sees (`.messages`), e.g. TensorFlow's."""

    def __init__(self, level=0):
        import logging

        class _Handler(logging.Handler):
            def emit(handler, record):
                self.messages.append(record.getMessage())

        self.messages = []
        self.handler = _Handler(level)
