"""What a run shows in TensorBoard beyond Keras' learning curves (issue 33).

Keras' `TensorBoard` callback writes the epoch curves into `tb/train` and
`tb/validation` (and, as `tensorboard:` asks, weight histograms, the graph
and a profile). This module writes the run's own TensorBoard run, `tb/`
itself (run name `<experiment>/<run_id>/tb`):

- at the end, from the evaluated model (the one metrics.json describes):
  every final train/val/test metric and the naive baseline's as step-0
  scalars `final/<name>` (`final/test_mase`, `final/baseline_test_mase`),
  one text `summary/metrics` (the metric table and the verdict against the
  baseline), and the task's pictures in original units (`PICTURES`);
- every `tensorboard.images_every` epochs, the same pictures of the model
  as it is then (step = the epoch), and a language model's sampled text;
- with `tensorboard.histogram_freq`, gradient histograms of one training
  batch (`gradients/<weight>`), beside Keras' weight histograms in `tb/train`;
- with `tensorboard.embeddings`, the Embedding layer for the Projector tab,
  its vocabulary as metadata.

A sweep trial's HParams session is written into the same `tb/` folder, so
the session's name is the trial's run name (`rnnbench.sweeps.hparams`).
"""

import logging
import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from rnnbench.data import tasks
from rnnbench.runs import plots

log = logging.getLogger("rnnbench.runs")

FINAL = "final/"
SUMMARY_TAG = "summary/metrics"
# The headline metric of the verdict: the first of these the run scored.
HEADLINE = ("mase", "rmse_original", "bits_per_token", "nll", "accuracy", "rmse", "loss")
TEMPERATURES = (0.5, 1.0)
SAMPLE_LENGTH = 200
EXAMPLES = 3  # series, sequences or documents drawn per picture
FORECAST_WINDOW = 300  # the last this many test steps of a long series


def tensorboard_callback(exp, run_dir):
    """Keras' TensorBoard callback as the `tensorboard:` block sets it."""
    tb = exp.tensorboard
    batches = tb.profile_batch if isinstance(tb.profile_batch, int) else tuple(tb.profile_batch)
    return keras.callbacks.TensorBoard(
        log_dir=str(Path(run_dir) / "tb"), histogram_freq=tb.histogram_freq,
        write_graph=tb.write_graph, profile_batch=batches)


class Dashboard(keras.callbacks.Callback):
    """Writes pictures every `images_every` epochs and gradient histograms.

    Draws nothing from the seeded random streams: sampled text uses its own
    NumPy generator, and the model is called without dropout, so a run with
    and without these writes trains the same weights.
    """

    def __init__(self, exp, run_dir, splits, predictor):
        super().__init__()
        self.exp, self.splits, self.predictor = exp, splits, predictor
        self.logdir = str(Path(run_dir) / "tb")
        self.images_every = exp.tensorboard.images_every
        self.histogram_freq = exp.tensorboard.histogram_freq
        self.embeddings = exp.tensorboard.embeddings
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        # The last planned epoch's pictures are the end of the run's (`write_run_end`).
        pictures = (self.images_every and (epoch + 1) % self.images_every == 0
                    and epoch + 1 < self.params.get("epochs", math.inf))
        gradients = self.histogram_freq and epoch % self.histogram_freq == 0
        if not (pictures or gradients):
            return
        if self.writer is None:
            self.writer = tf.summary.create_file_writer(self.logdir)
        with self.writer.as_default():
            if pictures:
                safely("pictures", write_pictures, self.model, self.exp, self.splits,
                       self.predictor, epoch + 1)
            if gradients:
                safely("gradient histograms", write_gradients, self.model, self.exp,
                       self.splits, epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def write_run_end(run_dir, exp, splits, model, metrics, predictor):
    """Writes the final scalars, the summary text, the pictures and the embedding.

    Args:
        predictor: `predictor(model, [x, ...], batch_size)` -> predictions
            (`rnnbench.runs.training.predict_splits`: one trace per call, so
            no retracing warning in a sweep).
    """
    logdir = Path(run_dir) / "tb"
    writer = tf.summary.create_file_writer(str(logdir))
    step = metrics.get("epochs_run") or 0
    with writer.as_default():
        for name, value in final_scalars(metrics).items():
            tf.summary.scalar(FINAL + name, value, step=0)
        tf.summary.text(SUMMARY_TAG, summary_markdown(metrics, exp), step=0)
        write_pictures(model, exp, splits, predictor, step=step)
    writer.close()
    if exp.tensorboard.embeddings:
        write_projector(logdir, model, splits)


# ------------------------------------------------------------------ the result

SPLITS = ("train", "val", "test")


def final_scalars(metrics):
    """The numeric split metrics of metrics.json: the model's (`test_mase`) and every
    baseline's (`baseline_test_mase`, or any `<name>_test_<metric>`)."""
    def split_metric(key):
        return key.startswith(tuple(f"{s}_" for s in SPLITS)) or any(
            f"_{s}_" in key for s in SPLITS)
    return {k: float(v) for k, v in metrics.items()
            if split_metric(k) and isinstance(v, (int, float)) and not isinstance(v, bool)}


def headline(metrics):
    """`(split, metric)` the verdict is about: test (else val) and `HEADLINE`'s first."""
    for split in ("test", "val", "train"):
        for name in HEADLINE:
            if f"{split}_{name}" in metrics and f"baseline_{split}_{name}" in metrics:
                return split, name
    return None, None


def verdict(metrics):
    """"Beats the baseline by ..." or "does not beat ...", on the headline metric."""
    split, name = headline(metrics)
    if name is None:
        return "No metric to compare with the baseline."
    model, base = metrics[f"{split}_{name}"], metrics[f"baseline_{split}_{name}"]
    what = f"{split} {name}: model {model:.4g}, baseline ({metrics.get('baseline')}) {base:.4g}"
    if not (math.isfinite(model) and math.isfinite(base)):
        return f"Cannot compare with the baseline ({what})."
    better = model > base if tasks.higher_is_better(name) else model < base
    gap = abs(model - base)
    relative = f" ({100 * gap / abs(base):.1f}%)" if base else ""
    if better:
        return f"**Beats the baseline** by {gap:.4g}{relative} on {what}."
    return f"**Does not beat the baseline** ({what}; worse by {gap:.4g}{relative})."


def summary_markdown(metrics, exp):
    """The run's metric table (train/val/test and the baseline's) and its verdict."""
    names = list(dict.fromkeys(k.split("_", 1)[1] for k in final_scalars(metrics)
                               if k.startswith(tuple(f"{s}_" for s in SPLITS))))
    splits = [s for s in ("train", "val", "test")
              if any(f"{s}_{n}" in metrics for n in names)]
    header = ["metric", *splits, *[f"baseline {s}" for s in splits]]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in names:
        cells = [_cell(metrics.get(f"{s}_{name}")) for s in splits]
        cells += [_cell(metrics.get(f"baseline_{s}_{name}")) for s in splits]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    facts = (f"Experiment `{exp.name}`, seed {exp.seed}: the {metrics.get('evaluated_weights')}"
             f" weights (epoch {metrics.get('evaluated_epoch')} of "
             f"{metrics.get('epochs_run')}), {metrics.get('params', 0):,} parameters. "
             f"Baseline: {metrics.get('baseline')}.")
    return "\n".join([verdict(metrics), "", facts, "", *rows])


def _cell(value):
    return "" if value is None else f"{value:.6g}"


# ------------------------------------------------------------------ pictures

def write_pictures(model, exp, splits, predictor, step):
    """The task's pictures (and texts) of `model`, into the default writer."""
    task = exp.data.task
    if task == "language_model":
        tf.summary.text("samples/text", sampled_text(model, exp, splits, step), step=step)
        return
    part = splits.test if len(splits.test) else splits.val
    if not len(part):
        return
    def predict(x):
        return np.asarray(predictor(model, [x], max(exp.train.batch_size, 256))[0])

    for kind, tag, value in PICTURES[task](predict, splits, part):
        if kind == "image":
            tf.summary.image(tag, value[None, ..., :3], step=step)
        else:
            tf.summary.text(tag, value, step=step)


def original_units(splits, values):
    back = splits.inverse_transform
    return np.asarray(back(values) if back is not None else values, np.float64)


def forecast_pictures(predict, splits, part):
    """Test actual vs model vs naive (one step ahead), residuals, and a fan."""
    predicted = original_units(splits, predict(part.x))
    naive = original_units(splits, splits.baseline_predict(part.x))
    actual = original_units(splits, part.y)
    keep = slice(max(0, len(actual) - FORECAST_WINDOW), len(actual))
    first = splits.info.get("target_index", {}).get("test", [0])[0] if part is splits.test else 0
    index = first + np.arange(len(actual))[keep]
    units = "original units" if splits.inverse_transform else "series units"
    one = (lambda a: a.reshape(len(a), -1)[keep, 0])
    found = [("image", "forecast/test", plots.forecast(
                 index, one(actual), one(predicted), one(naive), splits.baseline_name, units)),
             ("image", "forecast/residuals", plots.residuals(
                 index, one(actual) - one(predicted), one(actual) - one(naive), units))]
    horizon = predicted.reshape(len(predicted), -1).shape[1]
    if horizon > 1:
        origins = np.linspace(0, len(index) - 1, 8).astype(int)
        paths = predicted.reshape(len(predicted), -1)[keep][origins]
        found.append(("image", "forecast/fan", plots.fan(index, one(actual), paths,
                                                          origins, units)))
    return found


def regress_pictures(predict, splits, part):
    """Predicted vs actual for every test output."""
    predicted = original_units(splits, predict(part.x)).ravel()
    naive = original_units(splits, splits.baseline_predict(part.x)).ravel()
    actual = original_units(splits, part.y).ravel()
    units = "original units" if splits.inverse_transform else "target units"
    return [("image", "regress/predicted_vs_actual",
             plots.scatter(actual, predicted, naive, units))]


def class_names(splits):
    names = list(splits.info.get("class_names") or [])
    count = splits.spec.num_classes
    return [str(n) for n in names] if len(names) == count else [str(i) for i in range(count)]


def classify_pictures(predict, splits, part):
    """Confusion matrices, per-class precision/recall, a few misclassified samples."""
    probs = predict(part.x).reshape(len(part.x), -1)
    if probs.shape[1] == 1:
        probs = np.concatenate([1 - probs, probs], axis=1)
    predicted = probs.argmax(1)
    labels = np.asarray(part.y).reshape(len(predicted), -1)[:, 0].astype(int)
    names = class_names(splits)
    matrix = np.zeros((len(names), len(names)), np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    found = [("image", "classify/confusion_matrix", plots.confusion(matrix, names, False)),
             ("image", "classify/confusion_matrix_normalised",
              plots.confusion(matrix, names, True)),
             ("text", "classify/per_class", per_class_table(matrix, names))]
    wrong = np.flatnonzero(predicted != labels)[:EXAMPLES]
    if len(wrong) and splits.spec.vocab_size:
        vocabulary = vocabulary_of(splits)
        rows = ["| true | predicted | p | tokens |", "|---|---|---|---|"]
        rows += [f"| {names[labels[i]]} | {names[predicted[i]]} | {probs[i].max():.2f} | "
                 f"{_escape(decode(part.x[i], vocabulary, ' '))} |" for i in wrong]
        found.append(("text", "classify/misclassified", "\n".join(rows)))
    elif len(wrong):
        titles = [f"test sample {i}: true {names[labels[i]]}, predicted {names[predicted[i]]} "
                  f"(p={probs[i].max():.2f})" for i in wrong]
        found.append(("image", "classify/misclassified",
                      plots.series_examples([part.x[i] for i in wrong], titles)))
    return found


def per_class_table(matrix, names):
    """Markdown: precision, recall and support of each class on the test part."""
    rows = ["| class | precision | recall | support |", "|---|---|---|---|"]
    for k, name in enumerate(names):
        predicted, support = matrix[:, k].sum(), matrix[k].sum()
        precision = f"{matrix[k, k] / predicted:.3f}" if predicted else "n/a"
        recall = f"{matrix[k, k] / support:.3f}" if support else "n/a"
        rows.append(f"| {_escape(name)} | {precision} | {recall} | {support} |")
    return "\n".join(rows)


def sequence_pictures(predict, splits, part):
    """Predicted vs actual class per step, for a few test sequences."""
    from rnnbench.data.tasks import PADDED_LABEL
    chosen = np.arange(min(EXAMPLES, len(part.x)))
    labels = np.asarray(part.y)[chosen]
    real = labels != PADDED_LABEL  # a shorter sequence's padding has no label
    predicted = [row[keep] for row, keep in zip(predict(part.x[chosen]).argmax(-1), real)]
    actual = [row[keep] for row, keep in zip(labels, real)]
    titles = [f"test sequence {i}: {np.mean(predicted[k] == actual[k]):.0%} of steps right"
              for k, i in enumerate(chosen)]
    return [("image", "sequence/examples",
             plots.per_step(actual, predicted, titles, "class"))]


def polyphonic_pictures(predict, splits, part):
    """Actual notes vs the model's note probabilities for the first test piece."""
    from rnnbench.data.music import PAD
    actual = np.asarray(part.y[0])
    length = int(np.sum(np.any(actual != PAD, axis=-1)))
    probs = predict(part.x[:1])[0][:length]
    return [("image", "polyphonic/piano_roll", plots.piano_roll(actual[:length], probs))]


PICTURES = {"forecast": forecast_pictures, "regress": regress_pictures,
            "classify": classify_pictures, "sequence_label": sequence_pictures,
            "polyphonic_nll": polyphonic_pictures}


# ------------------------------------------------------------------ text

def vocabulary_of(splits):
    """One label per token id: the dataset's vocabulary where it records one.

    A character vocabulary (a string, ids from 2) gets `<pad>` and `<oov>` at
    0 and 1, and U+FFFD for ids it never uses; a list is taken as id order
    (an empty entry 0 is `<pad>`). Other ids without a word read `#<id>`.
    """
    size = splits.spec.vocab_size or 0
    found = (dict(splits.preprocessing).get("inputs") or {}).get("vocabulary")
    found = found if found is not None else splits.info.get("vocabulary")
    if isinstance(found, str):
        words = ["<pad>", "<oov>", *found]
    elif isinstance(found, (list, tuple)):
        words = [str(w) for w in found]
    else:
        words = []
    if words and not words[0]:
        words[0] = "<pad>"  # TextVectorization's padding entry is ""
    missing = "\ufffd" if isinstance(found, str) else None
    return [words[i] if i < len(words) and words[i] != "" else (missing or f"#{i}")
            for i in range(size)]


def decode(ids, vocabulary, sep=""):
    """Token ids as text, padding (id 0) left out."""
    return sep.join(vocabulary[i] if i < len(vocabulary) else f"#{i}"
                    for i in np.asarray(ids).ravel().tolist() if i != 0)


def _escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def sampled_text(model, exp, splits, step):
    """Markdown: text sampled after a fixed validation prompt at two temperatures.

    The prompt is the first validation window; each new token is drawn from
    the model's next-token distribution over the last window of tokens,
    divided by the temperature, with a generator seeded by the run's seed
    and the step (the same run writes the same text).
    """
    prompt = np.asarray((splits.val if len(splits.val) else splits.test).x[0])
    window = len(prompt)
    vocabulary = vocabulary_of(splits)
    rng = np.random.default_rng([exp.seed, step])
    step_fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    tokens = np.tile(prompt, (len(TEMPERATURES), 1)).astype(prompt.dtype)
    temperatures = np.asarray(TEMPERATURES)[:, None]
    for _ in range(SAMPLE_LENGTH):
        probs = np.asarray(step_fn(tf.constant(tokens[:, -window:])), np.float64)[:, -1]
        logits = np.log(np.clip(probs, 1e-12, 1.0)) / temperatures
        logits -= logits.max(1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(1, keepdims=True)
        drawn = [rng.choice(len(w), p=w) for w in weights]
        tokens = np.concatenate([tokens, np.asarray(drawn, tokens.dtype)[:, None]], axis=1)
    lines = [f"Prompt (the first validation window, {window} tokens):", "",
             code_block(decode(prompt, vocabulary)), ""]
    for temperature, row in zip(TEMPERATURES, tokens):
        lines += [f"Sampled at temperature {temperature} ({SAMPLE_LENGTH} tokens):", "",
                  code_block(decode(row[window:], vocabulary)), ""]
    return "\n".join(lines)


def code_block(text, width=100):
    """Markdown code block of `text`, its lines cut at `width` (the Text tab does not wrap)."""
    lines = [line[i:i + width] for line in text.split("\n")
             for i in range(0, max(len(line), 1), width)]
    return "\n".join("    " + line for line in lines)


# ------------------------------------------------------------------ histograms, projector

def write_gradients(model, exp, splits, step):
    """Histograms of the loss gradients of one fixed training batch."""
    n = min(exp.train.batch_size, len(splits.train))
    x = tf.constant(splits.train.x[:n])
    y = tf.constant(splits.train.y[:n])
    with tf.GradientTape() as tape:
        predicted = model(x, training=False)
        loss = model.compute_loss(x=x, y=y, y_pred=predicted, training=False)
    weights = model.trainable_weights
    for weight, gradient in zip(weights, tape.gradient(loss, weights)):
        if gradient is not None:
            tf.summary.histogram(f"gradients/{weight.path}", gradient, step=step)


EMBEDDING_TENSOR = "embedding/.ATTRIBUTES/VARIABLE_VALUE"


def write_projector(logdir, model, splits):
    """The first Embedding layer's evaluated vectors for the Projector tab.

    Keras 3's own `embeddings_freq` saves `.weights.h5` files, which the
    Projector cannot read; this writes a TensorFlow checkpoint of the matrix,
    `metadata.tsv` (one vocabulary entry per id) and `projector_config.pbtxt`.
    """
    from tensorboard.plugins import projector
    layer = next(layer for layer in model._flatten_layers()
                 if isinstance(layer, keras.layers.Embedding))
    matrix = np.asarray(layer.embeddings)
    vocabulary = vocabulary_of(splits)[:len(matrix)]
    vocabulary += [f"#{i}" for i in range(len(vocabulary), len(matrix))]
    (logdir / "metadata.tsv").write_text(
        "".join(_escape(word).replace("\t", " ") + "\n" for word in vocabulary))
    tf.train.Checkpoint(embedding=tf.Variable(matrix)).save(str(logdir / "embedding.ckpt"))
    config = projector.ProjectorConfig()
    embedding = config.embeddings.add()
    embedding.tensor_name = EMBEDDING_TENSOR
    embedding.metadata_path = "metadata.tsv"
    projector.visualize_embeddings(str(logdir), config)


def safely(what, action, *args):
    """Runs a dashboard write; a failure is a warning, never a lost run."""
    try:
        action(*args)
    except Exception as e:  # noqa: BLE001 (a picture must not fail a finished run)
        log.warning(f"TensorBoard {what} not written: {type(e).__name__}: {e}")

