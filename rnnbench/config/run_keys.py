"""Checks of the keys that act late in a run: head activations, `monitor`, `reference`,
and of keys that act only with others: `jit_compile`, `embedding`, `tensorboard`.

Each is checked at validation, so `rnnbench show` and `check` catch it, without
importing TensorFlow: Keras' activation names are data (`activation_names.py`,
generated from the installed Keras by `generate_activations()`; a test fails on
drift), and the metric names come from the task (`Task.fit_metric_names`,
`Task.metric_names`), which compute them without Keras.

Regenerate the activation names after a Keras upgrade with:

    python -m rnnbench.config.run_keys
"""

from pathlib import Path

from rnnbench.config import schema
from rnnbench.config.activation_names import ACTIVATIONS

SPLITS = ("train", "val", "test")


def check_head(head):
    """Raises a SchemaError for a head activation Keras does not know."""
    for i, dense in enumerate(head):
        if dense.activation is not None and dense.activation not in ACTIVATIONS:
            raise _unknown(f"model.head[{i}].activation", "a Keras activation",
                           ACTIVATIONS, dense.activation)


def check_monitor(early_stopping, task):
    """Raises a SchemaError when `monitor` is not a metric the task logs during `fit`."""
    if early_stopping is None:
        return
    allowed = task.fit_metric_names()
    if early_stopping.monitor not in allowed:
        raise _unknown("train.early_stopping.monitor",
                       "a metric the task logs during training", allowed,
                       early_stopping.monitor)


def check_jit_compile(train):
    """Raises a SchemaError for `jit_compile: true` under op determinism, which Keras ignores."""
    if train.jit_compile is True and train.deterministic:
        raise schema.SchemaError(
            "train.jit_compile", "Expected `train.jit_compile` to be auto or false while "
            "`train.deterministic` is true: Keras does not XLA-compile under TensorFlow op "
            "determinism. Set `train.deterministic: false` to compile with XLA. Received: True")


def check_loss(train, task, task_obj):
    """Raises a SchemaError for a `train.loss` the task does not train with."""
    if train.loss != "auto" and train.loss not in task_obj.losses:
        allowed = ["auto", *task_obj.losses]
        raise schema.SchemaError(
            "train.loss", f"Expected `train.loss` to be one of {allowed} for task {task!r}"
            + (" (its loss is fixed by its outputs)" if not task_obj.losses else "")
            + f". Received: {train.loss!r}")


# The target transforms whose model output 0 is the naive forecast: the last value
# (difference, log_return, window_last) or the value one season back.
NAIVE_AT_ZERO = ("difference", "seasonal_difference", "log_return", "window_last")


def check_start_at_naive(train, task, params, split):
    """Raises a SchemaError for `train.start_at_naive` where it cannot act.

    It needs a forecast whose target transform makes an output of 0 the naive
    forecast, a validation part to test the trained model against that start
    on, and the best epoch's weights kept (the start is one of the candidates).
    """
    if not train.start_at_naive:
        return
    transform = params.get("target_transform", "none")
    stop = train.early_stopping
    if task != "forecast" or transform not in NAIVE_AT_ZERO:
        why = (f"`data.target_transform` is {transform!r}" if task == "forecast"
               else f"the task is {task!r}, not a forecast")
        raise schema.SchemaError(
            "train.start_at_naive",
            f"Expected `train.start_at_naive` to be false unless the experiment forecasts "
            f"with `data.target_transform` one of {list(NAIVE_AT_ZERO)} (an output of 0 is "
            f"then the naive forecast): {why}. Received: True")
    if split is None or split.val <= 0 or (stop is not None and (
            not stop.restore_best_weights or not stop.monitor.startswith("val_"))):
        raise schema.SchemaError(
            "train.start_at_naive",
            "Expected a validation part (`data.split.val` > 0), the best epoch's weights "
            "kept (`train.early_stopping.restore_best_weights: true`) and a `val_` "
            "monitor with `train.start_at_naive`: the naive start is kept unless a "
            "trained epoch beats it on validation. Received: True")


def check_embedding(embedding, spec, dataset):
    """Raises a SchemaError for an embedding given for inputs that are not token ids."""
    if embedding is not None and not spec.vocab_size:
        raise schema.SchemaError(
            "model.embedding", f"Expected `model.embedding` to be left out for dataset "
            f"{dataset!r}: its inputs are values, not token ids, so no Embedding layer "
            f"is built. Received: {schema.describe(schema.to_plain(embedding))}")


def check_tensorboard(tensorboard, spec, dataset):
    """Raises a SchemaError for a `profile_batch` range Keras refuses, or `embeddings`
    asked of a model that builds no Embedding layer."""
    batches = tensorboard.profile_batch
    if isinstance(batches, tuple) and (len(batches) != 2 or not 1 <= batches[0] <= batches[1]):
        raise schema.SchemaError(
            "tensorboard.profile_batch", "Expected `tensorboard.profile_batch` to be a "
            "batch number (0: no profiling) or a list [first, last] of two batch numbers "
            f"with 1 <= first <= last. Received: {list(batches)}")
    if tensorboard.embeddings and not spec.vocab_size:
        raise schema.SchemaError(
            "tensorboard.embeddings", f"Expected `tensorboard.embeddings` to be false for "
            f"dataset {dataset!r}: its inputs are values, not token ids, so the model has "
            f"no Embedding layer to show. Received: True")


def check_reference(reference, task, spec, scaled):
    """Raises a SchemaError when `reference.metric` is not a model metric of metrics.json.

    Args:
        spec: the dataset's `DataSpec` (the task's metric names depend on it).
        scaled: whether `data.scale` is set (then `*_original` metrics exist too).
    """
    if reference is None:
        return
    names = task.metric_names(spec, (lambda v: v) if scaled else None)
    allowed = [f"{part}_{name}" for part in SPLITS for name in names]
    if reference.metric not in allowed:
        raise _unknown("reference.metric",
                       "a metric of the model that the run writes to metrics.json",
                       allowed, reference.metric)


def check_reference_range(reference):
    """Raises a SchemaError when `reference`'s passing range cannot fail its claim.

    The range is `value ± tolerance`. `expect: learns` must exclude `baseline`
    and each `compares[i].figure`; `expect: baseline` must contain `baseline`
    (which it then needs) and exclude each compared figure, of which it needs
    one (what a model that learned reaches), so that it too can fail.
    """
    if reference is None:
        return
    low, high = reference.value - reference.tolerance, reference.value + reference.tolerance
    span = f"[{low:.6g}, {high:.6g}] (`value` {reference.value:g} ± `tolerance` " \
        f"{reference.tolerance:g})"
    inside = lambda figure: low <= figure <= high  # noqa: E731
    if reference.expect == "baseline":
        if reference.baseline is None or not inside(reference.baseline):
            raise schema.SchemaError(
                "reference.baseline", "Expected `reference.baseline` to be the naive "
                f"baseline's value of {reference.metric}, inside the passing range {span}: "
                "`expect: baseline` records a failure to learn. Received: "
                f"{reference.baseline!r}")
        if not reference.compares:
            raise schema.SchemaError(
                "reference.compares", "Expected `reference.compares` to hold the figure a "
                "model that learned reaches (the sibling cell's), so that an `expect: "
                "baseline` reference can fail. Received: []")
    elif reference.baseline is not None and inside(reference.baseline):
        raise schema.SchemaError(
            "reference.baseline", f"Expected the passing range {span} to exclude the naive "
            f"baseline `reference.baseline`, or a model that learned nothing would "
            f"reproduce it; measure more seeds, or state `expect: baseline`. Received: "
            f"{reference.baseline:g}")
    for i, compared in enumerate(reference.compares):
        if inside(compared.figure):
            raise schema.SchemaError(
                f"reference.compares[{i}].figure", f"Expected the passing range {span} "
                f"to exclude `reference.compares[{i}].figure` ({compared.label}), or the "
                "reference cannot check the claim it is quoted for; measure more seeds, or "
                f"drop the comparison from the claim. Received: {compared.figure:g}")


def _unknown(path, what, allowed, received):
    return schema.SchemaError(
        path, f"Expected `{path}` to be {what}, one of {list(allowed)}. "
        f"Received: {received!r}" + schema.close_matches_hint(received, allowed))


def generate_activations():
    """The activation names Keras' `keras.activations.get` accepts, sorted."""
    import keras
    found = []
    for name in dir(keras.activations):
        if name.startswith("_") or name in ("get", "serialize", "deserialize"):
            continue
        try:
            keras.activations.get(name)
        except (ValueError, TypeError):
            continue
        found.append(name)
    return tuple(sorted(found))


def render_activations(names):
    """`activation_names.py`'s source."""
    import importlib.metadata
    lines = ['"""Generated by `python -m rnnbench.config.run_keys`: do not edit.', "",
             f"The activation names of Keras {importlib.metadata.version('keras')}.",
             '"""', "", "ACTIVATIONS = ("]
    lines += [f"    {name!r}," for name in names]
    return "\n".join(lines + [")"]) + "\n"


if __name__ == "__main__":
    target = Path(__file__).with_name("activation_names.py")
    target.write_text(render_activations(generate_activations()))
    print(f"wrote {target}")
