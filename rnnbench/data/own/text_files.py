"""Text from the user's own files: labelled rows (`file_text`) and plain text (`file_corpus`).

One tokenizer serves training and new inputs (`tokenize`, `encode`): lower
case (when `lowercase`), punctuation removed for words (Keras'
`lower_and_strip_punctuation`), split on whitespace; characters are taken as
they are. The vocabulary is fitted on the TRAINING part only, most frequent
first (ties in code-point order): id 0 is padding, 1 out-of-vocabulary, the
token `vocabulary[k]` is id `k + 2`. It is saved in the run's preprocessing.
"""

import functools
import re
import string
from pathlib import Path

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.data.base import DataSpec, NewInputs, Param, Split, Splits, seed_param
from rnnbench.config.schema import SchemaError
from rnnbench.data.own import common, dialect, labelled, reading
from rnnbench.data.preprocessing import class_counts, majority_baseline
from rnnbench.data.reading import non_blank_lines
from rnnbench.data.text import split_documents
from rnnbench.errors import UserError

PADDING, OOV = 0, 1
LEVELS = ("word", "char")
# ASCII punctuation, removed from word tokens (the export's graph and `Run.encode` use it too).
PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
# A label column with more distinct numbers than this is taken for a continuous value.
MAX_NUMERIC_CLASSES = 50


def tokenize(text, level, lowercase):
    """The tokens of `text`: words (ASCII punctuation removed) or characters."""
    if lowercase:
        text = text.lower()
    if level == "char":
        return list(text)
    return PUNCTUATION.sub("", text).split()


def fit_vocabulary(token_lists, max_size):
    """The `max_size - 2` most frequent tokens (ties: sorted), as a list (id = index + 2)."""
    counts = {}
    for tokens in token_lists:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t))[:max_size - 2]


def encode(tokens, vocabulary):
    """Token ids (int32); unknown tokens are OOV."""
    table = {token: i + 2 for i, token in enumerate(vocabulary)}
    return np.array([table.get(t, OOV) for t in tokens], dtype=np.int32)


def pad(ids, length):
    """Cut or pad at the end to `length` (as Keras' TextVectorization does)."""
    out = np.zeros(length, np.int32)
    out[:min(length, len(ids))] = ids[:length]
    return out


def encode_rows(texts, vocabulary, level, lowercase, length):
    return np.stack([pad(encode(tokenize(t, level, lowercase), vocabulary), length)
                     for t in texts]) if len(texts) else np.zeros((0, length), np.int32)


def token_params(level, lowercase, size_key, size, size_help):
    return {
        "level": Param(str, level, "tokens: words (ASCII punctuation removed) or characters",
                       choices=LEVELS),
        "lowercase": Param(bool, lowercase, "lower-case the text before tokenizing"),
        size_key: Param(int, size, size_help, min=3),
    }


def _test_labels(path, files, keep, test, texts, values=None):
    """What labels each test sample in `predict RUN_DIR`, as a new file's rows are
    labelled: its row of the table (from 1) or its file in the folder, and its text.

    Args:
        keep: the labelled rows (or files) of the source, in its order.
        test: the test part's indices among them; `texts`: their texts.
        values: their numbers (a number per text), for `actual` as the file wrote it.
    """
    rows = keep[test]
    if Path(path).is_dir():
        index = [str(Path(files[r]).relative_to(path)) for r in rows]
    else:
        index = [int(r) + 1 for r in rows]
    extra = {"text": list(texts[test])}
    if values is not None:
        extra["actual"] = common.as_written(values[test])
    return functools.partial(NewInputs, x=None, index=index, extra=extra)


def _numbers_as_written(labels, files):
    """A CSV's labels written as numbers in its dialect (`$20,545.00`, `1,234`, `23.5%`),
    as `new` and a table's features read them; any other label unchanged (`values_of`
    names the first that is no number)."""
    import pandas as pd
    if len(files) != 1 or Path(files[0]).is_dir() or reading.table_format(files[0]) != "csv":
        return labels
    text = pd.Series(labels, dtype=object)
    if not text.map(lambda v: isinstance(v, str)).all():
        return labels
    numbers = reading.numbers_of_text(text, dialect.of_file(files[0]))
    return np.where(numbers.notna(), numbers.to_numpy(np.float64), text.to_numpy(object))


# ------------------------------------------------------------ labelled rows


@functools.lru_cache(maxsize=16)
def _labels(path, fmt, column, size, mtime_ns):
    labels = reading.light_column(path, column, "data.label_column")
    if labels is None:  # Parquet: only pyarrow reads it
        _, others, _ = reading.read_table(path, other=[column], fmt=fmt)
        labels = reading.as_strings(others[column], column, path, allow_null=True)
        labels = [label for label in labels if label.strip()]  # as light_column reads
    return tuple(labels)


def labels_of(path, fmt, column):
    """The label column's filled cells as strings (cached per file version)."""
    path = reading.require_file(path)
    stat = Path(path).stat()
    return np.array(_labels(str(path), fmt, column, stat.st_size, stat.st_mtime_ns),
                    dtype=object)


def check_classes(labels, column, path):
    """Class names, in numeric order where every one is a number (`2` before `10`); a
    single class or a continuous-looking column is a UserError."""
    names = sorted(set(labels))
    if len(names) < 2:
        raise UserError(f"Expected column {column!r} (`data.label_column`) of {str(path)!r} "
                        f"to hold at least 2 classes. Received: only {names[0]!r}.")
    try:
        numbers = np.array([float(n) for n in names])
    except ValueError:
        return names
    if len(names) > MAX_NUMERIC_CLASSES or \
            (not np.all(numbers == np.round(numbers)) and len(names) > 10):
        raise UserError(
            f"Expected column {column!r} (`data.label_column`) of {str(path)!r} to hold "
            f"classes. Received: {len(names)} distinct numbers (e.g. {names[0]}, "
            f"{names[-1]}), which look like a continuous value; classification needs "
            "a column of class labels.")
    return [name for _, name in sorted(zip(numbers.tolist(), names))]


def labelled_folder(path):
    """`(files, labels)` of a folder laid out as Keras' `text_dataset_from_directory`
    reads one: a subfolder per class, each holding `.txt` files (one document a file,
    found recursively); None for a path that is not such a folder."""
    return reading.labelled_folder(path, (".txt",))


def read_documents(files, key="data.path"):
    """The texts of `files`, one document each (an empty file is an empty text)."""
    return np.array([reading.read_text(f, key) if f.stat().st_size else "" for f in files],
                    dtype=object)


def require_labelled_folder(path, key="data.path"):
    """`labelled_folder(path)`, or a UserError saying what such a folder holds."""
    found = labelled_folder(path)
    if found is None:
        raise UserError(f"Expected `{key}` to be a table (.csv, .jsonl, .parquet) or a folder "
                        "with a subfolder per class holding .txt files (one document each). "
                        f"Received: the folder {str(path)!r}, with fewer than 2 such "
                        "subfolders.")
    return found


@DATASETS.register("file_text")
class FileText(common.FileDataset):
    """Text classification (or regression) from the user's CSV / JSON Lines / Parquet rows.

    With `target: values` the label column holds a number per text (a rating, a
    price) and the task is `regress`; the number is standardized on the training
    part (the recurrent layers' outputs are near 1) and predictions are in its units.
    """

    name = "file_text"
    description = ("Your own labelled text (CSV, JSONL, Parquet): classify `text_column` "
                   "into `label_column`'s classes (or regress its numbers: `target: "
                   "values`); or a folder with a subfolder of .txt files per class.")
    tasks = ("classify", "regress")
    takes_split = True
    params = {
        "path": common.path_param("the table: .csv, .csv.gz, .jsonl, .json or .parquet; or a "
                                  "folder with a subfolder of .txt files per class"),
        "text_column": Param(str, "text", "column of the texts"),
        "label_column": Param(str, "label", "column of the class labels"),
        **token_params("word", True, "max_tokens", 20000,
                       "vocabulary size, padding and OOV ids included"),
        "seq_len": Param(int, 200, "tokens per text (cut or padded at the end)", min=1),
        "target": Param(str, "classes", "what the label is: classes (task classify) or a "
                        "number per text (values: task regress)", choices=labelled.TARGETS),
        "unlabelled": labelled.unlabelled_param(),
        "split_seed": seed_param("the train/val/test split (stratified for classes)"),
    }

    def task_for(self, params):
        return labelled.task_for(params)

    def check_params(self, params):
        super().check_params(params)
        if params.get("target") == "values" and Path(str(params["path"])).is_dir():
            raise SchemaError("data.target", f"Expected `data.target: classes` for the folder "
                              f"{params['path']!r}: its labels are its subfolders' names. "
                              "Received: values (a number per text needs a table with a "
                              "label column)")

    def classes(self, params):
        if Path(params["path"]).is_dir():
            return sorted(set(require_labelled_folder(params["path"])[1]))
        path = reading.require_file(params["path"])
        return check_classes(labels_of(path, "auto", params["label_column"]),
                             params["label_column"], path)

    def spec(self, params):
        params = self.with_defaults(params)
        if params["target"] == "values":
            return DataSpec(input_shape=(params["seq_len"],), input_dtype="int32",
                            vocab_size=params["max_tokens"], mask="zero", output_dim=1)
        return DataSpec(input_shape=(params["seq_len"],), input_dtype="int32",
                        vocab_size=params["max_tokens"], mask="zero",
                        num_classes=len(self.classes(params)))

    def read_texts(self, params, path, key="data.path", labels=True):
        fmt = "auto"
        present = reading.table_columns(path, fmt, key)
        reading.require_columns(path, [params["text_column"]], present, "data.text_column")
        other = [params["text_column"]]
        if labels:
            reading.require_columns(path, [params["label_column"]], present,
                                    "data.label_column")
            other.append(params["label_column"])
        elif params["label_column"] in present:
            other.append(params["label_column"])
        _, others, _ = reading.read_table(path, other=other, fmt=fmt, key=key)
        texts = reading.as_strings(others[params["text_column"]], params["text_column"],
                                   path, allow_null=True)
        if not any(t.strip() for t in texts):
            raise UserError(f"Expected column {params['text_column']!r} "
                            f"(`data.text_column`) of {str(path)!r} to hold text. "
                            "Received: every row empty.")
        found = None
        if params["label_column"] in others:
            found = reading.as_strings(others[params["label_column"]],
                                       params["label_column"], path, allow_null=True)
        return texts, found

    def source(self, params):
        """`(files, texts, labels)` of `data.path`: a table's rows, or a labelled folder's
        documents."""
        if Path(params["path"]).is_dir():
            for name, default in (("text_column", "text"), ("label_column", "label")):
                if params[name] != default:
                    raise UserError(
                        f"Expected no `data.{name}` for the folder {params['path']!r}: its "
                        "texts are its files and their labels the subfolders' names. "
                        f"Received: {params[name]!r}; remove the key.")
            files, labels = require_labelled_folder(params["path"])
            reading.check_text_fits(files, params["level"])
            return files, read_documents(files), np.array(labels, dtype=object)
        path = reading.require_file(params["path"])
        reading.check_text_fits([path], params["level"])
        return [path], *self.read_texts(params, path)

    def load(self, params, split, scale=None, seed=None):
        """Returns stratified `Splits`; `scale` and the model `seed` are unused."""
        params = self.with_defaults(params)
        path = params["path"]
        files, texts, labels = self.source(params)
        keep, unlabelled = labelled.labelled_samples(
            labels, params["unlabelled"], params["label_column"], repr(str(path)), "row")
        texts, labels = texts[keep], labels[keep]
        if params["target"] == "values":
            return self._load_values(params, split, files, texts, labels, unlabelled, keep)
        names = check_classes(labels, params["label_column"], path)
        codes = labelled.encode(labels, names, f"{str(path)!r}")
        index = split_documents(codes, split, params["split_seed"])
        vocabulary, parts = self._token_parts(params, texts, codes, index)
        majority, predict = majority_baseline(parts["train"].y, len(names))

        preprocessing = common.record(
            inputs=self._inputs_record(params, vocabulary),
            outputs={"kind": "classes", "columns": [params["label_column"]],
                     "label_names": names})
        return Splits(
            **parts, spec=self.spec(params),
            baseline_name="majority class of the training part", baseline_predict=predict,
            preprocessing=preprocessing,
            test_labels=_test_labels(path, files, keep, index["test"], texts),
            info={**self._facts(path, files, texts, vocabulary, parts, unlabelled),
                  "class_names": names,
                  "class_counts": {p: class_counts(parts[p].y, len(names))
                                   for p in common._PARTS},
                  "majority_class": majority})

    def _load_values(self, params, split, files, texts, labels, unlabelled, keep):
        """`Splits` of a number per text: a seeded shuffle, the number standardized on
        the training part (`*_original` metrics and predictions in its units)."""
        where = f"column {params['label_column']!r} (`data.label_column`) of " \
                f"{str(params['path'])!r}"
        y = labelled.values_of(_numbers_as_written(labels, files), where)
        index = labelled.split_index(y, "values", split, params["split_seed"])
        vocabulary, parts = self._token_parts(params, texts, y, index)
        parts, scaler = labelled.scale_values(parts, "values", "standard")
        name, predict, facts = labelled.baseline(parts, "values", 0)
        preprocessing = common.record(
            inputs=self._inputs_record(params, vocabulary),
            outputs=labelled.outputs("values", [params["label_column"]], scaler=scaler))
        return Splits(
            **parts, spec=self.spec(params), baseline_name=name, baseline_predict=predict,
            preprocessing=preprocessing, inverse_transform=scaler.inverse_transform,
            test_labels=_test_labels(params["path"], files, keep, index["test"], texts, y),
            info={**self._facts(params["path"], files, texts, vocabulary, parts, unlabelled),
                  **facts})

    @staticmethod
    def _token_parts(params, texts, y, index):
        """`(vocabulary, {part: Split})`: the vocabulary fitted on the training texts."""
        level, lower = params["level"], params["lowercase"]
        vocabulary = fit_vocabulary(
            (tokenize(texts[i], level, lower) for i in index["train"]), params["max_tokens"])
        return vocabulary, {part: Split(encode_rows(texts[index[part]], vocabulary, level,
                                                    lower, params["seq_len"]), y[index[part]])
                            for part in common._PARTS}

    @staticmethod
    def _inputs_record(params, vocabulary):
        level = params["level"]
        return {"kind": "tokens", "columns": [params["text_column"]],
                "text_column": params["text_column"], "level": level,
                "lowercase": params["lowercase"], "strip_punctuation": level == "word",
                "vocabulary": vocabulary, "max_length": params["seq_len"],
                "padding": "post", "truncating": "post",
                "padding_id": PADDING, "oov_id": OOV}

    @staticmethod
    def _facts(path, files, texts, vocabulary, parts, unlabelled):
        def oov_rate(x):
            real = x != PADDING
            return float((x[real] == OOV).mean()) if real.any() else 0.0

        return {"source": str(path), "files": reading.file_facts(files),
                "rows": len(texts), "unlabelled_rows": unlabelled,
                "sizes": common.sizes(parts),
                "vocabulary_size": len(vocabulary) + 2, "vocabulary_fit_on": "train",
                "oov_rate": {p: oov_rate(parts[p].x) for p in common._PARTS},
                "truncated": {p: int(np.sum(parts[p].x[:, -1] != PADDING))
                              for p in common._PARTS}}

    def new_inputs(self, params, preprocessing, source):
        """The texts of a new table (a label column is optional), a plain text file (one
        text per non-blank line) or a folder of .txt files (in class subfolders or not),
        tokenized as in training."""
        params = self.with_defaults(params)
        inputs = preprocessing["inputs"]
        label = preprocessing["outputs"]["columns"][0]
        texts, labels, index = self.new_texts(
            {**params, "text_column": inputs["text_column"], "label_column": label}, source)
        x = encode_rows(texts, inputs["vocabulary"], inputs["level"], inputs["lowercase"],
                        inputs["max_length"])
        extra = {"text": list(texts)}
        if labels is not None:
            extra[label] = list(labels)
        return NewInputs(x=x, index=index, extra=extra)

    def new_texts(self, params, source):
        """`(texts, labels or None, row labels)` of new data at `source`."""
        if Path(source).is_dir():
            files, labels = labelled_folder(source) or (
                reading.source_files(source, "--data", (".txt",), empty_ok=True), None)
            return (read_documents(files, "--data"), labels,
                    [str(Path(f).relative_to(source)) for f in files])
        path = reading.require_file(source, "--data")
        if path.suffix.lower() in reading.TEXT_SUFFIXES and \
                not _table_with(path, params["text_column"]):
            return _text_lines(path)
        texts, labels = self.read_texts(params, path, key="--data", labels=False)
        return texts, labels, list(range(1, len(texts) + 1))


def _table_with(path, column):
    """Whether the `.txt` at `path` is a table (`dialect.is_table`) with a column `column`,
    as a run trained on such a file reads it, rather than one text per line."""
    return dialect.is_table(path) and column in (reading.light_header(path, "--data") or [])


def _text_lines(path):
    """`(texts, None, line numbers)`: the non-blank lines of a UTF-8 text file, each a
    text to classify, labelled by their line in the file (from 1)."""
    texts, numbers = non_blank_lines(reading.read_text(path, "--data"))
    if not texts:
        raise UserError(f"Expected {str(path)!r} (`--data`) to hold a text per line. "
                        "Received: only blank lines.")
    return np.array(texts, dtype=object), None, numbers


# ------------------------------------------------------------ plain text


def read_corpus(source, key="data.path"):
    """The text of a file, a folder's files or a glob's (sorted, joined by a newline)."""
    files = reading.source_files(source, key, empty_ok=True)
    return files, "\n".join(reading.read_text(f, key) for f in files if f.stat().st_size)


def corpus_ids(text, level, lowercase, vocabulary=None, max_size=None):
    """`(ids, vocabulary)`: the text's token ids; the vocabulary is fitted when not given."""
    tokens = tokenize(text, level, lowercase)
    if vocabulary is None:
        vocabulary = fit_vocabulary([tokens], max_size)
    return encode(tokens, vocabulary), vocabulary


@DATASETS.register("file_corpus")
class FileCorpus(common.FileDataset):
    """Next-token prediction on the user's plain text (a file, a folder or a glob).

    The text is cut chronologically: the first `1 - val - test` of its tokens
    train, the next `val` validate, the last `test` test. The vocabulary is
    fitted on the training tokens; each part is cut into windows of `seq_len`
    tokens every `stride` tokens (inputs `ids[i:i+seq_len]`, targets one
    token later). The baseline predicts the training unigram distribution.
    """

    name = "file_corpus"
    description = ("Your own plain text (a .txt file, a folder or a glob): character- "
                   "or word-level language model.")
    tasks = ("language_model",)
    takes_split = True
    params = {
        "path": common.path_param("a UTF-8 text file, a folder of them, or a glob"),
        **token_params("char", False, "max_vocab", 256,
                       "vocabulary size, padding and OOV ids included"),
        "seq_len": Param(int, 100, "tokens per window", min=1),
        "stride": Param(int, 0, "tokens between window starts (0: seq_len)", min=0),
    }

    def spec(self, params):
        params = self.with_defaults(params)
        return DataSpec(input_shape=(params["seq_len"],), input_dtype="int32",
                        vocab_size=params["max_vocab"], mask=None,
                        num_classes=params["max_vocab"])

    def load(self, params, split, scale=None, seed=None):
        """Returns chronological `Splits`; `scale` and `seed` are unused."""
        params = self.with_defaults(params)
        seq_len = params["seq_len"]
        stride = params["stride"] or seq_len
        reading.check_text_fits(reading.source_files(params["path"], empty_ok=True),
                                params["level"])
        files, text = read_corpus(params["path"])
        if not text.strip():
            raise UserError(f"Expected {params['path']!r} (`data.path`) to hold text. "
                            "Received: only whitespace.")
        tokens = tokenize(text, params["level"], params["lowercase"])
        n = len(tokens)
        n_val, n_test = int(round(n * split["val"])), int(round(n * split["test"]))
        bounds = {"train": (0, n - n_val - n_test), "val": (n - n_val - n_test, n - n_test),
                  "test": (n - n_test, n)}
        vocabulary = fit_vocabulary([tokens[:bounds["train"][1]]], params["max_vocab"])
        ids = encode(tokens, vocabulary)
        del tokens
        parts = {}
        for part, (lo, hi) in bounds.items():
            if hi - lo < seq_len + 1:
                need = int(np.ceil((seq_len + 1) / min(split["val"], split["test"],
                                                       1 - split["val"] - split["test"])))
                raise UserError(
                    f"The {part} part of {params['path']!r} has {hi - lo} {params['level']} "
                    f"tokens, too few for `data.seq_len`={seq_len}: the text has {n} tokens "
                    f"and needs at least about {need} for this split. Use a smaller seq_len "
                    "or more text.")
            windows = np.lib.stride_tricks.sliding_window_view(ids[lo:hi], seq_len + 1)
            windows = windows[::stride]
            parts[part] = Split(windows[:, :-1].view(common.WindowView),
                                windows[:, 1:].view(common.WindowView))
        vocab_size = params["max_vocab"]
        counts = np.bincount(ids[:bounds["train"][1]], minlength=vocab_size).astype(np.float64)
        # Add-one over every token but padding: a test token unseen in training (the OOV
        # id) gets some mass, where a zero would make the baseline's loss ~16 a token and
        # an untrained model seem to beat it.
        counts[OOV:] += 1
        unigram = (counts / counts.sum()).astype(np.float32)
        nonzero = unigram[unigram > 0].astype(np.float64)

        def predict(x):
            return np.broadcast_to(unigram, (len(x), np.shape(x)[1], vocab_size))

        preprocessing = common.record(
            inputs={"kind": "tokens", "level": params["level"],
                    "lowercase": params["lowercase"],
                    "strip_punctuation": params["level"] == "word",
                    "vocabulary": vocabulary, "max_length": seq_len, "stride": stride,
                    "padding_id": PADDING, "oov_id": OOV},
            outputs={"kind": "tokens", "vocabulary": vocabulary,
                     "padding_id": PADDING, "oov_id": OOV})
        return Splits(
            **parts, spec=self.spec(params),
            baseline_name=f"unigram {params['level']} distribution of the training part",
            baseline_predict=predict, preprocessing=preprocessing,
            info={"source": str(params["path"]), "files": reading.file_facts(files),
                  "tokens": {p: hi - lo for p, (lo, hi) in bounds.items()},
                  "sizes": common.sizes(parts), "vocabulary_size": len(vocabulary) + 2,
                  "vocabulary_fit_on": "train",
                  "oov_rate": {p: float(np.mean(ids[lo:hi] == OOV))
                               for p, (lo, hi) in bounds.items()},
                  "unigram_entropy_bits": float(-(nonzero * np.log2(nonzero)).sum())})

    def new_inputs(self, params, preprocessing, source):
        """A new text as windows of `seq_len` tokens (the first padded at the front)."""
        inputs = preprocessing["inputs"]
        _, text = read_corpus(source, "--data")
        ids, _ = corpus_ids(text, inputs["level"], inputs["lowercase"], inputs["vocabulary"])
        seq_len = inputs["max_length"]
        short = (-len(ids)) % seq_len
        ids = np.concatenate([np.full(short, PADDING, np.int32), ids])
        x = ids.reshape(-1, seq_len)
        return NewInputs(x=x, index=[i * seq_len - short for i in range(len(x))])
