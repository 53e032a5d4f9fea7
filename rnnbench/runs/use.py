"""Using a finished run: `rnnbench predict` and `rnnbench.load_run(RUN_DIR)`.

A run folder (a plain run, or a sweep's trial) holds the model (`model.keras`),
the config it was trained with (`config.yaml`) and what was fitted on the
training part (`preprocessing.json`). `load_run` checks all three before
anything is predicted; `Run.predict` applies the run's own preprocessing to
new data (the dataset's `new_inputs`) or reloads its test split, predicts in
batches and returns the predictions in the original units as a table.
"""

import dataclasses
import itertools
import json
import logging
import zipfile
from pathlib import Path

import numpy as np

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.data.base import (PREPROCESSING_FORMAT, PREPROCESSING_VERSION, NewInputs,
                                forecast_columns)
from rnnbench.data.tasks import PADDED_LABEL
from rnnbench.data.preprocessing import Scaler
from rnnbench.errors import UserError
from rnnbench.runs import folders, in_memory

log = logging.getLogger("rnnbench.runs")

PREPROCESSING_FILE = "preprocessing.json"
MODEL_FILE = "model.keras"
BATCH_SIZE = 256
SHOWN_ROWS = 10  # rows printed without --out


def check_run_folder(run_dir):
    """The folder's `RunRecord`, refused unless it is a completed run.

    Raises:
        UserError: not a run folder, a run that is not `completed` (running,
            died, failed, interrupted), or a config.yaml that cannot be read.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"Expected RUN_DIR to be a run folder (results/<experiment>/<run_id>/ "
                        f"or a sweep's results/sweeps/<sweep>/<id>/trials/<trial>/). "
                        f"Received: {str(run_dir)!r}, which is not a folder"
                        + latest_run_hint(run_dir))
    record = folders.read_run(run_dir)
    if "config.yaml" in record.problems and "manifest.json" in record.problems:
        hint = ""
        if (run_dir / "trials").is_dir():
            hint = (f" It looks like a sweep folder: pass one of its trials, e.g. "
                    f"{run_dir / 'trials' / '<trial_id>'} (the best is first in "
                    f"{run_dir / 'leaderboard.csv'})")
        raise UserError(f"Expected RUN_DIR to be a run folder holding config.yaml, "
                        f"manifest.json and {MODEL_FILE}. Received: {str(run_dir)!r}, which "
                        f"has none of them.{hint}")
    for name in ("manifest.json", "config.yaml"):
        if name in record.problems:
            raise UserError(f"The run folder {run_dir} is half-written: "
                            f"{record.problems[name]}. Only a completed run can be used; "
                            f"train it again with `rnnbench run`.")
    status = record.status
    if status != "completed":
        what = {"running": "is still training (its process is alive); wait for it to end",
                "died": "died: its process ended without finishing it",
                "failed": "failed", "interrupted": "was interrupted"}.get(
                    status, f"has status {status!r}")
        raise UserError(f"Expected a completed run. Received: the run in {run_dir}, which "
                        f"{what} (manifest.json status {status!r}), so it has no evaluated "
                        f"model to use. Train it again with: rnnbench run "
                        f"{run_dir / 'config.yaml'}")
    return record


def latest_run_hint(missing):
    """`; the latest completed run ... is X` for an experiment's name or a made-up run id."""
    missing = Path(missing)
    try:
        named = paths.results_root() / missing.name
    except UserError:  # a results root that is a file: no hint from it
        named = missing.parent
    for experiment_dir in (named, missing.parent):
        if experiment_dir.resolve() == Path.cwd().resolve():
            continue
        latest = folders.latest_completed_run(experiment_dir)
        if latest is not None:
            return f"; the latest completed run of {experiment_dir.name} is {latest}"
    return ""


def read_preprocessing(run_dir):
    """The run's `preprocessing.json`, checked for its format and version."""
    path = Path(run_dir) / PREPROCESSING_FILE
    if not path.is_file():
        raise UserError(
            f"The run folder {run_dir} has no {PREPROCESSING_FILE}: it was written by an "
            f"rnnbench older than the one that saves what a run fitted (scalers, "
            f"vocabularies, label names), so its model cannot be fed raw data. Train it "
            f"again, with the same config and seed, to get a folder that has it: rnnbench "
            f"reproduce {run_dir}")
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"Could not read {path}: {e}. Train the run again with: rnnbench "
                        f"reproduce {run_dir}") from None
    if not isinstance(record, dict) or record.get("format") != PREPROCESSING_FORMAT:
        raise UserError(f"Expected {path} to have `format` {PREPROCESSING_FORMAT!r}. "
                        f"Received: {record.get('format') if isinstance(record, dict) else record!r}")
    version = record.get("version")
    if not isinstance(version, int) or version > PREPROCESSING_VERSION:
        raise UserError(f"Expected {path} to have a `version` this rnnbench reads (up to "
                        f"{PREPROCESSING_VERSION}). Received: {version!r}; it was written by "
                        f"a newer rnnbench: upgrade rnnbench to use this run")
    return record


def load_model(run_dir):
    """`model.keras` of the run, loaded without its optimizer (compile=False)."""
    import rnnbench.models.fused  # noqa: F401  (registers the fused LSTM of older runs)
    from rnnbench.models import saving
    path = Path(run_dir) / MODEL_FILE
    if not path.is_file():
        raise UserError(f"The run folder {run_dir} has no {MODEL_FILE}, so there is no "
                        f"model to use. Train it again with: rnnbench reproduce {run_dir}")
    try:
        return saving.load_model(path, compile=False)
    except UserError:  # a class not registered here: saving names it
        raise
    except (zipfile.BadZipFile, OSError, ValueError, TypeError, KeyError) as e:
        first = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
        raise UserError(f"Could not load {path}: it is corrupt or cut short "
                        f"({type(e).__name__}: {first}). Train the run again with: rnnbench "
                        f"reproduce {run_dir}") from None


@dataclasses.dataclass
class Run:
    """A completed run, ready to predict (`rnnbench.load_run`).

    Attributes:
        run_dir: the run folder.
        exp: its `ExperimentConfig` (from config.yaml).
        preprocessing: its preprocessing.json.
        model: the trained `keras.Model`.
        metrics: its metrics.json (None where unreadable).
    """

    run_dir: Path
    exp: object
    preprocessing: dict
    model: object
    metrics: dict = None

    @property
    def task(self):
        return self.exp.data.task

    def inputs(self, data=None):
        """The model inputs of `data`, or of the run's test split when None.

        Args:
            data: a file (as `rnnbench predict --data` takes), or the same data
                in memory: a pandas DataFrame for a table, a NumPy array (or a
                dict of arrays, as in an `.npz`) for arrays, a list of texts.

        Returns:
            `NewInputs`, checked against the model's input shape.
        """
        if data is None:
            found = self._test_split()
        else:
            dataset = config_lib.dataset_of(self.exp)
            text_column = self.preprocessing.get("inputs", {}).get("text_column") \
                if self.task != "language_model" else None
            kind = self.preprocessing.get("inputs", {}).get("kind")
            with in_memory.as_file(data, text_column, kind) as path:
                found = dataset.new_inputs(dict(self.exp.data.params), self.preprocessing,
                                           path)
        check_shape(found.x, self.model, in_memory.describe(data))
        self._check_labels(found, in_memory.describe(data))
        return found

    def _check_labels(self, found, where):
        """Refuses a label in `found` that is none of the run's classes: its `actual`
        would name a class the model cannot predict, and any score on it would mislead."""
        out = self.preprocessing.get("outputs", {})
        names = out.get("label_names") or out.get("vocabulary")
        if not names or out.get("kind") == "values" or self.task not in (
                "classify", "sequence_label"):
            return
        for column in ("actual", *(out.get("columns") or [])):
            if column not in found.extra:
                continue
            seen = set()
            for value in found.extra[column]:
                text = "" if value is None else str(value)
                # a sequence's labels are one string of its steps' ('?': unannotated)
                seen.update(text.split(" ") if self.task == "sequence_label" else [text])
            unknown = sorted(seen - {str(n) for n in names} - {"", "?"})
            if unknown:
                raise UserError(
                    f"Expected the labels of {where} (`{column}`) to be among the run's "
                    f"classes {[str(n) for n in names][:20]}. Received: {unknown[:10]}"
                    f"{f' and {len(unknown) - 10} more' if len(unknown) > 10 else ''}, "
                    "which the model never learned. To predict these rows anyway, leave "
                    "their label out (the column, or a folder's class subfolders; it is "
                    "only shown as `actual`).")

    def predict_arrays(self, x, batch_size=BATCH_SIZE):
        """The model's raw outputs for preprocessed inputs `x`, in batches."""
        if len(x) == 0:
            raise UserError("Expected at least one sample to predict. Received: none")
        return np.concatenate([self.call(np.asarray(x[i:i + batch_size]))
                               for i in range(0, len(x), batch_size)])

    def call(self, x):
        """The model on one batch, as a traced graph (eager Keras runs the recurrent
        loop step by step in Python, many times slower)."""
        if getattr(self, "_graph", None) is None:
            import tensorflow as tf
            self._graph = tf.function(lambda batch: self.model(batch, training=False),
                                      reduce_retracing=True)
        return self._graph(x).numpy()

    def predict(self, data=None, batch_size=BATCH_SIZE, prompt=None, length=200,
                temperature=1.0, seed=0):
        """Predictions for `data` (or the test split) in original units, as a DataFrame.

        Args:
            data: a file of new data in a form the run's dataset reads (see
                docs/use-a-model.md), the same data in memory (a DataFrame,
                arrays, a list of texts: `inputs`), or None for the test split.
            batch_size: samples per model call.
            prompt, length, temperature, seed: for a language model, the text
                to continue (default: `data`'s text, else the start of the test
                split), how many tokens to sample, the softmax temperature (0:
                always the likeliest token) and the sampling seed.

        Returns:
            A pandas DataFrame, one row per sample (per prompt for a language model).
        """
        import pandas as pd
        if self.task == "language_model":
            if prompt is not None:
                ids = self.encode(prompt)
            elif data is not None:  # the file's tokens, read as the dataset reads text
                ids = np.asarray(self.inputs(data).x).reshape(-1).tolist()
                padding = self.preprocessing.get("inputs", {}).get("padding_id", 0)
                while ids and ids[0] == padding:
                    ids.pop(0)
                prompt = self.decode(ids)
            else:
                prompt = self.default_prompt()
                ids = self.encode(prompt)
            text = self.decode(self.sample(ids, length, temperature, seed))
            return pd.DataFrame({"prompt": [prompt], "generated": [text],
                                 "temperature": [temperature], "seed": [seed]})
        found = self.inputs(data)
        outputs = self.predict_arrays(found.x, batch_size)
        frame = pd.DataFrame(self._columns(outputs, found.x))
        # Labels go under the name their reader gives (a sequence's id column), time
        # labels under the time column's, row numbers under `sample`.
        index_name = (found.index_name or self.preprocessing.get("inputs", {}).get(
            "time_column") or "sample")
        index = found.index
        if index is None:
            index_name, index = "sample", range(len(frame))
        frame.insert(0, index_name if index_name not in frame else "index", list(index))
        for name, values in found.extra.items():
            for column, value in expand(name, values, len(frame)).items():
                if column in frame:  # the file's own `label` beside the predicted one
                    column = "actual" if "actual" not in frame else None
                if column is not None:
                    frame[column] = value
        return frame

    # -------------------------------------------------------------- outputs

    def _columns(self, outputs, x):
        """`{column: values}` of the predictions in original units."""
        out = self.preprocessing.get("outputs", {})
        kind = out.get("kind")
        if self.task in ("regress", "forecast") or kind == "values":
            return value_columns(outputs, out)
        if self.task == "classify":
            return class_columns(outputs, out.get("label_names"))
        if self.task == "sequence_label":
            names = out.get("vocabulary") or out.get("label_names")
            return {"predicted": [" ".join(str(names[i]) if names else str(i)
                                           for i in steps.argmax(-1))
                                  for steps in self._unpadded(x, outputs)]}
        if self.task == "polyphonic_nll":
            names = out.get("label_names") or [str(k) for k in range(outputs.shape[-1])]
            return {"keys_on": ["|".join(" ".join(names[k] for k in np.flatnonzero(p > 0.5))
                                         for p in steps)
                                for steps in self._unpadded(x, outputs)]}
        raise UserError(f"`rnnbench predict` has no output table for the task "
                        f"{self.task!r}")

    def _unpadded(self, x, outputs):
        """Each sample's per-step outputs, without the steps its input pads (all equal to
        the run's `mask_value`)."""
        mask = self.preprocessing.get("inputs", {}).get("mask_value")
        if mask is None:
            return list(outputs)
        x = np.asarray(x)
        real = ~np.all(x.reshape(*x.shape[:2], -1) == mask, axis=-1)
        return [steps[keep] for steps, keep in zip(outputs, real)]

    # -------------------------------------------------------------- test split

    def _test_split(self):
        from rnnbench.data import cache as data_cache
        splits = data_cache.load(self.exp)
        def fitted(record):
            record = json.loads(json.dumps(record, default=str))
            return {k: v for k, v in record.items() if k not in ("format", "version")}

        if fitted(splits.preprocessing) != fitted(self.preprocessing):
            changed = self._changed_data_files()
            log.warning(f"the test split was reloaded, and what it fitted differs from "
                        f"{PREPROCESSING_FILE}: " + (
                            f"{changed} changed since the run (its SHA-256 differs from the "
                            "manifest's)" if changed else
                            "the data changed since the run (another package version?)"))
        part = splits.test
        if splits.test_labels is not None:  # a file's ids, a series' times (and series)
            found = splits.test_labels()
            extra = dict(found.extra)  # a series file's `actual` is its own cells
            extra.setdefault("actual", self._actual(part.y, splits))
            return NewInputs(x=part.x, index=found.index, index_name=found.index_name,
                             extra=extra)
        actual = {"actual": self._actual(part.y, splits)}
        dataset = config_lib.dataset_of(self.exp)
        split_index = getattr(dataset, "split_index", None)
        index = split_index(dict(self.exp.data.params), splits, "test") if split_index else None
        return NewInputs(x=part.x, index=index, extra=actual)

    def _changed_data_files(self):
        """The run's data files (its manifest's) whose content changed since, as text."""
        from rnnbench.runs.reproduce import changed_data_files
        try:
            manifest = folders.read_json(self.run_dir / "manifest.json")
            changed = changed_data_files(manifest)
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return ""  # a damaged manifest: the warning says the data changed
        return ", ".join(repr(recorded["path"]) for recorded, _ in changed)

    def _actual(self, y, splits):
        out = self.preprocessing.get("outputs", {})
        if self.task in ("regress", "forecast"):
            return value_columns(np.asarray(y), out)
        if self.task == "classify":
            names = out.get("label_names")
            labels = np.asarray(y).reshape(len(y), -1)[:, 0].astype(int)
            return [names[i] if names else int(i) for i in labels]
        if self.task == "sequence_label":
            names = out.get("vocabulary") or out.get("label_names")
            return [" ".join(str(names[i]) if names else str(i) for i in row
                             if i != PADDED_LABEL) for row in np.asarray(y).astype(int)]
        return None

    # -------------------------------------------------------------- language models

    def default_prompt(self):
        """The first window of the test split, as text."""
        from rnnbench.data import cache as data_cache
        return self.decode(data_cache.load(self.exp).test.x[0])

    def _vocabulary(self):
        inputs = self.preprocessing.get("inputs", {})
        vocabulary = inputs.get("vocabulary")
        if vocabulary is None:
            raise UserError(f"The run's {PREPROCESSING_FILE} has no input vocabulary, so "
                            "text cannot be sampled from it")
        # Token `vocabulary[k]` has id `k + first_id`; ids below are padding and OOV.
        first = inputs.get("first_id", 2 if "oov_id" in inputs else 0)
        return inputs, list(vocabulary), int(first)

    def _characters(self):
        inputs = self.preprocessing.get("inputs", {})
        return inputs.get("kind") == "characters" or inputs.get("level") == "char"

    def encode(self, text):
        """Token ids of `text`: characters, or words (lower-cased and without
        punctuation where the run's tokens were)."""
        from rnnbench.data.own.text_files import PUNCTUATION
        inputs, vocabulary, first = self._vocabulary()
        table = {token: i + first for i, token in enumerate(vocabulary) if token}
        if inputs.get("lowercase"):
            text = text.lower()
        if self._characters():
            tokens = list(text)
        else:
            if inputs.get("strip_punctuation"):
                text = PUNCTUATION.sub("", text)
            tokens = text.split()
        unknown = list(dict.fromkeys(t for t in tokens if t not in table))
        if unknown:
            log.warning("%s of the prompt's %s are not in the run's vocabulary (%s%s); each "
                        "is read as the unknown token", len(unknown),
                        "characters" if self._characters() else "words",
                        ", ".join(map(repr, unknown[:5])), ", ..." * (len(unknown) > 5))
        return [table.get(t, inputs.get("oov_id", 1)) for t in tokens]

    def decode(self, ids):
        """The text of token ids; padding and out-of-vocabulary ids are left out."""
        _, vocabulary, first = self._vocabulary()
        tokens = [vocabulary[i - first] for i in ids if 0 <= i - first < len(vocabulary)]
        return ("" if self._characters() else " ").join(tokens)

    def continued(self, prompt, generated):
        """`prompt` followed by the `generate`d text: words are joined by a space."""
        if self._characters() or not prompt or prompt[-1].isspace():
            return prompt + generated
        return f"{prompt} {generated}"

    def generate(self, prompt, length=200, temperature=1.0, seed=0):
        """Samples `length` tokens after the text `prompt`; returns them as text."""
        return self.decode(self.sample(self.encode(prompt), length, temperature, seed))

    def sample(self, ids, length=200, temperature=1.0, seed=0):
        """Samples `length` token ids after `ids`.

        The model reads the last `max_length` tokens (left-padded with the
        newline where the vocabulary has one, the separator of the training
        documents, else the padding id) and predicts the next one; padding
        and out-of-vocabulary ids are never sampled.
        """
        if self.task != "language_model":
            raise UserError(f"Expected a language model's run to sample text from. Received: "
                            f"a run of task {self.task!r}, which predicts (Run.predict, "
                            "`rnnbench predict`) and does not generate")
        if length < 1:
            raise UserError(f"Expected `--length` to be >= 1. Received: {length}")
        if temperature < 0:
            raise UserError(f"Expected `--temperature` to be >= 0. Received: {temperature}")
        inputs, vocabulary, first = self._vocabulary()
        steps = self.model.inputs[0].shape[1] or inputs.get("max_length") or 100
        ids = list(ids)
        pad = self.encode("\n")[0] if "\n" in vocabulary else inputs.get("padding_id", 0)
        rng = np.random.default_rng(seed)
        sampled = []
        for _ in range(length):
            window = ([pad] * steps + ids)[-steps:]
            probs = self.call(np.array([window], np.int32)).astype(np.float64)[0, -1]
            probs[:first] = 0.0
            if temperature == 0:
                choice = int(np.argmax(probs))
            else:
                logits = np.log(np.maximum(probs, 1e-30)) / temperature
                weights = np.exp(logits - logits.max())
                weights[:first] = 0.0
                choice = int(rng.choice(len(weights), p=weights / weights.sum()))
            ids.append(choice)
            sampled.append(choice)
        return sampled


def value_columns(outputs, out):
    """Regression or forecast outputs, un-scaled, one column per value."""
    outputs = np.asarray(outputs, np.float64).reshape(len(outputs), -1)
    names = list(out.get("columns") or ["value"])
    horizon = out.get("horizon")
    if out.get("scaler"):
        scaler = Scaler.from_config(out["scaler"])
        per_column = outputs.reshape(len(outputs), -1, len(names))
        outputs = scaler.inverse_transform(per_column).reshape(len(outputs), -1)
    if horizon is None:
        if outputs.shape[1] == 1:
            return {"prediction": outputs[:, 0]}
        labels = names if len(names) == outputs.shape[1] else range(1, outputs.shape[1] + 1)
        return {f"prediction_{n}": outputs[:, i] for i, n in enumerate(labels)}
    return forecast_columns(outputs, names, horizon)


def class_columns(outputs, label_names):
    """The predicted label and each class's probability."""
    probs = np.asarray(outputs, np.float64)
    if probs.shape[-1] == 1:  # one sigmoid unit: the probability of class 1
        probs = np.concatenate([1.0 - probs, probs], axis=-1)
    names = list(label_names or range(probs.shape[-1]))
    if len(names) != probs.shape[-1]:
        raise UserError(f"Expected the model to output {len(names)} class probabilities, "
                        f"one per label {names}. Received: {probs.shape[-1]}")
    columns = {"label": [names[i] for i in probs.argmax(-1)]}
    columns.update({f"probability_{name}": probs[:, i] for i, name in enumerate(names)})
    return columns


def expand(name, values, rows):
    """An extra column (or a dict of columns, or a 2-D array) as `{column: values}`."""
    if values is None:
        return {}
    if isinstance(values, dict):  # prediction-shaped columns: forecast_1 -> actual_1
        return {k.replace("forecast", name).replace("prediction", name): v
                for k, v in values.items()}
    array = np.asarray(values, dtype=object if isinstance(values, list) else None)
    if array.ndim == 2:
        if array.shape[1] == 1:
            return {name: array[:, 0]}
        return {f"{name}_{k + 1}": array[:, k] for k in range(array.shape[1])}
    if len(array) != rows:
        raise ValueError(f"extra column {name!r} has {len(array)} values for {rows} rows")
    return {name: list(values)}


def check_shape(x, model, data):
    """Refuses inputs whose per-sample shape or dtype the model cannot take."""
    want = tuple(model.inputs[0].shape[1:])
    got = tuple(np.shape(x)[1:])
    where = f"the inputs read from {str(data)!r}" if data is not None else "the test split"
    if len(want) != len(got) or any(w is not None and w != g for w, g in zip(want, got)):
        described = ", ".join("any" if w is None else str(w) for w in want)
        raise UserError(f"Expected inputs of shape (samples, {described}), as the run was "
                        f"trained on. Received: {where} of shape {tuple(np.shape(x))}")


def load_run(run_dir):
    """Checks and loads a completed run folder (a run, or a sweep's trial) -> `Run`."""
    record = check_run_folder(run_dir)
    preprocessing = read_preprocessing(record.folder)
    exp = config_lib.load_run_config(record.folder / "config.yaml")
    model = load_model(record.folder)
    return Run(run_dir=record.folder, exp=exp, preprocessing=preprocessing, model=model,
               metrics=record.metrics)


def render(frame, limit=SHOWN_ROWS):
    """A short table of the predictions for the terminal (all columns, few rows)."""
    import pandas as pd
    # to_string ignores display.max_colwidth: a long text cell (a document, a
    # prompt) is cut here, as the file --out writes keeps it whole.
    with pd.option_context("display.max_columns", 12, "display.width", 120):
        if len(frame) <= limit:
            return frame.to_string(index=False, max_colwidth=60)
        head = frame.head(limit).to_string(index=False, max_colwidth=60)
    return (f"{head}\n... {len(frame) - limit} more rows ({len(frame)} in all); write them "
            f"all with --out FILE.csv")


# `--out`'s suffix -> how the predictions are written (pandas' writer and its options).
OUT_FORMATS = {".csv": ("to_csv", {}), ".tsv": ("to_csv", {"sep": "\t"}),
               ".csv.gz": ("to_csv", {"compression": "gzip"}), ".parquet": ("to_parquet", {}),
               ".json": ("to_json", {"orient": "records", "date_format": "iso"}),
               ".jsonl": ("to_json", {"orient": "records", "lines": True,
                                      "date_format": "iso"})}


def out_format(path):
    """The `OUT_FORMATS` entry for `--out`; a UserError for a folder or another suffix.

    Checked before the model runs, so a typo costs no prediction.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"Expected `--out` to be a file path. Received: {str(path)!r}, "
                        "which is a folder")
    if not path.parent.is_dir():
        raise UserError(f"Expected `--out` to be in an existing folder. Received: "
                        f"{str(path)!r} ({path.parent} does not exist)")
    name = path.name.lower()
    suffix = next((s for s in OUT_FORMATS if name.endswith(s)), None)
    if suffix is None:
        raise UserError(f"Expected `--out` to end in {', '.join(OUT_FORMATS)} (the format "
                        f"the predictions are written in), or to be '-' (CSV on stdout). "
                        f"Received: {str(path)!r}")
    return OUT_FORMATS[suffix]


# What `rnnbench run` (and `export`) write into a run folder: never replaced by --out.
RUN_RECORD = frozenset({"config.yaml", "manifest.json", "metrics.json", "history.csv",
                        "model.keras", PREPROCESSING_FILE, "backtest.json", "tb", "export"})


def check_out_path(out, data=None, run_dir=None):
    """Refuses an `--out` that would replace the file `--data` reads or a file of the run
    folder (its metrics, model or preprocessing): a prediction must not cost data."""
    target = Path(out).resolve()
    if data is not None and isinstance(data, (str, Path)) and Path(data).exists() \
            and target == Path(data).resolve():
        raise UserError(f"Expected `--out` to be another file than `--data`. Received: "
                        f"{str(out)!r} for both: the predictions would replace the data they "
                        "were made from. Write them to a new name")
    if not target.exists():
        return
    folder = Path(run_dir).resolve() if run_dir is not None else None
    # This run first, then the runs beside it, read until one was trained on `out`.
    runs = itertools.chain([folder], _runs_beside(folder)) if folder is not None else ()
    trained = next((run for run in runs if target in _trained_on(run)), None)
    if trained is not None and trained == folder:
        raise UserError(f"Expected `--out` not to replace the data the run was trained "
                        f"on. Received: {str(out)!r}, a file its manifest records (and "
                        "`rnnbench reproduce` re-reads). Write the predictions to a new "
                        "name")
    if trained is not None:
        raise UserError(f"Expected `--out` not to replace the data a run was trained on. "
                        f"Received: {str(out)!r}, which the run {str(trained)!r} was trained "
                        "on (its manifest records it). Write the predictions to a new name")
    record = next((parent for parent in target.parents if (parent / "manifest.json").is_file()
                   and target.relative_to(parent).parts[0] in RUN_RECORD), None)
    if record is not None:
        whose = "the run's own" if record == folder else f"the run {str(record)!r}'s"
        raise UserError(f"Expected `--out` not to replace a file of a run's record. "
                        f"Received: {str(out)!r}, which is {whose} "
                        f"{target.relative_to(record)}. Write the predictions to a new name")


def _trained_on(run_folder):
    """The data files a run's manifest records, resolved; none for a damaged manifest
    (`read_run` names it)."""
    try:
        files = (folders.read_json(run_folder / "manifest.json").get("data") or {}).get(
            "files") or []
        return [Path(f["path"]).resolve() for f in files
                if isinstance(f, dict) and isinstance(f.get("path"), str)]
    except (OSError, ValueError, AttributeError, TypeError):
        return []


# Manifests read for the data files of other runs beside the one predicting.
MAX_RUNS_BESIDE = 2000


def _runs_beside(folder):
    """The other run folders of the results folder that holds `folder`, at most
    `MAX_RUNS_BESIDE`, found as they are asked for: `<results>/<experiment>/<run>` and a
    sweep's `<results>/sweeps/<sweep>/<id>/trials/<trial>` (globbed at those depths only)."""
    trial = folder.parent.name == "trials" and len(folder.parents) > 4 and \
        folder.parents[3].name == "sweeps"
    root = folder.parents[4] if trial else folder.parent.parent
    found = itertools.chain(root.glob("*/*/manifest.json"),
                            root.glob("sweeps/*/*/trials/*/manifest.json"))
    runs = (m.parent for m in found if m.parent != folder)
    return itertools.islice(runs, MAX_RUNS_BESIDE)


def write_predictions(frame, path):
    """Writes the predictions in the format `--out`'s suffix names, atomically."""
    path = Path(path)
    writer, options = out_format(path)
    with folders.atomic_path(path) as tmp:
        getattr(frame, writer)(tmp, index=False, **options)
    return path
