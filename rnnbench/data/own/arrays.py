"""`file_arrays`: the user's own NumPy arrays (`.npz`, or `.npy` with `y_path`).

`x` is `(samples, steps, features)` (or `(samples, steps)`: one feature);
`y` holds one label per sample: classes (`data.target: classes`; one-hot rows
are read as their class ids) or values; or a class at every step (`data.target:
steps`, `y` shaped `(samples, steps)` like `x`; the task `sequence_label`). Array
names match regardless of case
(`X_train` is `x_train`).
A `.npz` with `x_train, y_train, x_val, y_val, x_test, y_test` (the key
names `x_key`/`y_key` with `_train`, `_val`, `_test`) brings its own split,
used as it is (with only `_train` and `_test`, validation is `data.split.val`
of the training samples, split as below); otherwise the samples are split by `data.split`
(stratified for classes, a seeded shuffle for values). Inputs are scaled per
feature, fitted on the training samples. Sequences of different lengths come
end-padded with NaN steps (every feature NaN, and every step after it), as
UCR/UEA archives and `keras.utils.pad_sequences(..., value=np.nan)` write
them: those steps are set to `MASK_VALUE`, which the model masks.
"""

import functools
import zipfile
from pathlib import Path

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import DataSpec, NewInputs, Param, Split, Splits
from rnnbench.data.own import common, labelled, reading
from rnnbench.data.own.tables import MASK_VALUE, refuse_masked_steps
from rnnbench.data.tasks import PADDED_LABEL
from rnnbench.errors import UserError

_PARTS = ("train", "val", "test")
_UNREADABLE = (ValueError, OSError, zipfile.BadZipFile, EOFError)

# Peak memory of a load above the process's own, per byte of the stored arrays: 2.6x
# (float64 inputs) to 3.2x (float32), measured on 100,000 x 50 x 5 arrays in .npz and
# .npy files, scaled and not; rounded up.
LOAD_FACTOR = 4


@functools.lru_cache(maxsize=8)
def _load(path, y_path, size, mtime_ns):
    try:
        if path.endswith(".npy"):
            arrays = {"x": np.load(path, allow_pickle=False)}
            if y_path:
                arrays["y"] = np.load(y_path, allow_pickle=False)
            return arrays
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except _UNREADABLE as e:
        raise _unreadable(path, e) from None


def _unreadable(path, error):
    why = str(error)
    # numpy's words for a file without the .npy/.npz magic bytes or for an object array;
    # zipfile's for an .npz that is no zip
    if "pickle" in why or "memory-mapped" in why or isinstance(error, zipfile.BadZipFile):
        why = ("it is not a .npy or .npz file of plain arrays (np.save and np.savez "
               "write them; object arrays, which only unpickling reads, are refused: "
               "sequences of different lengths can be padded at the end to one length "
               "with NaN steps, which the model masks, `keras.utils.pad_sequences(seqs, "
               "dtype='float32', padding='post', value=np.nan)`, and saved as a float "
               "array)")
    return UserError(f"Could not read {path!r} (`data.path`) as NumPy arrays: {why}")


def stored_bytes(path, y_path=None):
    """Bytes of the arrays in `path` (and `y_path`), from their headers alone."""
    try:
        if path.endswith(".npy"):
            return sum(np.load(f, mmap_mode="r", allow_pickle=False).nbytes
                       for f in [path] + ([y_path] if y_path else []))
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except _UNREADABLE as e:
        raise _unreadable(path, e) from None


def check_fits(path, y_path=None):
    """Refuses arrays whose load would not fit in memory, before reading them."""
    free = reading.available_memory()
    if free is None:
        return None
    size = stored_bytes(path, y_path)
    need = size * LOAD_FACTOR
    if need > free:
        raise UserError(
            f"{path!r} is too large for this machine: its {size / 2**20:,.1f} MiB of arrays "
            f"need about {need / 2**30:.1f} GiB while loading ({LOAD_FACTOR}x their stored "
            f"size), and {free / 2**30:.1f} GiB is available. Use a part of the samples, "
            "or a machine with more memory.")
    return need


def by_name(arrays, wanted):
    """`arrays[wanted]`, matching the name regardless of case (`X_train` for `x_train`)
    where only one array's name matches so; None when none does."""
    if wanted in arrays:
        return arrays[wanted]
    matches = [k for k in arrays if k.lower() == wanted.lower()]
    return arrays[matches[0]] if len(matches) == 1 else None


def class_ids_of_one_hot(y):
    """Class ids of one-hot rows (`(samples, classes)` of 0/1, one 1 a row); else `y`."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1 and y.dtype.kind in "fiub" and len(y) and \
            np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        return y.argmax(axis=1)
    return y


def skip_unlabelled(found, params, y_key):
    """`(found, skipped, rows)`: each part's samples whose label is empty (NaN, or None
    in an object array) refused, or left out with `data.unlabelled: skip`; `rows`: each
    part's kept samples' rows in its array (from 0)."""
    rows = {part: np.arange(len(x)) for part, (x, _) in found.items()}
    if params.get("target") == labelled.STEPS:
        return found, 0, rows
    kept, skipped = {}, 0
    for part, (x, y) in found.items():
        if len(y) != len(x):  # refused with the shapes by `parts`
            kept[part] = (x, y)
            continue
        where = f"{params['path']!r}" + ("" if part == "all" else f" ({part})")
        keep, empty = labelled.labelled_samples(y, params.get("unlabelled", "error"), y_key,
                                                where, "sample")
        kept[part] = (x, y) if not empty else (x[keep], y[keep])
        rows[part] = rows[part][keep]
        skipped += empty
    return kept, skipped, rows


def labels_per_sample(y):
    """How many labels or values each sample has (1 for `(samples,)` and `(samples, 1)`)."""
    return int(np.prod(np.shape(y)[1:], dtype=int))


def read_arrays(path, y_path=None):
    path = reading.require_file(path)
    if y_path:
        reading.require_file(y_path, "data.y_path")
    stat = Path(path).stat()
    key = (str(path), y_path, stat.st_size, stat.st_mtime_ns)
    if key not in _FITTED:  # once: `_load` keeps the arrays, which then use the memory
        check_fits(str(path), y_path)
        _FITTED.add(key)
    return _load(*key)


_FITTED = set()


@DATASETS.register("file_arrays")
class FileArrays(common.FileDataset):
    """Sequences and labels from the user's `.npz` / `.npy` files."""

    name = "file_arrays"
    description = ("Your own NumPy arrays (.npz with x and y, or x.npy + y.npy): classify "
                   "or regress sequences.")
    tasks = ("classify", "regress", "sequence_label")
    takes_split = True
    takes_scale = True
    path_params = ("path", "y_path")
    params = {
        "path": common.path_param("a .npz holding x and y (or x_train, y_train, ...), "
                                  "or an x .npy"),
        "y_path": common.optional_str("the labels' .npy when `path` is an x .npy"),
        "x_key": Param(str, "x", "name of the inputs in the .npz"),
        "y_key": Param(str, "y", "name of the labels in the .npz"),
        "unlabelled": labelled.unlabelled_param(),
        **labelled.target_params(steps="y shaped (samples, steps) like x"),
    }

    def task_for(self, params):
        return labelled.task_for(params)

    def check_params(self, params):
        super().check_params(params)
        if params["target"] == labelled.STEPS and params["unlabelled"] == "skip":
            raise SchemaError("data.unlabelled", "Expected `data.unlabelled: error` for "
                              "`data.target: steps` of arrays: step labels are whole "
                              "numbers, with no empty value to skip. Received: skip")
        if str(params["path"]).endswith(".npy") and not params["y_path"]:
            raise SchemaError("data.y_path", "Expected `data.y_path` (the labels' .npy) "
                              "with an x .npy in `data.path`. Received: nothing")

    def parts(self, params):
        """`{part: (x, y)}` from the file's own split, or `{"all": (x, y)}`; only the
        labelled samples where `data.unlabelled: skip`."""
        return self.labelled_parts(params)[0]

    def labelled_parts(self, params):
        """`(parts, how many unlabelled samples were skipped, each part's kept rows)`."""
        arrays = read_arrays(params["path"], params["y_path"])
        xk, yk = ("x", "y") if params["path"].endswith(".npy") else \
            (params["x_key"], params["y_key"])
        own = {p: (by_name(arrays, f"{xk}_{p}"), by_name(arrays, f"{yk}_{p}")) for p in _PARTS}
        present = [p for p in _PARTS if all(a is not None for a in own[p])]
        if present in (list(_PARTS), ["train", "test"]):  # train/test only: val from train
            found = {p: own[p] for p in present}
        else:
            for k in (xk, yk):
                if by_name(arrays, k) is None:
                    raise UserError(f"Expected {params['path']!r} to hold an array {k!r} "
                                    f"(or {xk}_train, {yk}_train, ... for a split of its "
                                    f"own). Received: arrays {sorted(arrays)}" +
                                    reading.did_you_mean(k, arrays))
            found = {"all": (by_name(arrays, xk), by_name(arrays, yk))}
        found, skipped, rows = skip_unlabelled(found, params, yk)
        if params.get("target", "classes") == "classes":  # one-hot labels: their class ids
            found = {p: (x, class_ids_of_one_hot(y)) for p, (x, y) in found.items()}
        for part, (x, y) in found.items():
            where = f"{params['path']!r}" + ("" if part == "all" else f" ({part})")
            if x.ndim not in (2, 3) or x.dtype.kind not in "fiub":
                raise UserError(f"Expected the inputs of {where} to be numbers of shape "
                                f"(samples, steps) or (samples, steps, features). Received: "
                                f"{x.dtype} of shape {x.shape}")
            if len(y) != len(x):
                raise UserError(f"Expected as many labels as samples in {where}. Received: "
                                f"{len(x)} samples and {len(y)} labels")
            if params.get("target") == labelled.STEPS and y.shape[:2] != x.shape[:2]:
                raise UserError(
                    f"Expected a label at every step in {where} (`data.target: steps`): "
                    f"labels of shape (samples, steps) = {x.shape[:2]}, as the inputs. "
                    f"Received: {y.dtype} labels of shape {y.shape}")
            if params.get("target", "classes") == "classes" and labels_per_sample(y) > 1:
                raise UserError(
                    f"Expected one class label per sample in {where} (`data.target: "
                    f"classes`): shape (samples,), or one-hot rows of 0/1. Received: {y.dtype} "
                    f"labels of shape {y.shape}, {labels_per_sample(y)} per sample; a class "
                    f"at every step is `data.target: steps`, and to predict the "
                    f"{labels_per_sample(y)} values of each sample, set `data.target: values`.")
        return found, skipped, rows

    def shape(self, params):
        x = next(iter(self.parts(params).values()))[0]
        return x.shape[1], (x.shape[2] if x.ndim == 3 else 1)

    def padded(self, params):
        """Whether any sample is end-padded with NaN steps (the model then masks them)."""
        where = repr(params["path"])
        return any(end_padding(as_sequences(x, where), where).any()
                   for x, _ in self.parts(params).values())

    def class_names(self, params):
        where = repr(params["path"])
        if params.get("target") == labelled.STEPS:  # the labels of real steps only
            labels = np.concatenate([
                y.reshape(y.shape[:2])[~end_padding(as_sequences(x, where), where)]
                for x, y in self.parts(params).values()])
        else:
            labels = np.concatenate([y for _, y in self.parts(params).values()])
        return labelled.check_labels(labels, where)

    def spec(self, params):
        # The shapes and classes of the labelled samples, whatever `unlabelled` says:
        # validation passes as for a table's empty label cells, and `load` refuses them.
        params = {**self.with_defaults(params), "unlabelled": "skip"}
        steps, features = self.shape(params)
        mask = {"mask": "value", "mask_value": MASK_VALUE} if self.padded(params) else {}
        if params["target"] in ("classes", labelled.STEPS):
            return DataSpec(input_shape=(steps, features),
                            num_classes=len(self.class_names(params)), **mask)
        y = next(iter(self.parts(params).values()))[1]
        return DataSpec(input_shape=(steps, features),
                        output_dim=int(np.prod(y.shape[1:])) if y.ndim > 1 else 1, **mask)

    def load(self, params, split, scale, seed=None):
        """Returns `Splits` (the file's own, or split by `split`); `seed` is unused."""
        params = self.with_defaults(params)
        found, unlabelled, rows = self.labelled_parts(params)
        target = params["target"]
        where = repr(params["path"])
        steps = target == labelled.STEPS
        names = self.class_names(params) if target != "values" else None
        # A class a step is encoded once the padding is known; samples split by a shuffle.
        split_by = "values" if steps else target

        def labels(y):
            if steps:
                return y.reshape(y.shape[:2])
            return labelled.encode(y, names, where) if names else labelled.values_of(y, where)

        if "all" in found:
            x, y = found["all"]
            y = labels(y)
            index = labelled.split_index(y, split_by, split, params["split_seed"])
            raw = {p: (x[index[p]], y[index[p]]) for p in _PARTS}
            test_rows = rows["all"][index["test"]]
        else:
            test_rows = rows["test"]  # the rows of the file's own test arrays
            raw = {p: (x, labels(y)) for p, (x, y) in found.items()}
            if "val" not in raw:  # a file split like scikit-learn's: train and test only
                x, y = raw["train"]
                train, val = labelled.validation_index(y, split_by, split["val"],
                                                       params["split_seed"])
                raw = {"train": (x[train], y[train]), "val": (x[val], y[val]),
                       "test": raw["test"]}
        raw = {p: (as_sequences(x, where), y) for p, (x, y) in raw.items()}
        # The test split's `actual`: the file's numbers, not their float32 round trip.
        test_extra = {"actual": common.as_written(raw["test"][1])} \
            if target == "values" else {}
        padding = {p: end_padding(x, f"{where} ({p} part)") for p, (x, _) in raw.items()}
        features = raw["train"][0].shape[2]
        scaler = common.fit_scaler(scale, [raw["train"][0][~padding["train"]]])
        parts = {}
        for p, (x, y) in raw.items():
            if steps:
                y = step_labels(y, padding[p], names, f"{where} ({p} part)")
            parts[p] = Split(masked(x, padding[p], scaler, f"{where} ({p} part)"), y)
        padded = any(pad.any() for pad in padding.values())
        parts, y_scaler = labelled.scale_values(parts, target, scale)
        if steps:
            name, predict, facts = labelled.step_baseline(parts, len(names))
        else:
            name, predict, facts = labelled.baseline(parts, target, len(names or ()))
        columns = [f"feature_{j}" for j in range(features)]
        preprocessing = common.record(
            inputs={"kind": "arrays", "x_key": params["x_key"],
                    "shape": list(parts["train"].x.shape[1:]), "columns": columns,
                    "scalers": common.column_scalers(scaler, columns),
                    **({"mask_value": MASK_VALUE} if padded else {})},
            outputs=labelled.outputs("values" if target == "values" else "classes",
                                     [params["y_key"]], names, y_scaler))
        files = [params["path"]] + ([params["y_path"]] if params["y_path"] else [])
        return Splits(**parts, spec=self.spec(params), baseline_name=name,
                      baseline_predict=predict, preprocessing=preprocessing,
                      test_labels=functools.partial(NewInputs, x=None,
                                                    index=test_rows.tolist(),
                                                    extra=test_extra),
                      inverse_transform=y_scaler.inverse_transform if y_scaler else None,
                      info={"source": params["path"], "files": reading.file_facts(files),
                            "own_split": "all" not in found,
                            "val_from_train": "all" not in found and "val" not in found,
                            "sizes": common.sizes(parts), "unlabelled_samples": unlabelled,
                            "class_names": names, **facts})

    def new_inputs(self, params, preprocessing, source):
        """The inputs of a new `.npy` / `.npz` (its `x_key`, or `x`), scaled as in training,
        and its labels (`y_key`, or `y`) as `actual` where it holds them."""
        params = self.with_defaults(params)
        inputs = preprocessing["inputs"]
        path = str(reading.require_file(source, "--data"))
        stat = Path(path).stat()
        arrays = _load(path, None, stat.st_size, stat.st_mtime_ns)
        x_key, y_key = inputs["x_key"], params["y_key"]
        keys = next(((xk, yk) for xk, yk in ((x_key, y_key), ("x", "y"),
                                             (f"{x_key}_test", f"{y_key}_test"))
                     if by_name(arrays, xk) is not None), None)
        if keys is None:
            raise UserError(f"Expected {path!r} to hold an array {inputs['x_key']!r}. "
                            f"Received: arrays {sorted(arrays)}")
        found, labels = by_name(arrays, keys[0]), by_name(arrays, keys[1])
        x = as_sequences(found, repr(path))
        if list(x.shape[1:]) != list(inputs["shape"]):
            one = list(np.shape(found)) == list(inputs["shape"])  # a sample without its axis
            raise UserError(f"Expected the inputs of {path!r} to have (steps, features) = "
                            f"{tuple(inputs['shape'])} per sample, as the run was trained "
                            f"on. Received: " + (
                                f"one sample of shape {tuple(np.shape(found))} without the "
                                "samples axis; pass x[None] (shape (1, steps, features))"
                                if one else f"{tuple(x.shape[1:])} per sample, of array "
                                f"shape {tuple(np.shape(found))}"))
        scaler = common.scaler_of_columns(inputs["scalers"], inputs["columns"])
        padding = end_padding(x, repr(path))
        if padding.any() and "mask_value" not in inputs:
            raise UserError(f"Expected every step of {path!r} to hold numbers, as the run "
                            "was trained on sequences of one length. Received: NaN steps "
                            "at the end of a sequence (padding, which this model never saw)")
        x = masked(x, padding, scaler, repr(path))
        return NewInputs(x=x, index=list(range(len(x))),
                         extra=_actual(labels, len(x), params["target"], padding))


def step_labels(y, padding, names, where):
    """`(samples, steps)` class ids of a label a step; `PADDED_LABEL` where x pads."""
    out = np.full(y.shape, PADDED_LABEL, np.int32)
    out[~padding] = labelled.encode(y[~padding], names, where)
    return out


def _actual(labels, samples, target, padding):
    """`{"actual": ...}` from the file's labels, as the run named its classes; `{}`
    where the file holds none (or not one a sample)."""
    if labels is None or len(labels) != samples:
        return {}
    if target == labelled.STEPS:  # each sample's real steps, as one string
        if labels.shape[:2] != padding.shape:
            return {}
        steps = labels.reshape(padding.shape)
        return {"actual": [" ".join(labelled.label_text(v) for v in row[~pad])
                           for row, pad in zip(steps, padding)]}
    if target == "classes":
        ids = class_ids_of_one_hot(labels)
        if labels_per_sample(ids) != 1:
            return {}
        return {"actual": [labelled.label_text(v) for v in np.asarray(ids).reshape(samples)]}
    return {"actual": np.asarray(labels, np.float64).reshape(samples, -1)}


def end_padding(x, where):
    """`(samples, steps)` True at the NaN steps that end-pad a sequence: every feature
    NaN, and every later step too. Any other NaN or inf is a UserError naming it."""
    x = np.asarray(x)
    if x.dtype.kind != "f":  # integers hold no NaN
        return np.zeros(x.shape[:2], bool)
    gap = np.isnan(x).all(axis=-1)
    padding = np.flip(np.logical_and.accumulate(np.flip(gap, axis=1), axis=1), axis=1)
    bad = ~np.isfinite(x) & ~padding[:, :, None]
    if bad.any():
        i = np.argwhere(bad)[0]
        raise UserError(f"The inputs of {where} hold NaN or inf, e.g. at sample {i[0]}, step "
                        f"{i[1]}, feature {i[2]}. Expected finite numbers; NaN only as whole "
                        "steps at the end of a sequence, the padding of a shorter one.")
    return padding


def masked(x, padding, scaler, where):
    """float32 `x` scaled, its padding steps set to `MASK_VALUE` (which the model masks)."""
    x = np.array(x, np.float32)
    if not padding.any():  # in place, without a copy of the steps
        common.scale_in_place(x.reshape(-1, x.shape[2]), scaler)
        return x
    real = x[~padding]
    common.scale_in_place(real, scaler)
    x[~padding] = real
    x[padding] = MASK_VALUE
    refuse_masked_steps(real, where)
    return x


def as_sequences(x, where):
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise UserError(f"Expected the inputs of {where} to have 2 or 3 dimensions. "
                        f"Received: shape {x.shape}")
    return x
