"""Every shipped experiment and sweep loads, validates, builds and says how to run it."""

import re

import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.models import builders

EXPERIMENTS = sorted(paths.named_files([paths.REPO_ROOT / "experiments"]).items())
SWEEPS = sorted(paths.named_files([paths.REPO_ROOT / "tuning"]).items()) \
    if (paths.REPO_ROOT / "tuning").is_dir() else []


def assert_built_as_configured(model, exp):
    """The model's input, recurrent stack and output are what the config and its data say."""
    spec, task = config_lib.data_spec(exp), config_lib.task_of(exp)
    assert model.input_shape == (None, *spec.input_shape)
    assert model.output_shape[-1] == task.output(spec)[0]
    assert len(model.output_shape) == (3 if task.per_step else 2)
    layers = builders.recurrent_layers(model)
    assert [getattr(layer, "forward_layer", layer).cell.units for layer in layers] == \
           [layer.units for layer in exp.model.layers]
    assert [hasattr(layer, "forward_layer") for layer in layers] == \
           [bool(layer.bidirectional) for layer in exp.model.layers]


def test_experiments_are_shipped():
    assert {"adding_lstm", "adding_simple_rnn", "sunspots_lstm"} <= dict(EXPERIMENTS).keys()


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_experiment_loads_validates_and_builds(name, path):
    exp = config_lib.load_experiment(path)
    assert exp.name == name
    assert exp.description
    assert_built_as_configured(builders.build_model(exp), exp)


# "~17K recurrent parameters", "~300K parameters": the budgets the headers and
# descriptions state, which the cells of a family were sized to match.
BUDGETS = [(name, path, claims) for name, path in EXPERIMENTS
           if (claims := re.findall(r"~([\d.]+)K (recurrent )?parameters", path.read_text()))]


@pytest.mark.parametrize("name, path, claims", BUDGETS, ids=[n for n, _, _ in BUDGETS])
def test_stated_parameter_budget_is_the_built_models(name, path, claims):
    model = builders.build_model(config_lib.load_experiment(path))
    recurrent = sum(layer.count_params() for layer in builders.recurrent_layers(model))
    for thousands, only_recurrent in claims:
        count = recurrent if only_recurrent else model.count_params()
        assert count == pytest.approx(float(thousands) * 1000, rel=0.05), (thousands, count)


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_experiment_header_says_how_to_run_it_and_what_it_reaches(name, path):
    header = "\n".join(line for line in path.read_text().splitlines()
                       if line.startswith("#"))
    assert f"rnnbench run {name}" in header
    assert re.search(r"runtime: .*\d.* on 2 CPU cores", header), "expected runtime line"
    exp = config_lib.load_experiment(path)
    assert exp.reference is not None, "every shipped experiment has a reference block"
    assert exp.reference.metric in header and f"{exp.reference.value:g}" in header


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_reference_metric_is_one_the_run_writes(name, path):
    exp = config_lib.load_experiment(path)
    part, _, metric = exp.reference.metric.partition("_")
    assert part in ("train", "val", "test")
    names = config_lib.task_of(exp).metric_names(config_lib.data_spec(exp), lambda v: v)
    assert metric in names


def test_sweeps_are_shipped():
    assert {"sunspots_arch", "adding_cells", "sunspots_hyperband"} <= dict(SWEEPS).keys()


@pytest.mark.parametrize("name, path", SWEEPS, ids=[n for n, _ in SWEEPS])
def test_sweep_loads_declares_its_space_and_builds(name, path):
    from rnnbench.sweeps import definition, tuning
    sweep, base_raw = definition.load_sweep(path)  # also checks the space fits
    assert sweep.name == name and sweep.description
    assert f"rnnbench tune {name}" in path.read_text()
    hp = tuning.declare_space(sweep)
    assert {p.path for p in sweep.params} == {h.name for h in hp.space}
    exp = config_lib.validate(definition.trial_raw(base_raw, tuning.active_values(sweep, hp)))
    assert_built_as_configured(builders.build_model(exp), exp)


STUDIES = sorted(paths.named_files([paths.REPO_ROOT / "studies"]).items())


def test_studies_are_shipped():
    assert {"adding_cells", "sunspots_cells"} <= dict(STUDIES).keys()


@pytest.mark.parametrize("name, path", STUDIES, ids=[n for n, _ in STUDIES])
def test_study_loads_and_every_variant_validates(name, path):
    from rnnbench.reports import study
    spec, base = study.load_study(path)  # validates every variant
    assert spec.name == name and spec.description
    assert f"rnnbench study {name}" in path.read_text()
    assert len(study.variants(spec)) >= 3 and len(spec.seeds) >= 2


def test_experiments_readme_lists_every_experiment_with_its_reference():
    table = (paths.REPO_ROOT / "experiments" / "README.md").read_text()
    for name, path in EXPERIMENTS:
        row = next((line for line in table.splitlines() if line.startswith(f"| `{name}` |")),
                   None)
        assert row is not None, f"{name} is missing from experiments/README.md"
        exp = config_lib.load_experiment(path)
        assert exp.reference.metric in row and f"{exp.reference.value:.4g}" in row
