"""Keys that act late in a run are checked at validation, without TensorFlow."""

import numpy as np
import pytest
import yaml
from helpers import experiment_dict, imports_after, rnnbench_process

from rnnbench.config import experiment as config_lib
from rnnbench.config import run_keys
from rnnbench.config.activation_names import ACTIVATIONS
from rnnbench.config.registry import TASKS
from rnnbench.errors import UserError


def validate(task="regress", head=None, early_stopping=None, reference=None):
    raw = experiment_dict(task=task)
    if head is not None:
        raw["model"]["head"] = head
    if early_stopping is not None:
        raw["train"]["early_stopping"] = early_stopping
    if reference is not None:
        raw["reference"] = reference
    return config_lib.validate(raw, source="<test>")


def error_of(**kwargs):
    with pytest.raises(UserError) as info:
        validate(**kwargs)
    return str(info.value)


def test_an_unknown_head_activation_is_an_error_with_a_close_match():
    message = error_of(head=[{"units": 3}, {"units": 2, "activation": "relux"}])
    assert "Expected `model.head[1].activation` to be a Keras activation" in message
    assert "Received: 'relux'" in message and "did you mean 'relu'" in message


@pytest.mark.parametrize("activation", ["relu", "gelu", "linear", None])
def test_keras_activations_and_none_pass(activation):
    exp = validate(head=[{"units": 3, "activation": activation}])
    assert exp.model.head[0].activation == activation


def test_the_activation_names_match_the_installed_keras():
    assert run_keys.generate_activations() == ACTIVATIONS, (
        "Keras' activations changed: python -m rnnbench.config.run_keys")


@pytest.mark.parametrize("task, monitor, hint", [
    ("regress", "val_los", "did you mean 'val_loss'"),
    ("regress", "val_accuracy", "'val_mae'"),  # regression logs no accuracy
    ("classify", "val_acc", "did you mean 'val_accuracy'"),
])
def test_an_unknown_monitor_is_an_error_listing_what_the_task_logs(task, monitor, hint):
    message = error_of(task=task, early_stopping={"monitor": monitor})
    assert ("Expected `train.early_stopping.monitor` to be a metric the task logs "
            "during training") in message
    assert f"Received: {monitor!r}" in message and hint in message


@pytest.mark.parametrize("task, monitor", [
    ("regress", "val_rmse"), ("forecast", "mae"), ("classify", "val_accuracy"),
    ("sequence_label", "accuracy"), ("language_model", "val_loss")])
def test_a_metric_the_task_logs_is_a_valid_monitor(task, monitor):
    stop = validate(task=task, early_stopping={"monitor": monitor, "mode": "auto"})
    assert stop.train.early_stopping.monitor == monitor


def test_an_unknown_mode_is_an_error():
    message = error_of(early_stopping={"mode": "maximum"})
    assert "Expected `train.early_stopping.mode` to be one of ['auto', 'min', 'max']" \
        in message


@pytest.mark.parametrize("task, metric, hint", [
    ("regress", "test_rmsee", "did you mean 'test_rmse'"),
    ("classify", "test_rmse", "'test_accuracy'"),
    ("regress", "rmse", "did you mean"),  # needs its split
])
def test_an_unknown_reference_metric_is_an_error(task, metric, hint):
    message = error_of(task=task, reference={"metric": metric, "value": 0.5})
    assert ("Expected `reference.metric` to be a metric of the model that the run "
            "writes to metrics.json") in message
    assert f"Received: {metric!r}" in message and hint in message


@pytest.mark.parametrize("task, metric", [
    ("regress", "test_rmse"), ("forecast", "val_mase"), ("classify", "train_accuracy"),
    ("language_model", "test_perplexity")])
def test_a_metric_the_run_writes_is_a_valid_reference(task, metric):
    assert validate(task=task, reference={"metric": metric, "value": 1.0}
                    ).reference.metric == metric


def test_show_refuses_an_unknown_monitor_with_exit_2_without_tensorflow():
    override = "train.early_stopping.monitor=val_acuracy"
    done = rnnbench_process("show", "gunpoint_lstm", "--set", override)
    assert done.returncode == 2
    assert "did you mean 'val_accuracy'" in done.stderr and "Traceback" not in done.stderr
    assert "tensorflow" not in imports_after(
        "from rnnbench.config import experiment as c\n"
        f"try:\n    c.load_experiment('gunpoint_lstm', [{override!r}])\n"
        "except Exception:\n    pass")


def test_run_refuses_an_unknown_monitor_before_making_a_run_folder(tmp_path):
    from rnnbench.cli import main
    raw = experiment_dict(task="regress")
    raw["train"]["early_stopping"] = {"monitor": "val_accuracy"}
    path = tmp_path / "bad_monitor.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["run", str(path), "--results-dir", str(tmp_path / "results")]) == 2
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("task", ["regress", "forecast", "classify", "sequence_label",
                                  "language_model", "polyphonic_nll"])
@pytest.mark.slow
def test_fit_metric_names_are_what_keras_logs(task):
    """The TF-free names equal the keys of Keras' logs (evaluated, not trained)."""
    from rnnbench.models import builders
    if task == "polyphonic_nll":
        raw = experiment_dict()
        raw["data"] = {"name": "polyphonic", "task": task}
    else:
        raw = experiment_dict(task=task)
    exp = config_lib.validate(raw, source="<test>")
    spec = config_lib.data_spec(exp)
    model = builders.build_model(exp, spec=spec)
    steps = 4
    x = np.ones((2,) + tuple(steps if d is None else d for d in spec.input_shape),
                dtype=spec.input_dtype)
    predicted = model.predict(x, verbose=0)
    sparse = task in ("classify", "sequence_label", "language_model")  # class-id targets
    y = np.zeros(predicted.shape[:-1], "int32") if sparse else np.zeros_like(predicted)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == set(TASKS.get(task)().fit_metric_names(validation=False))
