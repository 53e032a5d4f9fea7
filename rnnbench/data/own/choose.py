"""What `rnnbench new` writes for a file: the task, the `data:` block and the notes.

`choose(found)` reads what `inspect.py` found in the file (an `Inspection`)
and picks the file dataset and its keys: a forecast of a table's columns, a
sequence a row, a cell or an id, texts to classify, arrays, or a language
model; the notes say why, and what was left out.
"""

import dataclasses
import functools
import math
import re

import numpy as np

from rnnbench.config.experiment import SplitConfig
from rnnbench.data.own import labelled, reading, tables, text_files
from rnnbench.data.own.inspect import NUMBERED_STEPS, SAMPLE_ROWS
from rnnbench.errors import UserError

LABEL_NAMES = ("label", "labels", "class", "sentiment", "category", "target", "y")
TASKS = ("forecast", "classify", "regress", "language_model")


# Why `new` reads some texts by characters.
UNSPACED_WHY = "its words run together, as in a script written without spaces"

def _text_seq_len(tokens_per_text):
    """A classifier's `seq_len`: 1.5x the mean tokens (words or characters) a text, 8-200."""
    return int(min(MAX_TEXT_SEQ_LEN, max(8, round(tokens_per_text * 1.5))))


# The longest `seq_len` new writes: a recurrent layer's step count costs time linearly.
MAX_TEXT_SEQ_LEN = 200


def _truncation_note(tokens_per_text, seq_len, unit):
    """A note when texts are longer on average than the `seq_len` new wrote: the model
    reads the first `seq_len` tokens of each, and nothing says so otherwise."""
    if tokens_per_text <= seq_len:
        return []
    return [f"seq_len {seq_len}: the texts hold {tokens_per_text:,.0f} {unit} on average, "
            f"and the model reads the first {seq_len} of each (the rest is cut); raise "
            f"`data.seq_len` to read more (each token more is one recurrent step more), or "
            f"split long texts into parts"]


def _vocabulary_note(block, tokens, by_characters):
    """The `chosen:` line for a `max_tokens` that `_max_tokens` set, else nothing."""
    if "max_tokens" not in block:
        return []
    return [f"max_tokens {block['max_tokens']}: the texts hold {tokens:,} distinct "
            f"{'characters' if by_characters else 'words'} (plus the padding and unknown "
            "ids), so the embedding has no rows that no text uses"]


def _max_tokens(tokens):
    """`{"max_tokens": ...}` where the file's distinct tokens (plus padding and unknown)
    are fewer than `file_text`'s default, which would give the embedding rows no text uses."""
    default = text_files.FileText.params["max_tokens"].default
    return {"max_tokens": tokens + 2} if 0 < tokens + 2 < default else {}


# Why labels of several per sample are regressed: rnnbench classifies whole sequences.
NOT_TRAINED = ("several tags a sample is not a task rnnbench trains (a class at every "
               "step, labels shaped like the inputs' steps, is)")


def class_balance(path, column):
    """`{label: rows}` of a label column over the whole file; a UserError where the
    default split would leave a part without a row (`require_room`)."""
    labels = labels_of(path, column)
    values, counts = np.unique(labels[~labelled.unlabelled_mask(labels)], return_counts=True)
    if not len(values):
        raise UserError(f"Expected labels in column {column!r} (`--target`) of {str(path)!r}. "
                        f"Received: {len(labels)} rows, every cell of it empty.")
    balance = dict(zip(values.tolist(), counts.tolist()))
    require_room(balance, path, "rows")
    return balance


def shown_balance(balance, most=12):
    """`{label: rows}` as text, the `most` largest classes and a count of the rest (a
    60-class label printed one line of 60 entries)."""
    if len(balance) <= most:
        return str(balance)
    top = dict(sorted(balance.items(), key=lambda kv: -kv[1])[:most])
    return f"{str(top)[:-1]}, ... and {len(balance) - most} more classes}}"


def require_room(balance, path, unit):
    """Refuses classes too few to split: the run would refuse the experiment `new` wrote.

    Args:
        balance: `{class: samples}`.
        unit: what a sample is in the file (rows, files, sequences).
    """
    from rnnbench.config.experiment import SplitConfig
    from rnnbench.data.text import split_documents
    split = dataclasses.asdict(SplitConfig())
    try:
        split_documents(np.repeat(np.arange(len(balance)), list(balance.values())), split, 1)
    except UserError:
        raise UserError(
            f"Expected enough {unit} in {str(path)!r} to put one in every part of the "
            f"default split {split} (split by class: a part takes round(n x its fraction) "
            f"of a class of n). Received: {sum(balance.values())} {unit} "
            f"({balance}); add {unit}, or write the experiment by hand with a larger "
            "`data.split`.") from None


def labels_of(path, column):
    """A label column over the whole file, as strings ("" where a cell is empty); read
    once per version of the file (`new` counts its classes, then its empty cells)."""
    return _labels_of(column, *reading.file_key(path))


def numbers_of(path, columns):
    """`{column: float32 values}` of numeric columns over the whole file; read once per
    version of the file (`new` measures their spreads, then counts their empty cells)."""
    return _numbers_of(tuple(columns), *reading.file_key(path))


@functools.lru_cache(maxsize=2)
def _numbers_of(columns, path, size, mtime_ns):
    return reading.read_table(path, numeric=list(columns))[0]


@functools.lru_cache(maxsize=2)
def _labels_of(column, path, size, mtime_ns):
    _, others, _ = reading.read_table(path, other=[column], key="--target")
    return reading.as_strings(others[column], column, path, allow_null=True)


def choose(found, target=None, task=None):
    """`(task, data block, notes)` for a file: the dataset and keys `new` writes.

    Raises:
        UserError: when the file does not say what to predict (no `--target`).
    """
    if task is not None and task not in TASKS:
        raise UserError(f"Expected `--task` to be one of {list(TASKS)}. Received: {task!r}")
    if found.kind == "text" and target is not None:
        raise UserError(
            f"Expected no `--target` for {str(found.path)!r}: " + (
                "its labels are the names of its class subfolders" if "classes (subfolders)"
                in found.facts else "a plain text is modelled, not labelled") +
            f". Received: --target {target!r}; leave it out (a table of texts and labels "
            "takes `--target`, naming its label column)")
    if found.kind == "text" and "classes (subfolders)" in found.facts and \
            task in (None, "classify"):
        chars = found.facts.get("characters per document")
        seq_len = _text_seq_len(chars or found.facts["words per document"])
        unit = f"characters of each ({UNSPACED_WHY})" if chars else "words of each"
        tokens = found.facts["distinct tokens"]
        block = {"name": "file_text", "path": str(found.path),
                 "level": "char" if chars else "word", "seq_len": seq_len,
                 **_max_tokens(tokens)}
        require_room(found.facts["classes (subfolders)"], found.path, "files")
        return "classify", block, [
            f"classify each .txt file by its subfolder, {seq_len} {unit} (class "
            f"balance {found.facts['classes (subfolders)']})",
            *_truncation_note(chars or found.facts["words per document"], seq_len,
                              "characters" if chars else "words"),
            *_vocabulary_note(block, tokens, bool(chars))]
    if found.kind == "text":
        if task not in (None, "language_model"):
            raise UserError(f"Expected `--task language_model` for the text {str(found.path)!r}"
                            f" (a plain text is modelled, not labelled). Received: {task!r}")
        chars = found.facts["characters"]
        seq_len = int(min(100, max(8, chars // 200)))
        need = int(math.ceil((seq_len + 1) / min(SplitConfig.val, SplitConfig.test)))
        if chars < need:  # as file_corpus refuses it: each split part needs a window
            raise UserError(
                f"Expected a text of at least {need} characters in {str(found.path)!r} for a "
                f"language model (windows of {seq_len}, and a validation and a test part of "
                f"{SplitConfig.val:.0%} each that hold one). Received: {chars} characters. "
                "Give it more text (a folder or a glob of .txt files reads as one corpus).")
        return "language_model", {
            "name": "file_corpus", "path": str(found.path), "level": "char",
            "seq_len": seq_len, "max_vocab": int(found.facts["distinct characters"]) + 2}, [
            f"a character-level language model on {chars:,} characters, windows of "
            f"{seq_len}"]
    if found.kind == "table files":
        return _classify_files(found, target, task)
    if found.kind == "arrays" and "classes by step" in found.facts and \
            task in (None, "classify"):
        return _label_steps_of_arrays(found)
    if found.kind == "arrays":
        y = found.facts.get("classes")
        wanted = task or ("classify" if y else "regress")
        block, said = _arrays_block(found, "classes" if wanted == "classify" else "values")
        many = found.facts.get("_labels_per_sample")
        if many and wanted == "classify":
            raise UserError(f"Expected one class label per sample in {str(found.path)!r} for "
                            f"`--task classify`. Received: {many} labels per sample ({NOT_TRAINED}"
                            f"); leave out `--task` to predict the {many} values of each sample.")
        if many:
            said.append(f"regress the {many} values of each sample: the labels are not one "
                        f"class per sample ({NOT_TRAINED})")
        if found.facts.get("_unlabelled"):
            said.append(_skip(block, found.facts["_unlabelled"], found.facts["_samples"],
                              "samples", "label (NaN in the labels)"))
        return wanted, block, said
    if task == "language_model":
        _refuse_table_language_model(found, target)
    return _choose_table(found, target, task)


# How pandas reads each table format, for the command that saves a text column as text.
_READERS = {"parquet": "pd.read_parquet({!r})", "jsonl": "pd.read_json({!r}, lines=True)",
            "json": "pd.read_json({!r})"}


def _refuse_table_language_model(found, target):
    """A language model reads plain text: the command that saves the table's texts."""
    texts = [c for c in found.columns if c.kind == "text"]
    column = target or (max(texts, key=lambda c: c.mean_words).name if texts else "text")
    fmt = reading.table_format(found.path)
    read = _READERS.get(fmt, "pd.read_csv({!r})").format(str(found.path))
    out = str(found.path.parent / f"{found.path.name.partition('.')[0]}.txt")
    raise UserError(
        f"Expected a .txt file, a folder or a glob for `--task language_model`. Received: "
        f"the table {str(found.path)!r}. Save its texts as plain text, one a line, first: "
        f"python -c \"import pandas as pd; open({out!r}, 'w', encoding='utf-8').write("
        f"'\\n'.join({read}[{column!r}].dropna().astype(str)))\", then rnnbench new NAME "
        f"--data {out} --task language_model")


def _classify_files(found, target, task):
    """`("classify", file_sequences block, notes)` for a folder of a sequence a table."""
    if target is not None or task not in (None, "classify"):
        raise UserError(f"Expected neither `--target` nor a `--task` other than classify for "
                        f"the folder {str(found.path)!r}: its subfolders name the classes "
                        f"of the tables in them, a sequence each. Received: "
                        f"{'--target ' + repr(target) if target else '--task ' + task}")
    require_room(found.facts["classes (subfolders)"], found.path, "files")
    steps = next((c.name for c in found.columns if STEP_NAMES.match(c.name)), None)
    time = found.time_column or steps
    values = [c.name for c in found.columns if c.kind in ("number", "integer")
              and c.name != time and not c.counter]
    if not values:
        raise UserError(f"Expected columns of numbers in the tables of {str(found.path)!r}, "
                        "the features of each step. Received: the columns "
                        f"{[c.name for c in found.columns]} in {found.facts['files']} files")
    block = {"name": "file_sequences", "path": str(found.path), "layout": "files",
             "time_column": time, "value_columns": values, "scale": "standard"}
    notes = [f"classify each file by its subfolder: its rows the steps of a sequence of "
             f"{values}" + (f", ordered by {time!r}" if time else "") +
             f" ({found.facts['files']} files; class balance "
             f"{found.facts['classes (subfolders)']})"]
    unread = [c.name for c in found.columns if c.name not in (*values, time)]
    if unread:
        notes.append(f"not read: {unread} (not numbers, or a counter)")
    return "classify", {k: v for k, v in block.items() if v is not None}, notes


def _arrays_block(found, target):
    """`(file_arrays block, notes)` for `target`: the labels' .npy, and the .npz's
    array names where they are not `x` and `y` (said on a note)."""
    data = {"name": "file_arrays", "path": str(found.path), "target": target,
            "scale": "standard" if found.facts.get("_x_scaled") else None,
            "y_path": found.facts.get("_y_path")}
    keys = {k: found.facts[f"_{k}"] for k in ("x_key", "y_key")
            if str(found.path).endswith(".npz") and found.facts[f"_{k}"] != k[0]}
    said = [f"inputs {found.facts['_x_key']!r}, labels {found.facts['_y_key']!r} of the "
            ".npz"] if keys else []
    return {k: v for k, v in {**data, **keys}.items() if v is not None}, said


def _label_steps_of_arrays(found):
    """`("sequence_label", file_arrays block, notes)` for labels shaped like the inputs'
    steps: a class at every step."""
    block, said = _arrays_block(found, "steps")
    return "sequence_label", block, said + [
        f"label every step: the labels are shaped like the inputs' steps, a class each "
        f"(class balance by step {found.facts['classes by step']})"]


def _default_target(found):
    """`(column, why)` to learn when `--target` is not given: a text's label, or a
    series' only column of values; else a UserError asking for `--target`."""
    names = [c.name for c in found.columns]
    labels = [c.name for c in found.columns if c.name.lower() in LABEL_NAMES]
    values = [c.name for c in found.columns if c.kind in ("number", "integer")
              and c.name != found.time_column and not c.counter]
    texts = [c.name for c in found.columns if c.kind == "text"]
    others = [c.name for c in found.columns if c.kind != "text" and not c.counter]
    if texts and (labels or len(texts) == 1 and len(others) == 1):
        label = (labels or others)[0]
        return label, f"target {label!r}: the label column beside the texts"
    # `y` is a label, or a coordinate beside `x`: another label-like name outranks it.
    named = [n for n in labels if n.lower() != "y"] or labels
    if len(named) == 1:
        return named[0], f"target {named[0]!r}: the one column named like a label"
    # A series that only grows (cumulative sales, a price index) is no row counter
    # beside a real time column.
    growing = [c.name for c in found.columns if c.kind in ("number", "integer")
               and c.name != found.time_column and c.counter]
    if found.time_column and not found.time_is_counter and len(values + growing) == 1 \
            and len(names) <= 3:
        value = (values + growing)[0]
        return value, (f"target {value!r}: the only column of values beside the "
                       f"time column {found.time_column!r}")
    if names == values:  # one column, and it holds numbers
        return values[0], f"target {values[0]!r}: the file's only column"
    together = (f" Several columns of values beside a time column are forecast together "
                f"by naming them all: `--target {','.join(values)}`."
                if found.time_column and not found.time_is_counter and len(values) > 1
                else "")
    raise UserError(
        f"Expected `--target COLUMN` for the table {str(found.path)!r}: the column to "
        f"forecast or classify. Received: nothing; the columns are {names}.{together}")


def _choose_table(found, target, task):
    why = None
    if target is None:
        target, why = _default_target(found)
    targets = target_columns(found, target)
    if len(targets) > 1:
        if task not in (None, "forecast"):
            raise UserError(f"Expected one `--target` column for `--task {task}` (several, "
                            f"joined by commas, are forecast together). Received: "
                            f"--target {target!r}")
        return _forecast(_without_counter_clock(found, targets), targets)
    if found.column(target).kind == "empty":
        class_balance(found.path, target)  # refused: a label column without a value
    chosen, block, notes = _choose_table_for(found, target, task)
    notes += _skip_unlabelled(found, block) + _fill_missing(found, block)
    empty = [c.name for c in found.columns if c.kind == "empty"]
    if empty:
        notes.append(f"not read: {empty}, which hold no value")
    if chosen == "classify":
        notes += _label_variants(found.path, target)
    return chosen, block, [why, *notes] if why else notes


def _label_variants(path, column):
    """A note where labels differ only in case or surrounding spaces (`neg`, `NEG`,
    `neg `): they are different classes, as written, and rarely meant to be."""
    labels = labels_of(path, column)
    names = np.unique(labels[~labelled.unlabelled_mask(labels)]).tolist()
    groups = {}
    for name in names:
        groups.setdefault(str(name).strip().casefold(), []).append(str(name))
    alike = [group for group in groups.values() if len(group) > 1]
    if not alike:
        return []
    return [f"labels that differ only in case or spaces are different classes: "
            f"{'; '.join(' '.join(map(repr, g)) for g in alike[:3])}"
            f"{f' and {len(alike) - 3} more groups' if len(alike) > 3 else ''} (make them "
            f"one spelling in the file if they are one class)"]


def _skip_unlabelled(found, block):
    """Sets `unlabelled: skip` where a row per sample leaves some label cells empty;
    returns the note that says so."""
    sample_a_row = block["name"] == "file_text" or (
        block["name"] == "file_sequences" and block.get("layout") in ("wide", "cell"))
    if not sample_a_row or "label_column" not in block:
        return []
    labels = labels_of(found.path, block["label_column"])
    empty = int(labelled.unlabelled_mask(labels).sum())
    return [_skip(block, empty, len(labels), "rows", repr(block["label_column"]))] \
        if empty else []


def _fill_missing(found, block):
    """Sets `missing: mean` where a table of samples has empty feature cells (a wide row's
    empty cells at its end make a shorter sequence, no missing value); returns the note."""
    if block["name"] != "file_sequences" or block["layout"] == "files" \
            or any(found.column(c).kind == "sequence" for c in block["value_columns"]):
        return []
    columns = block["value_columns"]
    values = numbers_of(found.path, columns)
    missing = np.isnan(np.stack([values[c] for c in columns], axis=1))
    if block["layout"] == "wide":  # only a gap before a row's last value
        missing &= np.flip(np.logical_or.accumulate(np.flip(~missing, 1), axis=1), 1)
    if not missing.any():
        return []
    block["missing"] = "mean"
    counts = {c: int(n) for c, n in zip(columns, missing.sum(axis=0)) if n}
    n = int(missing.sum())
    along = "" if block["layout"] != "long" else (
        "; along a sequence, values filled in the file from their neighbours may fit "
        f"better: {tables.INTERPOLATE_LINE}")
    return [f"missing mean: {n:,} empty cell{'s' * (n != 1)} ({shown_balance(counts)}) "
            "take their feature's mean over the training part (`data.missing`; `predict` "
            f"fills new data with the same means){along}"]


def _skip(block, empty, total, unit, label):
    """Sets `unlabelled: skip` in `block`; returns the note that says so."""
    block["unlabelled"] = "skip"
    return (f"unlabelled skip: {empty} of {total} {unit} have no {label}; they are left out "
            f"of training and scoring, and `rnnbench predict RUN_DIR --data FILE` labels "
            f"every one")


def _without_counter_clock(found, targets):
    """`found` without its time column where that is a growing target (rows sorted by it)."""
    if found.time_column in targets and found.time_is_counter:
        return dataclasses.replace(found, time_column=None, time_is_counter=False)
    return found


def _choose_table_for(found, target, task):
    found = _without_counter_clock(found, [target])
    texts = [c for c in found.columns if c.kind == "text"]
    column = found.column(target)
    label_like = column.kind in ("category", "text") or (
        column.kind == "integer" and column.distinct <= 20)
    cells = [c for c in found.columns if c.kind == "sequence" and c.name != target]
    if cells and task in (None, "classify", "regress"):
        return _cell_sequences(found, target, cells,
                               task or ("classify" if label_like else "regress"))
    if not texts and task in (None, "classify", "regress"):
        long = _long_sequences(found, target, task or ("classify" if label_like else "regress"),
                               asked=task is not None)
        if long:
            return long
    steps_named = None
    if task is None:
        # Numbered columns (t0, t1, ...) with no time are a sequence a row, when the
        # target does not follow from row to row (eight sensors read along a series do).
        samples = not found.time_column and column.lag1 is not None and \
            abs(column.lag1) < INDEPENDENT_LAG1
        steps_named = _numbered_steps([c.name for c in found.columns if c.kind in (
            "number", "integer") and c.name != target]) if samples else None
        rows_of_samples = not label_like and _rows_of_samples(found, column)
        # Classes ordered only by a growing number (a row id) are samples to classify;
        # so is a number per text (a rating, a price; maybe sorted), learned from the text.
        task = "classify" if label_like and (texts or found.time_column is None
                                             or found.time_is_counter) else \
            "regress" if steps_named or rows_of_samples or texts and not found.time_column \
            else \
            "forecast" if found.time_column or column.kind in ("number", "integer") else \
            "classify"
    numeric = [c.name for c in found.columns if c.kind in ("number", "integer")
               and c.name not in (target, found.time_column)]
    if task == "forecast":
        return _forecast(found, [target])
    numeric = [name for name in numeric if not _row_id(found, found.column(name))
               and not found.column(name).counter]
    balance = shown_balance(class_balance(found.path, target)) if task == "classify" else None
    short = [c for c in found.columns if c.kind == "category" and c.name != target]
    if texts or (not numeric and short):
        # Without numbers to learn from, the category column of the most distinct
        # values holds short texts ("superb", "waste of time"): classify those.
        text = max(texts, key=lambda c: c.mean_words) if texts else \
            max(short, key=lambda c: (c.distinct, c.mean_words))
        seq_len = _text_seq_len(text.mean_chars if text.unspaced else text.mean_words)
        block = {"name": "file_text", "path": str(found.path), "text_column": text.name,
                 "label_column": target, "level": "char" if text.unspaced else "word",
                 "seq_len": seq_len, **_max_tokens(text.tokens)}
        if task == "regress":
            if column.kind not in ("number", "integer"):
                raise UserError(f"Expected `--target` {target!r} to be numeric to regress "
                                f"it from the text of {text.name!r}. Received: a "
                                f"{column.kind} column (e.g. {column.example!r}); "
                                "`--task classify` classifies into its values")
            block["target"] = "values"
        elif task != "classify":
            raise UserError(f"Expected `--task classify` or `regress` for text column "
                            f"{text.name!r}. Received: {task!r}")
        size = (f"{text.mean_chars:.1f} characters a row, read by characters: {UNSPACED_WHY}"
                if text.unspaced else f"{text.mean_words:.1f} words a row")
        said = "" if texts and not text.unspaced else (
            f", {'texts' if texts else 'short texts'} ({size}"
            f"{'' if texts else '; no numeric column to learn from'})")
        notes = [f"classify the text of {text.name!r}{said} into {target!r} (class "
                 f"balance {balance})" if task == "classify" else
                 f"regress {target!r} from the text of {text.name!r}{said}, a number per "
                 "text (standardized on the training part; predictions in its units)"]
        unread = [c.name for c in found.columns if c.name not in (text.name, target)
                  and not _row_id(found, c)]
        if unread:
            notes.append(f"not read: {unread}, as a text classifier reads one text column "
                         "(to use another text, join it to this one in the file)")
        notes += _truncation_note(text.mean_chars if text.unspaced else text.mean_words,
                                  seq_len, "characters" if text.unspaced else "words")
        return task, block, notes + _vocabulary_note(block, text.tokens, text.unspaced)
    if not numeric:
        raise UserError(f"Expected a column to learn {target!r} from in {str(found.path)!r}: "
                        "numbers (a sequence per row) or texts. Received: the columns "
                        f"{[c.name for c in found.columns]}, none of which is either "
                        "(a row id or a clock is not a feature)")
    spreads = _feature_spreads(found, numeric)
    if spreads:
        block = _sequences_block(found, target, task, "cell", numeric)
        notes = [f"{task} each row from its {len(numeric)} numeric columns as the features "
                 f"of one step, each standardized on its own: they are no numbered steps "
                 f"of a sequence, and their spreads differ {spreads}"
                 + (f" (class balance {balance})" if balance else "")]
        return task, block, notes + _samples_notes(found, column, numeric, steps_named, task)
    block = _sequences_block(found, target, task, "wide", numeric)
    notes = [f"{task} each row: its {len(numeric)} numeric columns as a sequence"
             + (f" (class balance {balance})" if balance else "")]
    return task, block, notes + _samples_notes(found, column, numeric, steps_named, task)


def _rows_of_samples(found, column):
    """Whether a numeric target is a row's own, to regress from the row's other numbers:
    the rows' only order is the file's or a growing id, the target does not follow from
    one row to the next, and there are other numbers to learn it from."""
    if column.kind not in ("number", "integer") or column.lag1 is None or \
            abs(column.lag1) >= INDEPENDENT_LAG1:
        return False
    if found.time_column is not None and not found.time_is_counter:
        return False
    return any(c.kind in ("number", "integer") and c.name not in (column.name,
                                                                   found.time_column)
               and not c.counter and not _row_id(found, c) for c in found.columns)


def _samples_notes(found, column, numeric, steps_named, task):
    """The notes of a table of a sample a row: why not a forecast, what is not read."""
    target, notes = column.name, []
    if steps_named and task == "regress":
        notes.append(f"regress, not forecast: no time column orders the rows, the "
                     f"columns {steps_named} number the steps of a sequence in each row, and "
                     f"{target!r} does not follow from one row to the next (lag-1 "
                     f"correlation {column.lag1:.2f}); to forecast it along the rows "
                     "instead: --task forecast")
    elif task == "regress" and _rows_of_samples(found, column):
        order = f"a growing {found.time_column!r}" if found.time_column else "the file's"
        notes.append(f"regress, not forecast: the rows' only order is {order}, and "
                     f"{target!r} does not follow from one row to the next (lag-1 "
                     f"correlation {column.lag1:.2f}), so each row's numbers predict its "
                     f"own; to forecast it along the rows instead: --task forecast")
    unread = [c.name for c in found.columns if c.name not in (target, found.time_column)
              and c.name not in numeric and c.kind in ("category", "text", "time")
              and not _row_id(found, c)]
    if unread:
        notes.append(f"not read: {unread}, which hold words or times, as a table of "
                     "samples reads numbers (to use a column of a few values, add a 0/1 "
                     "column per value to the file)")
    return notes


def _forecast(found, targets):
    """`("forecast", file_series block, notes)` for the `targets` columns of a table."""
    for target in targets:
        column = found.column(target)
        if column.kind not in ("number", "integer"):
            raise UserError(f"Expected `--target` {target!r} to be numeric to forecast it. "
                            + (f"Received: a column of numbers with {column.strays} cells "
                               f"that are not numbers among the first {SAMPLE_ROWS:,} rows, "
                               f"e.g. {column.stray!r}. Write them as numbers in the file, "
                               "or leave them empty where a value is missing."
                               if column.strays else
                               f"Received: a {column.kind} column (e.g. {column.example!r})."))
    numeric = [c.name for c in found.columns if c.kind in ("number", "integer")
               and c.name not in (*targets, found.time_column)]
    counters = [c.name for c in found.columns if c.counter and c.name in numeric]
    numeric = [name for name in numeric if name not in counters]
    series = _series_id(found, targets)
    numeric = [name for name in numeric if series is None or name != series[0]]
    window = int(min(30, max(2, found.rows // 20 // (series[1] if series else 1))))
    words = [c for c in found.columns if c.kind in ("category", "text")
             and c.name not in (found.time_column, series and series[0])]
    # A few values a row can take (a weekday, a flag): inputs one-hot. Texts, ids and
    # numbers with strays stay out.
    categories = [c.name for c in words if c.kind == "category" and not c.strays
                  and 2 <= c.distinct <= MAX_CATEGORY_VALUES]
    block = {"name": "file_series", "path": str(found.path),
             "time_column": found.time_column,
             "targets": targets[0] if len(targets) == 1 else list(targets),
             "id_column": series[0] if series else None,
             "features": numeric or None, "categories": categories or None,
             "window": window, "horizon": 1, "scale": "standard"}
    named = repr(targets[0]) if len(targets) == 1 else \
        f"{targets} together (each window predicts all {len(targets)})"
    notes = [f"forecast {named} one step ahead from windows of {window} rows" +
             (f" of {targets + numeric}" if numeric else "") +
             (f", per series of {series[0]!r} ({series[1]:,} series; its timestamps "
              "repeat across them)" if series else "")]
    if found.time_column is None:
        notes.append("no time column found: rows are taken in file order")
    if counters:
        notes.append(f"not a feature: {counters} only grow (a counter or clock), so their "
                     "test part would lie outside anything training sees")
    if categories:
        notes.append(f"one-hot inputs: {categories} ("
                     + ", ".join(f"{c.distinct} values" for c in words if c.name in categories)
                     + "), a 0/1 column per value (`data.categories`)")
    words = [c.name for c in words if c.name not in categories]
    if words:
        notes.append(f"not a feature: {words} hold words (texts, or more than "
                     f"{MAX_CATEGORY_VALUES} values), and a series reads numbers (to use "
                     "one, add a 0/1 column per value to the file and name them in "
                     "`data.features`)")
    return "forecast", {k: v for k, v in block.items() if v is not None}, notes


# A column of words with at most this many values is a one-hot input of a forecast.
MAX_CATEGORY_VALUES = 20


def target_columns(found, target):
    """The columns `--target` names: one, or several joined by commas (`temp,humidity`),
    forecast together. A column whose own name holds a comma is taken whole."""
    if target is None or "," not in target or any(c.name == target for c in found.columns):
        return [target]
    names = [part.strip() for part in target.split(",")]
    for name in names:
        found.column(name)  # an unknown one refused, with the nearest name
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UserError(f"Expected each `--target` column once. Received: {target!r}, which "
                        f"names {twice} more than once")
    return names


def _sequences_block(found, target, task, layout, value_columns):
    """The `file_sequences` block of a table of a sequence a row (`wide` or `cell`)."""
    names = [c.name for c in found.columns if c.name != target and _row_id(found, c)]
    block = {"name": "file_sequences", "path": str(found.path), "layout": layout,
             "id_column": names[0] if names else None,
             "value_columns": value_columns, "label_column": target,
             "target": "classes" if task == "classify" else "values", "scale": "standard"}
    return {k: v for k, v in block.items() if v is not None}


def _cell_sequences(found, target, cells, task):
    """`(task, file_sequences block, notes)` for a table holding a sequence in a cell."""
    if task == "classify":
        balance = f" (class balance {shown_balance(class_balance(found.path, target))})"
    else:
        balance = ""
    names = [c.name for c in cells]
    block = _sequences_block(found, target, task, "cell", names)
    notes = [f"{task} each row: the numbers in {names} as a sequence (about "
             f"{round(max(c.mean_words for c in cells))} steps; shorter ones are padded and "
             f"masked){balance}"]
    unread = [c.name for c in found.columns if c.name not in (*names, target,
                                                             block.get("id_column"))]
    if unread:
        notes.append(f"not read: {unread}, beside the sequences in {names} (to use them, "
                     "write them into the cells as more steps, or as a feature a step)")
    return task, block, notes


# Below this lag-1 correlation a target does not follow from row to row: rows are samples
# (a series' next value, even a noisy one, correlates with the last well above it).
INDEPENDENT_LAG1 = 0.3


# Columns whose spreads differ by more than this factor are the features of a sample (an
# age, an income, a count), not the steps of one sequence: the one scaler of a sequence's
# steps would leave the small ones near zero beside the large.
FEATURE_SPREAD = 10.0


def _feature_spreads(found, numeric):
    """`"from 2.9 ('tenure') to 3e+04 ('income')"` where a row's numeric columns are the
    features of one step (no numbered steps, spreads `FEATURE_SPREAD` apart), else None."""
    if len(numeric) < 2 or _numbered_steps(numeric):
        return None
    values = numbers_of(found.path, numeric)
    spread = {name: float(np.nanstd(values[name])) for name in numeric}
    spread = {name: s for name, s in spread.items() if s > 0}
    if len(spread) < 2:
        return None
    low, high = min(spread, key=spread.get), max(spread, key=spread.get)
    if spread[high] <= FEATURE_SPREAD * spread[low]:
        return None
    return f"from {spread[low]:.2g} ({low!r}) to {spread[high]:.2g} ({high!r})"


def _numbered_steps(names):
    """`'t0'..'t29'` when at least `NUMBERED_STEPS` of `names` share a prefix and carry
    consecutive numbers (the steps of a sequence written across a row), else None."""
    runs = {}
    for name in names:
        match = re.fullmatch(r"(.*?)(\d+)", name)
        if match:
            runs.setdefault(match.group(1), []).append((int(match.group(2)), name))
    steps = sorted(max(runs.values(), key=len, default=[]))
    numbers = [number for number, _ in steps]
    if len(steps) < NUMBERED_STEPS or numbers != list(range(numbers[0],
                                                            numbers[0] + len(numbers))):
        return None
    return f"{steps[0][1]!r}..{steps[-1][1]!r}"


def _row_id(found, column):
    """Whether `column` names each row (an id, a different value in every row): no feature."""
    return bool(ID_NAMES.search(column.name)) and column.distinct >= min(found.rows, SAMPLE_ROWS)


def _series_id(found, targets):
    """`(column, series count)` naming each series of a panel, or None for one series.

    A panel (sales per store and day) repeats its timestamps, once per series:
    the column is the one with the fewest values under which no timestamp repeats.
    """
    candidates = [c.name for c in found.columns if c.kind in ("category", "integer")
                  and c.name not in (*targets, found.time_column)]
    if not found.time_column or not candidates:
        return None
    _, others, rows = reading.read_table(found.path, other=[found.time_column, *candidates],
                                         key="--data")
    times = reading.as_strings(others[found.time_column], found.time_column, found.path,
                               allow_null=True)
    if len(set(times)) == rows:
        return None
    best = None
    for name in candidates:
        ids = reading.as_strings(others[name], name, found.path, allow_null=True)
        count = len(set(ids))
        if 1 < count <= rows // 2 and len(set(zip(ids, times))) == rows and \
                (best is None or count < best[1]):
            best = (name, count)
    return best


# A long table of labelled sequences: a column naming each sequence, and maybe one
# ordering its steps (besides a time column `inspect_table` found).
ID_NAMES = re.compile(r"^(id|sid|uid|seq|sequence|series|sample|subject|session|trial|"
                      r"recording|episode|unit)(_?(id|no|nr|number))?$|_id$", re.IGNORECASE)
STEP_NAMES = re.compile(r"^(step|t|timestep|time_step|frame|tick|position)$", re.IGNORECASE)


def _long_sequences(found, target, task, asked=False):
    """`(task, file_sequences block, notes)` when the table is long, else None.

    Long: a column named like an id (`ID_NAMES`) repeats, and the target never
    changes within one id; each row is then a step of a sequence, not a sample,
    and classifying rows would score each sequence once per step. Classes that
    change within an id label each step (`target: steps`, task `sequence_label`),
    unless dates order the rows and no `--task classify` was `asked`: a panel of series
    (a 0/1 promotion per store and day) stays a forecast, as it was.
    """
    candidates = [c.name for c in found.columns if c.name != target
                  and c.kind in ("integer", "category") and ID_NAMES.search(c.name)]
    if not candidates:
        return None
    _, others, rows = reading.read_table(found.path, other=[target, *candidates], key="--data")
    labels = reading.as_strings(others[target], target, found.path, allow_null=True)
    dated = found.time_column is not None and found.column(found.time_column).kind == "time"
    filled = ~labelled.unlabelled_mask(labels)
    for id_column in candidates:
        ids = reading.as_strings(others[id_column], id_column, found.path, allow_null=True)
        # a sequence's label: its one filled value (on one row, or on all), else ""
        per_sequence = {**dict.fromkeys(ids, ""), **dict(zip(ids[filled], labels[filled]))}
        changing = len(set(zip(ids[filled], labels[filled]))) != len(set(ids[filled]))
        if 2 * len(per_sequence) > rows or changing and (
                task != "classify" or dated and not asked):
            continue
        steps = [c.name for c in found.columns if c.name not in (id_column, target)
                 and (c.name == found.time_column or
                      (c.kind == "integer" and STEP_NAMES.search(c.name)))]
        values = [c.name for c in found.columns if c.kind in ("number", "integer")
                  and c.name not in (id_column, target, *steps)]
        if not values:
            return None
        block = {"name": "file_sequences", "path": str(found.path), "layout": "long",
                 "id_column": id_column, "time_column": steps[0] if steps else None,
                 "value_columns": values, "label_column": target,
                 "target": "steps" if changing else "classes" if task == "classify"
                 else "values", "scale": "standard"}
        what = f"label every step of each sequence of {id_column!r}" if changing else \
            f"{task} each sequence of {id_column!r}"
        notes = [f"{what} ({len(per_sequence):,} sequences, a row per step" +
                 (f" ordered by {steps[0]!r}" if steps else ", in file order") +
                 f") from {values}"]
        if changing:
            names, counts = np.unique(labels[filled], return_counts=True)
            notes[0] += (f": {target!r} changes within a sequence (class balance by step "
                         f"{dict(zip(names.tolist(), counts.tolist()))})")
            if not filled.all():
                notes.append(_skip(block, int((~filled).sum()), len(labels), "steps",
                                   repr(target)))
            return "sequence_label", {k: v for k, v in block.items() if v is not None}, notes
        known = [v for v in per_sequence.values() if v]  # "": no filled cell
        if task == "classify":
            names, counts = np.unique(known, return_counts=True)
            require_room(dict(zip(names.tolist(), counts.tolist())), found.path, "sequences")
            notes[0] += f" (class balance by sequence {dict(zip(names.tolist(), counts.tolist()))})"
        if len(known) < len(per_sequence):
            notes.append(_skip(block, len(per_sequence) - len(known), len(per_sequence),
                               "sequences", repr(target)))
        return task, {k: v for k, v in block.items() if v is not None}, notes
    return None
