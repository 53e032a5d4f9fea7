"""Numpy helpers shared by the datasets: chronological splits, scalers, windows.

Everything here is pure numpy so dataset modules stay cheap to import.
"""

import numpy as np

from rnnbench.errors import UserError

SCALER_KINDS = (None, "minmax", "standard")


def chronological_split(n, val, test):
    """Splits `n` ordered positions into train, val and test, in that order.

    Sizes are `round(n * val)` and `round(n * test)` for val and test; train
    gets the rest, so the three always add up to `n`.

    Args:
        n: number of positions (time steps, windows, targets).
        val: fraction of positions for validation, in [0, 1).
        test: fraction of positions for testing, in [0, 1).

    Returns:
        `(train_end, val_end)`: train is `[0, train_end)`, val is
        `[train_end, val_end)` and test is `[val_end, n)`.

    Raises:
        UserError: when a fraction is out of range or a part would be empty.
    """
    for name, fraction in (("val", val), ("test", test)):
        if not 0 <= fraction < 1:
            raise UserError(
                f"Expected `split.{name}` to be a fraction in [0, 1). "
                f"Received: {fraction!r}"
            )
    n_val = int(round(n * val))
    n_test = int(round(n * test))
    n_train = n - n_val - n_test
    if min(n_train, n_val, n_test) <= 0:
        raise UserError(
            f"Expected every part of a chronological split of {n} positions "
            f"to be non-empty. Received: split.val={val}, split.test={test}, "
            f"which gives train/val/test sizes {n_train}/{n_val}/{n_test}. "
            "Adjust the fractions (or use a longer series / shorter window)."
        )
    return n_train, n_train + n_val


class Scaler:
    """Per-feature scaling, fitted on the training part only.

    `fit` reduces over the first axis, so a 1-D series gets scalar params
    and a `(steps, features)` array gets one param per feature; `transform`
    broadcasts over the last axis, so the same scaler applies to windows and
    to `(N, horizon)` targets of a single-feature series.

    Args:
        kind: None (identity), "minmax" (to [0, 1] on the training part) or
            "standard" (zero mean, unit variance on the training part).
    """

    def __init__(self, kind=None):
        if kind not in SCALER_KINDS:
            raise UserError(
                f"Expected `scale` to be one of {list(SCALER_KINDS)}. "
                f"Received: {kind!r}"
            )
        self.kind = kind
        self.data_min = self.data_max = self.mean = self.std = None
        self._offset = None
        self._scale = None

    @property
    def fitted(self):
        return self._offset is not None

    def fit(self, train_values):
        """Fits the params on `train_values` and returns the scaler."""
        values = np.asarray(train_values, dtype=np.float64)
        if values.size == 0:
            raise ValueError("Cannot fit a Scaler on an empty array.")
        if self.kind == "minmax":
            self.data_min = values.min(axis=0)
            self.data_max = values.max(axis=0)
            offset, scale = self.data_min, self.data_max - self.data_min
        elif self.kind == "standard":
            self.mean = values.mean(axis=0)
            self.std = values.std(axis=0)
            offset, scale = self.mean, self.std
        else:
            offset, scale = np.zeros(values.shape[1:]), np.ones(values.shape[1:])
        # A constant training feature would divide by zero; leave it unscaled.
        scale = np.where(scale == 0, 1.0, scale)
        self._offset, self._scale = offset, scale
        return self

    def _check_fitted(self):
        if not self.fitted:
            raise ValueError("Call `Scaler.fit` before transforming values.")

    def transform(self, values):
        """Maps original values to scaled values (float64)."""
        self._check_fitted()
        return (np.asarray(values, dtype=np.float64) - self._offset) / self._scale

    def inverse_transform(self, values):
        """Maps scaled values back to original units (float64)."""
        self._check_fitted()
        return np.asarray(values, dtype=np.float64) * self._scale + self._offset

    def get_config(self):
        """Returns the kind and fitted params as JSON-friendly Python values."""
        config = {"kind": self.kind}
        if self.kind == "minmax":
            config.update(data_min=_to_py(self.data_min),
                          data_max=_to_py(self.data_max))
        elif self.kind == "standard":
            config.update(mean=_to_py(self.mean), std=_to_py(self.std))
        return config


    @classmethod
    def from_config(cls, config):
        """A fitted scaler from `get_config()`'s output (as read back from JSON)."""
        scaler = cls(config["kind"])
        if scaler.kind == "minmax":
            scaler.data_min = np.asarray(config["data_min"], np.float64)
            scaler.data_max = np.asarray(config["data_max"], np.float64)
            offset, scale = scaler.data_min, scaler.data_max - scaler.data_min
        elif scaler.kind == "standard":
            scaler.mean = np.asarray(config["mean"], np.float64)
            scaler.std = np.asarray(config["std"], np.float64)
            offset, scale = scaler.mean, scaler.std
        else:
            offset, scale = np.zeros(()), np.ones(())
        scaler._offset, scaler._scale = offset, np.where(scale == 0, 1.0, scale)
        return scaler


def _to_py(array):
    return None if array is None else np.asarray(array).tolist()


def make_windows(series, window, horizon=1, target_columns=None):
    """Cuts a series into (input window, next `horizon` values) pairs.

    Window `i` has inputs `series[i : i + window]` and targets
    `series[i + window : i + window + horizon]`, for
    `i = 0 .. steps - window - horizon`.

    Args:
        series: array of shape `(steps,)` or `(steps, features)`.
        window: number of input steps.
        horizon: number of future steps to predict.
        target_columns: feature indices to predict; None means all.

    Returns:
        `(x, y)`: `x` of shape `(N, window, features)` and `y` of shape
        `(N, horizon * targets)`, ordered step-major (all targets of the first
        future step, then the next), which is `(N, horizon)` for one target.
        Both are fresh contiguous arrays, not views of `series`.
    """
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError(
            "Expected `series` of shape (steps,) or (steps, features). "
            f"Received: shape {series.shape}"
        )
    if window < 1 or horizon < 1:
        raise UserError(
            "Expected `window` and `horizon` to be at least 1. "
            f"Received: window={window}, horizon={horizon}"
        )
    n = len(series) - window - horizon + 1
    if n < 1:
        raise UserError(
            f"A series of {len(series)} steps is too short for window={window} "
            f"and horizon={horizon}: it needs at least {window + horizon} steps."
        )
    if target_columns is None:
        target_columns = slice(None)
    # sliding_window_view puts the window axis last: (n, features, window).
    x = np.lib.stride_tricks.sliding_window_view(series[: n + window - 1], window, axis=0)
    x = np.ascontiguousarray(x.transpose(0, 2, 1))
    targets = series[window:, target_columns]
    if targets.ndim == 1:
        targets = targets[:, None]
    y = np.lib.stride_tricks.sliding_window_view(targets, horizon, axis=0)
    y = np.ascontiguousarray(y.transpose(0, 2, 1)).reshape(n, -1)
    return x, y


def stratified_split(labels, fractions, seed):
    """Splits sample indices per class into parts of the given fractions.

    For each class (in sorted label order) its indices are shuffled with
    `numpy.random.default_rng(seed)`; part `k > 0` takes
    `round(n_class * fractions[k])` of them and part 0 the rest. Each part's
    indices are returned sorted, so the result depends only on `labels`,
    `fractions` and `seed`.

    Args:
        labels: 1-D array of labels (any sortable dtype).
        fractions: fractions of parts 1.. (part 0 gets the remainder).
        seed: integer seed.

    Returns:
        A list of `len(fractions) + 1` sorted int64 index arrays.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(len(fractions) + 1)]
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        members = members[rng.permutation(len(members))]
        start = 0
        taken = []
        for fraction in fractions:
            count = int(round(len(members) * fraction))
            taken.append(members[start:start + count])
            start += count
        parts[0].append(members[start:])
        for k, chunk in enumerate(taken, start=1):
            parts[k].append(chunk)
    return [np.sort(np.concatenate(p)).astype(np.int64) if p else np.zeros(0, np.int64)
            for p in parts]

def encode_labels(*label_arrays):
    """Maps label strings to 0..C-1 in sorted order of the distinct strings.

    Returns:
        `(names, codes)`: the sorted distinct labels, and one int32 array of
        codes per input array.
    """
    names = sorted({str(v) for labels in label_arrays for v in labels})
    index = {name: i for i, name in enumerate(names)}
    codes = [np.array([index[str(v)] for v in labels], dtype=np.int32)
             for labels in label_arrays]
    return names, codes

def majority_baseline(train_labels, num_classes):
    """The majority class of the training part, as a probability predictor.

    It predicts the training part's class frequencies for every sample: its
    class is the majority (ties go to the smallest class id), and its loss is
    the entropy of the classes, the cross-entropy of knowing nothing but how
    often each class comes (a one-hot of the majority scored ~16 a sample on
    every other class, so any model beat its loss). For 2 classes the
    prediction is the `(N, 1)` probability of class 1 (the task's single
    sigmoid output), else `(N, C)`.

    Returns:
        `(majority, predict)`.
    """
    counts = np.bincount(np.asarray(train_labels, np.int64), minlength=num_classes)
    majority = int(np.argmax(counts))
    freq = counts / max(counts.sum(), 1)
    if num_classes == 2:
        # 0.5 exactly would leave a tie to the threshold: nudge it to the majority.
        p1 = freq[1] if freq[1] != 0.5 else 0.5 - 1e-6
        row = np.array([p1], np.float32)
    else:
        row = freq.astype(np.float32)

    def predict(x):
        return np.tile(row, (len(x), 1))

    return majority, predict

def class_counts(labels, num_classes):
    return np.bincount(np.asarray(labels, np.int64), minlength=num_classes).tolist()


# ------------------------------------------------------------ the .ts format
