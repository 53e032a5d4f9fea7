"""Export of every input kind: token ids, variable-length masked frames, plain arrays.

Untrained run folders (no fit: the graph, not the weights, is under test); the
SavedModel and the TFLite model must give the Keras model's own outputs for a
few samples of the dataset's test split, whose inputs need no scaling here.
"""

import json
import os
import socket

import numpy as np
import pytest

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache as data_cache
from rnnbench.data.base import PREPROCESSING_FORMAT, PREPROCESSING_VERSION

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*tf.lite.Interpreter is deprecated:UserWarning")

CASES = {
    "copy_memory": ({"name": "copy_memory", "delay": 4, "length": 2, "train_size": 8,
                     "val_size": 4, "test_size": 4}, "gru", "probabilities"),
    "news_chars": ({"name": "news_chars", "seq_len": 10, "stride": 10, "max_chars": 5000},
                   "lstm", "probabilities"),
    "polyphonic": ({"name": "polyphonic", "seq_len": 6}, "lstm", "probabilities"),
    "adding": ({"name": "adding", "seq_len": 6, "train_size": 8, "val_size": 4,
                "test_size": 4}, "simple_rnn", "prediction"),
}


def make_run(folder, data, cell):
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


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_gives_the_models_outputs(tmp_path, name):
    import tensorflow as tf
    data, cell, output = CASES[name]
    model, x = make_run(tmp_path / "run", data, cell)
    expected = model.predict(x, verbose=0)

    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(x))[output].numpy(), expected,
                               atol=1e-5)

    assert main(["export", str(tmp_path / "run"), "--format", "tflite",
                 "--out", str(tmp_path / "lite")]) == 0
    runner = tf.lite.Interpreter(str(tmp_path / "lite" / "model.tflite")).get_signature_runner()
    got = np.concatenate([runner(inputs=sample[None])[output] for sample in x])
    np.testing.assert_allclose(got, expected, atol=1e-4)
