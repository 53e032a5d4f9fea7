"""experiments/README.md's tables, generated from run folders made by tiny real runs."""

import json
import statistics

import pytest
from helpers import TINY_SWEEP_BASE, write_yaml

from rnnbench.cli import main
from rnnbench.config.experiment import load_experiment
from rnnbench.errors import UserError
from rnnbench.reports import experiment_tables


def test_family_of_reads_the_cell_from_the_name():
    assert experiment_tables.family_of("airline_bilstm") == ("airline", "BiLSTM")
    assert experiment_tables.family_of("adding_t200_simple_rnn") == ("adding_t200",
                                                                     "SimpleRNN")
    assert experiment_tables.family_of("mnist1d") is None


def test_only_the_text_between_the_markers_is_replaced():
    text = ("intro\n<!-- generated: families -->\nold | table\n"
            "<!-- end generated: families -->\nafter\n")
    new = experiment_tables.replace_generated(text, "families", "| new |")
    assert new == ("intro\n<!-- generated: families -->\n| new |\n"
                   "<!-- end generated: families -->\nafter\n")
    with pytest.raises(UserError, match="generated: experiments"):
        experiment_tables.replace_generated(text, "experiments", "| new |")


@pytest.fixture(scope="module")
def tiny_family(tmp_path_factory):
    """Experiments tiny_lstm and tiny_gru, each run with seeds 1 and 2, and one odd run."""
    root = tmp_path_factory.mktemp("tables")
    experiments = root / "experiments"
    experiments.mkdir()
    for cell in ("lstm", "gru"):
        raw = {**TINY_SWEEP_BASE, "model": {"layers": [{"cell": cell, "units": 4}]},
               "reference": {"metric": "test_mse", "value": 0.2, "tolerance": 1.0}}
        write_yaml(experiments / f"tiny_{cell}.yaml", raw)
    env = pytest.MonkeyPatch()
    env.setenv("RNNBENCH_EXPERIMENTS", str(experiments))
    results = root / "results"
    for cell in ("lstm", "gru"):
        for seed in ("1", "2"):
            assert main(["run", f"tiny_{cell}", "--seed", seed,
                         "--results-dir", str(results)]) == 0
    # another config in the same folder: measured something else, must not count
    assert main(["run", "tiny_gru", "--seed", "3", "--epochs", "2",
                 "--results-dir", str(results)]) == 0
    yield results
    env.undo()


def recorded(results, name):
    out = {}
    for path in (results / name).glob("*/metrics.json"):
        seed = json.loads((path.parent / "manifest.json").read_text())["seed"]
        out[seed] = json.loads(path.read_text())
    return out


@pytest.mark.slow
def test_the_tables_hold_what_the_run_folders_hold(tiny_family):
    generated = experiment_tables.tables(tiny_family)
    runs = recorded(tiny_family, "tiny_lstm")
    values = [runs[s]["test_mse"] for s in (1, 2)]
    expected = f"{statistics.fmean(values):.4g} ± {statistics.stdev(values):.2g} (2)"
    row = next(line for line in generated["experiments"].splitlines()
               if line.startswith("| `tiny_lstm`"))
    assert f"| {expected} | [" in row and "] | 1, 2 |" in row
    assert f"{runs[1]['baseline_test_mse']:.4g} (predict 1)" in row
    family = next(line for line in generated["families"].splitlines()
                  if line.startswith("| tiny, test_mse"))
    assert expected in family


@pytest.mark.slow
def test_a_run_of_another_config_is_left_out(tiny_family):
    assert 3 in recorded(tiny_family, "tiny_gru")
    row = next(line for line in experiment_tables.tables(tiny_family)["experiments"]
               .splitlines() if line.startswith("| `tiny_gru`"))
    assert "| 1, 2 |" in row


def shipped_facts(name, values):
    """The `found` entry of a shipped experiment with the given `{seed: value}`."""
    exp = load_experiment(name)
    return {name: {"exp": exp, "metric": exp.reference.metric, "values": values}}


def test_the_music_table_sets_each_run_beside_bai_et_al_with_its_test():
    found = shipped_facts("jsb_gru", {42: 8.5, 1: 8.7})
    found.update(shipped_facts("sunspots_lstm", {42: 0.5, 1: 0.6}))  # not music: no row
    rows = experiment_tables.published_music_table(found, {"jsb_gru": (60, 900)})
    # mean 8.6, sample std 0.1414, n 2: t = 1.7, p = 0.34; 95% CI 8.6 ± 12.71 * 0.1
    assert rows.splitlines()[2:] == [
        "| jsb_chorales, GRU(260) | 8.6 ± 0.14 (2) | [7.329, 9.871] | 8.43 | +0.17 | "
        "not distinguishable over 2 seeds (p = 0.34) | 60 epochs, 900 updates | ~300K "
        "| `jsb_gru` |"]


def test_the_one_nn_table_counts_the_seeds_above_and_tests_against_the_computed_1nn():
    found = shipped_facts("italy_power_demand_gru", {42: 0.96, 1: 0.95, 2: 0.97})
    rows = experiment_tables.published_one_nn_table(found).splitlines()[2:]
    # 1-NN Euclidean on ItalyPowerDemand's archive split: error 0.0447 (published)
    assert rows == ["| italy_power_demand | `italy_power_demand_gru` | 0.96 ± 0.01 (3) "
                    "| [0.9352, 0.9848] | 2 of 3 | 0.9553; 0.9553 | not distinguishable over "
                    "3 seeds (one-sample t-test, p = 0.50) | ≈ 0.965 |"]


def test_the_tables_can_be_made_from_the_reference_blocks():
    found = experiment_tables.from_references(["italy_power_demand_gru", "airline_bilstm"])
    facts = found["italy_power_demand_gru"]
    ref = facts["exp"].reference
    assert facts["summary"] == (ref.value, ref.std, len(ref.seeds))
    assert list(facts["values"]) == list(ref.seeds)  # from the block's comment
    assert facts["baseline"] == ref.baseline and facts["params"] > 0
    row = next(line for line in experiment_tables.experiments_table(found).splitlines()
               if line.startswith("| `airline_bilstm`"))
    assert "| better (p < 0.001) |" in row  # against seasonal naive, one-sample t-test
