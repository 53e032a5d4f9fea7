"""Plain helpers the tests share: tiny configs, files, processes, the machine.

Import them with `from helpers import ...` (setup.cfg puts tests/ on the path,
so this works in every pytest import mode). Fixtures live in conftest.py.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

NUM_SAMPLES = 64
ALL_TASKS = ("regress", "forecast", "classify", "sequence_label", "language_model")

# A base experiment for sweep tests: a trial trains in a few seconds on 2 cores.
TINY_SWEEP_BASE = {
    "description": "tiny",
    "data": {"name": "adding", "seq_len": 8, "train_size": 48, "val_size": 16,
             "test_size": 16},
    "model": {"layers": [{"cell": "lstm", "units": 4}]},
    "train": {"epochs": 1, "batch_size": 16},
}


# ------------------------------------------------------------------ configs

def experiment_dict(task="regress", cells=("lstm",), units=4, bidirectional=False,
                    head=(), epochs=1, **data):
    """A tiny experiment on the `toy` dataset (conftest.py) as plain data."""
    layers = [{"cell": c, "units": units, "bidirectional": bidirectional} for c in cells]
    return {
        "name": f"toy_{task}",
        "description": "tiny test experiment",
        "seed": 1,
        "data": {"name": "toy", "task": task, "task_hint": task, **data},
        "model": {"layers": layers, "head": [{"units": u} for u in head]},
        "train": {"epochs": epochs, "batch_size": 16},
    }


def experiment_config(layer_options=None, model=None, train=None, **kwargs):
    """`experiment_dict(**kwargs)`, with overrides, validated.

    Args:
        layer_options: maps a layer index to extra keys for `model.layers[i]`.
        model, train: keys that update the `model` and `train` blocks.
    """
    from rnnbench.config import experiment as config_lib
    d = experiment_dict(**kwargs)
    for i, options in (layer_options or {}).items():
        d["model"]["layers"][i].update(options)
    d["model"].update(model or {})
    d["train"].update(train or {})
    return config_lib.validate(d, source="<test>")


def dataset_params(name, *cases, **values):
    """A registered dataset's params: every default, updated by each of `cases`, then `values`."""
    from rnnbench.config.registry import DATASETS
    params = {key: p.default for key, p in DATASETS.get(name).params.items()}
    for case in cases:
        params.update(case)
    params.update(values)
    return params


# ------------------------------------------------------------------ files

def write_yaml(path, data):
    """Writes `data` as YAML to `path` (keys in order); returns the path."""
    import yaml
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_experiment(raw, directory, stem=None):
    """Writes an experiment (plain data) as `DIRECTORY/STEM.yaml`; returns the path."""
    import yaml
    path = directory / f"{stem or raw['name']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def read_json(path):
    return json.loads(Path(path).read_text())


def manifest_status(run_dir):
    """A run folder's manifest status, or None while it is missing or half-written."""
    try:
        return read_json(Path(run_dir) / "manifest.json").get("status")
    except (OSError, ValueError):
        return None


def trial_states(sweep_dir, params):
    """`{trial_id: (status, active values, all values)}` from Keras Tuner's trial.json."""
    import keras_tuner as kt
    states = {}
    for path in sorted(Path(sweep_dir, "tuner").glob("trial_*/trial.json")):
        state = read_json(path)
        hp = kt.HyperParameters.from_config(state["hyperparameters"])
        active = {k: v for k, v in hp.values.items() if k in params and hp.is_active(k)}
        states[state["trial_id"]] = (state["status"], active, dict(hp.values))
    return states


# ------------------------------------------------------------------ runs and processes

def run_cli(tmp_path, raw, *extra):
    """`rnnbench run` of `raw` in this process; returns (exit code, the newest run folder)."""
    from rnnbench.cli import main
    path = write_experiment(raw, tmp_path)
    code = main(["run", str(path), "--results-dir", str(tmp_path / "results"), *extra])
    runs = sorted((tmp_path / "results" / raw["name"]).iterdir())
    return code, runs[-1]


def scalar_events(run_dir, part):
    """Reads back `epoch_*` scalars from TensorBoard's own event reader."""
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util
    acc = event_accumulator.EventAccumulator(
        str(run_dir / "tb" / part), size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    return {tag: [float(tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
            for tag in acc.Tags()["tensors"] if tag.startswith("epoch_")}


def rnnbench_process(*args, **kwargs):
    """Runs `python -m rnnbench ARGS` in a fresh process; returns the CompletedProcess."""
    kwargs = {"capture_output": True, "text": True, "timeout": 300, **kwargs}
    return subprocess.run([sys.executable, "-m", "rnnbench", *args], **kwargs)


def imports_after(code):
    """The top-level packages a fresh Python process has imported after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return {name.partition(".")[0] for name in json.loads(out.splitlines()[-1])}


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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the process exited ({proc.returncode}) before {what}")
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


BOARD_URL = re.compile(r"TensorBoard on (http://[^/\s]+/)")


def start_board(logdir, log, *flags):
    """Starts `rnnbench board` over `logdir` in its own process, as a user would.

    It runs on `--port 0`, so TensorBoard binds a free port itself: a port picked
    here and freed could be taken by another test's server before the board binds it.

    Returns:
        `(process, URL)` once it printed its URL; stop it with `stop_board`.
    """
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnnbench", "board", "--logdir", str(logdir),
             "--port", "0", *flags], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, start_new_session=True,
            preexec_fn=default_sigint)
    try:
        found = wait_for(lambda: BOARD_URL.search(Path(log).read_text()), 90,
                         f"rnnbench board's URL in {log}", proc=proc)
    except BaseException:
        stop_board(proc, log)
        raise
    return proc, found.group(1)


def stop_board(proc, log):
    """Ctrl-Cs a board from `start_board` (killed if it has not left in 30 s); its exit code."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        pytest.fail(f"rnnbench board still ran 30 s after Ctrl-C: {Path(log).read_text()[-2000:]}")


class LogRecords:
    """A logging handler that keeps the messages it sees (`.messages`), e.g. TensorFlow's."""

    def __init__(self, level=0):
        import logging

        class _Handler(logging.Handler):
            def emit(handler, record):
                self.messages.append(record.getMessage())

        self.messages = []
        self.handler = _Handler(level)


# ------------------------------------------------------------------ the machine

def gpu_visible():
    """Whether TensorFlow sees a GPU here: the fact rnnbench's own rules read."""
    from rnnbench.models import cudnn
    return cudnn.gpu_available()


def layer_class(exp, index, planned_steps=None):
    """The class name `model.layers[index]` (a built-in cell) is built as on this machine.

    By the rule the builder follows (`rnnbench.models.speed.layer_kernel`: e.g.
    BlockLSTM for small LSTM steps on a CPU, Keras' LSTM on a GPU; an unrolled
    SimpleRNN on a CPU), so an expectation holds on either machine.
    """
    from rnnbench.config.experiment import data_spec
    from rnnbench.models import builders, speed
    layer = exp.model.layers[index]
    kernel = speed.layer_kernel(exp, data_spec(exp), index, planned_steps)
    stand_in = kernel and builders.STAND_IN.get((layer.cell, kernel[1].chosen))
    return (stand_in or builders.resolve_cell(layer.cell, "cell")).__name__


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb():
    """This process's resident memory in MB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def proc_cpuinfo():
    """`(model names, flags)` as /proc/cpuinfo lists them, read independently of rnnbench."""
    with open("/proc/cpuinfo") as f:
        lines = [line.split(":", 1) for line in f if ":" in line]
    models = {value.strip() for key, value in lines if key.strip() == "model name"}
    flags = next(value.split() for key, value in lines if key.strip() == "flags")
    return models, flags


# TensorFlow's rule (DefaultOneDnnPolicy in tensorflow/core/util/util.cc): on Linux x86
# its oneDNN custom operations are on by default only where the CPU has one of these.
ONEDNN_DEFAULT_FLAGS = {"avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8",
                        "amx_bf16"}


def onednn_on_by_default():
    """Whether TensorFlow turns oneDNN's custom operations on here with `TF_ENABLE_ONEDNN_OPTS` unset."""
    return bool(ONEDNN_DEFAULT_FLAGS & set(proc_cpuinfo()[1]))


def untrained_run(folder, data, cell):
    """A completed run folder of an untrained model on `data` (no fit: a graph, not
    weights, is under test), saved as `rnnbench run` saves it; returns (model, 3 test x)."""
    from rnnbench.config import experiment as config_lib
    from rnnbench.data import cache as data_cache
    from rnnbench.data.base import PREPROCESSING_FORMAT, PREPROCESSING_VERSION
    from rnnbench.models import builders, saving
    raw = {"name": f"{data['name']}_tiny", "seed": 1, "data": data,
           "model": {"layers": [{"cell": cell, "units": 3}]},
           "train": {"epochs": 1, "batch_size": 4}}
    exp = config_lib.validate(raw, source="<test>")
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(config_lib.to_yaml(exp))
    (folder / "manifest.json").write_text(json.dumps({
        "status": "completed", "pid": os.getpid(), "host": {"hostname": socket.gethostname()}}))
    splits = data_cache.load(exp)
    (folder / "preprocessing.json").write_text(json.dumps({
        "format": PREPROCESSING_FORMAT, "version": PREPROCESSING_VERSION,
        **splits.preprocessing}))
    model = builders.build_model(exp, spec=splits.spec, compile=False)
    saving.save_model(model, folder / "model.keras")  # as `rnnbench run` saves it
    return model, splits.test.x[:3]
