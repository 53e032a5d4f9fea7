"""Tasks: the output head, loss and metrics for each kind of target.

Scores are computed in numpy from predictions, so a model and its naive
baseline are measured by the same code. Keras is imported inside methods:
this module is loaded by `rnnbench show`, which must not import TensorFlow.
"""

import math

import numpy as np

from rnnbench.config.registry import TASKS

_EPS = 1e-7

# Metric names (suffixes) where a larger value is better; every other metric
# the tasks report (loss, mse, rmse, mase, perplexity, nll, ...) is an error.
HIGHER_IS_BETTER = ("accuracy", "auc", "precision", "recall")


def higher_is_better(metric):
    """Whether larger values of `metric` are better (`val_accuracy`, `test_frame_accuracy`).

    The one rule: sweep objectives and `rnnbench results --sort` both use it.
    """
    return str(metric).endswith(HIGHER_IS_BETTER)


def cross_entropy(labels, probs):
    """Mean negative log-likelihood (nats) of integer `labels` under `probs`."""
    probs = np.clip(np.asarray(probs, dtype=np.float64), _EPS, 1.0)
    picked = np.take_along_axis(probs, labels[..., None].astype(np.int64), axis=-1)
    return float(-np.mean(np.log(picked)))


def regression_scores(y_true, y_pred):
    error = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
    mse = float(np.mean(error ** 2))
    return {"mse": mse, "rmse": math.sqrt(mse), "mae": float(np.mean(np.abs(error)))}


def forecast_scores(y_true, y_pred, mase_scale):
    """Scale-free forecast errors, in the units given (the original ones).

    Returns:
        `mape` and `smape` in percent (`mape` is NaN when a target is 0:
        undefined there), and `mase`: MAE divided by `mase_scale`, the
        in-sample MAE of the seasonal-naive forecast on the training part
        (Hyndman & Koehler 2006), so `mase < 1` beats that naive forecast.
    """
    y_true = np.asarray(y_true, np.float64)
    y_pred = np.asarray(y_pred, np.float64)
    error = np.abs(y_pred - y_true)
    if np.any(y_true == 0):
        mape = float("nan")
    else:
        mape = float(100.0 * np.mean(error / np.abs(y_true)))
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(2.0 * error, denominator, out=np.zeros_like(error),
                      where=denominator > 0)  # 0/0: a perfect forecast of 0
    return {"mape": mape, "smape": float(100.0 * np.mean(ratio)),
            "mase": float(np.mean(error) / mase_scale)}


class Task:
    """Base task. Subclasses define the output layer, loss and scores.

    Args:
        loss: `train.loss`: "auto" for the task's own loss, or one of the
            task's `losses` (checked by the config validator).
    """

    per_step = False  # True: the top recurrent layer returns sequences
    description = ""
    losses = ()  # the `train.loss` choices besides "auto"
    # What `fit` logs each epoch (`keras_metrics` names, "loss" first), known
    # without TensorFlow; a test compares it with what Keras logs.
    fit_metrics = ("loss",)

    def __init__(self, loss="auto"):
        self.loss_choice = loss

    def output(self, spec):
        """Returns `(units, activation)` of the final Dense layer."""
        raise NotImplementedError

    def loss(self, spec):
        raise NotImplementedError

    def keras_metrics(self, spec):
        return []

    def fit_metric_names(self, validation=True):
        """The names in Keras' epoch logs: `loss`, ..., and `val_loss`, ... with validation."""
        return list(self.fit_metrics) + (
            [f"val_{n}" for n in self.fit_metrics] if validation else [])

    def score(self, y_true, y_pred, inverse_transform=None, **context):
        """Returns a dict of metric name -> float for one split.

        Args:
            context: the dataset's `Splits.score_context` (for example
                `mase_scale` of a forecasting series); tasks ignore what
                they do not use.
        """
        raise NotImplementedError

    def example(self, spec):
        """A tiny `(y_true, y_pred)` pair shaped like this task's data."""
        raise NotImplementedError

    def metric_names(self, spec, inverse_transform=None):
        """The names `score` returns, known before any data is loaded."""
        return list(self.score(*self.example(spec), inverse_transform,
                               **self.example_context))

    example_context = {}  # what `example` needs from a dataset's score context


@TASKS.register("regress")
class Regress(Task):
    description = ("one or several real-valued outputs per sequence (MSE loss, or MAE "
                   "with `train.loss: mae`)")
    fit_metrics = ("loss", "rmse", "mae")
    # MSE fits the conditional mean, MAE the conditional median: the one that MAE
    # and MASE (a scaled MAE) reward, and robust to outliers.
    losses = ("mse", "mae")

    @property
    def loss_name(self):
        """The loss trained and reported as `loss`: "mse" or "mae"."""
        return "mse" if self.loss_choice == "auto" else self.loss_choice

    def output(self, spec):
        return spec.output_dim, None

    def loss(self, spec):
        return self.loss_name

    def window_errors(self, y_pred, y_true):
        """Each sample's loss (its squared or absolute error, averaged over its outputs)."""
        y_true = np.asarray(y_true, np.float64)
        error = np.asarray(y_pred, np.float64).reshape(y_true.shape) - y_true
        error = error ** 2 if self.loss_name == "mse" else np.abs(error)
        return error.reshape(len(y_true), -1).mean(axis=1)

    def keras_metrics(self, spec):
        import keras
        return [keras.metrics.RootMeanSquaredError(name="rmse"),
                keras.metrics.MeanAbsoluteError(name="mae")]

    def score(self, y_true, y_pred, inverse_transform=None, **context):
        scores = regression_scores(y_true, y_pred)
        scores["loss"] = scores[self.loss_name]  # the training loss, under the common name
        if inverse_transform is not None:
            original = regression_scores(inverse_transform(y_true),
                                         inverse_transform(y_pred))
            scores.update({f"{k}_original": v for k, v in original.items() if k != "loss"})
        return scores

    def example(self, spec):
        return np.zeros((2, spec.output_dim)), np.ones((2, spec.output_dim))


@TASKS.register("forecast")
class Forecast(Regress):
    description = ("the next `horizon` values of a series from a window of past values; "
                   "also MAPE, sMAPE and MASE on the original scale")
    example_context = {"mase_scale": 1.0}

    def score(self, y_true, y_pred, inverse_transform=None, mase_scale=None, **context):
        scores = super().score(y_true, y_pred, inverse_transform)
        if mase_scale is not None:
            if inverse_transform is not None:
                y_true, y_pred = inverse_transform(y_true), inverse_transform(y_pred)
            scores.update(forecast_scores(y_true, y_pred, mase_scale))
        return scores


@TASKS.register("classify")
class Classify(Task):
    description = "one class per sequence (sigmoid for 2 classes, softmax otherwise)"
    fit_metrics = ("loss", "accuracy")

    def output(self, spec):
        if spec.num_classes == 2:
            return 1, "sigmoid"
        return spec.num_classes, "softmax"

    def loss(self, spec):
        if spec.num_classes == 2:
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    def keras_metrics(self, spec):
        return ["accuracy"]

    def score(self, y_true, y_pred, inverse_transform=None, **context):
        labels = np.asarray(y_true).reshape(len(y_pred), -1)[:, 0].astype(np.int64)
        probs = np.asarray(y_pred, np.float64)
        if probs.shape[-1] == 1:
            probs = np.concatenate([1.0 - probs, probs], axis=-1)
        predicted = probs.argmax(-1)
        return {"loss": cross_entropy(labels, probs),
                "accuracy": float(np.mean(predicted == labels))}

    def example(self, spec):
        units, _ = self.output(spec)
        return np.zeros(2, int), np.full((2, units), 0.5)


# The label of a padded step of a sequence shorter than the rest (own sequences whose
# every step is labelled): left out of the loss and of every score.
PADDED_LABEL = -1


@TASKS.register("sequence_label")
class SequenceLabel(Task):
    description = "one class per time step (softmax at every step)"
    per_step = True
    fit_metrics = ("loss", "accuracy")

    def output(self, spec):
        return spec.num_classes, "softmax"

    def loss(self, spec):
        if spec.mask == "value":  # padded steps carry PADDED_LABEL, no class id
            import keras
            return keras.losses.SparseCategoricalCrossentropy(ignore_class=PADDED_LABEL)
        return "sparse_categorical_crossentropy"

    def keras_metrics(self, spec):
        return ["accuracy"]

    def score(self, y_true, y_pred, inverse_transform=None, **context):
        labels = np.asarray(y_true).astype(np.int64)
        probs = np.asarray(y_pred, np.float64)
        real = labels != PADDED_LABEL
        labels, probs = labels[real], probs[real]
        return {"loss": cross_entropy(labels, probs),
                "accuracy": float(np.mean(probs.argmax(-1) == labels))}

    def example(self, spec):
        return np.zeros((2, 3), int), np.full((2, 3, spec.num_classes), 0.5)


@TASKS.register("language_model")
class LanguageModel(SequenceLabel):
    description = "next-token softmax at every step; bits per token and perplexity"

    def score(self, y_true, y_pred, inverse_transform=None, **context):
        scores = super().score(y_true, y_pred)
        scores["bits_per_token"] = scores["loss"] / math.log(2)
        scores["perplexity"] = math.exp(scores["loss"])
        return scores


def summed_binary_crossentropy(y_true, y_pred):
    """Per-step NLL: binary cross-entropy summed over the outputs (88 piano keys).

    Padded steps (targets -1) are clamped here and dropped by the mask that
    Keras propagates from the `Masking` layer.
    """
    import keras
    target = keras.ops.maximum(keras.ops.cast(y_true, y_pred.dtype), 0.0)
    return keras.ops.sum(keras.ops.binary_crossentropy(target, y_pred), axis=-1)


@TASKS.register("polyphonic_nll")
class PolyphonicNLL(Task):
    description = ("next piano-roll frame: 88 Bernoulli outputs per step; NLL per step "
                   "summed over keys, mean over unpadded steps")
    per_step = True

    def output(self, spec):
        return spec.output_dim, "sigmoid"

    def loss(self, spec):
        import keras
        # Registered so a saved model.keras reloads with its loss.
        return keras.saving.register_keras_serializable(package="rnnbench")(
            summed_binary_crossentropy)

    def score(self, y_true, y_pred, inverse_transform=None, **context):
        from rnnbench.data.music import frame_accuracy, frame_nll
        nll = frame_nll(y_true, y_pred)
        return {"loss": nll, "nll": nll, "bits_per_step": nll / math.log(2),
                "frame_accuracy": frame_accuracy(y_true, y_pred)}

    def example(self, spec):
        return np.zeros((2, 3, spec.output_dim)), np.full((2, 3, spec.output_dim), 0.5)
