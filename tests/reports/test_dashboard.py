"""The dashboard a run writes (issue 33), read back by TensorBoard's own reader and server.

One plain run of each task kind (1 epoch, tiny data) under one results root;
its `tb/` run must hold the final metrics beside the baseline's, the summary
text and the task's pictures. A real `rnnbench board` over that root (its own
process, a port TensorBoard picks on 127.0.0.1, bounded waits) must list them through
TensorBoard's HTTP API.
"""

import io
import json
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse

import numpy as np
import pytest

from helpers import read_json, start_board, stop_board, wait_for
from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.runs import dashboard, training

# One shipped experiment per task kind, cut to seconds of training.
TINY_SYNTHETIC = {"data.train_size": 128, "data.val_size": 32, "data.test_size": 32}
KINDS = {
    "forecast": ("sine_lstm", {"data.horizon": 3}),
    "classify": ("italy_power_demand_lstm", {"model.layers[0].units": 4}),
    "sequence_label": ("copy_memory_gru", {"data.delay": 10, "model.layers[0].units": 8,
                                           **TINY_SYNTHETIC}),
    "regress": ("adding_lstm", {"data.seq_len": 20, "model.layers[0].units": 8,
                                **TINY_SYNTHETIC}),
    "language_model": ("news_chars_gru", {"data.max_chars": 20000, "model.layers[0].units": 8,
                                          "data.seq_len": 40}),
    "polyphonic_nll": ("jsb_gru", {"model.layers[0].units": 8}),
}
PICTURES = {
    "forecast": {"forecast/test", "forecast/residuals", "forecast/fan"},
    "classify": {"classify/confusion_matrix", "classify/confusion_matrix_normalised",
                 "classify/misclassified"},
    "sequence_label": {"sequence/examples"},
    "regress": {"regress/predicted_vs_actual"},
    "language_model": set(),
    "polyphonic_nll": {"polyphonic/piano_roll"},
}
TEXTS = {"classify": {"classify/per_class"}, "language_model": {"samples/text"}}
MAX_IMAGE_BYTES = 300_000
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def tiny(name, overrides=None):
    return config_lib.load_experiment(name, {"train.epochs": 1, "train.early_stopping": None,
                                             **(overrides or {})})


def run_tiny(name, results, overrides=None):
    result = training.run(tiny(name, overrides), results_dir=results, verbose=0)
    training.release_memory()
    return result


def tensors(logdir):
    """`{tag: [(step, value), ...]}` of a TensorBoard run folder, and the plugin of each tag."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util
    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.TENSORS: 0})
    acc.Reload()
    found, plugins = {}, {}
    for tag in acc.Tags()["tensors"]:
        plugins[tag] = acc.SummaryMetadata(tag).plugin_data.plugin_name
        found[tag] = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
    return found, plugins


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`(results root, {task kind: RunResult})`: one plain tiny run of each kind."""
    results = tmp_path_factory.mktemp("dashboard") / "results"
    return results, {kind: run_tiny(name, results, overrides)
                     for kind, (name, overrides) in KINDS.items()}


def tags_of(run):
    return tensors(run.run_dir / "tb")


# ------------------------------------------------------------------ the event files

@pytest.mark.slow  # trains
@pytest.mark.parametrize("kind", list(KINDS))
def test_final_metrics_and_the_baselines_are_step_zero_scalars(runs, kind):
    _, by_kind = runs
    run = by_kind[kind]
    found, plugins = tags_of(run)
    metrics = read_json(run.run_dir / "metrics.json")
    expected = dashboard.final_scalars(metrics)
    assert any(k.startswith("test_") for k in expected)
    assert any(k.startswith("baseline_test_") for k in expected)
    for name, value in expected.items():
        ((step, written),) = found[f"final/{name}"]
        assert plugins[f"final/{name}"] == "scalars"
        assert step == 0 and float(written) == pytest.approx(value, rel=1e-6), name


@pytest.mark.slow  # trains
@pytest.mark.parametrize("kind", list(KINDS))
def test_the_summary_text_holds_the_table_and_the_verdict(runs, kind):
    _, by_kind = runs
    run = by_kind[kind]
    found, _ = tags_of(run)
    ((_, text),) = found[dashboard.SUMMARY_TAG]
    text = text.item().decode()
    metrics = read_json(run.run_dir / "metrics.json")
    assert "the baseline" in text.splitlines()[0]  # "Beats the baseline" / "Does not beat"
    split, name = dashboard.headline(metrics)
    assert f"{split} {name}: model {metrics[f'{split}_{name}']:.4g}" in text
    assert f"| {name} |" in text and metrics["baseline"] in text


@pytest.mark.slow  # trains
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_task_has_its_pictures_as_small_pngs(runs, kind):
    from PIL import Image
    _, by_kind = runs
    found, plugins = tags_of(by_kind[kind])
    images = {t for t, p in plugins.items() if p == "images"}
    texts = {t for t, p in plugins.items() if p == "text"} - {dashboard.SUMMARY_TAG}
    assert images == PICTURES[kind]
    assert texts == TEXTS.get(kind, set())
    epochs = read_json(by_kind[kind].run_dir / "metrics.json")["epochs_run"]
    for tag in images:
        ((step, value),) = found[tag]
        assert step == epochs
        width, height, png = value[0], value[1], value[2]
        assert len(png) < MAX_IMAGE_BYTES, tag
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (int(width), int(height))


@pytest.mark.slow  # trains
def test_a_language_model_writes_text_sampled_at_two_temperatures(runs):
    _, by_kind = runs
    found, _ = tags_of(by_kind["language_model"])
    ((_, text),) = found["samples/text"]
    text = text.item().decode()
    for temperature in dashboard.TEMPERATURES:
        assert f"Sampled at temperature {temperature}" in text
    assert "Prompt (the first validation window, 40 tokens)" in text


# ------------------------------------------------------------------ a real board

def get(port, path, timeout=30):
    with _OPENER.open(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        assert response.status == 200
        return json.loads(response.read())


@pytest.fixture(scope="module")
def board(runs, tmp_path_factory):
    """`rnnbench board` over the results root, in its own process; its port."""
    results, _ = runs
    log = tmp_path_factory.mktemp("board_log") / "board.log"
    proc, url = start_board(results, log)
    try:
        yield urlparse(url).port
    finally:
        stop_board(proc, log)


def listed(port, plugin, run, wanted):
    """The tags `plugin` lists for `run` once they include `wanted` (TensorBoard loads
    the folder in the background), else what it lists."""
    tags = get(port, f"/data/plugin/{plugin}/tags").get(run, {})
    names = set(tags if isinstance(tags, (list, dict)) else [])
    return names if wanted <= names else None


@pytest.mark.slow  # trains
@pytest.mark.parametrize("kind", list(KINDS))
def test_rnnbench_board_lists_the_scalars_images_and_texts(runs, board, kind):
    results, by_kind = runs
    run = by_kind[kind]
    name = str((run.run_dir / "tb").relative_to(results))
    assert name in get(board, "/data/runs") or wait_for(
        lambda: name in get(board, "/data/runs"), 60, f"run {name}")
    scalars = {"final/test_loss", "final/baseline_test_loss"}
    assert wait_for(lambda: listed(board, "scalars", name, scalars), 60, "scalar tags")
    texts = {dashboard.SUMMARY_TAG} | TEXTS.get(kind, set())
    assert wait_for(lambda: listed(board, "text", name, texts), 60, "text tags")
    if PICTURES[kind]:
        assert wait_for(lambda: listed(board, "images", name, PICTURES[kind]), 60,
                        "image tags")
        tag = sorted(PICTURES[kind])[0]
        (entry,) = get(board, f"/data/plugin/images/images?run={quote(name)}"
                              f"&tag={quote(tag)}&sample=0")
        assert entry["step"] == read_json(run.run_dir / "metrics.json")["epochs_run"]


# ------------------------------------------------------------------ the `tensorboard:` keys

@pytest.mark.parametrize("change, match", [
    ({"tensorboard.profile_batch": [3, 2]}, "1 <= first <= last"),
    ({"tensorboard.profile_batch": [1, 2, 3]}, "two batch numbers"),
    ({"tensorboard.profile_batch": -1}, ">= 0"),
    ({"tensorboard.histogram_freq": -1}, ">= 0"),
    ({"tensorboard.images_every": 1.5}, "integer"),
    ({"tensorboard.embeddings": True}, "no Embedding layer"),
    ({"tensorboard.write_grahp": True}, "write_graph"),
])
def test_bad_tensorboard_keys_are_refused_before_anything_runs(change, match):
    with pytest.raises(UserError, match=match):
        config_lib.load_experiment("sine_lstm", change)


def test_the_costly_keys_are_off_by_default():
    tb = config_lib.load_experiment("sine_lstm").tensorboard
    assert (tb.histogram_freq, tb.write_graph, tb.profile_batch, tb.embeddings,
            tb.images_every) == (0, False, 0, False, 0)


@pytest.mark.slow  # trains
def test_histograms_graph_and_profile_are_written_when_asked(tmp_path):
    run = run_tiny("sine_lstm", tmp_path, {
        "train.epochs": 2, "tensorboard.histogram_freq": 1, "tensorboard.write_graph": True,
        "tensorboard.profile_batch": [2, 3], "train.steps_per_execution": 1})
    tb = run.run_dir / "tb"
    train, plugins = tensors(tb / "train")
    weights = [t for t, p in plugins.items() if p == "histograms"]
    assert weights and all(len(train[t]) == 2 for t in weights)  # epochs 0 and 1
    mine, plugins = tensors(tb)
    gradients = [t for t, p in plugins.items() if p == "histograms"]
    assert gradients and all(t.startswith("gradients/") for t in gradients)
    assert {t.removeprefix("gradients/") for t in gradients} <= {
        t.removesuffix("/histogram") for t in weights}
    assert "keras" in train  # the model graph (Graphs tab: the Keras model's config)
    assert list((tb / "train" / "plugins" / "profile").rglob("*.xplane.pb"))


@pytest.mark.slow  # trains
def test_without_the_keys_none_of_that_is_written(runs):
    _, by_kind = runs
    tb = by_kind["forecast"].run_dir / "tb"
    _, plugins = tensors(tb / "train")
    assert "histograms" not in plugins.values() and "keras" not in plugins
    assert not (tb / "train" / "plugins").exists()
    assert not (tb / "projector_config.pbtxt").exists()


@pytest.mark.slow  # trains
def test_embeddings_go_to_the_projector_with_the_vocabulary(tmp_path):
    from tensorboard.plugins import projector
    from google.protobuf import text_format
    run = run_tiny("news_chars_gru", tmp_path, {
        **KINDS["language_model"][1], "tensorboard.embeddings": True})
    tb = run.run_dir / "tb"
    config = text_format.Parse((tb / "projector_config.pbtxt").read_text(),
                               projector.ProjectorConfig())
    (embedding,) = config.embeddings
    assert embedding.metadata_path == "metadata.tsv"
    words = (tb / "metadata.tsv").read_text().splitlines()
    exp = tiny("news_chars_gru", KINDS["language_model"][1])
    assert len(words) == exp.data.params["max_vocab"]
    assert words[:2] == ["<pad>", "<oov>"] and words[2] == " "  # the most frequent char
    import tensorflow as tf
    reader = tf.train.load_checkpoint(str(tb))
    matrix = reader.get_tensor(embedding.tensor_name)
    assert matrix.shape == (len(words), exp.model.embedding.dim)


@pytest.mark.slow  # trains
def test_images_every_writes_pictures_and_text_each_k_epochs_and_trains_the_same(tmp_path):
    overrides = {**KINDS["language_model"][1], "train.epochs": 2}
    plain = run_tiny("news_chars_gru", tmp_path / "a", overrides)
    every = run_tiny("news_chars_gru", tmp_path / "b", {**overrides,
                                                        "tensorboard.images_every": 1})
    found, _ = tags_of(every)
    # Epoch 1 from the callback; epoch 2, the last, once: the evaluated model's.
    assert [step for step, _ in found["samples/text"]] == [1, 2]
    ((step, _),) = tags_of(plain)[0]["samples/text"]
    assert step == 2
    # Sampling draws nothing from the seeded streams: the same weights, the same metrics.
    assert plain.metrics["test_loss"] == every.metrics["test_loss"]


@pytest.mark.slow  # trains
def test_images_every_redraws_a_forecast(tmp_path):
    run = run_tiny("sine_lstm", tmp_path, {"train.epochs": 3, "tensorboard.images_every": 2})
    found, _ = tags_of(run)
    assert [step for step, _ in found["forecast/test"]] == [2, 3]  # epoch 2, then the end


def test_the_verdict_says_by_how_much_and_on_which_metric():
    metrics = {"test_mase": 0.8, "baseline_test_mase": 1.0, "test_loss": 0.1,
               "baseline_test_loss": 0.2, "baseline": "persistence"}
    assert dashboard.verdict(metrics).startswith("**Beats the baseline** by 0.2 (20.0%) "
                                                 "on test mase")
    worse = {"test_accuracy": 0.5, "baseline_test_accuracy": 0.6, "baseline": "majority"}
    assert dashboard.verdict(worse).startswith("**Does not beat the baseline** (test accuracy")


def test_every_baseline_of_every_split_is_a_final_scalar():
    metrics = {"test_mase": 0.8, "baseline_test_mase": 1.0, "ets_val_mase": 0.9,
               "epochs_run": 3, "baseline": "persistence", "best_epoch": 2,
               "evaluated_weights": "best", "params": 10, "wall_time_s": 1.5}
    assert dashboard.final_scalars(metrics) == {
        "test_mase": 0.8, "baseline_test_mase": 1.0, "ets_val_mase": 0.9}


def test_a_failing_picture_is_a_warning_not_a_lost_run(caplog):
    def broken():
        raise ValueError("no figure")
    with caplog.at_level("WARNING", logger="rnnbench"):
        dashboard.safely("pictures", broken)
    assert "TensorBoard pictures not written: ValueError: no figure" in caplog.text


def test_the_vocabulary_labels_every_token_id():
    from rnnbench.data.base import DataSpec, Split, Splits
    empty = Split(np.zeros((0, 2)), np.zeros((0, 2)))
    spec = DataSpec(input_shape=(2,), input_dtype="int32", vocab_size=5, num_classes=5)
    chars = Splits(empty, empty, empty, spec, "none", None, info={"vocabulary": "ab"})
    assert dashboard.vocabulary_of(chars) == ["<pad>", "<oov>", "a", "b", "\ufffd"]
    words = Splits(empty, empty, empty, spec, "none", None,
                   preprocessing={"inputs": {"vocabulary": ["", "[UNK]", "the"]}})
    assert dashboard.vocabulary_of(words) == ["<pad>", "[UNK]", "the", "#3", "#4"]
    assert dashboard.decode([2, 3, 0], dashboard.vocabulary_of(chars)) == "ab"


def test_the_step_pictures_of_padded_sequences_score_only_their_real_steps(monkeypatch):
    from rnnbench.data.base import Split
    from rnnbench.data.tasks import PADDED_LABEL
    from rnnbench.runs import plots
    y = np.array([[0, 1, 1, PADDED_LABEL], [1, 1, PADDED_LABEL, PADDED_LABEL]])
    part = Split(np.zeros((2, 4, 1), np.float32), y)

    def always_one(x):
        probs = np.zeros((len(x), x.shape[1], 2), np.float32)
        probs[..., 1] = 1.0
        return probs
    ((kind, tag, image),) = dashboard.sequence_pictures(always_one, None, part)
    assert (kind, tag) == ("image", "sequence/examples") and image.ndim == 3
    drawn = []  # what the picture is drawn from: the real steps only
    monkeypatch.setattr(plots, "per_step", lambda *args: drawn.append(args))
    dashboard.sequence_pictures(always_one, None, part)
    (actual, predicted, titles, _), = drawn
    assert [list(a) for a in actual] == [[0, 1, 1], [1, 1]]
    assert titles == ["test sequence 0: 67% of steps right",
                      "test sequence 1: 100% of steps right"]
