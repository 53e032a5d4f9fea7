"""Export of every input kind: token ids, variable-length masked frames, plain arrays.

Untrained run folders (no fit: the graph, not the weights, is under test); the
SavedModel and the TFLite model must give the Keras model's own outputs for a
few samples of the dataset's test split, whose inputs need no scaling here.
"""

import json

import numpy as np
import pytest
from helpers import untrained_run

from rnnbench.cli import main

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


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.slow
def test_export_gives_the_models_outputs(tmp_path, name):
    import tensorflow as tf
    data, cell, output = CASES[name]
    model, x = untrained_run(tmp_path / "run", data, cell)
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


@pytest.mark.parametrize("layout", ["wide", "long", "cell", "files"])
@pytest.mark.slow
def test_export_scales_a_tables_sequences_as_training_did(tmp_path, layout):
    """Own labelled sequences with `scale: standard`: the served model takes raw values."""
    import pandas as pd
    import tensorflow as tf

    from rnnbench.data.preprocessing import Scaler
    rng = np.random.default_rng(0)
    x = rng.normal(50, 10, size=(60, 5, 2)).astype("float32")  # far from unit scale
    labels = np.where(x[:, :, 0].mean(axis=1) > 50, "up", "down")
    if layout == "wide":  # one channel, the columns are steps
        frame = pd.DataFrame(x[:, :, 0], columns=[f"t{i}" for i in range(5)])
        frame["label"] = labels
        data = {"value_columns": [f"t{i}" for i in range(5)]}
    elif layout == "cell":  # one channel, a row's steps in one cell
        frame = pd.DataFrame({"id": np.arange(60), "seq": [" ".join(map(str, row))
                                                           for row in x[:, :, 0]],
                              "label": labels})
        data = {"id_column": "id", "value_columns": ["seq"]}
    else:
        frame = pd.DataFrame({"id": np.repeat(np.arange(60), 5), "a": x[:, :, 0].ravel(),
                              "b": x[:, :, 1].ravel(), "label": np.repeat(labels, 5)})
        data = {"id_column": "id", "value_columns": ["a", "b"]}
    source = tmp_path / "sequences.csv"
    frame.to_csv(source, index=False)
    if layout == "files":  # a table a sequence, in a subfolder per class
        source = tmp_path / "sequences"
        for i, part in frame.groupby("id"):
            (source / labels[i]).mkdir(parents=True, exist_ok=True)
            part[["a", "b"]].to_csv(source / labels[i] / f"{i:02d}.csv", index=False)
        data = {"value_columns": ["a", "b"]}
    model, scaled = untrained_run(tmp_path / "run", {
        "name": "file_sequences", "path": str(source), "layout": layout,
        "label_column": "label", "scale": "standard", "target": "classes", **data}, "gru")
    inputs = json.loads((tmp_path / "run" / "preprocessing.json").read_text())["inputs"]
    names = {"wide": ["value"], "cell": ["seq"]}.get(layout, ["a", "b"])
    scaler = Scaler.from_config({"kind": "standard",
                                 "mean": [inputs["scalers"][n]["mean"] for n in names],
                                 "std": [inputs["scalers"][n]["std"] for n in names]})
    raw = scaler.inverse_transform(scaled).astype("float32")
    assert np.abs(raw).mean() > 10  # the served model gets values in the file's units
    from rnnbench.runs import use
    predicted = use.load_run(tmp_path / "run").predict(source)
    # each sequence's label under its id column's name (wide rows without one: `row`)
    assert predicted.columns[0] == {"wide": "row", "files": "file"}.get(layout, "id")
    assert len(predicted) == 60
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(raw))["probabilities"].numpy()[:, -1:],
                               model.predict(scaled, verbose=0)[:, -1:], atol=1e-5)


@pytest.mark.slow
def test_a_scaled_values_target_is_predicted_and_served_in_its_units(tmp_path):
    import tensorflow as tf

    from rnnbench.data.preprocessing import Scaler
    from rnnbench.runs import use
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5, 2)).astype("float32")
    np.savez(tmp_path / "a.npz", x=x, y=300 + 50 * x[:, :, 0].mean(axis=1))
    model, _ = untrained_run(tmp_path / "run", {
        "name": "file_arrays", "path": str(tmp_path / "a.npz"), "target": "values",
        "scale": "standard"}, "gru")
    record = json.loads((tmp_path / "run" / "preprocessing.json").read_text())
    to_days = Scaler.from_config(record["outputs"]["scaler"])
    # the model's scaled output, in the target's units
    np.savez(tmp_path / "new.npz", x=x[:3])
    run = use.load_run(tmp_path / "run")
    predicted = run.predict(tmp_path / "new.npz")
    model_inputs = run.inputs(tmp_path / "new.npz").x
    expected = to_days.inverse_transform(model.predict(model_inputs, verbose=0))[:, 0]
    np.testing.assert_allclose(predicted["prediction"], expected, rtol=1e-5)
    assert 200 < expected.mean() < 400
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(x[:3]))["prediction"].numpy()[:, 0],
                               expected, rtol=1e-5)


@pytest.mark.parametrize("labels, target, expected", [
    (np.array(["up", "down", "up"]), "classes", ["up", "down", "up"]),
    (np.eye(3, dtype="float32")[[2, 0, 1]], "classes", ["2", "0", "1"]),  # one-hot rows
    (np.array([310.5, 290.0, 305.25]), "values", [310.5, 290.0, 305.25]),
])
def test_predict_on_arrays_with_labels_shows_them_as_actual(tmp_path, labels, target,
                                                            expected):
    from rnnbench.runs import use
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 5, 2)).astype("float32")
    y = np.resize(labels, (30, *labels.shape[1:]))
    np.savez(tmp_path / "a.npz", x=x, y=y)
    untrained_run(tmp_path / "run", {"name": "file_arrays", "path": str(tmp_path / "a.npz"),
                                     "target": target, "scale": "standard"}, "gru")
    run = use.load_run(tmp_path / "run")
    np.savez(tmp_path / "new.npz", x=x[:3], y=labels)
    predicted = run.predict(tmp_path / "new.npz")
    assert predicted["actual"].tolist() == expected
    np.savez(tmp_path / "unlabelled.npz", x=x[:3])
    assert "actual" not in run.predict(tmp_path / "unlabelled.npz").columns


@pytest.mark.slow
def test_a_number_per_text_is_predicted_and_served_from_raw_text_in_its_units(tmp_path):
    """`file_text` with `target: values`: the served model takes strings and gives the
    number in the file's units, as `predict` does (the run standardized it)."""
    import pandas as pd
    import tensorflow as tf

    from rnnbench.data.preprocessing import Scaler
    from rnnbench.runs import use
    rng = np.random.default_rng(0)
    words = ["spacious", "bright", "view", "noisy", "dark", "old", "garden", "quiet"]
    texts = [" ".join(rng.choice(words, 5)) for _ in range(60)]
    prices = [200_000 + 30_000 * t.count("view") - 20_000 * t.count("noisy") for t in texts]
    pd.DataFrame({"description": texts, "price": prices}).to_csv(tmp_path / "flats.csv",
                                                                index=False)
    model, _ = untrained_run(tmp_path / "run", {
        "name": "file_text", "path": str(tmp_path / "flats.csv"), "text_column": "description",
        "label_column": "price", "target": "values", "seq_len": 6}, "gru")
    record = json.loads((tmp_path / "run" / "preprocessing.json").read_text())
    to_units = Scaler.from_config(record["outputs"]["scaler"])
    assert abs(to_units.inverse_transform(np.zeros((1, 1)))[0, 0] - np.mean(prices)) < 20_000
    run = use.load_run(tmp_path / "run")
    assert run.task == "regress"
    new = ["a spacious flat with a view", "noisy and dark"]
    predicted = run.predict(new)
    expected = to_units.inverse_transform(model.predict(run.inputs(new).x, verbose=0))[:, 0]
    np.testing.assert_allclose(predicted["prediction"], expected, rtol=1e-5)
    assert predicted["text"].tolist() == new
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(new))["prediction"].numpy()[:, 0],
                               expected, rtol=1e-5)


@pytest.mark.slow
def test_arrays_end_padded_with_nan_predict_and_serve_as_the_model_masks_them(tmp_path):
    import tensorflow as tf

    from rnnbench.errors import UserError
    from rnnbench.runs import use
    rng = np.random.default_rng(0)
    x = rng.normal(50, 10, size=(40, 8, 2)).astype("float32")
    for i in range(0, 40, 3):
        x[i, 5:] = np.nan  # shorter sequences, end-padded
    np.savez(tmp_path / "varlen.npz", x=x, y=np.arange(40) % 2)
    model, _ = untrained_run(tmp_path / "run", {
        "name": "file_arrays", "path": str(tmp_path / "varlen.npz"), "scale": "standard"},
        "gru")
    run = use.load_run(tmp_path / "run")
    np.savez(tmp_path / "new.npz", x=x[:4])
    predicted = run.predict(tmp_path / "new.npz")
    inputs = run.inputs(tmp_path / "new.npz").x
    assert np.all(inputs[0, 5:] == -1e4) and np.all(np.abs(inputs[1]) < 10)
    expected = model.predict(inputs, verbose=0)
    np.testing.assert_allclose(predicted[["probability_0", "probability_1"]].to_numpy(),
                               np.concatenate([1 - expected, expected], axis=1)
                               if expected.shape[1] == 1 else expected, atol=1e-6)
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(x[:4]))["probabilities"].numpy(),
                               predicted[["probability_0", "probability_1"]].to_numpy(),
                               atol=1e-5)
    # a model trained on sequences of one length never saw padding: refused, named
    np.savez(tmp_path / "full.npz", x=np.nan_to_num(x, nan=50.0), y=np.arange(40) % 2)
    untrained_run(tmp_path / "run_full", {
        "name": "file_arrays", "path": str(tmp_path / "full.npz"), "scale": "standard"}, "gru")
    with pytest.raises(UserError, match="NaN steps at the end of a sequence"):
        use.load_run(tmp_path / "run_full").inputs(tmp_path / "new.npz")


def test_the_python_api_exports_as_the_command_does(tmp_path):
    import tensorflow as tf

    import rnnbench
    from rnnbench.errors import UserError
    data, cell, output = CASES["adding"]
    model, x = untrained_run(tmp_path / "run", data, cell)
    written = rnnbench.export(tmp_path / "run")
    assert written == tmp_path / "run" / "export" / "saved_model"
    served = tf.saved_model.load(str(written)).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(x))[output].numpy(),
                               model.predict(x, verbose=0), atol=1e-5)
    with pytest.raises(UserError, match=r"one of \['saved_model', 'tflite'\]"):
        rnnbench.export(tmp_path / "run", format="onnx")


@pytest.mark.parametrize("layout", ["cell", "wide", "long"])
@pytest.mark.slow
def test_a_missing_value_is_filled_with_the_training_mean_by_predict_and_export(tmp_path,
                                                                                layout):
    """`data.missing: mean`: predict, the SavedModel and TFLite give an empty cell its
    feature's training mean; a wide row's empty end stays padding."""
    import pandas as pd
    import tensorflow as tf

    from rnnbench.runs import use
    rng = np.random.default_rng(3)
    if layout == "cell":  # a row of features on scales apart, one step
        frame = pd.DataFrame({"age": rng.integers(18, 80, 60).astype(float),
                              "income": rng.normal(5e4, 2e4, 60)})
        frame.loc[[2, 9], "income"] = np.nan
        columns, names = ["age", "income"], ["age", "income"]
    elif layout == "wide":  # row 2: a gap inside; row 9: a shorter sequence
        frame = pd.DataFrame(rng.normal(50, 10, (60, 5)), columns=[f"t{i}" for i in range(5)])
        frame.loc[2, "t1"] = frame.loc[9, "t4"] = np.nan
        columns, names = [f"t{i}" for i in range(5)], ["value"]
    else:
        frame = pd.DataFrame({"id": np.repeat([f"s{i:02d}" for i in range(12)], 5),
                              "a": rng.normal(50, 10, 60), "b": rng.normal(0, 1, 60)})
        frame.loc[[2, 9], "a"] = np.nan
        columns, names = ["a", "b"], ["a", "b"]
    frame["label"] = np.where(np.arange(len(frame)) % 2, "up", "down") if layout != "long" \
        else np.repeat(np.where(np.arange(12) % 2, "up", "down"), 5)
    frame.to_csv(tmp_path / "rows.csv", index=False)
    untrained_run(tmp_path / "run", {
        "name": "file_sequences", "path": str(tmp_path / "rows.csv"), "layout": layout,
        "value_columns": columns, "label_column": "label", "missing": "mean",
        "scale": "standard", **({"id_column": "id"} if layout == "long" else {})}, "gru")
    inputs = json.loads((tmp_path / "run" / "preprocessing.json").read_text())["inputs"]
    scalers = inputs["scalers"]
    # Filling with the mean keeps it: the scaler fitted after the fill has the same mean.
    assert [inputs["fill"][n] for n in names] == pytest.approx(
        [scalers[n]["mean"] for n in names], rel=1e-9)
    run = use.load_run(tmp_path / "run")
    x = run.inputs(tmp_path / "rows.csv").x
    row, step, feature = {"cell": (2, 0, 1), "wide": (2, 1, 0), "long": (0, 2, 0)}[layout]
    assert x[row, step, feature] == pytest.approx(0.0, abs=1e-6)  # the mean, standardized
    assert np.isfinite(x).all()
    if layout == "wide":
        assert np.all(x[9, 4] == -1e4)  # the empty end: padding, masked
    predicted = run.predict(tmp_path / "rows.csv")[["probability_down", "probability_up"]]
    raw = (frame[columns].to_numpy("float32").reshape(len(x), -1, len(names))
           if layout != "cell" else frame[columns].to_numpy("float32")[:, None, :])
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(raw))["probabilities"].numpy(),
                               predicted.to_numpy(), atol=1e-5)
    if layout != "wide":  # TFLite's conversion takes ~10 s: once, on the trickiest layout
        return
    assert main(["export", str(tmp_path / "run"), "--format", "tflite",
                 "--out", str(tmp_path / "lite")]) == 0
    runner = tf.lite.Interpreter(str(tmp_path / "lite" / "model.tflite")).get_signature_runner()
    got = np.concatenate([runner(inputs=raw[i:i + 1])["probabilities"] for i in (2, 9)])
    np.testing.assert_allclose(got, predicted.to_numpy()[[2, 9]], atol=1e-4)


@pytest.mark.slow
def test_a_sequence_longer_than_training_is_cut_alike_by_predict_and_export(tmp_path,
                                                                           caplog):
    import pandas as pd
    import tensorflow as tf

    from rnnbench.runs import use
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"id": np.repeat([f"s{i:02d}" for i in range(20)], 5),
                          "a": rng.normal(5, 2, 100), "label": np.repeat(["u", "d"] * 10, 5)})
    frame.to_csv(tmp_path / "train.csv", index=False)
    untrained_run(tmp_path / "run", {
        "name": "file_sequences", "path": str(tmp_path / "train.csv"), "id_column": "id",
        "value_columns": ["a"], "label_column": "label", "scale": "standard"}, "gru")
    raw = rng.normal(5, 2, (1, 9, 1)).astype("float32")  # 9 steps; training's were 5
    pd.DataFrame({"id": "long", "a": raw[0, :, 0]}).to_csv(tmp_path / "new.csv", index=False)
    with caplog.at_level("WARNING", logger="rnnbench"):
        predicted = use.load_run(tmp_path / "run").predict(tmp_path / "new.csv")
    assert "1 of the 1 sequences of" in caplog.text and "longer than the run's max_length " \
        "(5 steps; the longest here 9): each is cut to its first 5" in caplog.text
    assert main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(served(inputs=tf.constant(raw))["probabilities"].numpy(),
                               predicted[["probability_d", "probability_u"]].to_numpy(),
                               atol=1e-5)
