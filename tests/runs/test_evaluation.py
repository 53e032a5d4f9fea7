"""A run's evaluation: one traced predict graph, the same numbers as `model.predict`."""

import logging

import numpy as np
import pytest

from helpers import LogRecords
from rnnbench.config import experiment as config_lib
from rnnbench.data.base import Split, Splits
from rnnbench.models import builders
from rnnbench.runs import training


@pytest.fixture
def uneven(make_experiment):
    """A config and its toy splits of 48/16/11 rows: every split ends in a part batch."""
    exp = make_experiment(cells=("lstm", "gru"), size=48)
    full = config_lib.dataset_of(exp).load(dict(exp.data.params), None, None, exp.seed)
    parts = [Split(full.train.x, full.train.y), Split(full.val.x[:16], full.val.y[:16]),
             Split(full.test.x[:11], full.test.y[:11])]
    return exp, Splits(*parts, spec=full.spec, baseline_name=full.baseline_name,
                       baseline_predict=full.baseline_predict)


def old_evaluate(model, splits, exp, batch_size):
    """The scores as evaluation made them before: one `model.predict` per split."""
    task = config_lib.task_of(exp)
    scores = {}
    for name in ("train", "val", "test"):
        part = getattr(splits, name)
        predicted = model.predict(part.x, batch_size=batch_size, verbose=0)
        for key, value in task.score(part.y, predicted).items():
            scores[f"{name}_{key}"] = value
    return scores


@pytest.mark.slow
def test_predictions_are_those_of_model_predict_bit_for_bit(uneven):
    exp, splits = uneven
    model = builders.build_model(exp, spec=splits.spec)
    xs = [splits.train.x, splits.val.x, splits.test.x]
    for batch_size in (16, 256):  # several batches a split, and one
        expected = [model.predict(x, batch_size=batch_size, verbose=0) for x in xs]
        got = training.predict_splits(model, xs, batch_size)
        for e, g in zip(expected, got):
            assert g.dtype == e.dtype and np.array_equal(g, e)


@pytest.mark.slow
def test_evaluation_metrics_are_unchanged_bit_for_bit(uneven):
    exp, splits = uneven
    model = builders.build_model(exp, spec=splits.spec)
    metrics = training.evaluate(model, splits, exp, {"loss": [1.0]}, "last")
    old = old_evaluate(model, splits, exp, max(exp.train.batch_size, 256))
    assert {k: metrics[k] for k in old} == old


@pytest.mark.slow
def test_evaluating_a_model_per_trial_sets_off_no_retracing_warning(uneven):
    """Before: `predict` per split traced again for each split's shape, and after
    three models TensorFlow warned of excessive retracing."""
    import tensorflow as tf
    exp, splits = uneven
    records = LogRecords(logging.WARNING)
    tf.get_logger().addHandler(records.handler)
    try:
        for _ in range(6):  # a sweep's trials, each a new model
            model = builders.build_model(exp, spec=splits.spec)
            training.evaluate(model, splits, exp, {"loss": [1.0]}, "last")
    finally:
        tf.get_logger().removeHandler(records.handler)
    assert not [m for m in records.messages if "retracing" in m]
