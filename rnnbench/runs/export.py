"""`rnnbench export`: a finished run as a TF SavedModel or a TFLite model.

The SavedModel's `serving_default` signature takes RAW inputs, as `rnnbench
predict` reads them from a file, and returns predictions in original units:
the run's scalers (`preprocessing.json`) are constants of the graph, a text
classifier's `TextVectorization` holds the run's vocabulary, and a class
label comes back as its name. What stays outside the graph: reading files and
cutting a series into windows (the signature takes windows), a language
model's sampling loop and its character/word encoding (the signature takes
token ids and returns next-token probabilities), and dropping padded steps.

The TFLite model computes the same numbers with TFLite's builtin ops only, one
sample per call (batch 1: the recurrent loop's tensor lists need a static
element shape to lower to builtins), on numeric inputs: text arrives as token
ids and labels as class ids (names in the `preprocessing.json` written beside
it). Keras' LSTM, GRU and SimpleRNN (also bidirectional, masked, stacked) and
rnnbench's custom cells convert; TensorFlow's fused `BlockLSTM` op (an older
model.keras with a `FusedLSTM` layer) and a user's cell built on ops TFLite
lacks do not, and export then stops naming the layer and the op.
"""

import json
import logging
import re
import shutil
from pathlib import Path

import numpy as np

from rnnbench.data.own import common
from rnnbench.data.preprocessing import Scaler
from rnnbench.errors import UserError
from rnnbench.runs import use

log = logging.getLogger("rnnbench.runs")

FORMATS = ("saved_model", "tflite")
TFLITE_FILE = "model.tflite"


def export(run_dir, format="saved_model", out=None):
    """Exports a completed run; returns the folder written.

    Args:
        run_dir: the run folder (or a sweep's trial folder).
        format: "saved_model" or "tflite".
        out: the folder to write (default `RUN_DIR/export/<format>`); it must
            not exist yet or be empty.
    """
    if format not in FORMATS:
        raise UserError(f"Expected `--format` to be one of {list(FORMATS)}. "
                        f"Received: {format!r}")
    run = use.load_run(run_dir)
    out = Path(out) if out else run.run_dir / "export" / format
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"Expected `--out` to be a new or empty folder. Received: "
                        f"{str(out)!r}, which {'is a file' if not out.is_dir() else 'has files'}")
    portable(run.model)
    graph = ServingGraph(run)
    if format == "tflite":
        content = tflite_bytes(run, graph)  # before anything is written
        out.mkdir(parents=True, exist_ok=True)
        (out / TFLITE_FILE).write_bytes(content)
        write_sidecar(run, out, graph)
    else:
        write_saved_model(run, graph, out)
        write_sidecar(run, out / "assets.extra", graph)
    return out


def portable(model):
    """Switches the cuDNN kernel off in every LSTM/GRU layer of `model`, for the trace.

    Keras picks cuDNN when a GPU is visible while the graph is traced, and a
    graph holding cuDNN ops runs on a GPU only (TF Serving on a CPU host
    refuses it) and does not convert to TFLite. Keras' own loop computes the
    same function on any device.
    """
    for layer in all_layers(model):
        if getattr(layer, "use_cudnn", None) in ("auto", True):
            layer.use_cudnn = False


def write_sidecar(run, folder, graph):
    """The run's preprocessing.json and what the signature takes and returns."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run.run_dir / use.PREPROCESSING_FILE, folder / use.PREPROCESSING_FILE)
    (folder / "signature.json").write_text(json.dumps(graph.describe(), indent=2) + "\n")


def affine(config, inverse=False):
    """`(a, b)` float32 with `scaled = a * x + b` (or `x = a * scaled + b` if inverse)."""
    scaler = Scaler.from_config(config)
    f = scaler.inverse_transform if inverse else scaler.transform
    zero, one = f(np.zeros(1)), f(np.ones(1))
    return (one - zero).astype(np.float32), zero.astype(np.float32)


def input_affine(inputs):
    """The run's input scaling as `(a, b)` per feature, or None when there is none."""
    if inputs.get("scaler"):
        return affine(inputs["scaler"])
    scalers = inputs.get("scalers")
    if scalers:
        pairs = [affine(scalers[c]) for c in common.scaled_features(inputs)]
        return (np.concatenate([a.reshape(-1) for a, _ in pairs]),
                np.concatenate([b.reshape(-1) for _, b in pairs]))
    return None


def fill_missing(x, means):
    """`data.missing: mean` in the graph: a NaN before a sample's last step with a value
    takes its feature's training mean; the all-NaN steps after it stay padding."""
    import tensorflow as tf
    nan = tf.math.is_nan(x)
    has_value = tf.cast(tf.reduce_any(~nan, axis=-1), tf.int32)
    padding = tf.math.cumsum(has_value, axis=1, reverse=True) == 0
    return tf.where(nan & ~padding[..., None], tf.broadcast_to(means, tf.shape(x)), x)


class ServingGraph:
    """Raw inputs -> the run's preprocessing -> model -> original units, as TF ops.

    Attributes:
        spec: the raw input's `tf.TensorSpec` (batch dimension None).
        text: whether the raw input is a string per sample (`TextVectorization`).
    """

    def __init__(self, run):
        import tensorflow as tf
        self.run, self.model = run, run.model
        pre = run.preprocessing
        self.inputs, self.outputs = pre.get("inputs", {}), pre.get("outputs", {})
        model_input = self.model.inputs[0]
        options = vectorizer_options(self.inputs, run.task)
        self.text = options is not None
        self.vectorizer = None
        if self.text:
            import keras
            self.vectorizer = keras.layers.TextVectorization(output_mode="int", **options)
            self.vectorizer(tf.constant([""]))  # builds it: the archive tracks built layers
            self.spec = tf.TensorSpec([None], tf.string, name="inputs")
        else:
            self.spec = tf.TensorSpec([None, *model_input.shape[1:]],
                                      tf.as_dtype(model_input.dtype), name="inputs")
        self.id_spec = tf.TensorSpec([None, *model_input.shape[1:]],
                                     tf.as_dtype(model_input.dtype), name="inputs")
        fill = self.inputs.get("fill")
        self.fill = None if fill is None else tf.constant(
            [fill[name] for name in common.scaled_features(self.inputs)], tf.float32)
        scaling = None if self.text else input_affine(self.inputs)
        self.scale_in = None if scaling is None else tuple(tf.constant(v) for v in scaling)
        self.scale_out = None
        if self.outputs.get("scaler") and run.task in ("forecast", "regress"):
            a, b = affine(self.outputs["scaler"], inverse=True)
            width = int(np.prod(self.model.outputs[0].shape[1:]))
            # Step-major layout (horizon x targets): the per-target params repeat.
            self.scale_out = (tf.constant(np.resize(a.reshape(-1), width)),
                              tf.constant(np.resize(b.reshape(-1), width)))

    def preprocess(self, raw):
        """Raw inputs -> model inputs (token ids for text)."""
        import tensorflow as tf
        if self.text:
            return tf.cast(self.vectorizer(raw), self.id_spec.dtype)
        x = raw
        if self.inputs.get("kind") == "table_sequences":  # as predict: the first steps
            x = x[:, :self.inputs["max_length"]]
        if self.fill is not None:
            x = fill_missing(x, self.fill)
        if self.scale_in is not None:
            x = x * self.scale_in[0] + self.scale_in[1]
        if "mask_value" in self.inputs and x.dtype.is_floating:
            x = tf.where(tf.math.is_nan(x), tf.cast(self.inputs["mask_value"], x.dtype), x)
        return x

    def postprocess(self, y, strings=True):
        """Model outputs -> a dict of named outputs in original units."""
        import tensorflow as tf
        task = self.run.task
        if task in ("forecast", "regress"):
            if self.scale_out is not None:
                y = y * self.scale_out[0] + self.scale_out[1]
            return {"forecast" if task == "forecast" else "prediction": y}
        if task == "classify":
            probs = tf.concat([1.0 - y, y], axis=-1) if y.shape[-1] == 1 else y
            found = {"probabilities": probs,
                     "class_id": tf.argmax(probs, axis=-1, output_type=tf.int32)}
            names = self.outputs.get("label_names")
            if strings and names:
                found["label"] = tf.gather(tf.constant([str(n) for n in names]),
                                           found["class_id"])
            return found
        if task == "sequence_label":
            return {"probabilities": y, "class_id": tf.argmax(y, axis=-1, output_type=tf.int32)}
        return {"probabilities": y}

    def serve(self, raw):
        return self.postprocess(self.model(self.preprocess(raw), training=False))

    def serve_numeric(self, x):
        """What TFLite runs: numeric inputs (token ids for text), numeric outputs."""
        if not self.text:
            x = self.preprocess(x)
        return self.postprocess(self.model(x, training=False), strings=False)

    def describe(self):
        """The signatures' inputs and outputs in words, for signature.json."""
        return {
            "serving_default": {
                "inputs": {"name": "inputs", "dtype": self.spec.dtype.name,
                           "shape": shape_list(self.spec.shape),
                           "meaning": self.input_meaning()},
                "outputs": self.output_meaning(),
            },
            "tflite": {"inputs": "token ids (int32), batch 1" if self.text or
                       self.id_spec.dtype.is_integer else "raw values (float32), batch 1",
                       "outputs": "as serving_default, without string labels"},
        }

    def input_meaning(self):
        kind = self.inputs.get("kind")
        if self.text:
            return "one raw document per row; the run's TextVectorization is in the graph"
        if kind == "series":
            return (f"windows of {self.inputs['window']} raw values in original units "
                    "(scaled inside the graph)")
        if self.spec.dtype.is_integer:
            return "token ids, as preprocessing.json's vocabulary numbers them"
        return "raw values in original units (scaled inside the graph; NaN steps are padding)"

    def output_meaning(self):
        task = self.run.task
        return {"forecast": "forecasts in original units, step-major",
                "regress": "predictions in original units",
                "classify": "probabilities, class_id, label (the class name)",
                "sequence_label": "probabilities and class_id per step",
                }.get(task, "next-step probabilities per step")


def vectorizer_options(inputs, task):
    """`TextVectorization` arguments that tokenize raw text as the run did, else None.

    A built-in text dataset records its own layer's settings (`kind: text`); a
    file dataset's word or character tokens (`kind: tokens`: lower-cased where
    `lowercase`, punctuation stripped at word level, ids from 2 in vocabulary
    order, cut or padded at the end) are the same as the layer's with the
    vocabulary given (it adds padding and OOV as ids 0 and 1). Only a model
    that reads one document per sample (a classifier, or a regression of a
    number per text) takes raw text.
    """
    kind = inputs.get("kind")
    if kind == "text":
        return {"output_sequence_length": inputs["max_length"],
                "standardize": inputs.get("standardize", "lower_and_strip_punctuation"),
                "split": inputs.get("split", "whitespace"),
                "vocabulary": inputs["vocabulary"]}
    if kind == "tokens" and task in ("classify", "regress") and inputs.get("vocabulary"):
        words = inputs.get("level") != "char"
        return {"output_sequence_length": inputs["max_length"],
                "standardize": python_standardize(bool(inputs.get("lowercase")), words),
                "split": "whitespace" if words else "character",
                "vocabulary": list(inputs["vocabulary"])}
    return None


# What Python's str.split() splits on beyond RE2's \s ([\t\n\f\r ]): a no-break
# space, an ideographic space, the file and record separators, ...
_UNICODE_SPACE = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]"


def python_standardize(lower, words):
    """The graph of `text_files.tokenize`'s text handling before its split, for
    `TextVectorization`: Keras' own `lower` changes ASCII letters only (CAFÉ stayed
    an unknown word) and its split knows ASCII spaces only, where Python's
    `str.lower` and `str.split` are Unicode's."""
    import tensorflow as tf

    from rnnbench.data.own.text_files import PUNCTUATION

    def standardize(text):
        if lower:
            text = tf.strings.lower(text, encoding="utf-8")
        if words:
            text = tf.strings.regex_replace(text, PUNCTUATION.pattern, "")
            text = tf.strings.regex_replace(text, _UNICODE_SPACE, " ")
        return text
    return standardize if (lower or words) else None


def shape_list(shape):
    return [None if d is None else int(d) for d in shape]


def write_saved_model(run, graph, out):
    """A SavedModel whose `serving_default` is `graph.serve` (TF Serving loads it)."""
    import keras
    archive = keras.export.ExportArchive()
    archive.track(run.model)
    if graph.vectorizer is not None:
        archive.track(graph.vectorizer)
    archive.add_endpoint("serve", graph.serve, input_signature=[graph.spec])
    out.parent.mkdir(parents=True, exist_ok=True)
    archive.write_out(str(out), verbose=False)


def tflite_bytes(run, graph):
    """The TFLite flatbuffer of `graph.serve_numeric` at batch 1, builtin ops only.

    Converted from a SavedModel of that signature (the converter then freezes the
    variables and keeps the signature's input and output names).

    Raises:
        UserError: when a layer uses an op TFLite has no builtin kernel for,
            naming the layer, its cell and the op.
    """
    import tempfile

    import keras
    import tensorflow as tf
    spec = tf.TensorSpec([1, *graph.id_spec.shape[1:]], graph.id_spec.dtype, name="inputs")
    with tempfile.TemporaryDirectory(prefix="rnnbench-tflite-") as tmp:
        archive = keras.export.ExportArchive()
        archive.track(run.model)
        archive.add_endpoint("serving_default", graph.serve_numeric, input_signature=[spec])
        archive.write_out(tmp, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(
            tmp, signature_keys=["serving_default"])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        try:
            return converter.convert()
        except Exception as e:  # noqa: BLE001  (the converter raises several error types)
            raise UserError(unsupported_message(run, e)) from None


def unsupported_message(run, error):
    """One paragraph: which layer and op TFLite cannot run, and what to do instead."""
    text = str(error)
    ops = sorted(set(re.findall(r"'tf\.(\w+)' op is neither a custom op nor a flex op", text)))
    ops = ops or sorted(set(re.findall(r"'tf\.(\w+)'", text)))[:5]
    layers = [f"{layer.name} ({type(layer).__name__})" for layer in all_layers(run.model)
              if type(layer).__module__.split(".")[0] != "keras"
              and not isinstance(layer, type(run.model))]
    cells = sorted({layer.cell for layer in run.exp.model.layers})
    return (f"Cannot export the run in {run.run_dir} as TFLite: its model uses "
            f"{', '.join(ops) if ops else 'an op'} that TFLite has no builtin kernel for"
            + (f", in the layer(s) {', '.join(layers)}" if layers else "")
            + f" (cells {cells}). Keras' lstm, gru and simple_rnn and rnnbench's custom "
            f"cells convert; a fused LSTM saved by an older rnnbench does not (train the "
            f"run again). The SavedModel export has no such limit: --format saved_model")


def all_layers(layer):
    for sub in getattr(layer, "layers", []):
        yield sub
        yield from all_layers(sub)
    for name in ("forward_layer", "backward_layer", "layer", "cell"):
        inner = getattr(layer, name, None)
        if inner is not None and inner is not layer and hasattr(inner, "weights"):
            yield inner
            yield from all_layers(inner)
