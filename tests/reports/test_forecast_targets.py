"""The shipped forecast experiments' target transform (issue 31): rnnbench new's rule,
written with its measured reason, the reference measured from its runs; and the
forecast table of experiments/README.md and docs/forecasting.md."""

import json
import re
import statistics

import pytest

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.reports import experiment_tables, forecast_targets

KEPT = json.loads((paths.REPO_ROOT / "benchmarks" / "target_defaults.json").read_text())
SERIES = [(name, path) for name, path in sorted(
    paths.named_files([paths.REPO_ROOT / "experiments"]).items())
    if config_lib.load_experiment(path).data.task == "forecast"
    and hasattr(config_lib.dataset_of(config_lib.load_experiment(path)), "series_values")]


def test_every_shipped_series_experiment_is_covered():
    assert len(SERIES) >= 8 and {"airline_lstm", "co2_gru", "sine_lstm"} <= dict(SERIES).keys()


@pytest.mark.parametrize("name, path", SERIES, ids=[n for n, _ in SERIES])
def test_the_target_is_the_rules_and_the_reference_its_runs(name, path):
    exp = config_lib.load_experiment(path)
    record = KEPT[name]
    assert forecast_targets.rule_choice(exp) == (record["rule"], record["why"])
    assert record["chosen"] == record["rule"] == exp.data.params["target_transform"]
    chosen = record["variants"][record["chosen"]]
    seeds = [str(s) for s in record["seeds"]]
    assert len(seeds) >= 5 and all(list(v) == seeds for v in chosen.values())
    # The reference block is the mean and sample std of the chosen transform's runs.
    ref = exp.reference
    assert ref.metric in chosen and [str(s) for s in ref.seeds] == seeds
    values = list(chosen[ref.metric].values())
    assert ref.value == float(f"{statistics.fmean(values):.4g}")
    assert ref.std == float(f"{statistics.stdev(values):.4g}")
    text = path.read_text()
    assert forecast_targets.set_target(text, record) == text, \
        "the YAML comment is the rule's measured reason, as written"


def variants(val_none, val_diff, test_none, test_diff):
    return {"none": {"val_mase": {"1": val_none}, "test_mase": {"1": test_none}},
            "difference": {"val_mase": {"1": val_diff}, "test_mase": {"1": test_diff}}}


def test_the_choice_is_the_rule_and_its_note_reads_validation_never_test():
    for val_none, val_diff in ((0.9, 0.5), (0.5, 0.9)):
        chosen, note = forecast_targets.choose(
            "difference", variants(val_none, val_diff, 0.123, 4.56))
        assert chosen == "difference"
        assert f"difference {val_diff:.4g}, none {val_none:.4g}" in note
        assert "0.123" not in note and "4.56" not in note
    assert forecast_targets.choose("none", {}) == ("none", "")
    assert forecast_targets.choose("difference", {"difference": {}}) == ("difference", "")


def test_set_target_replaces_only_the_key_and_its_comment():
    text = ("# header\nseed: 42\ndata:\n  name: sine\n  window: 30\n"
            "model:\n  layers:\n  - {cell: lstm, units: 4}\n")
    record = {"rule": "difference", "why": "difference: " + "a long reason " * 8,
              "chosen": "difference", "validation": ""}
    once = forecast_targets.set_target(text, record)
    assert once.startswith("# header\nseed: 42\ndata:\n  name: sine\n  window: 30\n"
                           "  # target_transform difference, by rnnbench new's rule")
    assert once.endswith("  target_transform: difference\nmodel:\n  layers:\n"
                         "  - {cell: lstm, units: 4}\n")
    assert forecast_targets.set_target(once, record) == once
    again = forecast_targets.set_target(once, dict(record, rule="none", chosen="none",
                                                   why="none: " + "within limits " * 8))
    assert again.count("target_transform") == 2 and "long reason" not in again
    assert "  target_transform: none\nmodel:" in again


def test_the_forecast_table_tests_the_model_against_each_baseline():
    found = experiment_tables.from_references(["airline_lstm", "sine_lstm", "gunpoint_gru"])
    rows = {line.split(" | ")[0]: line.split(" | ")
            for line in forecast_targets.forecast_table(found).splitlines()[2:]}
    assert set(rows) == {"| `airline_lstm`", "| `sine_lstm`"}  # forecasts only
    airline = rows["| `airline_lstm`"]
    exp = config_lib.load_experiment("airline_lstm")
    assert airline[1] == exp.data.params["target_transform"]
    base = forecast_targets.baselines(exp)
    assert airline[4] == f"{base['naive'][1]:.4g} (seasonal naive (the value 12 steps back))"
    assert airline[6] == f"{base['persistence']:.4g}" != airline[4].split()[0]
    assert airline[8] == f"{base['ets']:.4g}"  # ETS, as a run's ets_test_mase
    assert all("(one-sample t-test, p" in airline[i] for i in (5, 7, 9))
    assert rows["| `sine_lstm`"][6] == "(the naive baseline)"


NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")
BASELINE_CELLS = (4, 6, 8)  # naive, persistence, ETS: computed now, the rest read from files


def _generated(text, name):
    start, end = f"<!-- generated: {name} -->\n", f"\n<!-- end generated: {name} -->"
    assert start in text and end in text, f"no {name} table"
    return text.partition(start)[2].partition(end)[0]


def _agree(cell_shown, cell_now):
    """Two baseline cells: the same words, figures equal to the CPU's round-off."""
    shown, now = NUMBER.findall(cell_shown), NUMBER.findall(cell_now)
    return (NUMBER.sub("#", cell_shown) == NUMBER.sub("#", cell_now)
            and all(float(a) == pytest.approx(float(b), rel=2e-3) for a, b in zip(shown, now)))


@pytest.mark.slow
@pytest.mark.parametrize("doc", ["experiments/README.md", "docs/forecasting.md"])
def test_the_docs_hold_the_forecast_table_generated_now(doc):
    """The table as generated here, its baselines to within the CPU's round-off.

    The models' MASE comes from the reference blocks and must match exactly; the
    naive, persistence and ETS baselines are computed now, and ETS's optimiser
    moves in the fourth digit from one CPU's BLAS kernels to another's
    (sunspots 1.225 on an AVX-512 host, 1.224 on an AVX2 one).
    """
    now = forecast_targets.forecast_table(experiment_tables.from_references(
        [name for name, _ in SERIES])).splitlines()
    shown = _generated((paths.REPO_ROOT / doc).read_text(), "forecasts").splitlines()
    assert len(shown) == len(now)
    for line_shown, line_now in zip(shown, now):
        cells_shown, cells_now = line_shown.split(" | "), line_now.split(" | ")
        assert len(cells_shown) == len(cells_now), line_now
        for i, (a, b) in enumerate(zip(cells_shown, cells_now)):
            assert _agree(a, b) if i in BASELINE_CELLS else a == b, (a, b, line_now)
