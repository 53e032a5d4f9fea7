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


# A reference is a check that can fail (issue 25): its block records the naive
# baseline, and its passing range excludes what it must (validated at load).
HEAVY_DATA = ("polyphonic", "news", "news_chars", "sentiment", "mnist1d", "co2")


def _heavy(name, path):
    """`path`'s param, marked slow when its data take seconds to load."""
    heavy = config_lib.load_experiment(path).data.name in HEAVY_DATA
    return pytest.param(name, path, id=name, marks=[pytest.mark.slow] if heavy else [])


REFERENCES = [_heavy(name, path) for name, path in EXPERIMENTS]


@pytest.mark.parametrize("name, path", REFERENCES)
def test_recorded_baseline_is_the_baseline_computed_now(name, path):
    from rnnbench.reports import baselines
    exp = config_lib.load_experiment(path)
    assert exp.reference.baseline is not None, "every shipped reference records its baseline"
    rows = baselines.naive_rows(exp)  # what `rnnbench baseline NAME` prints
    computed = next(r["value"] for r in rows
                    if r["metric"] == "test_" + exp.reference.metric.partition("_")[2])
    assert exp.reference.baseline == float(f"{computed:.4g}")


@pytest.mark.parametrize("name, path", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_reference_range_excludes_what_its_claim_excludes(name, path):
    ref = config_lib.load_experiment(path).reference
    low, high = ref.value - ref.tolerance, ref.value + ref.tolerance
    assert (low <= ref.baseline <= high) == (ref.expect == "baseline")
    assert all(not low <= c.figure <= high for c in ref.compares)
    if ref.expect == "baseline":  # it fails when the model learns: the sibling's figure
        sibling = re.match(r"(\w+)'s mean", ref.compares[0].label)
        if sibling:  # else a 1-NN figure, checked by the next test
            assert ref.compares[0].figure == \
                config_lib.load_experiment(sibling.group(1)).reference.value
        header = path.read_text().split("description:")[0]
        assert "expect: baseline" in header, "the header says the range sits on the baseline"


ONE_NN = [(n, p) for n, p in EXPERIMENTS if "label: \"1-NN" in p.read_text()]


@pytest.mark.parametrize("name, path", ONE_NN, ids=[n for n, _ in ONE_NN])
def test_compared_one_nn_figure_is_computed_now(name, path):
    from rnnbench.data import one_nn
    exp = config_lib.load_experiment(path)
    figure = next(c.figure for c in exp.reference.compares if c.label.startswith("1-NN"))
    assert figure == round(one_nn.one_nn_euclidean(exp.data.name)["accuracy"], 4)


LEARNS = [param for param in REFERENCES if "expect: baseline" not in param.values[1].read_text()]


@pytest.mark.parametrize("name, path", LEARNS)
@pytest.mark.slow
def test_untrained_model_fails_the_reference(name, path):
    """Built, not fitted, scored as a run scores the test split: outside the range."""
    import keras

    from rnnbench.runs import training
    exp = config_lib.load_experiment(path)
    keras.utils.set_random_seed(exp.seed)
    splits = config_lib.dataset_of(exp).load(
        dict(exp.data.params), None if exp.data.split is None else
        {"val": exp.data.split.val, "test": exp.data.split.test}, exp.data.scale, exp.seed)
    model = builders.build_model(exp)
    predicted, = training.predict_splits(model, [splits.test.x], 256)
    score = config_lib.task_of(exp).score(splits.test.y, predicted, splits.inverse_transform,
                                          **splits.score_context)
    ref = exp.reference
    untrained = score[ref.metric.partition("_")[2]]
    assert abs(untrained - ref.value) > ref.tolerance, (untrained, ref.value, ref.tolerance)
