"""References as distributions over seeds: the tolerance rule, the block, reproduce."""

import json
import math
import re

import pytest
import yaml
from helpers import experiment_dict, write_experiment

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.runs import references


def test_the_tolerance_is_three_stds_of_a_difference_of_means():
    # std 0.08 over 5 seeds against 5 new ones: 3 * 0.08 * sqrt(2/5) = 0.1518 -> 0.16
    assert references.tolerance(0.08, 5, 5, 0.9) == 0.16
    # against one new run the difference is wider: 3 * 0.08 * sqrt(1/5 + 1) = 0.263
    assert references.tolerance(0.08, 5, 1, 0.9) == 0.27
    # no spread at all: the floor, 0.5 % of the value
    assert references.tolerance(0.0, 3, 3, 0.5) == 0.0025


def test_measure_gives_mean_std_seeds_and_the_rules_tolerance():
    block = references.measure("test_accuracy", {42: 0.98, 1: 0.82, 2: 0.86})
    assert block["seeds"] == [42, 1, 2]
    assert block["value"] == pytest.approx(0.8867, abs=1e-4)
    assert block["std"] == pytest.approx(0.08327, abs=1e-5)
    assert block["tolerance"] >= 3 * block["std"] * math.sqrt(2 / 3)
    with pytest.raises(UserError, match="at least 3 seeds"):
        references.measure("test_accuracy", {42: 0.98, 1: 0.82})


def test_a_reference_over_seeds_must_state_std_and_three_distinct_seeds(tmp_path):
    raw = experiment_dict()
    for bad, path in (({"seeds": [1, 2, 3]}, "reference.std"),
                      ({"std": 0.1}, "reference.seeds"),
                      ({"std": 0.1, "seeds": [1, 2]}, "reference.seeds"),
                      ({"std": 0.1, "seeds": [1, 1, 2]}, "reference.seeds")):
        raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 0.1, **bad}
        with pytest.raises(UserError, match=f"`{path}`"):
            config_lib.validate(raw, source="<test>")


def test_an_old_single_seed_block_still_loads_and_stands_for_the_experiments_seed():
    raw = experiment_dict()
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 0.1}
    exp = config_lib.validate(raw, source="<test>")
    assert exp.reference.seeds == () and exp.reference.std is None
    assert exp.reference.run_seeds(exp.seed) == (exp.seed,)
    # its stated tolerance is kept whatever the number of runs
    assert references.reference_tolerance(exp.reference, 3) == 0.1


def test_another_number_of_runs_gets_the_rules_tolerance_for_it():
    raw = experiment_dict()
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 0.14,
                        "std": 0.08, "seeds": [42, 1, 2, 3, 4]}
    ref = config_lib.validate(raw, source="<test>").reference
    assert references.reference_tolerance(ref, 5) == 0.14  # as measured
    assert references.reference_tolerance(ref, 1) == 0.27
    assert references.reference_tolerance(ref, 1, override=0.5) == 0.5


EXPERIMENT_TEXT = """\
# A header comment that must survive.
#   rnnbench run x
seed: 42
data: {name: toy, task: regress, task_hint: regress}
model:
  layers:
  - {cell: lstm, units: 4}
train: {epochs: 1, batch_size: 16}
reference:
  metric: test_loss
  value: 0.98
  tolerance: 0.16   # seeds 42/1/2 gave 0.98, 0.82, 0.86
# a comment about what follows
description: after the block
"""


def test_writing_a_block_replaces_only_the_block(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(EXPERIMENT_TEXT)
    values = {42: 1.25, 1: 1.0, 2: 1.5}
    block = references.measure("test_loss", values)
    references.write_block(path, block, values)
    text = path.read_text()
    assert text.startswith("# A header comment that must survive.\n#   rnnbench run x\n")
    assert "0.16" not in text and "# a comment about what follows\ndescription:" in text
    assert "42: 1.25, 1: 1, 2: 1.5" in text  # the per-seed values, as a comment
    loaded = config_lib.load_experiment(str(path))
    assert loaded.reference.seeds == (42, 1, 2)
    assert loaded.reference.value == 1.25 and loaded.reference.std == 0.25
    assert loaded.description == "after the block"
    # written again, the block and its comment are replaced, not repeated
    block = references.measure("test_loss", {**values, 42: 2.0})
    references.write_block(path, block, {**values, 42: 2.0})
    again = path.read_text()
    assert again.count("reference:") == 2 and again.count("tolerance = max") == 1
    assert len(again.splitlines()) == len(text.splitlines())
    assert again.split("seeds: [42, 1, 2]")[1] == text.split("seeds: [42, 1, 2]")[1]


@pytest.fixture(scope="module")
def three_seeds(tmp_path_factory):
    """A tiny experiment file and its runs with seeds 5, 6 and 7."""
    root = tmp_path_factory.mktemp("three_seeds")
    raw = experiment_dict(task="classify", cells=("gru",), epochs=1)
    raw["name"] = "three"
    path = write_experiment(raw, root, "three")
    for seed in (5, 6, 7):
        assert main(["run", str(path), "--seed", str(seed), "--results-dir",
                     str(root / "results")]) == 0
    return path, root / "results"


def runs_metric(results, metric="test_accuracy"):
    out = {}
    for manifest in results.glob("*/*/manifest.json"):
        seed = json.loads(manifest.read_text())["seed"]
        out[seed] = json.loads((manifest.parent / "metrics.json").read_text())[metric]
    return out


@pytest.mark.slow
def test_a_block_is_rebuilt_from_run_folders_and_reproduce_runs_its_seeds(
        three_seeds, tmp_path, capsys):
    path, results = three_seeds
    exp = config_lib.load_experiment(str(path))
    values = references.run_values(results, exp, "test_accuracy", [5, 6, 7])
    assert values == runs_metric(results)
    block = references.measure("test_accuracy", values)
    edited = tmp_path / "three.yaml"
    edited.write_text(path.read_text())
    references.write_block(edited, block, values)
    again = tmp_path / "again"
    code = main(["reproduce", str(edited), "--results-dir", str(again)])
    out = capsys.readouterr().out
    assert code == 0, out
    # no `--seeds`: the reference's own seeds ran, and the same seeds give the same values
    assert runs_metric(again) == values
    assert "±" in out and "reproduced" in out and "NOT" not in out


@pytest.mark.slow
def test_runs_of_another_config_are_not_taken_for_the_reference(three_seeds, tmp_path):
    path, results = three_seeds
    raw = yaml.safe_load(path.read_text())
    raw["train"]["epochs"] = 2
    other = config_lib.load_experiment(str(write_experiment(raw, tmp_path, "three")))
    with pytest.raises(UserError, match=r"seed\(s\) \[5, 6, 7\]"):
        references.run_values(results, other, "test_accuracy", [5, 6, 7])


@pytest.mark.slow
def test_a_single_seed_reference_runs_one_seed_and_says_so(three_seeds, tmp_path, capsys):
    path, _ = three_seeds
    raw = yaml.safe_load(path.read_text())
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 10.0}
    old = write_experiment(raw, tmp_path, "old")
    assert main(["reproduce", str(old), "--results-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert len(list((tmp_path / "r").glob("*/*/metrics.json"))) == 1
    assert "is one seed's value" in out


# A reference is a check that can fail (issue 25).
SIBLING = [{"figure": 0.2, "label": "the sibling's mean"}]


@pytest.mark.parametrize("extra, key", [
    ({"baseline": 1.05}, "reference.baseline"),  # learns, range [0.9, 1.1] holds it
    ({"baseline": 2.0, "compares": [{"figure": 0.95, "label": "1-NN"}]},
     "reference.compares[0].figure"),
    ({"expect": "baseline", "baseline": 2.0, "compares": SIBLING}, "reference.baseline"),
    ({"expect": "baseline", "compares": SIBLING}, "reference.baseline"),
    ({"expect": "baseline", "baseline": 1.0}, "reference.compares"),
    ({"expect": "baseline", "baseline": 1.0, "compares": [{"figure": 1.08, "label": "x"}]},
     "reference.compares[0].figure"),
    ({"expect": "learned"}, "reference.expect"),
])
def test_a_range_that_cannot_fail_its_claim_is_refused_naming_the_key(extra, key):
    raw = experiment_dict()
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 0.1, **extra}
    with pytest.raises(UserError, match=re.escape(f"`{key}`")) as error:
        config_lib.validate(raw, source="<test>")
    assert error.value.path == key


@pytest.mark.parametrize("extra", [
    {"baseline": 2.0, "compares": [{"figure": 0.5, "label": "1-NN"}]},
    {"expect": "baseline", "baseline": 1.05, "compares": SIBLING},
])
def test_a_range_that_can_fail_loads(extra):
    raw = experiment_dict()
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 0.1, **extra}
    ref = config_lib.validate(raw, source="<test>").reference
    assert ref.baseline == extra["baseline"] and len(ref.compares) == len(extra["compares"])


def test_the_cli_refuses_such_a_file_with_exit_2(tmp_path, capsys):
    raw = experiment_dict()
    raw["reference"] = {"metric": "test_loss", "value": 1.0, "tolerance": 0.1,
                        "baseline": 1.0}
    path = write_experiment(raw, tmp_path, "cannot_fail")
    assert main(["show", str(path)]) == 2
    assert "reference.baseline" in capsys.readouterr().err


def test_the_block_writes_baseline_expect_and_compares_and_reads_back(tmp_path):
    values = {42: 1.0, 1: 1.02, 2: 0.98}
    block = references.measure("test_loss", values, baseline=1.5, expect="baseline",
                               compares=SIBLING)
    text = references.block_text(block, values)
    read = yaml.safe_load(text)["reference"]
    assert read["expect"] == "baseline" and read["baseline"] == 1.5
    assert read["compares"] == SIBLING


def test_verdict_lines_give_interval_tests_and_words():
    raw = experiment_dict(task="classify")
    raw["reference"] = {"metric": "test_accuracy", "value": 0.9, "std": 0.01,
                        "tolerance": 0.025, "seeds": [1, 2, 3], "baseline": 0.5,
                        "compares": [{"figure": 0.87, "label": "1-NN"}]}
    ref = config_lib.validate(raw, source="<test>").reference
    lines = references.verdict_lines(ref, {1: 0.9, 2: 0.91, 3: 0.89}, 0.025)
    assert "95% CI [" in lines[0] and "n=3, sample std" in lines[0]
    assert "Welch's t-test" in lines[1] and "not distinguishable over 3 seeds" in lines[1]
    assert "naive baseline 0.5: better (one-sample t-test, p < 0.001)" in lines[2]
    assert "1-NN 0.87: better (one-sample t-test, p = 0.035)" in lines[3]
    assert not any(line.startswith("warning:") for line in lines)
    # one run's range, [0.865, 0.935], holds 1-NN: that reproduction says it cannot check it
    wide = references.reference_tolerance(ref, 1)
    lines = references.verdict_lines(ref, {1: 0.9}, wide)
    assert "not tested (1 seed)" in lines[2]
    assert [line for line in lines if line.startswith("warning:")] == [
        "warning: with 1 run(s) the passing range [0.865, 0.935] holds 1-NN 0.87: this "
        "reproduction cannot check the claim; run more seeds"]
