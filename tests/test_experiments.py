"""Every shipped experiment and sweep loads, validates, builds and says how to run it."""

import re

import pytest

from rnnbench import builders, config, paths

EXPERIMENTS = sorted(paths.named_files([paths.REPO_ROOT / "experiments"]).items())
SWEEPS = sorted(paths.named_files([paths.REPO_ROOT / "tuning"]).items()) \
    if (paths.REPO_ROOT / "tuning").is_dir() else []


def test_experiments_are_shipped():
    assert {"adding_lstm", "adding_simple_rnn", "sunspots_lstm"} <= dict(EXPERIMENTS).keys()


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_experiment_loads_validates_and_builds(name, path):
    exp = config.load_experiment(path)
    assert exp.name == name
    assert exp.description
    model = builders.build_model(exp)
    assert model.count_params() > 0


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_experiment_header_says_how_to_run_it_and_what_it_reaches(name, path):
    header = "\n".join(line for line in path.read_text().splitlines()
                       if line.startswith("#"))
    assert f"rnnbench run {name}" in header
    assert re.search(r"runtime: .*\d.* on 2 CPU cores", header), "expected runtime line"
    exp = config.load_experiment(path)
    assert exp.reference is not None, "every shipped experiment has a reference block"
    assert exp.reference.metric in header and f"{exp.reference.value:g}" in header


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_reference_metric_is_one_the_run_writes(name, path):
    exp = config.load_experiment(path)
    part, _, metric = exp.reference.metric.partition("_")
    assert part in ("train", "val", "test")
    task = config.task_of(exp)
    spec = config.data_spec(exp)
    import numpy as np
    n = 2
    if spec.num_classes and task.per_step:
        y, pred = np.zeros((n, 3), int), np.full((n, 3, spec.num_classes), 1 / spec.num_classes)
    elif spec.num_classes:
        y, pred = np.zeros(n, int), np.full((n, spec.num_classes), 1 / spec.num_classes)
    else:
        y, pred = np.zeros((n, spec.output_dim)), np.ones((n, spec.output_dim))
    assert metric in task.score(y, pred, inverse_transform=lambda v: v)
