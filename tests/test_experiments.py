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
    names = config.task_of(exp).metric_names(config.data_spec(exp), lambda v: v)
    assert metric in names
