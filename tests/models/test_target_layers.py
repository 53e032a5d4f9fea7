"""`data.target_transform` in the model (issue 31) and a model.keras plain Keras loads (issue 24).

`difference`, `seasonal_difference` and `window_last` are built from Keras' own
layers: they must compute exactly `rnnbench.data.targets`' numpy math and load in
a Python that never imported rnnbench. `log_return` and `window_standard` keep
rnnbench's layers, which load once `rnnbench.models.target_layers` is imported.
"""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import experiment_dict

from rnnbench.config import experiment as config_lib
from rnnbench.data import targets
from rnnbench.models import builders, saving, target_layers

# window 12, 3 features (2 targets and a covariate): horizon, season, n_targets
SHAPES = [(1, 1, 1), (3, 4, 1), (2, 3, 2), (5, 12, 2)]


@pytest.mark.parametrize("kind", target_layers.CORE_KINDS)
@pytest.mark.parametrize("horizon,season,n_targets", SHAPES)
def test_the_core_layers_compute_the_numpy_math(kind, horizon, season, n_targets):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 2.0, (6, 12, 3)).astype(np.float32)
    out = (rng.normal(size=(6, horizon * n_targets)) * 0.1).astype(np.float32)
    window = keras.Input((12, 3))
    forecast = keras.Input((horizon * n_targets,))
    model = keras.Model([window, forecast], [
        target_layers.target_inputs(window, kind, season),
        target_layers.target_restore(forecast, window, kind, horizon, season, n_targets)])
    seen, restored = model.predict([x, out], verbose=0)
    np.testing.assert_array_equal(seen, targets.transform_inputs(x, kind, season))
    np.testing.assert_allclose(
        restored, targets.inverse_targets(out, x, kind, horizon, season, n_targets),
        rtol=0, atol=1e-7)
    used = {type(layer).__module__.split(".")[0] for layer in model.layers}
    assert used == {"keras"}, used


# Loads each model.keras in a Python that has not imported rnnbench; then, for
# those plain Keras could not load, after importing rnnbench's target layers.
PLAIN_LOAD = """
import json, sys
import numpy as np
import keras
x = np.load(sys.argv[1])
found = {}
for path in sys.argv[3:]:
    try:
        found[path] = {"plain": True,
                       "y": keras.saving.load_model(path).predict(x[path], verbose=0).tolist()}
    except Exception as e:
        found[path] = {"plain": False, "error": str(e)}
before = sorted(k for k in sys.modules if k.split(".")[0] == "rnnbench")
import rnnbench.models.target_layers  # noqa: F401
for path, entry in found.items():
    if not entry["plain"]:
        entry["y"] = keras.saving.load_model(path).predict(x[path], verbose=0).tolist()
json.dump({"imported_before": before, "models": found}, open(sys.argv[2], "w"))
"""


TRANSFORMED = [
    {"name": "sine", "target_transform": "difference", "horizon": 3},
    {"name": "sine", "target_transform": "seasonal_difference", "season": 5},
    {"name": "sine", "target_transform": "window_last"},
    {"name": "sine", "target_transform": "window_standard"},
    {"name": "co2", "target_transform": "log_return", "scale": None, "window": 52}]


@pytest.fixture(scope="module")
def loaded_without_rnnbench(tmp_path_factory):
    """Every TRANSFORMED model saved, then loaded by one fresh Python (one import of Keras).

    Returns `{target_transform: (what PLAIN_LOAD found, what the model predicts)}`.
    """
    tmp = tmp_path_factory.mktemp("plain")
    inputs, expected = {}, {}
    for data in TRANSFORMED:
        raw = experiment_dict(task="forecast")
        raw["data"] = {"task": "forecast", "window": 10, "scale": "minmax", **data}
        model = builders.build_model(config_lib.validate(raw, source="<test>"))
        path = str(tmp / f"{data['target_transform']}.keras")
        saving.save_model(model, path)
        x = np.random.default_rng(4).uniform(0.5, 2.0, (4, *model.input_shape[1:]))
        inputs[path] = x.astype("float32")
        expected[path] = model.predict(inputs[path], verbose=0)
    np.savez(tmp / "x.npz", **inputs)
    subprocess.run([sys.executable, "-c", PLAIN_LOAD, str(tmp / "x.npz"),
                    str(tmp / "found.json"), *inputs], cwd=tmp, check=True,
                   capture_output=True, timeout=300)
    report = json.loads((tmp / "found.json").read_text())
    assert report["imported_before"] == []
    return {Path(path).stem: (found, expected[path])
            for path, found in report["models"].items()}


@pytest.mark.slow  # a fresh Python that imports Keras and loads every model (~7 s)
@pytest.mark.parametrize("kind", [d["target_transform"] for d in TRANSFORMED])
def test_a_transformed_forecast_model_loads_in_plain_keras_where_its_layers_are_keras(
        kind, loaded_without_rnnbench):
    found, expected = loaded_without_rnnbench[kind]
    assert found["plain"] is (kind in target_layers.CORE_KINDS), found
    np.testing.assert_allclose(found["y"], expected, rtol=1e-6, atol=1e-6)
