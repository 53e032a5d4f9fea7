"""`file_sequences`: labelled sequences from the user's table, long or wide.

- `layout: long`: one row per time step: an `id_column` names the sequence,
  `time_column` (optional) orders its steps, `value_columns` are its features
  and `label_column` its label (the same on every row of a sequence).
- `layout: wide`: one row per sequence: `value_columns` (default: every
  column but the id and label) are its steps, in the order given; empty
  cells at the end make a sequence shorter.
- `layout: cell`: one row per sequence, held whole in one cell (`0.1 0.2 0.3`,
  `[0.1, 0.2, 0.3]`, or a list in Parquet/JSON): each of `value_columns` is a
  feature, and a row's cells hold as many numbers each.
- `target: steps` (long only): a label at every step, learned at every step (task
  `sequence_label`); shorter sequences' padded steps are left out of the loss and
  scores.
- `layout: files`: one file per sequence, its rows the steps (ordered by
  `time_column` if given), in a folder with a subfolder per class, whose name
  is the label (as Keras' `*_dataset_from_directory` reads one).

Sequences of different lengths are padded at the end to `max_length` (0: the
longest training sequence) with `MASK_VALUE`, which the model masks. Values
are scaled per feature on the training sequences' real steps.
"""

import functools
import json
import logging
import re
from pathlib import Path

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import DataSpec, NewInputs, Param, Split, Splits
from rnnbench.data.own import common, labelled, reading
from rnnbench.data.tasks import PADDED_LABEL
from rnnbench.errors import UserError

LAYOUTS = ("long", "wide", "cell", "files")
MISSING = ("error", "mean")
STEPS = labelled.STEPS
# Between the numbers of a sequence held in one cell; a decimal comma is not read.
CELL_SEPARATORS = re.compile(r"[\s,;]+")
_LABELS = {}
log = logging.getLogger("rnnbench.data")
# Far outside scaled data, so a real step never equals it in every feature.
MASK_VALUE = -1e4
# Peak memory of a load above the process's own, per float32 of the columns read: 11.0x
# (long: 2M rows of id, time, 3 values, label) and 11.5x (wide: 20,000 rows of 300 steps
# and a label), scaled; the per-sequence arrays and their padded copy make it. Rounded up.
LOAD_FACTOR = 12


@DATASETS.register("file_sequences")
class FileSequences(common.FileDataset):
    """Classify or regress whole sequences from a long or a wide table."""

    name = "file_sequences"
    description = ("Your own labelled sequences in a table (long: a row per step; wide: "
                   "a row per sequence; cell: a sequence in one cell), or a table per "
                   "sequence in class subfolders: classify or regress them.")
    tasks = ("classify", "regress", "sequence_label")
    takes_split = True
    takes_scale = True
    params = {
        "path": common.path_param("the table: .csv, .csv.gz, .parquet, .jsonl or .json "
                                  "(files: the folder of class subfolders)"),
        "layout": Param(str, "long", "long: a row per step; wide: a row per sequence; "
                        "cell: a row per sequence, its numbers in one cell; files: a "
                        "file per sequence, in a subfolder per class",
                        choices=LAYOUTS),
        "id_column": common.optional_str("column naming each sequence (long: required)"),
        "time_column": common.optional_str("long, files: column ordering the steps of a "
                                           "sequence"),
        "value_columns": common.names_param("long: the feature columns; wide: the step "
                                            "columns; cell: the columns holding a sequence "
                                            "each (default: all but id and label)"),
        "label_column": Param(str, "label", "column of the label"),
        "max_length": Param(int, 0, "steps per sequence, cut or padded at the end "
                                    "(0: the longest training sequence)", min=0),
        "unlabelled": labelled.unlabelled_param(),
        "missing": Param(str, "error", "an empty or NaN feature cell: error, or mean: the "
                         "training part's mean of its feature (recorded; `predict` fills "
                         "new data with it)", choices=MISSING),
        **labelled.target_params(steps="layout long"),
    }

    def task_for(self, params):
        return labelled.task_for(params)

    def check_params(self, params):
        super().check_params(params)
        if params["target"] == STEPS and params["layout"] != "long":
            raise SchemaError("data.target", "Expected `data.layout: long` for `data.target: "
                              "steps` (a label on every row, a row a step). Received: "
                              f"`data.layout: {params['layout']}`")
        if params["layout"] == "long":
            common.require(params, "id_column", self.name, "the column naming each sequence")
            common.require(params, "value_columns", self.name, "the feature columns")
        elif params["layout"] == "files":
            for key, why in (("id_column", "a file's path names its sequence"),
                             ("target", "its subfolders name the classes")):
                if params[key] not in (None, "classes"):
                    raise SchemaError(f"data.{key}", f"Expected no `data.{key}` other than "
                                      f"the default for `data.layout: files` ({why}). "
                                      f"Received: {params[key]!r}")
        elif params["time_column"]:
            raise SchemaError("data.time_column", "Expected no `data.time_column` for "
                              f"`data.layout: {params['layout']}` (a row is a whole "
                              f"sequence). Received: {params['time_column']!r}")

    def value_columns(self, params, present):
        given = common.names(params["value_columns"])
        if given:
            return list(given)
        skip = {params["id_column"], params["label_column"], params["time_column"]}
        return [c for c in present if c not in skip and c.strip()]  # unnamed: no steps

    def source(self, params, path, key="data.path"):
        """The table at `path`; for `layout: files`, the folder (or glob) of tables."""
        if params["layout"] != "files":
            return reading.require_file(path, key)
        if not reading.has_glob(path) and not Path(path).is_dir():
            raise UserError(f"Expected `{key}` to name a folder of tables, a subfolder per "
                            f"class (`data.layout: files`). Received: {str(path)!r}, which "
                            "is not a folder.")
        return path

    def files_of(self, path, key="data.path", labelled=True):
        """`(tables, their labels or None)` of `layout: files`: a subfolder per class, or
        (`labelled=False`, new data to predict) any folder or glob of tables."""
        found = reading.labelled_folder(path, reading.TABLE_SUFFIXES)
        if found is not None:
            return found
        if labelled:
            raise UserError(f"Expected `{key}` to be a folder with a subfolder per class "
                            f"holding tables ({', '.join(reading.TABLE_SUFFIXES)}), one "
                            f"sequence a file. Received: {str(path)!r}, with fewer than 2 "
                            "such subfolders.")
        return reading.source_files(path, key, reading.TABLE_SUFFIXES), None

    def columns_of(self, params, path, key="data.path"):
        """The column names of the table (of `layout: files`, of its first file)."""
        if params["layout"] == "files":
            path = self.files_of(path, key, labelled=False)[0][0]
        return reading.light_header(path, key) or reading.table_columns(path, "auto", key)

    def read(self, params, path, key="data.path", labels=True):
        """`(sequences, lengths, labels or None, ids)` of the table's sequences."""
        if params["layout"] == "files":
            return self._read_files(params, path, key, labels)
        gaps = params["missing"] == "mean"  # empty cells read as NaN, filled in `load`
        present = reading.table_columns(path, "auto", key)
        values = self.value_columns(params, present)
        other = [c for c in (params["id_column"], params["time_column"]) if c]
        if labels or params["label_column"] in present:
            other.append(params["label_column"])
        reading.require_columns(path, values + other, present, key)
        reading.check_fits(path, reading.table_format(path), len(values) + len(other),
                           factor=LOAD_FACTOR, what="the columns read", key=key)
        if params["layout"] == "cell":
            return self._read_cells(params, path, values, other, key, gaps)
        numbers, others, rows = reading.read_table(path, numeric=values, other=other,
                                                   fmt="auto", key=key)
        table = np.stack([numbers.pop(c) for c in values], axis=1)
        label_array = others.get(params["label_column"])
        if params["layout"] == "wide":
            real = np.isfinite(table)
            # A row's sequence ends at its last value; empty cells after it are no steps.
            lengths = np.where(real.any(axis=1),
                               real.shape[1] - np.argmax(real[:, ::-1], axis=1), 0)
            # An empty cell before a later value: missing (filled with `data.missing: mean`).
            inside = real[:, 1:] & ~real[:, :-1] & (not gaps)
            if inside.any() or np.any(np.isinf(table)):
                row = int(np.argmax(inside.any(axis=1) | np.isinf(table).any(axis=1)))
                raise UserError(f"Row {row + 1} of {str(path)!r} has an empty, NaN or inf "
                                "cell before its last value. Expected a wide row to end "
                                "its sequence with empty cells only (a shorter sequence). "
                                f"{WIDE_FILL_IN}")
            sequences = [table[i, :lengths[i], None] for i in range(rows)]
            ids = reading.as_strings(others[params["id_column"]], params["id_column"], path) \
                if params["id_column"] else np.array([str(i + 1) for i in range(rows)], object)
            labels_of = label_array.to_numpy(zero_copy_only=False) \
                if label_array is not None else None
            return sequences, lengths, labels_of, ids
        refuse_non_finite(table, values, path, gaps)
        id_strings = reading.as_strings(others[params["id_column"]], params["id_column"], path)
        codes = np.unique(id_strings, return_inverse=True)[1]
        keys = [codes]
        if params["time_column"]:
            from rnnbench.data.own.series_file import parse_time
            keys.insert(0, parse_time(others[params["time_column"]], params["time_column"],
                                      path))
        order = np.lexsort(keys)
        table, codes, id_strings = table[order], codes[order], id_strings[order]
        edges = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
        sequences = [table[a:b] for a, b in zip(edges[:-1], edges[1:])]
        ids = np.array([id_strings[a] for a in edges[:-1]], object)
        per_sequence = None
        if label_array is not None and params["target"] == STEPS:
            raw = label_array.to_numpy(zero_copy_only=False)[order]
            per_sequence = np.empty(len(sequences), object)
            per_sequence[:] = [raw[a:b] for a, b in zip(edges[:-1], edges[1:])]
        elif label_array is not None:
            raw = label_array.to_numpy(zero_copy_only=False)[order]
            per_sequence = np.empty(len(sequences), object)
            for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
                filled = raw[a:b][~labelled.unlabelled_mask(raw[a:b])]
                if len({labelled.label_text(v) for v in filled}) > 1:
                    raise UserError(f"Sequence {id_strings[a]!r} of {str(path)!r} has more "
                                    f"than one value in {params['label_column']!r}. Expected "
                                    "one label per sequence (on one of its rows or on all).")
                per_sequence[k] = filled[0] if len(filled) else None
        return sequences, np.diff(edges), per_sequence, ids

    def _read_cells(self, params, path, values, other, key, gaps=False):
        """`read` of `layout: cell`: each row's cells parsed into a `(steps, features)` array
        (with `gaps`, an empty cell is NaN at every step of its row)."""
        _, others, rows = reading.read_table(path, other=values + other, fmt="auto", key=key)
        cells = [_cells_of(others[name], path) for name in values]
        sequences = [_row_sequence([column[row] for column in cells], values, row, path, gaps)
                     for row in range(rows)]
        ids = reading.as_strings(others[params["id_column"]], params["id_column"], path) \
            if params["id_column"] else np.array([str(i + 1) for i in range(rows)], object)
        label_array = others.get(params["label_column"])
        labels = label_array.to_numpy(zero_copy_only=False) if label_array is not None else None
        return sequences, np.array([len(s) for s in sequences]), labels, ids

    def _read_files(self, params, path, key, labels):
        """`read` of `layout: files`: each table's rows a sequence, its id the file's path."""
        files, names = self.files_of(path, key, labelled=labels)
        values = self.value_columns(params, self.columns_of(params, path, key))
        time = params["time_column"]
        gaps = params["missing"] == "mean"
        sequences = [_file_sequence(f, values, time, key, gaps) for f in files]
        root = Path(path) if Path(path).is_dir() else None
        ids = np.array([str(f.relative_to(root) if root else f) for f in files], object)
        return (sequences, np.array([len(s) for s in sequences]),
                None if names is None else np.array(names, object), ids)

    def _labels(self, params):
        """The distinct labels, read once per version of the file (without pyarrow
        where it can: `show` validates without importing pandas)."""
        path = self.source(params, params["path"])
        if params["layout"] == "files":
            return sorted(set(self.files_of(path)[1]))
        key = (reading.file_key(path), json.dumps(params, sort_keys=True, default=str))
        if key not in _LABELS:
            _LABELS.clear()  # one file's labels at a time: validation reads them often
            labels = reading.light_column(path, params["label_column"], "data.label_column")
            if labels is None:
                labels = self.read(params, path)[2]
            _LABELS[key] = sorted({str(v) for v in labels if not labelled.is_unlabelled(v)})
        return _LABELS[key]

    def spec(self, params):
        params = self.with_defaults(params)
        path = self.source(params, params["path"])
        present = self.columns_of(params, path)
        features = 1 if params["layout"] == "wide" else len(self.value_columns(params, present))
        steps = params["max_length"] or None
        if params["target"] in ("classes", STEPS):
            labels = self._labels(params)
            return DataSpec(input_shape=(steps, features), mask="value",
                            mask_value=MASK_VALUE,
                            num_classes=len(labelled.check_labels(labels, repr(str(path)))))
        return DataSpec(input_shape=(steps, features), mask="value", mask_value=MASK_VALUE)

    def load(self, params, split, scale, seed=None):
        """Returns `Splits` (stratified for classes); `seed` is unused."""
        params = self.with_defaults(params)
        path = self.source(params, params["path"])
        sequences, lengths, labels, ids = self.read(params, path)
        where = repr(str(path))
        target = params["target"]
        unlabelled = 0
        if target == STEPS:
            every, unlabelled = self._labelled_steps(labels, ids, params, where)
        else:
            keep, unlabelled = labelled.labelled_samples(
                labels, params["unlabelled"], params["label_column"], where, "sequence")
            sequences, lengths = [sequences[i] for i in keep], lengths[keep]
            labels, ids, every = labels[keep], ids[keep], labels[keep]
        names = labelled.check_labels(every, where) if target != "values" else None
        if target == STEPS:  # sequences split by a seeded shuffle, each keeps its labels
            y = np.empty(len(labels), object)
            y[:] = [labelled.encode_steps(steps, names, where) for steps in labels]
            index = labelled.split_index(y, "values", split, params["split_seed"])
        else:
            y = labelled.encode(labels, names, where) if names else \
                labelled.values_of(labels, where)
            index = labelled.split_index(y, target, split, params["split_seed"])
        length = params["max_length"] or int(max(lengths[index["train"]]))
        features = sequences[0].shape[1]
        columns = self.value_columns(params, self.columns_of(params, path))
        feature_names = common.scaled_features({"layout": params["layout"], "columns": columns})
        fill = None
        if params["missing"] == "mean":
            fill = training_means([sequences[i] for i in index["train"]], feature_names, where)
            fill_in(sequences, fill)
        scaler = common.fit_scaler(scale, [sequences[i] for i in index["train"]])
        parts = {p: Split(pad(sequences, index[p], length, scaler, where),
                          pad_labels(y, index[p], length) if target == STEPS else y[index[p]])
                 for p in common._PARTS}
        parts, y_scaler = labelled.scale_values(parts, target, scale)
        if target == STEPS:
            name, predict, facts = labelled.step_baseline(parts, len(names))
        else:
            name, predict, facts = labelled.baseline(parts, target, len(names or ()))
        files = self.files_of(path)[0] if params["layout"] == "files" else [path]
        # A number per sequence's `actual`: the file's, not its float32 round trip.
        test_labels = functools.partial(
            NewInputs, x=None, index=list(ids[index["test"]]), index_name=_index_name(params),
            extra={"actual": common.as_written(y[index["test"]])} if target == "values"
            else {})
        preprocessing = common.record(
            inputs={"kind": "table_sequences", "layout": params["layout"],
                    "id_column": params["id_column"], "time_column": params["time_column"],
                    "columns": columns, "max_length": length, "mask_value": MASK_VALUE,
                    "padding": "post", "truncating": "post",
                    "scalers": common.column_scalers(scaler, feature_names),
                    **({"fill": dict(zip(feature_names, fill))} if fill is not None else {})},
            outputs=labelled.outputs("values" if target == "values" else "classes",
                                     [params["label_column"]], names, y_scaler))
        return Splits(**parts, spec=self.spec(params), baseline_name=name,
                      baseline_predict=predict, preprocessing=preprocessing,
                      test_labels=test_labels,
                      inverse_transform=y_scaler.inverse_transform if y_scaler else None,
                      info={"source": str(path), "files": reading.file_facts(files),
                            "sequences": len(sequences),
                            f"unlabelled_{'steps' if target == STEPS else 'sequences'}":
                                unlabelled,
                            "features": features,
                            "max_length": length,
                            "lengths": {"min": int(lengths.min()), "max": int(lengths.max())},
                            "sizes": common.sizes(parts), "class_names": names, **facts})

    @staticmethod
    def _labelled_steps(labels, ids, params, where):
        """`(the labelled steps' labels, how many steps have none)`; an empty step label
        refused unless `data.unlabelled: skip` (such steps are then left out of the
        loss and the scores, as padding is)."""
        empty = [labelled.unlabelled_mask(steps) for steps in labels]
        count = int(sum(e.sum() for e in empty))
        if count and params["unlabelled"] != "skip":
            i = next(i for i, e in enumerate(empty) if e.any())
            raise UserError(
                f"Expected every step of {where} to have a label in "
                f"{params['label_column']!r}. Received: an empty label (sequence {ids[i]!r}, "
                f"step {int(np.argmax(empty[i])) + 1}; {count} in all). Set "
                "`data.unlabelled: skip` to learn from the labelled steps only (the others "
                "are left out of the loss and the scores, as padding is), or fill them in.")
        every = np.concatenate([steps[~e] for steps, e in zip(labels, empty)])
        if not len(every):
            raise UserError(f"Expected some steps of {where} to have a label in "
                            f"{params['label_column']!r}. Received: every label empty.")
        return every, count

    def new_inputs(self, params, preprocessing, source):
        """The sequences of a new table (labels optional), padded and scaled as in training."""
        params = self.with_defaults(params)
        inputs = preprocessing["inputs"]
        path = self.source(params, source, "--data")
        params = {**params, "value_columns": inputs["columns"]}
        sequences, _, labels, ids = self.read(params, path, key="--data", labels=False)
        if "fill" in inputs:
            fill_in(sequences, [inputs["fill"][name] for name in common.scaled_features(inputs)])
        scaler = common.scaler_of_columns(inputs["scalers"], common.scaled_features(inputs))
        longer = [len(s) for s in sequences if len(s) > inputs["max_length"]]
        if longer:
            log.warning("%s of the %s sequences of %r are longer than the run's max_length "
                        "(%s steps; the longest here %s): each is cut to its first %s, as "
                        "training cut its own", len(longer), len(sequences), str(path),
                        inputs["max_length"], max(longer), inputs["max_length"])
        x = pad(sequences, np.arange(len(sequences)), inputs["max_length"], scaler,
                repr(str(path)))
        if labels is not None and params["target"] == STEPS:  # a label a step, one string
            labels = [" ".join(labelled.label_text(v) or "?" for v in steps)
                      for steps in labels]
        extra = {params["label_column"]: [labelled.label_text(v) for v in labels]} \
            if labels is not None else {}
        return NewInputs(x=x, index=list(ids), index_name=_index_name(params), extra=extra)


def _index_name(params):
    """The predictions' column naming each sequence: its id column, `file`, or `row`."""
    return "file" if params["layout"] == "files" else params["id_column"] or "row"


def training_means(sequences, features, where):
    """Each feature's mean over the training sequences' steps that hold a value (NaN:
    missing); a UserError where a feature has none."""
    total, count = np.zeros(len(features)), np.zeros(len(features))
    for steps in sequences:
        total += np.nansum(steps, axis=0, dtype=np.float64)
        count += np.sum(~np.isnan(steps), axis=0)
    if not count.all():
        name = features[int(np.argmin(count))]
        raise UserError(f"Expected feature {name!r} of {where} to have a value in the training "
                        "part (`data.missing: mean` fills empty cells with it). Received: none; "
                        "leave the column out of `data.value_columns`.")
    return (total / count).tolist()


def fill_in(sequences, means):
    """Sets each NaN step value of `sequences` to its feature's mean, in place."""
    means = np.asarray(means)
    for steps in sequences:
        missing = np.isnan(steps)
        if missing.any():
            steps[missing] = np.broadcast_to(means, steps.shape)[missing]


def _file_sequence(path, values, time, key, gaps=False):
    """One table's `values` columns as `(steps, features)`, its rows ordered by `time`."""
    numbers, others, _ = reading.read_table(path, numeric=values, other=[time] if time else [],
                                            key=key)
    table = np.stack([numbers[c] for c in values], axis=1)
    refuse_non_finite(table, values, path, gaps)  # before sorting: rows as the file numbers
    if time:
        from rnnbench.data.own.series_file import parse_time
        table = table[np.argsort(parse_time(others[time], time, path), kind="stable")]
    return table


# What to do about a missing value inside a sequence (a series' `data.missing` fills along
# time; a sequence of samples has no such key: which value is right is the user's call).
INTERPOLATE_LINE = ("df[columns] = df.groupby(id)[columns].transform(lambda s: "
                    "s.interpolate(limit_direction='both'))")
FILL_IN = (f"Fill such cells in the file (e.g. pandas: {INTERPOLATE_LINE}), leave out the "
           "rows or sequences that hold them, or set `data.missing: mean` to give each empty "
           "cell its feature's mean over the training part.")
# A wide row is a whole sequence: its gaps are filled along the row, not down a column.
WIDE_FILL_IN = FILL_IN.replace(INTERPOLATE_LINE, "df[steps] = df[steps].interpolate("
                               "axis=1, limit_area='inside')")


def refuse_non_finite(table, columns, path, gaps=False):
    """A UserError naming the first empty, NaN or inf cell of `table` (rows as in the file);
    with `gaps` (`data.missing: mean`), the first inf only."""
    bad = np.isinf(table) if gaps else ~np.isfinite(table)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise UserError(f"Column {columns[col]!r} of {str(path)!r} has "
                        f"{'an inf' if gaps else 'an empty, NaN or inf'} cell in row "
                        f"{row + 1}. Expected numbers in every step. "
                        + ("Write a number there, or leave the cell empty." if gaps
                           else FILL_IN))


def cell_numbers(cell):
    """The numbers of a cell holding a sequence (`0.1 0.2`, `[0.1, 0.2]`, a list), or None."""
    if isinstance(cell, (int, float, np.number)) and not isinstance(cell, (bool, np.bool_)):
        tokens = [cell]  # one number: a sequence of one step (a feature of a sample)
    elif isinstance(cell, (list, tuple, np.ndarray)):
        tokens = list(cell)
    elif isinstance(cell, str):
        tokens = [t for t in CELL_SEPARATORS.split(cell.strip().strip("[](){}")) if t]
    else:
        return None
    try:
        return np.array([float(t) for t in tokens], np.float64)
    except (TypeError, ValueError):
        return None


def _cells_of(column, path):
    """A `layout: cell` column's cells as Python values; in a CSV that writes numbers with
    a thousands separator or units (`7,000`, `$3.50`), a column of such single numbers as
    numbers (one step a row), not as the sequence `[7, 0]` its commas would split into."""
    from rnnbench.data.own import dialect
    cells = column.to_pylist()
    if reading.table_format(path) != "csv" or not reading.is_text(column.type):
        return cells
    import pandas as pd
    frame = reading.convert_number_columns(pd.DataFrame({"cell": pd.Series(cells, dtype=object)}),
                                           dialect.of_file(path))
    if frame["cell"].dtype == object:
        return cells  # sequences (or anything else) in its cells
    return [None if c is None else float(v) for c, v in zip(cells, frame["cell"])]


def _row_sequence(cells, columns, row, path, gaps=False):
    """One row's cells (a sequence each) as `(steps, features)`; a UserError naming the
    row and column of a cell that is not a finite sequence, or of lengths that differ.

    With `gaps` (`data.missing: mean`), an empty or NaN cell is a feature missing at
    every step of the row (NaN, filled when the dataset loads)."""
    parts, missing = [], []
    for cell, column in zip(cells, columns):
        numbers = cell_numbers(cell)
        if gaps and (cell is None or numbers is not None and len(numbers) == 1
                     and np.isnan(numbers[0])):
            missing.append(len(parts))
            parts.append(None)
            continue
        if numbers is None or not len(numbers) or not np.all(np.isfinite(numbers)):
            raise _bad_cell(cell, column, row, path, gaps)
        parts.append(numbers)
    if missing:
        steps = {len(part) for part in parts if part is not None}
        if not steps:
            raise UserError(f"Row {row + 1} of {str(path)!r} has no value in any of "
                            f"{columns}. Expected at least one (`data.missing: mean` fills a "
                            "row's empty cells from its others' length); leave the row out.")
        for i in missing:
            parts[i] = np.full(max(steps), np.nan)
    if len({len(part) for part in parts}) > 1:
        raise UserError(f"Row {row + 1} of {str(path)!r} holds sequences of "
                        f"{[len(part) for part in parts]} numbers in {columns}. Expected as "
                        "many in each (one step of every feature).")
    return np.stack(parts, axis=1)


def _bad_cell(cell, column, row, path, gaps):
    """The UserError of a cell `_row_sequence` cannot read."""
    shown = "an empty cell" if cell is None else repr(str(cell)[:60])
    missing = (" An empty cell is a missing value only with `data.missing: mean` (its "
               "feature's mean over the training part)." if cell is None or
               str(cell).strip().lower() in ("nan", "") else "") if not gaps else ""
    return UserError(f"Row {row + 1} of {str(path)!r} holds {shown} in {column!r}. Expected "
                     "a sequence of finite numbers in each cell of `data.value_columns` "
                     "(`data.layout: cell`; one number is a sequence of one step), separated "
                     "by spaces, commas or semicolons, maybe in brackets (a decimal point, not "
                     f"a comma).{missing}")


def pad_labels(labels, index, length):
    """`(len(index), length)` int32 step labels, `PADDED_LABEL` past a sequence's end."""
    out = np.full((len(index), length), PADDED_LABEL, np.int32)
    for row, i in enumerate(index):
        steps = labels[i][:length]
        out[row, :len(steps)] = steps
    return out


def pad(sequences, index, length, scaler, where):
    """`(len(index), length, features)` float32: scaled steps, then `MASK_VALUE` padding."""
    features = sequences[0].shape[1]
    out = np.full((len(index), length, features), MASK_VALUE, np.float32)
    for row, i in enumerate(index):
        steps = np.array(sequences[i][:length], np.float32)
        common.scale_in_place(steps, scaler)
        out[row, :len(steps)] = steps
    real = np.arange(length) < np.minimum([len(sequences[i]) for i in index],
                                          length)[:, None]
    refuse_masked_steps(out[real], where)
    return out


def refuse_masked_steps(real, where):
    """A UserError when a real step (a row of `real`, `(steps, features)`) equals
    `MASK_VALUE` in every feature: the model would mask it as padding."""
    if np.any(np.all(real == MASK_VALUE, axis=-1)):
        raise UserError(f"A real step of {where} equals the padding value {MASK_VALUE} in "
                        "every feature; it would be masked. Rescale the data (`data.scale`).")
