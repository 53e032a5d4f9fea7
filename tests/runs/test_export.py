"""`rnnbench export`: the SavedModel and the TFLite model give the run's predictions.

Reloaded with `tf.saved_model.load` and the TFLite interpreter, fed RAW
inputs (the SavedModel scales inside its graph), and compared with
`rnnbench.load_run(...).predict` on the same data: within 1e-5 for the
SavedModel and 1e-4 for TFLite (docs/use-a-model.md states both).
"""

import json

import numpy as np
import pandas as pd
import pytest

import rnnbench
from rnnbench.cli import main
from rnnbench.config import experiment as config_lib

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings(
    "ignore:.*tf.lite.Interpreter is deprecated:UserWarning")]

SAVED_MODEL_TOLERANCE = 1e-5
TFLITE_TOLERANCE = 1e-4
WINDOW = 8


def train(raw, root):
    exp = config_lib.validate(json.loads(json.dumps(raw)), source="<test>")
    return rnnbench.run(exp, results_dir=root, verbose=0).run_dir


def sine_config(cell, bidirectional=False):
    return {"name": f"sine_{cell}", "seed": 1,
            "data": {"name": "sine", "task": "forecast", "window": WINDOW, "length": 150,
                     "scale": "standard"},
            "model": {"layers": [{"cell": cell, "units": 3, "bidirectional": bidirectional}]},
            "train": {"epochs": 1, "batch_size": 32}}


def tflite_outputs(path, samples, name):
    """Runs the TFLite model one sample at a time (it is exported for batch 1)."""
    import tensorflow as tf
    interpreter = tf.lite.Interpreter(model_path=str(path))
    runner = interpreter.get_signature_runner()
    return np.concatenate([runner(inputs=sample[None])[name] for sample in samples])


def export(run_dir, format, out):
    assert main(["export", str(run_dir), "--format", format, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module", params=[("lstm", False), ("gru", False),
                                        ("simple_rnn", False), ("lstm", "concat"),
                                        ("mgu", False)],
                ids=["lstm", "gru", "simple_rnn", "bilstm", "mgu"])
def forecaster(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    run_dir = train(sine_config(*request.param), root)
    values = np.cos(np.arange(30) / 4.0) * 2 + 1  # raw values, far from [0, 1]
    pd.DataFrame({"value": values}).to_csv(root / "new.csv", index=False)
    windows = np.lib.stride_tricks.sliding_window_view(values, WINDOW)[:, :, None]
    expected = rnnbench.load_run(run_dir).predict(root / "new.csv")["forecast"].to_numpy()
    return run_dir, windows.astype(np.float32), expected, root


def test_saved_model_takes_raw_windows(forecaster):
    import tensorflow as tf
    run_dir, windows, expected, root = forecaster
    out = export(run_dir, "saved_model", root / "saved_model")
    loaded = tf.saved_model.load(str(out))
    served = loaded.signatures["serving_default"](inputs=tf.constant(windows))
    np.testing.assert_allclose(served["forecast"].numpy()[:, 0], expected,
                               atol=SAVED_MODEL_TOLERANCE)
    assert json.loads((out / "assets.extra" / "preprocessing.json").read_text()) == \
        json.loads((run_dir / "preprocessing.json").read_text())


def test_tflite_takes_raw_windows(forecaster):
    run_dir, windows, expected, root = forecaster
    out = export(run_dir, "tflite", root / "tflite")
    got = tflite_outputs(out / "model.tflite", windows, "forecast")
    np.testing.assert_allclose(got[:, 0], expected, atol=TFLITE_TOLERANCE)


def test_the_default_folder_is_inside_the_run(forecaster):
    run_dir = forecaster[0]
    assert main(["export", str(run_dir)]) == 0
    assert (run_dir / "export" / "saved_model" / "saved_model.pb").is_file()


def test_text_classifier_serves_raw_strings(tmp_path):
    import tensorflow as tf
    run_dir = train({"name": "sentiment_tiny", "seed": 1,
                     "data": {"name": "sentiment", "task": "classify", "max_tokens": 300,
                              "seq_len": 12},
                     "model": {"layers": [{"cell": "gru", "units": 4}],
                               "embedding": {"dim": 4}},
                     "train": {"epochs": 1, "batch_size": 512}}, tmp_path / "results")
    texts = ["what a great day!", "This is AWFUL", "meh", "zzzz unknown words"]
    (tmp_path / "new.txt").write_text("\n".join(texts) + "\n")
    run = rnnbench.load_run(run_dir)
    names = run.preprocessing["outputs"]["label_names"]
    expected = run.predict(tmp_path / "new.txt")
    probabilities = expected[[f"probability_{n}" for n in names]].to_numpy()

    loaded = tf.saved_model.load(str(export(run_dir, "saved_model", tmp_path / "sm")))
    served = loaded.signatures["serving_default"](inputs=tf.constant(texts))
    np.testing.assert_allclose(served["probabilities"].numpy(), probabilities,
                               atol=SAVED_MODEL_TOLERANCE)
    assert [v.decode() for v in served["label"].numpy()] == expected["label"].tolist()

    # TFLite has no string ops: it takes the token ids predict made.
    ids = run.inputs(tmp_path / "new.txt").x
    got = tflite_outputs(export(run_dir, "tflite", tmp_path / "lite") / "model.tflite",
                         ids, "probabilities")
    np.testing.assert_allclose(got, probabilities, atol=TFLITE_TOLERANCE)


def test_masked_classifier_of_variable_length(tmp_path):
    """JapaneseVowels: 12 scaled channels, end-padded with NaN in the raw input."""
    import tensorflow as tf
    run_dir = train({"name": "vowels_tiny", "seed": 1,
                     "data": {"name": "japanese_vowels", "task": "classify",
                              "scale": "standard"},
                     "model": {"layers": [{"cell": "lstm", "units": 3}]},
                     "train": {"epochs": 1, "batch_size": 64}}, tmp_path / "results")
    x = np.random.default_rng(0).normal(size=(3, 15, 12))
    x[0, 9:] = np.nan  # a shorter series
    np.savez(tmp_path / "new.npz", x=x)
    run = rnnbench.load_run(run_dir)
    names = run.preprocessing["outputs"]["label_names"]
    expected = run.predict(tmp_path / "new.npz")
    probabilities = expected[[f"probability_{n}" for n in names]].to_numpy()
    loaded = tf.saved_model.load(str(export(run_dir, "saved_model", tmp_path / "sm")))
    served = loaded.signatures["serving_default"](inputs=tf.constant(x, tf.float32))
    np.testing.assert_allclose(served["probabilities"].numpy(), probabilities,
                               atol=SAVED_MODEL_TOLERANCE)
    got = tflite_outputs(export(run_dir, "tflite", tmp_path / "lite") / "model.tflite",
                         x.astype(np.float32), "probabilities")
    np.testing.assert_allclose(got, probabilities, atol=TFLITE_TOLERANCE)
