"""The `polyphonic_nll` task: Keras' masked loss is the NLL per step we report."""

import keras
import numpy as np
import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders

pytestmark = pytest.mark.slow  # its one test trains


@pytest.fixture
def jsb_experiment(jsb_file):
    return config_lib.validate({
        "name": "jsb_tiny", "seed": 1,
        "data": {"name": "polyphonic", "corpus": "jsb_chorales", "path": str(jsb_file),
                 "seq_len": 32},
        "model": {"layers": [{"cell": "lstm", "units": 8}]},
        "train": {"epochs": 1, "batch_size": 16}})


def test_keras_loss_equals_the_reported_nll_per_step(jsb_experiment, tmp_path):
    exp = jsb_experiment
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params), {}, None, exp.seed)
    model = builders.build_model(exp, spec=splits.spec)
    model.fit(splits.train.x[:64], splits.train.y[:64], batch_size=16, epochs=1, verbose=0)
    x, y = splits.test.x[:32], splits.test.y[:32]
    keras_loss = model.evaluate(x, y, batch_size=32, verbose=0)
    keras_loss = keras_loss[0] if isinstance(keras_loss, list) else keras_loss
    scores = config_lib.task_of(exp).score(y, model.predict(x, verbose=0))
    assert scores["nll"] == pytest.approx(keras_loss, rel=1e-4)
    assert scores["bits_per_step"] == pytest.approx(scores["nll"] / np.log(2))
    assert 0.0 <= scores["frame_accuracy"] <= 1.0
    baseline = config_lib.task_of(exp).score(y, splits.baseline_predict(x))
    assert baseline["nll"] > 0

    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5)
