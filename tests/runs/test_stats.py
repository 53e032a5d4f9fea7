"""The statistics of every comparison: sample std, t intervals, t-tests, the words."""

import pytest
from scipy import stats as scipy_stats

from rnnbench.runs import stats

A = [0.9467, 0.9467, 0.98, 0.7933, 0.9667]
B = [0.82, 0.88, 0.9, 0.79, 0.85, 0.86]


def test_summary_is_mean_and_sample_std():
    mean, std, n = stats.summary(A)
    assert n == 5 and mean == pytest.approx(sum(A) / 5)
    assert std == pytest.approx(float(scipy_stats.tstd(A)))  # ddof 1


def test_interval_and_one_sample_test_match_scipy():
    summary = stats.summary(A)
    low, high = stats.interval(*summary)
    expected = scipy_stats.t.interval(0.95, 4, loc=summary[0], scale=scipy_stats.sem(A))
    assert (low, high) == pytest.approx(expected)
    t, p = stats.one_sample(*summary, 0.9133)
    expected = scipy_stats.ttest_1samp(A, 0.9133)
    assert (t, p) == pytest.approx((expected.statistic, expected.pvalue))
    assert stats.one_sample(0.9, None, 1, 0.5) is None


def test_welch_matches_scipy_on_per_seed_values():
    t, p = stats.welch(stats.summary(A), stats.summary(B))
    expected = scipy_stats.ttest_ind(A, B, equal_var=False)
    assert (t, p) == pytest.approx((expected.statistic, expected.pvalue))


@pytest.mark.parametrize("diff, p, higher, words", [
    (0.05, 0.01, True, "better"), (0.05, 0.01, False, "worse"),
    (-0.05, 0.01, False, "better"), (0.05, 0.3, True, "not distinguishable over 5 seeds"),
    (0.05, None, True, "not tested (5 seeds)"),
])
def test_words_follow_the_test(diff, p, higher, words):
    assert stats.wording(diff, p, 5, higher) == words


def test_level_needs_the_interval_within_one_percent_of_the_figure():
    assert stats.wording(0.001, 0.5, 5, True, (-0.004, 0.006), 1.0) == "level"
    assert stats.wording(0.001, 0.5, 5, True, (-0.004, 0.02), 1.0) == \
        "not distinguishable over 5 seeds"
    assert stats.compare_to_figure(stats.summary(A), 0.9133, True)["words"] == \
        "not distinguishable over 5 seeds"


def test_seeds_without_spread_at_the_figure_up_to_float32_rounding_are_level():
    # Every seed kept the naive forecast: scored in float32, it differs from the
    # float64 baseline in the 6th digit, which is no evidence of "better".
    assert stats.one_sample(3.600857, 0.0, 5, 3.600860) == (0.0, 1.0)
    assert stats.compare_to_figure((3.600857, 0.0, 5), 3.600860, False)["words"] == "level"
    assert stats.one_sample(3.59, 0.0, 5, 3.60)[1] == 0.0
    # identical seeds whose mean and std carry float64 rounding
    assert stats.compare_to_figure(stats.summary([3.600857363993373] * 5), 3.600857363993373,
                                   False)["words"] == "level"
