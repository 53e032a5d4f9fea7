"""What the labelled file datasets share (`file_arrays`, `file_sequences`).

`data.target` says what the label is: `classes` (the task is `classify`),
`values` (`regress`), or where a dataset takes it `steps`, a class at every
step (`sequence_label`). Classes are split stratified, values by a seeded
shuffle; a majority class or the training mean is the baseline. Values are
scaled as `data.scale` scales the inputs (one scaler over all of them, fitted
on the training part), so a target far from 0 (days, prices) is as easy to
reach as the inputs are, and scored in its own units too (`*_original`).
"""

import numpy as np

from rnnbench.data.base import Param, Split, seed_param
from rnnbench.data.preprocessing import Scaler, class_counts, majority_baseline
from rnnbench.data.tasks import PADDED_LABEL
from rnnbench.data.text import split_documents
from rnnbench.errors import UserError

TARGETS = ("classes", "values")
STEPS = "steps"  # a class at every step: task sequence_label


def target_params(steps=None):
    """`target` and `split_seed`; `steps`: where `target: steps` is taken, or None."""
    help_text = "what the label is: classes (task classify) or values (task regress)"
    if steps:
        help_text += f", or steps: a class at every step (task sequence_label; {steps})"
    return {
        "target": Param(str, "classes", help_text,
                        choices=(*TARGETS, STEPS) if steps else TARGETS),
        "split_seed": seed_param("the train/val/test split"),
    }


UNLABELLED = ("error", "skip")


def unlabelled_param():
    """`unlabelled`: what a run does with a sample whose label cell is empty."""
    return Param(str, "error", "samples (or steps) whose label is empty: error, or skip "
                 "them (left out of training and scoring; `predict` labels them)",
                 choices=UNLABELLED)


def is_unlabelled(value):
    """Whether a label cell is empty: None, NaN, or text of only spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def unlabelled_mask(labels):
    """Per sample, whether its label is empty: None, blank text or NaN (every value NaN
    where a sample has several: a one-hot row, several values to regress)."""
    values = np.asarray(labels)
    if values.dtype.kind == "f":
        return np.isnan(values.reshape(len(values), -1)).all(axis=1)
    if values.dtype.kind in "OUS" and values.ndim == 1:
        return np.array([is_unlabelled(v) for v in values], bool)
    return np.zeros(len(values), bool)


def labelled_samples(labels, policy, column, where, unit):
    """The indices of the samples that have a label, as `data.unlabelled` says.

    Args:
        labels: a label per sample, in the file's order.
        policy: `error` (an empty label is a UserError naming it) or `skip`.
        column, where: the label column and the file, for messages.
        unit: what a sample is (row, sequence).

    Returns:
        `(kept indices, how many were skipped)`.
    """
    empty = unlabelled_mask(labels)
    if empty.any() and policy != "skip":
        raise UserError(
            f"Expected every {unit} of {where} to have a label in {column!r}. Received: an "
            f"empty label ({unit} {int(np.argmax(empty)) + 1}, {int(empty.sum())} in all). "
            f"Set `data.unlabelled: skip` to train on the labelled {unit}s only "
            f"(`rnnbench predict` then labels the others), or fill them in.")
    if empty.all():
        raise UserError(f"Expected some {unit}s of {where} to have a label in {column!r}. "
                        f"Received: {len(empty)} {unit}s, every label empty.")
    return np.flatnonzero(~empty), int(empty.sum())


def left_out(info):
    """`N rows without a label left out (...)` where `data.unlabelled: skip` left some
    out of a dataset's `info`; "" where none."""
    for unit in ("rows", "sequences", "samples", "steps"):
        if info.get(f"unlabelled_{unit}"):
            return (f"{info[f'unlabelled_{unit}']} {unit} without a label left out "
                    "(data.unlabelled: skip)")
    return ""


def task_for(params):
    target = params.get("target", "classes")
    return {"classes": "classify", STEPS: "sequence_label"}.get(target, "regress")


def step_baseline(parts, num_classes):
    """`(name, predict, facts)`: the training part's most frequent step label, at every
    step; padded steps (`PADDED_LABEL`) are not counted."""
    counts = {p: np.bincount(part.y[part.y != PADDED_LABEL], minlength=num_classes).tolist()
              for p, part in parts.items()}
    majority = int(np.argmax(counts["train"]))

    def predict(x):
        probs = np.zeros((len(x), x.shape[1], num_classes), np.float32)
        probs[..., majority] = 1.0
        return probs
    return ("majority class of the training part's steps", predict,
            {"majority_class": majority, "class_counts": counts})


def label_text(value):
    """A label as the run names it: `3` for 3 and for 3.0 (labels saved as floats), ""
    for an empty one."""
    if is_unlabelled(value):
        return ""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def class_names(labels):
    """Sorted distinct labels (numbers in numeric order), as strings."""
    return [label_text(v) for v in np.unique(np.asarray(labels))]


def encode(labels, names, where):
    """Label codes (int32) in the order of `names`; an unseen label is a UserError."""
    index = {name: i for i, name in enumerate(names)}
    strings = [label_text(v) for v in np.asarray(labels)]
    unknown = [s for s in strings if s not in index]
    if unknown:
        raise UserError(f"{where}: label {unknown[0]!r} is not one of the classes the run "
                        f"was trained on ({names}).")
    return np.array([index[s] for s in strings], np.int32)


def encode_steps(steps, names, where):
    """A sequence's step label codes; an unlabelled step is `PADDED_LABEL`, so the loss,
    the scores and the baseline leave it out as they leave out padding."""
    steps = np.asarray(steps)
    codes = np.full(len(steps), PADDED_LABEL, np.int32)
    known = ~unlabelled_mask(steps)
    codes[known] = encode(steps[known], names, where)
    return codes


def check_labels(labels, where):
    """Class names of `labels`: at least 2, and not a continuous-looking column."""
    names = class_names(labels)
    if len(names) < 2:
        raise UserError(f"Expected the labels of {where} to hold at least 2 classes. "
                        f"Received: only {names}.")
    values = np.asarray(labels)
    if values.dtype.kind == "f" and (len(names) > 50 or not np.all(values == np.round(values))):
        raise UserError(f"Expected the labels of {where} to be classes. Received: "
                        f"{len(names)} distinct non-integer numbers, which look continuous; "
                        "use `data.target: values` to regress them.")
    return names


def values_of(labels, where):
    y = np.asarray(labels)
    try:
        y = y.astype(np.float32)
    except (TypeError, ValueError):
        row, value = next((i, v) for i, v in enumerate(y.ravel()) if not _is_number(v))
        raise UserError(f"Expected the labels of {where} to be numbers for "
                        f"`data.target: values`. Received: {value!r} (label {row + 1}, "
                        "counting from 1 in the file's order)") from None
    if not np.all(np.isfinite(y)):
        raise UserError(f"Expected the labels of {where} to be finite numbers. Received: "
                        "NaN or inf.")
    return y.reshape(len(y), -1)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def split_index(y, target, split, seed):
    """`{part: sorted indices}`: stratified for classes, a seeded shuffle for values."""
    if target == "classes":
        return split_documents(y, split, seed)
    train, val, test = _shuffled_parts(len(y), [split["val"], split["test"]], seed)
    if min(len(train), len(val), len(test)) < 1:
        raise UserError(f"The split {split} leaves an empty part of {len(y)} samples; "
                        "use more samples or larger fractions.")
    return {"train": train, "val": val, "test": test}


def _shuffled_parts(n, fractions, seed):
    """Sorted indices of `n` samples in a seeded shuffle: the rest first, then
    `round(n * fraction)` for each of `fractions`."""
    order = np.random.default_rng(seed).permutation(n)
    counts = [int(round(n * f)) for f in fractions]
    edges = np.cumsum([n - sum(counts), *counts[:-1]])
    return [np.sort(part) for part in np.split(order, edges)]


def validation_index(y, target, share, seed):
    """`(train, val)` sorted indices that hold out `share` of a training part for
    validation: stratified for classes, a seeded shuffle for values."""
    from rnnbench.data.preprocessing import stratified_split
    if target == "classes":
        train, val = stratified_split(y, [share], seed)
    else:
        train, val = _shuffled_parts(len(y), [share], seed)
    if not (len(train) and len(val)):
        raise UserError(f"Holding out {share:g} of {len(y)} training samples for validation "
                        "leaves an empty part; use more samples or a larger `data.split.val`.")
    return train, val


def baseline(parts, target, num_classes):
    """`(name, predict, facts)` of the naive baseline: majority class or training mean."""
    if target == "classes":
        majority, predict = majority_baseline(parts["train"].y, num_classes)
        return ("majority class of the training part", predict,
                {"majority_class": majority,
                 "class_counts": {p: class_counts(parts[p].y, num_classes) for p in parts}})
    mean = parts["train"].y.mean(axis=0).astype(np.float32)
    return ("mean of the training part", lambda x: np.tile(mean, (len(x), 1)),
            {"train_mean": mean.tolist()})


def scale_values(parts, target, scale):
    """`(parts, scaler or None)`: a `values` target scaled by `data.scale` (one scaler
    over all its values, fitted on the training part); classes, or no scale, as they are."""
    if target != "values" or not scale:
        return parts, None
    scaler = Scaler(scale).fit(np.asarray(parts["train"].y, np.float64).reshape(-1, 1))
    return {p: Split(part.x, scaler.transform(part.y).astype(np.float32))
            for p, part in parts.items()}, scaler


def outputs(target, columns, names=None, scaler=None):
    """The preprocessing record's `outputs`; `scaler` from `scale_values`."""
    if target == "classes":
        return {"kind": "classes", "columns": columns, "label_names": names}
    return {"kind": "values", "columns": columns,
            "scaler": scaler.get_config() if scaler else {"kind": None}}
