"""`train.<cell>_kernel: hoisted | unrolled` builds the stand-in layer, `check` says so,
and the saved model loads in plain Keras as the Keras layer, predicting the same."""

import keras
import numpy as np
import pytest
from helpers import experiment_config, gpu_visible

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, check, kernels, saving, speed

STAND_INS = [pytest.param(cell, kind, id=f"{cell}-{kind}")
             for (cell, kind) in builders.STAND_IN if kind in ("hoisted", "unrolled")]


@pytest.mark.parametrize("cell,kind", STAND_INS)
@pytest.mark.slow
def test_the_setting_builds_the_stand_in_and_check_says_so(cell, kind, tmp_path):
    cls = builders.STAND_IN[(cell, kind)]
    keras_cls = saving.SAVED_AS[cls]
    key = speed.KERNEL_KEYS[cell]
    exp = experiment_config(cells=(cell,), units=5, train={key: kind})
    spec = config_lib.data_spec(exp)
    assert speed.layer_kernel(exp, spec, 0) == (
        key, speed.Choice(kind, kind, f"set in train.{key}"))
    model = builders.build_model(exp)
    layer = builders.recurrent_layers(model)[0]
    assert type(layer) is cls
    assert cls.fused_op in (kernels.HOISTED, kernels.UNROLLED)
    # On a GPU an LSTM or GRU keeps Keras' cuDNN path (the stand-in says why).
    runs = kernels.KERAS_LOOP if gpu_visible() and cell != "simple_rnn" else cls.fused_op
    assert kernels.layer_report(model, spec, xla=False)[0]["runs"] == runs
    text = check.report(exp)
    assert f"{key} of rnn_0: {kind} (set in train.{key})" in text
    if runs == cls.fused_op:
        assert f"rnn_0 ({cls.__name__}): {cls.fused_op}" in text
    saving.save_model(model, tmp_path / "model.keras")  # as the Keras layer
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(builders.recurrent_layers(loaded)[0]) is keras_cls
    x = np.random.default_rng(0).normal(size=(3, *spec.input_shape)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)
