"""The execution settings left at `auto` (`rnnbench.models.speed`), and how they show."""

import keras
import numpy as np
import pytest
from helpers import experiment_config

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.models import builders, check, speed


def kernels(exp):
    spec = config_lib.data_spec(exp)
    return [speed.lstm_kernel(exp, spec, i) for i in range(len(exp.model.layers))]


def test_a_small_lstm_on_cpu_gets_block_lstm_and_is_built_as_fused():
    exp = experiment_config(cells=("lstm", "gru", "lstm"), units=8)
    first, gru, last = kernels(exp)
    assert first.chosen == "block" and last.chosen == "block" and gru is None
    assert "multiply-adds per step" in first.reason
    classes = [type(layer).__name__ for layer in builders.recurrent_layers(
        builders.build_model(exp))]
    assert classes == ["FusedLSTM", "GRU", "FusedLSTM"]


@pytest.mark.parametrize("units,batch,tokens,expected", [
    (50, 32, False, "block"),    # workload B's first layer: 326,400 per step
    (64, 32, False, "block"),    # 32 x (64 + 64) x 256 = 1.05M, measured 1.17-1.20x
    (64, 64, False, "keras"),    # 2.1M on raw floats: measured 0.63x
    (64, 64, True, "keras"),     # the same size after an Embedding (workload A): 0.60x
    (128, 64, True, "keras"),    # beyond the largest measured win
])
def test_the_kernel_rule_follows_the_step_size(
        units, batch, tokens, expected):
    data = {"tokens": True, "vocab_size": 50, "steps": 10} if tokens else {
        "features": 64 if units == 64 else 1, "steps": 10}
    model = {"embedding": {"dim": 64}} if tokens else {}
    exp = experiment_config(units=units, train={"batch_size": batch}, model=model, **data)
    assert kernels(exp)[0].chosen == expected


def test_masks_options_and_an_explicit_setting_decide_the_kernel():
    masked = experiment_config(variable_length=True)
    assert kernels(masked)[0].chosen == "keras" and "masked" in kernels(masked)[0].reason
    dropout = experiment_config(layer_options={0: {"recurrent_dropout": 0.1}})
    assert kernels(dropout)[0].chosen == "keras"
    forced = experiment_config(train={"lstm_kernel": "keras"})
    assert kernels(forced)[0] == speed.Choice("keras", "keras", "set in train.lstm_kernel")
    assert type(builders.recurrent_layers(builders.build_model(forced))[0]) is \
        keras.layers.LSTM
    fused_cell = experiment_config(cells=("fused_lstm",), train={"lstm_kernel": "keras"})
    assert kernels(fused_cell) == [None]  # `cell: fused_lstm` is always BlockLSTM
    big = experiment_config(units=512, train={"lstm_kernel": "block"})
    assert kernels(big)[0].chosen == "block"


def test_steps_per_execution_auto_is_capped_by_the_epoch():
    exp = experiment_config()
    assert speed.steps_per_execution(exp).chosen == speed.AUTO_STEPS_PER_EXECUTION
    assert speed.steps_per_execution(exp, steps_per_epoch=3).chosen == 3
    assert speed.steps_per_execution(exp, steps_per_epoch=500).chosen == 16
    set_one = experiment_config(train={"steps_per_execution": 1})
    assert speed.steps_per_execution(set_one, 500).facts() == {
        "setting": 1, "chosen": 1, "reason": "set in train.steps_per_execution"}
    assert builders.build_model(exp).steps_per_execution == 16


@pytest.mark.parametrize("steps_per_epoch,epochs,chosen", [
    (3, 1, 1), (7, 28, 1), (7, 29, 7), (44, 9, 16), (199, 1, 1), (200, 1, 16)])
def test_steps_per_execution_auto_is_one_for_a_run_too_short_to_repay_its_trace(
        steps_per_epoch, epochs, chosen):
    exp = experiment_config()
    choice = speed.steps_per_execution(exp, steps_per_epoch, epochs)
    assert choice.chosen == chosen
    assert (steps_per_epoch * epochs < speed.AUTO_MIN_PLANNED_STEPS) == (chosen == 1)
    assert ("planned steps do not repay" in choice.reason) == (chosen == 1)
    set_four = experiment_config(train={"steps_per_execution": 4})
    assert speed.steps_per_execution(set_four, steps_per_epoch, epochs).chosen == 4


def test_threads_auto_keeps_a_process_setting_then_the_environment(monkeypatch):
    exp = experiment_config()
    assert speed.threads(exp, configured=3).chosen == 3
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "5")
    assert speed.threads(exp).chosen == 5
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS")
    assert speed.threads(exp).chosen >= 1
    assert speed.threads(experiment_config(train={"threads": 2}), configured=3).chosen == 2


@pytest.mark.parametrize("key,value,wording", [
    ("steps_per_execution", 0, ">= 1"),
    ("steps_per_execution", "fast", "one of ['auto']"),
    ("threads", 0, ">= 1"),
    ("lstm_kernel", "blok", "did you mean 'block'"),
])
def test_bad_values_name_the_key(key, value, wording):
    with pytest.raises(UserError, match=rf"`train\.{key}`") as caught:
        experiment_config(train={key: value})
    assert wording in str(caught.value)


def test_check_shows_every_choice():
    text = check.report(experiment_config(cells=("lstm", "gru")))
    assert "lstm_kernel of rnn_0: block (auto: CPU" in text
    assert "steps_per_execution: 16 (auto: min(16, steps per epoch)" in text
    assert "gru_kernel of rnn_1: keras (auto: Keras' loop" in text
    assert "threads: " in text


@pytest.mark.slow
def test_a_model_with_the_auto_kernel_saves_loads_and_predicts_the_same(tmp_path):
    exp = experiment_config(cells=("lstm", "lstm"), units=6)
    model = builders.build_model(exp)
    assert type(builders.recurrent_layers(model)[0]).__name__ == "FusedLSTM"
    x = np.random.default_rng(3).normal(
        size=(4, *config_lib.data_spec(exp).input_shape)).astype("float32")
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # And the same weights on Keras' own LSTM predict the same to float precision.
    plain = builders.build_model(experiment_config(cells=("lstm", "lstm"), units=6,
                                                   train={"lstm_kernel": "keras"}))
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(plain.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-5)
