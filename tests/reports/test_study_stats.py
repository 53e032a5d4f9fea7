"""A study report's statistics: sample std, 95% intervals, Welch's test against the best."""

import pandas as pd
from scipy import stats as scipy_stats

from rnnbench.reports import study_report


def frame():
    values = {"lstm": [0.10, 0.11, 0.12], "gru": [0.105, 0.125, 0.115],
              "simple_rnn": [0.30, 0.32, 0.31]}
    return pd.DataFrame([{"variant": v, "test_loss": x} for v, xs in values.items()
                         for x in xs])


def test_each_variant_is_tested_against_the_best_with_welchs_test():
    table = study_report.comparison_table(frame(), "test_loss")
    assert list(table["variant"]) == ["gru", "simple_rnn"]
    assert set(table["against"]) == {"lstm"}  # lowest mean loss
    p = scipy_stats.ttest_ind([0.105, 0.125, 0.115], [0.10, 0.11, 0.12], equal_var=False)
    gru = table.iloc[0]
    assert gru["p"] == f"p = {p.pvalue:.2f}" and gru["result"] == \
        "not distinguishable over 3 seeds"
    assert table.iloc[1]["result"] == "worse" and table.iloc[1]["test"] == "Welch's t-test"
