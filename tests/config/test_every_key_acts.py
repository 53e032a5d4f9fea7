"""Every key an experiment accepts acts, or it is rejected (issue 13).

The keys are generated from the schema: the dataclasses of
`rnnbench/config/experiment.py` (an open field, `schema.OPEN_FIELD`, counts as
one key `*`: its keys go to Keras, which checks them), with `data:`'s keys
other than `name` and `task` expanded for every shipped dataset (its `params`,
and `split` / `scale`). A key without a probe here fails
`test_every_accepted_key_has_a_probe`, so a new key needs a behaviour (and a
probe that shows it) or a rejection.

A probe changes one key, on a base experiment where the key applies, and
names the facet that must change: the built model's config, the compile
arguments, the callbacks, the loaded data, the initial weights, op
determinism, the `jit_compile` choice, the run folder, `config.yaml`, the
reproduction's comparison, or (slow: only a fit shows it) what `fit` was given.
`Rejected` probes show the value is refused before anything trains.
"""

import atexit
import copy
import dataclasses
import functools
import hashlib
import json
import shutil
import tempfile
import types
import typing
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import experiment_dict
from own_files import own_data_files, probe_bases, probe_changes, probe_unlabelled

from rnnbench.config import experiment as config_lib
from rnnbench.config import schema
from rnnbench.config.registry import DATASETS
from rnnbench.data import music
from rnnbench.errors import UserError
from rnnbench.models import builders, speed
from rnnbench.models.jit import choose_jit_compile
from rnnbench.runs import folders, reproduce, training
from rnnbench.runs.timing import EpochTimer

# ------------------------------------------------------------------ the keys

def schema_keys(cls=config_lib.ExperimentConfig, prefix=""):
    """The key paths of a config dataclass: `model.layers[].units`, `train.optimizer.*`."""
    hints = typing.get_type_hints(cls)
    open_field = getattr(cls, schema.OPEN_FIELD, None)
    for f in dataclasses.fields(cls):
        if f.name == open_field:
            yield schema.join(prefix, "*")
            continue
        path, tp = schema.join(prefix, f.name), _block_type(hints[f.name])
        if typing.get_origin(tp) is tuple:
            path, tp = path + "[]", typing.get_args(tp)[0]
        if dataclasses.is_dataclass(tp):
            yield from schema_keys(tp, path)
        else:
            yield path


def _block_type(tp):
    """`Optional[SomeConfig]` -> `SomeConfig`; any other hint as it is."""
    options = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) is typing.Union and len(options) == 1:
        return options[0]
    return tp


def shipped_datasets():
    """The registered datasets rnnbench ships (not the tests' `toy`)."""
    return [name for name in DATASETS.names()
            if DATASETS.get(name).__module__.startswith("rnnbench.")]


# `data:` keys every dataset has; the others are expanded per dataset.
SHARED_DATA_KEYS = ("data.name", "data.task")


def accepted_keys():
    """Every accepted key; a dataset's keys as `data[NAME].KEY` (`data[sine].window`)."""
    keys = []
    for key in schema_keys():
        if not key.startswith("data.") or key in SHARED_DATA_KEYS:
            keys.append(key)
            continue
        for name in shipped_datasets():
            if key == "data.*":
                keys += [f"data[{name}].{param}" for param in DATASETS.get(name).params]
            else:
                keys.append(f"data[{name}].{key[len('data.'):]}")
    return keys


# ------------------------------------------------------------------ the facets

def built_model(exp, tmp_path):
    model = builders.build_model(exp, compile=False)
    return json.dumps(model.get_config(), sort_keys=True, default=str), model.count_params()


def initial_weights(exp, tmp_path):
    training.seed_everything(exp.seed, exp.train.deterministic)
    model = builders.build_model(exp, compile=False)
    return hashlib.sha256(b"".join(np.asarray(w).tobytes() for w in model.get_weights())
                          ).hexdigest()


def compile_arguments(exp, tmp_path):
    model = builders.build_model(exp, compile=True)
    return json.dumps(model.get_compile_config(), sort_keys=True, default=str)


def jit_choice(exp, tmp_path):
    model = builders.build_model(exp, compile=False)
    return choose_jit_compile(exp, model, config_lib.data_spec(exp))[0]


def op_determinism(exp, tmp_path):
    from tensorflow.python.framework import config as tf_config
    training.seed_everything(exp.seed, exp.train.deterministic)
    return tf_config.is_op_determinism_enabled()


def load(exp):
    return _load(exp.data, exp.seed)


@functools.lru_cache(maxsize=64)
def _load(data, seed):
    """Loads once per data block: every probe of a dataset shares its base's load."""
    split = dataclasses.asdict(data.split) if data.split else None
    exp = types.SimpleNamespace(data=data)
    return config_lib.dataset_of(exp).load(dict(data.params), split, data.scale, seed)


def run_callbacks(exp, tmp_path):
    """Each callback's class and its plain attributes (monitor, mode, patience, ...)."""
    splits = load(exp)
    best = training.BestWeights(*training.monitor_of(exp, splits))
    found = training.callbacks(exp, tmp_path, splits, EpochTimer(), best)
    plain = (int, float, str, bool, type(None))
    return [(type(c).__name__, sorted((k, v) for k, v in vars(c).items()
                                      if isinstance(v, plain))) for c in found]


def _digest(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def loaded_data(exp, tmp_path):
    """What the model is trained and scored on: arrays, spec, baseline, scaling."""
    splits = load(exp)
    parts = (splits.train, splits.val, splits.test)
    scored = next(p for p in reversed(parts) if len(p))
    back = splits.inverse_transform
    return (_digest(*[a for p in parts for a in (p.x, p.y)]), splits.spec,
            splits.baseline_name, _digest(splits.baseline_predict(scored.x)),
            _digest(back(scored.y)) if back else None,
            json.dumps(dict(splits.score_context), sort_keys=True, default=str))


def data_or_refusal(exp, tmp_path):
    """`loaded_data`, or the message of the UserError that refuses to load it: for a
    key whose act is to turn a refusal into data (`data.unlabelled: skip`)."""
    try:
        return loaded_data(exp, tmp_path)
    except UserError as error:
        return ("refused", str(error))


def run_folder(exp, tmp_path):
    return folders.new_run_dir(tmp_path, exp.name).relative_to(tmp_path).parts[0]


def written_config(exp, tmp_path):
    return config_lib.to_yaml(exp)


# Fixed metrics of two runs, as a reproduction would read them.
MEASURED = [{"test_rmse": 1.1, "test_mae": 0.7}, {"test_rmse": 1.3, "test_mae": 0.9}]


def reference_comparison(exp, tmp_path):
    measured = {seed: m[exp.reference.metric] for seed, m in zip((1, 2), MEASURED)}
    return reproduce.reference_table(exp.reference, measured).to_dict("records")


def reference_verdict(exp, tmp_path):
    """What reproduce says beyond the table: tests against the baseline and figures."""
    from rnnbench.runs import references
    measured = {seed: m[exp.reference.metric] for seed, m in zip((1, 2), MEASURED)}
    return references.verdict_lines(exp.reference, measured, exp.reference.tolerance)


class FitArguments(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seen = {k: self.params[k] for k in ("epochs", "steps")}


def fit_arguments(exp, tmp_path):
    recorder = FitArguments()
    training.run(exp, results_dir=tmp_path, verbose=0, extra_callbacks=[recorder])
    training.release_memory()
    return recorder.seen


def thread_choice(exp, tmp_path):
    """Threads are fixed once per process, so the choice `apply_threads` would set."""
    return speed.threads(exp).chosen


FACETS = {"model": built_model, "weights": initial_weights, "compile": compile_arguments,
          "jit": jit_choice, "determinism": op_determinism, "callbacks": run_callbacks,
          "data": loaded_data, "data_or_refusal": data_or_refusal, "run_folder": run_folder, "config_yaml": written_config,
          "reference": reference_comparison, "verdict": reference_verdict,
          "fit": fit_arguments,
          "threads": thread_choice}


# ------------------------------------------------------------------ the probes

@dataclasses.dataclass(frozen=True)
class Acts:
    """Setting `change` on the base (with `context` set first) changes facet `shows`.

    Args:
        dataset: the base is a tiny experiment on this dataset (else `toy`).
    """

    change: dict
    shows: str
    context: dict = dataclasses.field(default_factory=dict)
    dataset: typing.Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Rejected:
    """Setting `change` is refused (at validation, or at build: before any run)."""

    change: dict
    match: str
    context: dict = dataclasses.field(default_factory=dict)
    dataset: typing.Optional[str] = None


EARLY_STOPPING = {"train.early_stopping": {}}
REFERENCE = {"reference": {"metric": "test_rmse", "value": 1.0}}
MEASURED_REFERENCE = {"reference": {"metric": "test_rmse", "value": 1.0, "std": 0.1,
                                     "seeds": [1, 2, 3]}}
COMPARED_REFERENCE = {"reference": {"metric": "test_rmse", "value": 1.0, "baseline": 4.0,
                                     "compares": [{"figure": 3.0, "label": "a figure"}]}}

PROBES = {
    "name": [Acts({"name": "renamed"}, "run_folder")],
    "description": [Acts({"description": "another description"}, "config_yaml")],
    "seed": [Acts({"seed": 2}, "weights")],
    "data.name": [Acts({"data.name": "sunspots"}, "data", dataset="sine")],
    "data.task": [Acts({"data.task": "classify"}, "compile")],
    "model.layers[].cell": [Acts({"model.layers[0].cell": "gru"}, "model")],
    "model.layers[].units": [Acts({"model.layers[0].units": 8}, "model")],
    "model.layers[].dropout": [Acts({"model.layers[0].dropout": 0.25}, "model")],
    "model.layers[].bidirectional": [Acts({"model.layers[0].bidirectional": "sum"}, "model")],
    "model.layers[].*": [
        Acts({"model.layers[0].recurrent_dropout": 0.25}, "model"),
        Rejected({"model.layers[0].recurrent_dropuot": 0.25}, "recurrent_dropout")],
    "model.head[].units": [Acts({"model.head[0].units": 8}, "model",
                                context={"model.head": [{"units": 4}]})],
    "model.head[].activation": [Acts({"model.head[0].activation": "tanh"}, "model",
                                     context={"model.head": [{"units": 4}]})],
    "model.head[].dropout": [Acts({"model.head[0].dropout": 0.25}, "model",
                                  context={"model.head": [{"units": 4}]})],
    "model.embedding.dim": [
        Acts({"model.embedding.dim": 16}, "model", context={"data.tokens": True}),
        Rejected({"model.embedding.dim": 16}, "token ids")],
    "train.epochs": [Acts({"train.epochs": 2}, "fit")],
    "train.batch_size": [Acts({"train.batch_size": 8}, "fit")],
    "train.optimizer.name": [Acts({"train.optimizer.name": "sgd"}, "compile")],
    "train.optimizer.learning_rate": [Acts({"train.optimizer.learning_rate": 0.01},
                                           "compile")],
    "train.optimizer.clipnorm": [Acts({"train.optimizer.clipnorm": 1.0}, "compile")],
    "train.optimizer.clipvalue": [Acts({"train.optimizer.clipvalue": 0.5}, "compile")],
    "train.optimizer.*": [
        Acts({"train.optimizer.weight_decay": 0.01}, "compile"),
        Rejected({"train.optimizer.wieght_decay": 0.01}, "wieght_decay")],
    "train.early_stopping.monitor": [Acts({"train.early_stopping.monitor": "loss"},
                                          "callbacks", context=EARLY_STOPPING)],
    "train.early_stopping.mode": [Acts({"train.early_stopping.mode": "max"}, "callbacks",
                                       context=EARLY_STOPPING)],
    "train.early_stopping.patience": [Acts({"train.early_stopping.patience": 2},
                                           "callbacks", context=EARLY_STOPPING)],
    "train.early_stopping.min_delta": [Acts({"train.early_stopping.min_delta": 0.1},
                                            "callbacks", context=EARLY_STOPPING)],
    "train.early_stopping.restore_best_weights": [Acts(
        {"train.early_stopping.restore_best_weights": False}, "callbacks",
        context=EARLY_STOPPING)],
    "train.jit_compile": [
        # Keras' LSTM loop: a BlockLSTM model (the auto kernel) is never XLA-compiled.
        Acts({"train.jit_compile": False}, "jit",
             context={"train.deterministic": False, "train.lstm_kernel": "keras"}),
        Rejected({"train.jit_compile": True}, "train.deterministic")],
    "train.steps_per_execution": [Acts({"train.steps_per_execution": 4}, "compile")],
    "train.threads": [Acts({"train.threads": 64}, "threads")],
    # From `keras`, not `auto`: auto is BlockLSTM on a CPU and Keras' LSTM on a GPU.
    "train.lstm_kernel": [Acts({"train.lstm_kernel": value}, "model",
                               context={"train.lstm_kernel": "keras"})
                          for value in ("block", "hoisted", "unrolled")],
    # Issue 28: auto is Keras' loop for GRU; `hoisted`/`unrolled` build the stand-in.
    "train.gru_kernel": [Acts({"train.gru_kernel": value}, "model",
                              context={"model.layers[0].cell": "gru"})
                         for value in ("hoisted", "unrolled")],
    # From `keras`: auto unrolls a short SimpleRNN on a CPU (not on a GPU).
    "train.simple_rnn_kernel": [Acts({"train.simple_rnn_kernel": value}, "model",
                                     context={"model.layers[0].cell": "simple_rnn",
                                              "train.simple_rnn_kernel": "keras"})
                                for value in ("hoisted", "unrolled")],
    "train.mixed_precision": [Acts({"train.mixed_precision": True}, "model")],
    "train.deterministic": [Acts({"train.deterministic": False}, "determinism")],
    # Issue 31: a regression or forecast trains on MAE; other tasks' loss is fixed.
    "train.loss": [Acts({"train.loss": "mae"}, "compile", dataset="sine"),
                   Rejected({"train.loss": "mae"}, "fixed by its outputs",
                            context={"data.task": "classify", "data.task_hint": "classify"})],
    # Issue 31: the output layer starts at zero, the naive forecast of a difference target.
    "train.start_at_naive": [
        Acts({"train.start_at_naive": True}, "weights", dataset="sine",
             context={"data.target_transform": "difference"}),
        Rejected({"train.start_at_naive": True}, "is 'none'", dataset="sine"),
        Rejected({"train.start_at_naive": True}, "not a forecast")],
    # Issue 33: Keras' TensorBoard callback and rnnbench's Dashboard hold them.
    "tensorboard.histogram_freq": [Acts({"tensorboard.histogram_freq": 1}, "callbacks")],
    "tensorboard.write_graph": [Acts({"tensorboard.write_graph": True}, "callbacks")],
    "tensorboard.profile_batch": [
        Acts({"tensorboard.profile_batch": [2, 3]}, "callbacks"),
        Rejected({"tensorboard.profile_batch": [3, 2]}, "first <= last")],
    "tensorboard.embeddings": [
        Acts({"tensorboard.embeddings": True}, "callbacks", context={"data.tokens": True}),
        Rejected({"tensorboard.embeddings": True}, "token ids")],
    "tensorboard.images_every": [Acts({"tensorboard.images_every": 2}, "callbacks")],
    "reference.metric": [Acts({"reference.metric": "test_mae"}, "reference",
                              context=REFERENCE)],
    "reference.value": [Acts({"reference.value": 1.2}, "reference", context=REFERENCE)],
    "reference.tolerance": [Acts({"reference.tolerance": 0.5}, "reference",
                                 context=REFERENCE)],
    "reference.std": [Acts({"reference.std": 0.3}, "reference", context=MEASURED_REFERENCE)],
    "reference.seeds[]": [Acts({"reference.seeds": [1, 2, 3, 4]}, "reference",
                               context=MEASURED_REFERENCE)],
    # issue 25: what the passing range must exclude (or, `expect: baseline`, hold)
    "reference.expect": [Rejected({"reference.expect": "baseline"}, "reference.baseline",
                                  context=REFERENCE)],
    "reference.baseline": [
        Acts({"reference.baseline": 5.0}, "verdict", context=COMPARED_REFERENCE),
        Rejected({"reference.baseline": 1.0}, "exclude the naive baseline", context=REFERENCE)],
    "reference.compares[].figure": [
        Acts({"reference.compares[0].figure": 6.0}, "verdict", context=COMPARED_REFERENCE),
        Rejected({"reference.compares[0].figure": 1.0}, "to exclude `reference.compares",
                 context=COMPARED_REFERENCE)],
    "reference.compares[].label": [Acts({"reference.compares[0].label": "other"}, "verdict",
                                        context=COMPARED_REFERENCE)],
}

# A dataset param's probes where the generic one (`other_value`, on the
# dataset's defaults) does not fit.
DATA_PROBES = {
    # Piano-midi: the other corpus that loads in under a second.
    ("polyphonic", "corpus"): [Acts({"data.corpus": "piano_midi"}, "data",
                                    dataset="polyphonic")],
    # A path naming a file must agree with `corpus` (else it is refused, see below).
    ("polyphonic", "path"): [Acts({"data.path": str(music.SHIPPED_DIR / "Piano_midi.mat"),
                                   "data.corpus": "piano_midi"}, "data", dataset="polyphonic"),
                             Rejected({"data.path": str(music.SHIPPED_DIR / "Piano_midi.mat")},
                                      "to be the corpus of `data.path`",
                                      dataset="polyphonic")],
    ("bench", "vocab_size"): [
        Acts({"data.vocab_size": 50}, "data", context={"data.tokens": True}, dataset="bench"),
        Rejected({"data.vocab_size": 50}, "read only for token ids", dataset="bench")],
    ("bench", "features"): [
        Acts({"data.features": 2}, "data", dataset="bench"),
        Rejected({"data.features": 2}, "read only for floats",
                 context={"data.tokens": True}, dataset="bench")],
}
# The user's own files (issue 23), written once per test process.
_OWN_ROOT = Path(tempfile.mkdtemp(prefix="rnnbench-own-data-"))
atexit.register(shutil.rmtree, _OWN_ROOT, True)
OWN_FILES = own_data_files(_OWN_ROOT)
OWN_BASES = probe_bases(OWN_FILES)
DATA_PROBES.update({key: [Acts(change, "data", context=context, dataset=key[0])
                          for change, context in found]
                    for key, found in probe_changes(OWN_FILES).items()})
# `target_transform` wraps the model (issue 31): the data stay in original units.
DATA_PROBES.update({(name, "target_transform"): [
    Acts({"data.target_transform": "difference"}, "model", dataset=name)]
    for name in DATASETS.names() if "target_transform" in DATASETS.get(name).params})
# `unlabelled: skip` trains on the labelled rows of a file the default refuses.
DATA_PROBES.update({(name, "unlabelled"): [
    Acts({"data.unlabelled": "skip"}, "data_or_refusal", context=context, dataset=name)]
    for name, context in probe_unlabelled(OWN_FILES).items()})
# `missing: mean` trains on a file with empty feature cells, which the default refuses.
DATA_PROBES["file_sequences", "missing"] = [
    Acts({"data.missing": "mean"}, "data_or_refusal", dataset="file_sequences",
         context={"data.path": str(OWN_FILES["long_gaps"])})]
DATA_PROBES["file_sequences", "layout"] = [
    Rejected({"data.layout": "wide"}, "for `data.layout: wide`", dataset="file_sequences")]
SPLIT_SCALE = {"split.val": 0.25, "split.test": 0.25, "scale": "standard"}


def dataset_probes(key):
    """The probes of a `data[NAME].KEY` key, from the dataset's own declarations."""
    name, _, field = key[len("data["):].partition("].")
    dataset = DATASETS.get(name)
    if field in SPLIT_SCALE:
        if getattr(dataset, "takes_" + field.partition(".")[0]):
            return [Acts({f"data.{field}": SPLIT_SCALE[field]}, "data", dataset=name)]
        return [Rejected({f"data.{field}": SPLIT_SCALE[field]}, "does not take",
                         dataset=name)]
    if field not in dataset.params:
        return []  # a new shared `data:` key: it needs an entry in SPLIT_SCALE's place
    if (name, field) in DATA_PROBES:
        return DATA_PROBES[name, field]
    value = other_value(name, field, dataset.params[field])
    return [Acts({f"data.{field}": value}, "data", dataset=name)]


def other_value(name, field, param):
    """A valid value other than the default: the next choice, `not`, +1 or -1, a half."""
    if param.choices:
        candidates = [c for c in param.choices if c != param.default][:1]
    elif param.type is bool:
        candidates = [not param.default]
    elif param.type is int:
        candidates = [param.default + 1, param.default - 1]
    elif param.type is float:
        candidates = [param.default / 2 if param.default else 0.1]
    else:
        candidates = []
    for value in candidates:
        try:
            config_lib.validate(set_keys(dataset_base(name), {f"data.{field}": value}))
            return value
        except UserError:
            continue
    pytest.fail(f"no valid other value for `data.{field}` of {name!r}: add its probe to "
                "DATA_PROBES")


def probes_of(key):
    return dataset_probes(key) if key.startswith("data[") else PROBES.get(key, [])


# ------------------------------------------------------------------ running a probe

def dataset_base(name):
    return {"name": "probe", "seed": 1, "data": {"name": name, **OWN_BASES.get(name, {})},
            "model": {"layers": [{"cell": "lstm", "units": 4}]},
            "train": {"epochs": 1, "batch_size": 16}}


def base_of(probe):
    raw = dataset_base(probe.dataset) if probe.dataset else experiment_dict()
    return set_keys(raw, probe.context)


def set_keys(raw, values):
    raw = copy.deepcopy(raw)
    for key, value in values.items():
        config_lib.set_path(raw, key, copy.deepcopy(value))
    return raw


@pytest.fixture(autouse=True)
def restore_op_determinism():
    """`seed_everything` switches op determinism process-wide: put it back."""
    from tensorflow.python.framework import config as tf_config
    before = tf_config.is_op_determinism_enabled()
    yield
    training.seed_everything(0, deterministic=before)
    keras.mixed_precision.set_global_policy("float32")


def observed(shows, exp, path):
    """Facet `shows` of `exp`, in a fresh Keras session (names like `adam_1` reset).

    `free_memory=False`: only the names need resetting. Its `gc.collect()` walks
    the whole heap, twice a probe: 0.5 s a probe in a fresh process became 3-9 s
    in a pytest worker that had run other files first.
    """
    keras.backend.clear_session(free_memory=False)
    return FACETS[shows](exp, path)


def all_probes():
    params = []
    for key in accepted_keys():
        for i, probe in enumerate(probes_of(key)):
            slow = isinstance(probe, Acts) and probe.shows == "fit"
            params.append(pytest.param(probe, id=f"{key}-{i}",
                                       marks=[pytest.mark.slow] if slow else []))
    return params


def test_every_accepted_key_has_a_probe():
    missing = [key for key in accepted_keys() if not probes_of(key)]
    assert not missing, (
        f"No effect probe for {missing}: add one to PROBES showing what the key "
        "changes, or make the key act (or reject it) first.")


def test_every_probe_names_an_accepted_key():
    assert set(PROBES) <= set(accepted_keys())


@dataclasses.dataclass(frozen=True)
class _Inner:
    __open_field__ = "options"
    size: int = 1
    options: schema.FrozenMap = schema.FrozenMap()


@dataclasses.dataclass(frozen=True)
class _Outer:
    flag: bool = False
    items: typing.Tuple[_Inner, ...] = ()
    block: typing.Optional[_Inner] = None


def test_a_new_field_becomes_a_key():
    assert list(schema_keys(_Outer)) == ["flag", "items[].size", "items[].*",
                                         "block.size", "block.*"]


def test_the_keys_come_from_the_schema():
    keys = accepted_keys()
    assert "model.layers[].units" in keys and "train.optimizer.*" in keys
    assert "data[sine].window" in keys and "data[sine].split.val" in keys
    assert not any(key.startswith("data.") and key not in SHARED_DATA_KEYS for key in keys)


@pytest.mark.parametrize("probe", all_probes())
def test_the_key_acts_or_is_rejected(probe, tmp_path):
    raw = base_of(probe)
    if isinstance(probe, Rejected):
        with pytest.raises(UserError, match=probe.match):
            builders.build_model(config_lib.validate(set_keys(raw, probe.change)))
        return
    before = config_lib.validate(raw)
    after = config_lib.validate(set_keys(raw, probe.change))
    assert before != after, f"{probe.change} is the base's own value"
    # The same folder for both: paths in callbacks must not make the difference.
    seen = observed(probe.shows, before, tmp_path)
    assert observed(probe.shows, after, tmp_path) != seen, (
        f"setting {probe.change} left the {probe.shows} unchanged: {seen}")


@pytest.mark.parametrize("shows", sorted(set(FACETS) - {"fit"}))
def test_each_facet_is_the_same_for_the_same_config(shows, tmp_path):
    """So a difference a probe sees comes from its key, not from chance."""
    raw = set_keys(experiment_dict(), {**EARLY_STOPPING, **REFERENCE})
    exp = config_lib.validate(raw)
    assert observed(shows, exp, tmp_path) == observed(shows, exp, tmp_path)
