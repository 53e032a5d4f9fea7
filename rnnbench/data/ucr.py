"""UCR/UEA time-series classification problems, read from the copies sktime ships.

sktime's wheel carries a few archive problems as `.ts` files under
`sktime/datasets/data/<Name>/<Name>_TRAIN.ts` and `<Name>_TEST.ts`. They are
read here with a small `.ts` parser, straight from the installed package:
sktime itself is never imported (its import takes seconds and its
`load_UCR_UEA_dataset` downloads problems it does not ship), so nothing is
downloaded. `tests/test_datasets_real.py` checks the parser against sktime's
own loader.

Splits: the archive's own train/test split is kept (the dataset takes no
`split`). Validation is a stratified, seeded slice of the archive's train
part (`val_fraction`, `split_seed`); the rest is the training part.

Labels: the distinct label strings of the archive (train and test files),
sorted as strings, are numbered 0..C-1.

Scaling: the archive series are already z-normalized per series. With
`scale`, a per-channel `Scaler` is fitted on the real (unpadded) steps of the
training part only and applied to every part; padding keeps the mask value.
"""

import functools

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.data.base import Dataset, DataSpec, Split, Splits, holdout_params
from rnnbench.data.packages import package_dir, package_version, require_file
from rnnbench.data.preprocessing import (
    Scaler,
    class_counts,
    encode_labels,
    majority_baseline,
    stratified_split,
)
from rnnbench.errors import UserError

_PARTS = ("train", "val", "test")


def read_ts(path):
    """Reads a `.ts` file of the UCR/UEA archive (no timestamps).

    Returns:
        `(series, labels, header)`: a list of `(steps, channels)` float64
        arrays ("?" is NaN), a list of label strings, and the `@key value`
        header lines as a dict (lower-case keys).
    """
    header, series, labels = {}, [], []
    in_data = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.startswith("@"):
                    key, _, value = line[1:].partition(" ")
                    header[key.lower()] = value.strip()
                    in_data = key.lower() == "data"
                continue
            *channels, label = line.split(":")
            if not channels:
                raise ValueError(f"{path}:{number}: expected `values:label`.")
            arrays = [np.array(c.replace("?", "nan").split(","), dtype=np.float64)
                      for c in channels]
            if len({len(a) for a in arrays}) != 1:
                raise ValueError(f"{path}:{number}: channels differ in length.")
            series.append(np.stack(arrays, axis=-1))
            labels.append(label.strip())
    if header.get("timestamps", "false").lower() == "true":
        raise ValueError(f"{path}: `.ts` files with timestamps are not supported.")
    return series, labels, header


@functools.lru_cache(maxsize=None)
def _read_archive(problem, dataset_name):
    root = package_dir("sktime", dataset_name) / "datasets" / "data" / problem
    parts = {}
    for part in ("TRAIN", "TEST"):
        path = require_file(root / f"{problem}_{part}.ts", dataset_name, "sktime")
        series, labels, _ = read_ts(path)
        parts[part.lower()] = (tuple(series), tuple(labels))
    return root, parts


def archive(problem, dataset_name):
    """The archive's train and test parts as `{part: (series, labels)}`.

    `series` is a list of `(steps, channels)` float64 arrays (fresh copies),
    `labels` a list of strings, in file order. Cached per process.
    """
    root, parts = _read_archive(problem, dataset_name)
    return root, {p: ([s.copy() for s in series], list(labels))
                  for p, (series, labels) in parts.items()}


def pad_end(series, length, channels, value):
    """Stacks `(steps, channels)` arrays into `(N, length, channels)`, padded at the end."""
    out = np.full((len(series), length, channels), value, np.float64)
    for i, s in enumerate(series):
        out[i, :len(s)] = s
    return out


# ------------------------------------------------------------ the datasets


class UCRDataset(Dataset):
    """A UCR/UEA classification problem from sktime's shipped `.ts` files.

    Subclasses set `problem` (the archive name), `series_length` (None when
    lengths vary), `channels`, `num_classes` and the published 1-NN
    Euclidean test error, if known.
    """

    requires = ("sktime",)

    tasks = ("classify",)
    params = holdout_params("the archive's train part")
    takes_scale = True
    baseline_name = "majority class of the training part"
    problem = ""
    series_length = None
    channels = 1
    num_classes = 2
    mask_value = 0.0
    one_nn_euclidean_error = None

    @property
    def reads(self):
        return (f"sktime/datasets/data/{self.problem}/{self.problem}_TRAIN.ts and "
                "_TEST.ts, shipped by sktime")

    def spec(self, params):
        variable = self.series_length is None
        return DataSpec(
            input_shape=(self.series_length, self.channels),
            input_dtype="float32",
            mask="value" if variable else None,
            mask_value=self.mask_value,
            num_classes=self.num_classes,
        )

    def load(self, params, split=None, scale=None, seed=None):
        """Returns `Splits`; `split` and the model `seed` are ignored (see module doc)."""
        params = self.with_defaults(params)
        name = self.registered_name()
        root, parts = archive(self.problem, name)
        (train_series, train_labels), (test_series, test_labels) = parts["train"], parts["test"]
        class_names, (y_archive_train, y_test) = encode_labels(train_labels, test_labels)
        if len(class_names) != self.num_classes:
            raise ValueError(
                f"{self.problem}: expected {self.num_classes} classes, found {class_names}.")
        lengths = {len(s) for s in train_series + test_series}
        for s in train_series + test_series:
            if s.shape[1] != self.channels:
                raise ValueError(f"{self.problem}: expected {self.channels} channels.")
        if self.series_length is not None and lengths != {self.series_length}:
            raise ValueError(f"{self.problem}: expected length {self.series_length}, "
                             f"found {sorted(lengths)}.")
        padded_length = max(lengths)

        train_idx, val_idx = stratified_split(
            y_archive_train, [params["val_fraction"]], params["split_seed"])
        if not len(train_idx) or not len(val_idx):
            raise UserError(
                f"`data.val_fraction`={params['val_fraction']} leaves an empty "
                f"train or validation part of {self.problem}'s "
                f"{len(y_archive_train)} training series.")
        raw = {
            "train": ([train_series[i] for i in train_idx], y_archive_train[train_idx]),
            "val": ([train_series[i] for i in val_idx], y_archive_train[val_idx]),
            "test": (test_series, y_test),
        }
        scaler = Scaler(scale).fit(np.concatenate(raw["train"][0], axis=0))
        out = {}
        for part, (series, labels) in raw.items():
            scaled = [scaler.transform(s) for s in series]
            x = pad_end(scaled, padded_length, self.channels, self.mask_value)
            if self.series_length is None:
                self._check_mask_value(scaled)
            out[part] = Split(x.astype(np.float32), labels.astype(np.int32))

        majority, predict = majority_baseline(out["train"].y, self.num_classes)
        return Splits(
            **out,
            spec=self.spec(params),
            baseline_name=self.baseline_name,
            baseline_predict=predict,
            inverse_transform=None,
            preprocessing={
                "inputs": {"kind": "arrays", "shape": [self.series_length, self.channels],
                           "dtype": "float32", "scaler": scaler.get_config(),
                           **({"mask_value": self.mask_value, "padded_length": padded_length}
                              if self.series_length is None else {})},
                "outputs": {"kind": "classes", "label_names": class_names},
            },
            info={
                "source": f"UCR/UEA archive problem {self.problem}, as shipped by sktime "
                          f"{package_version('sktime')}",
                "files": [str(root / f"{self.problem}_TRAIN.ts"),
                          str(root / f"{self.problem}_TEST.ts")],
                "archive_sizes": {"train": len(train_series), "test": len(test_series)},
                "sizes": {part: len(out[part]) for part in _PARTS},
                "class_names": class_names,
                "class_counts": {part: class_counts(out[part].y, self.num_classes)
                                 for part in _PARTS},
                "majority_class": majority,
                "series_lengths": [min(lengths), max(lengths)],
                "padded_length": padded_length,
                "scaler": scaler.get_config(),
                "one_nn_euclidean_test_error": self.one_nn_euclidean_error,
            },
        )

    def new_inputs(self, params, preprocessing, source):
        """Raw series from an `.npz` (`x`: samples x steps x channels, NaN steps for
        padding; `y` optional), scaled with the run's scaler."""
        from rnnbench.data import reading
        return reading.array_inputs(source, preprocessing,
                                    preprocessing["outputs"]["label_names"])

    def _check_mask_value(self, series):
        for s in series:
            if np.any(np.all(s == self.mask_value, axis=-1)):
                raise ValueError(
                    f"{self.problem}: a real step equals the mask value "
                    f"{self.mask_value} in every channel; it would be masked.")

    def registered_name(self):
        return getattr(type(self), "registered_as", self.problem)


def _register(name):
    def decorator(cls):
        cls.registered_as = name
        return DATASETS.register(name)(cls)
    return decorator


@_register("gunpoint")
class GunPoint(UCRDataset):
    """GunPoint: hand-motion x-coordinates, 150 steps, 2 classes (50 train / 150 test)."""

    description = "UCR GunPoint, 150 steps, 2 classes (sktime's shipped copy)."
    problem = "GunPoint"
    series_length = 150
    num_classes = 2
    one_nn_euclidean_error = 0.0867


@_register("italy_power_demand")
class ItalyPowerDemand(UCRDataset):
    """ItalyPowerDemand: daily electricity demand, 24 steps, 2 classes (67 / 1029)."""

    description = "UCR ItalyPowerDemand, 24 steps, 2 classes (sktime's shipped copy)."
    problem = "ItalyPowerDemand"
    series_length = 24
    num_classes = 2
    one_nn_euclidean_error = 0.0447


@_register("arrow_head")
class ArrowHead(UCRDataset):
    """ArrowHead: arrowhead outlines, 251 steps, 3 classes (36 / 175)."""

    description = "UCR ArrowHead, 251 steps, 3 classes (sktime's shipped copy)."
    problem = "ArrowHead"
    series_length = 251
    num_classes = 3
    one_nn_euclidean_error = 0.2000


@_register("basic_motions")
class BasicMotions(UCRDataset):
    """BasicMotions (UEA, multivariate): 6 motion channels, 100 steps, 4 classes (40 / 40)."""

    description = "UEA BasicMotions, 100 steps x 6 channels, 4 classes (sktime's shipped copy)."
    problem = "BasicMotions"
    series_length = 100
    channels = 6
    num_classes = 4


@_register("japanese_vowels")
class JapaneseVowels(UCRDataset):
    """JapaneseVowels (UEA): 12 LPC channels, 7-29 steps, 9 speakers (270 / 370).

    Series are padded at the END with 0.0 up to the longest series of the
    archive (29 steps); `spec.mask == "value"` so the builder adds
    `Masking(0.0)`. `input_shape` is `(None, 12)`: the model does not depend
    on the padded length, so longer series can be fed later. `load` checks
    that no real step equals the mask value in all 12 channels (after
    scaling), so no real step is ever masked.
    """

    description = ("UEA JapaneseVowels, 7-29 steps x 12 channels (end-padded, masked), "
                   "9 classes (sktime's shipped copy).")
    problem = "JapaneseVowels"
    series_length = None
    channels = 12
    num_classes = 9
