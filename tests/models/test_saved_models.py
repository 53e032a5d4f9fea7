"""model.keras loads: files of an earlier release, and in plain Keras without rnnbench.

`tests/fixtures/legacy_cells.keras` was written by rnnbench 0.1.0 at commit
8611305 (the flat-module layout, `rnnbench.cells` / `rnnbench.fused`) with
`tests/fixtures/make_legacy_cells.py`: one layer of every custom cell rnnbench
ships, with the predictions it made saved beside it.
"""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import experiment_config

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.models import builders, saving
from rnnbench.models import cells, fused  # noqa: F401  (registers the custom classes)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.slow
def test_a_model_saved_by_the_flat_layout_release_loads_and_predicts_the_same():
    model = keras.saving.load_model(FIXTURES / "legacy_cells.keras")
    io = np.load(FIXTURES / "legacy_cells_io.npz")
    np.testing.assert_allclose(model.predict(io["x"], verbose=0), io["y"], rtol=1e-5,
                               atol=1e-7)
    found = {type(getattr(layer, "forward_layer", layer)).__name__ for layer in model.layers}
    assert "FusedLSTM" in found
    inner = {type(layer.cell).__name__ for layer in model.layers if hasattr(layer, "cell")}
    assert {"TextbookLSTMCell", "PeepholeLSTMCell", "MGUCell"} <= inner


# ------------------------------------------- model.keras in a Python without rnnbench

# Loads each model.keras given on the command line in a Python that has not
# imported rnnbench, then (for those plain Keras could not load) after importing
# it; writes what happened and the predictions.
PLAIN_LOAD = """
import json, sys
import numpy as np
import keras
x = np.load(sys.argv[1])
found = {}
for path in sys.argv[3:]:
    try:
        model = keras.saving.load_model(path)
    except Exception as e:
        found[path] = {"plain": False, "error": str(e)}
        continue
    found[path] = {"plain": True, "y": model.predict(x[path], verbose=0).tolist(),
                   "classes": sorted({type(getattr(l, "forward_layer", l)).__name__
                                      for l in model.layers})}
imported = sorted(k for k in sys.modules if k == "rnnbench" or k.startswith("rnnbench."))
import rnnbench.models.cells  # registers the custom cells (docs/kernels.md)
for path, entry in found.items():
    if not entry["plain"]:
        entry["y"] = keras.saving.load_model(path).predict(x[path], verbose=0).tolist()
json.dump({"imported_before": imported, "models": found}, open(sys.argv[2], "w"))
"""


def load_without_rnnbench(tmp_path, inputs):
    """Runs `PLAIN_LOAD` on `{path: x}` in a fresh Python; returns its report."""
    np.savez(tmp_path / "x.npz", **{str(p): x for p, x in inputs.items()})
    out = tmp_path / "plain.json"
    subprocess.run([sys.executable, "-c", PLAIN_LOAD, str(tmp_path / "x.npz"), str(out),
                    *map(str, inputs)], cwd=tmp_path, check=True, capture_output=True)
    report = json.loads(out.read_text())
    assert report["imported_before"] == []
    return report["models"]


# Every cell rnnbench ships: Keras' own (lstm is FusedLSTM by the auto kernel on CPU),
# and rnnbench's custom cells, which load only once rnnbench is imported.
SHIPPED = {"lstm": True, "fused_lstm": True, "gru": True, "simple_rnn": True,
           "textbook_lstm": False, "peephole_lstm": False, "mgu": False}


# `train.<cell>_kernel: hoisted` (issue 28): each kernel's layers, bidirectional too.
HOISTED = [("lstm", False, "lstm_kernel"), ("lstm", "concat", "lstm_kernel"),
           ("gru", False, "gru_kernel"), ("gru", "sum", "gru_kernel"),
           ("simple_rnn", False, "simple_rnn_kernel")]


def shipped_cell_models():
    """`{name: (cell, model)}`: a model of every SHIPPED cell, bidirectional LSTM and jsb_lstm."""
    models = {}
    for cell, bidirectional in [*((c, False) for c in SHIPPED), ("lstm", "concat"),
                                ("lstm", "jsb")]:
        # jsb: the polyphonic task's loss is rnnbench's own, so it is saved uncompiled.
        exp = (config_lib.load_experiment("jsb_lstm") if bidirectional == "jsb" else
               experiment_config(cells=(cell, cell), bidirectional=bidirectional))
        models[f"{cell}_{bidirectional}"] = (cell, exp, builders.build_model(exp))
    return models


def hoisted_models():
    """`{name: (cell, model)}`: a model of every HOISTED kernel."""
    models = {}
    for cell, bidirectional, key in HOISTED:
        exp = experiment_config(cells=(cell, cell), bidirectional=bidirectional,
                                train={key: "hoisted"})
        models[f"hoisted_{cell}_{bidirectional}"] = (cell, exp, builders.build_model(exp))
    return models


@pytest.fixture(scope="module")
def built_and_loaded(tmp_path_factory):
    """Every model above, saved, then loaded by one fresh Python without rnnbench.

    Returns `{name: (cell, model, what PLAIN_LOAD found, what the model predicts)}`.
    """
    tmp = tmp_path_factory.mktemp("plain")
    rng = np.random.default_rng(5)
    models = {**shipped_cell_models(), **hoisted_models()}
    inputs, expected = {}, {}
    for name, (_, exp, model) in models.items():
        path = tmp / f"{name}.keras"
        saving.save_model(model, path)
        inputs[path] = rng.normal(size=(3, *(d or 6 for d in config_lib.data_spec(
            exp).input_shape))).astype("float32")
        expected[path] = model.predict(inputs[path], verbose=0)
    found = load_without_rnnbench(tmp, inputs)
    return {Path(path).stem: (models[Path(path).stem][0], models[Path(path).stem][2],
                              report, expected[Path(path)])
            for path, report in found.items()}


@pytest.mark.slow  # one fresh Python loads every model (~20 s)
def test_model_keras_of_every_shipped_cell_loads_in_plain_keras_or_says_what_to_import(
        built_and_loaded):
    from rnnbench.config import catalog  # noqa: F401  (registers the cell names)
    from rnnbench.config.registry import CELLS
    assert set(SHIPPED) == set(CELLS.names())
    shipped = {k: v for k, v in built_and_loaded.items() if not k.startswith("hoisted_")}
    assert len(shipped) == len(SHIPPED) + 2
    for cell, _, found, y in shipped.values():
        assert found["plain"] is SHIPPED[cell], found.get("error")
        np.testing.assert_allclose(found["y"], y, atol=1e-6, rtol=1e-6)
        if found["plain"]:
            assert not {"FusedLSTM"} & set(found["classes"])
        else:  # Keras' message names the class and the module to import
            assert "Could not locate class" in found["error"]
            assert "rnnbench.models.cells" in found["error"]


@pytest.mark.slow  # one fresh Python loads every model (~20 s)
def test_model_keras_with_hoisted_kernels_loads_in_plain_keras_as_the_keras_layers(
        built_and_loaded):
    hoisted = {k: v for k, v in built_and_loaded.items() if k.startswith("hoisted_")}
    assert len(hoisted) == len(HOISTED)
    for cell, model, found, y in hoisted.values():
        built = {type(builders.unwrap(layer)).__name__
                 for layer in builders.recurrent_layers(model)}
        assert built == {"Hoisted" + {"lstm": "LSTM", "gru": "GRU",
                                      "simple_rnn": "SimpleRNN"}[cell]}
        assert found["plain"], found.get("error")
        assert not any(name.startswith("Hoisted") for name in found["classes"])
        # Keras' loop against the hoisted projection: the same sums, rounded apart.
        np.testing.assert_allclose(found["y"], y, atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_a_default_run_and_the_issue_s_xla_run_save_a_model_plain_keras_loads(
        tmp_path, monkeypatch, capsys):
    """`rnnbench run` with the auto kernel (BlockLSTM on CPU), with
    `lstm_kernel: block` under XLA and with `lstm_kernel: hoisted`: model.keras
    loads without rnnbench and predicts what the run's own model predicts, to 1e-6.

    The runs are the command line's main() in this process (a fresh process each
    paid TensorFlow's import); the loading is still done by a Python without rnnbench.
    """
    from rnnbench.cli import main
    from rnnbench.data import cache as data_cache
    runs = {"default": [], "block_xla": ["--set", "train.lstm_kernel=block", "--set",
                                         "train.jit_compile=true", "--set",
                                         "train.deterministic=false"],
            "hoisted": ["--set", "train.lstm_kernel=hoisted"]}
    inputs, expected, manifests = {}, {}, {}
    monkeypatch.chdir(tmp_path)
    for name, extra in runs.items():
        code = main(["run", "sine_lstm", "--epochs", "1", "--results-dir",
                     str(tmp_path / name), *extra])
        assert code == 0, capsys.readouterr().err[-2000:]
        run_dir = next((tmp_path / name).glob("sine_lstm/*/"))
        manifests[name] = json.loads((run_dir / "manifest.json").read_text())
        exp = config_lib.load_experiment(run_dir / "config.yaml")
        x = data_cache.load(exp).test.x
        # The run's own model: built as the run built it, with the saved weights.
        model = builders.build_model(exp)
        model.set_weights(saving.load_model(run_dir / "model.keras").get_weights())
        path = run_dir / "model.keras"
        inputs[path], expected[path] = x, model.predict(x, verbose=0)
    for path, found in load_without_rnnbench(tmp_path, inputs).items():
        assert found["plain"] and found["classes"] == ["Dense", "InputLayer", "LSTM"]
        np.testing.assert_allclose(found["y"], expected[Path(path)], atol=1e-6, rtol=0)
    fused = {name: m["layers"][0] for name, m in manifests.items()}
    assert fused["default"]["fused"] is True and fused["default"]["runs"] == "BlockLSTM"
    assert fused["block_xla"]["fused"] is False
    assert "XLA" in fused["block_xla"]["fallback"][0]
    assert fused["hoisted"]["class"] == "HoistedLSTM" and fused["hoisted"]["fused"] is True
    assert fused["hoisted"]["runs"] == "hoisted input projection"


class UnregisteredCell(keras.layers.Layer):
    """A user's cell that was never registered: no Python but this test module knows it."""

    state_size = 2

    def call(self, inputs, states):
        return inputs[:, :2] + states[0], [inputs[:, :2] + states[0]]


def test_loading_a_model_whose_cell_is_not_importable_says_what_to_import(tmp_path):
    model = keras.Sequential([keras.Input((3, 2)), keras.layers.RNN(UnregisteredCell())])
    model.save(tmp_path / "model.keras")
    with pytest.raises(UserError, match="Could not locate class 'UnregisteredCell'") as caught:
        saving.load_model(tmp_path / "model.keras")
    assert "Import the module that defines it" in str(caught.value)
    assert f"from module `{__name__}`" in str(caught.value)
