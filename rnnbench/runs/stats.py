"""The statistics every comparison in rnnbench uses, in one place.

One definition of spread: the sample standard deviation (ddof 1) over seeds.
An interval is the 95 % confidence interval of a mean over n seeds, from
Student's t with n - 1 degrees of freedom. A comparison with one published
number is a one-sample t-test of the seeds' mean against it; a comparison of
two of our models is Welch's t-test (unequal variances) on their per-seed
values. Both are two-sided at `ALPHA`. The words follow the result
(`wording`): "better" or "worse" when the test rejects equality, "level"
when it does not and the interval of the difference lies within `LEVEL`
(1 %) of the compared figure, otherwise "not distinguishable over n seeds".
"""

import math
import statistics

ALPHA = 0.05  # two-sided significance level of every test
CONFIDENCE = 0.95  # of every interval
LEVEL = 0.01  # "level": the difference's interval within 1 % of the figure
SAME = 1e-6  # relative: seeds with no spread this close to a figure are that figure


def summary(values):
    """`(mean, sample std or None, n)` of `values`."""
    values = list(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return statistics.fmean(values), std, len(values)


def _t_quantile(n):
    from scipy import stats
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))


def interval(mean, std, n):
    """The 95 % confidence interval `(low, high)` of a mean over `n` seeds, or None."""
    if std is None or n < 2:
        return None
    half = _t_quantile(n) * std / math.sqrt(n)
    return mean - half, mean + half


def one_sample(mean, std, n, figure):
    """`(t, p)` of the one-sample t-test of a mean over `n` seeds against `figure`.

    None for fewer than two seeds. A zero spread gives p 0, or 1 at equality:
    within `SAME` of the figure, float32 rounding (every seed kept the naive
    forecast, scored in float32 beside the baseline's float64, is the baseline).
    """
    if std is None or n < 2:
        return None
    from scipy import stats
    if std <= SAME * abs(mean):  # no spread beyond rounding
        if math.isclose(mean, figure, rel_tol=SAME, abs_tol=SAME):
            return 0.0, 1.0
        return math.copysign(math.inf, mean - figure), 0.0
    t = (mean - figure) / (std / math.sqrt(n))
    return t, float(2 * stats.t.sf(abs(t), n - 1))


def welch(a, b):
    """`(t, p)` of Welch's t-test between two `summary` triples, or None."""
    (m1, s1, n1), (m2, s2, n2) = a, b
    if s1 is None or s2 is None or n1 < 2 or n2 < 2:
        return None
    if s1 == 0 and s2 == 0:
        return (0.0, 1.0) if m1 == m2 else (math.copysign(math.inf, m1 - m2), 0.0)
    from scipy import stats
    t, p = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    return float(t), float(p)


def difference_interval(a, b):
    """The 95 % interval of mean(a) - mean(b) (Welch-Satterthwaite), or None."""
    (m1, s1, n1), (m2, s2, n2) = a, b
    if s1 is None or n1 < 2:
        return None
    if s2 is None or n2 < 2:  # a single published figure: no spread of its own
        low, high = interval(m1, s1, n1)
        return low - m2, high - m2
    from scipy import stats
    v1, v2 = s1 ** 2 / n1, s2 ** 2 / n2
    if v1 + v2 == 0:
        return m1 - m2, m1 - m2
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(v1 + v2)
    return m1 - m2 - half, m1 - m2 + half


def wording(diff, p, n, higher_is_better, diff_interval=None, figure=None):
    """"better", "worse", "level" or "not distinguishable over n seeds".

    Args:
        diff: ours minus the compared figure.
        p: the test's two-sided p-value (None: no test, fewer than two seeds).
        n: our seeds.
        diff_interval: the 95 % interval of `diff`, for "level".
        figure: the compared figure, whose 1 % is the "level" margin.
    """
    if p is None:
        return f"not tested ({n} seed{'s' if n != 1 else ''})"
    if p < ALPHA:
        return "better" if (diff > 0) == bool(higher_is_better) else "worse"
    if diff_interval is not None and figure is not None and \
            max(abs(diff_interval[0]), abs(diff_interval[1])) <= LEVEL * abs(figure):
        return "level"
    return f"not distinguishable over {n} seeds"


def compare_to_figure(values_summary, figure, higher_is_better):
    """`{"test", "p", "words", "interval"}`: our seeds (a `summary`) against one number."""
    mean, std, n = values_summary
    tested = one_sample(mean, std, n, figure)
    p = None if tested is None else tested[1]
    diff_interval = difference_interval(values_summary, (figure, None, 1))
    return {"test": "one-sample t-test", "p": p,
            "words": wording(mean - figure, p, n, higher_is_better, diff_interval, figure),
            "interval": interval(mean, std, n)}


def compare_two(ours, theirs, higher_is_better):
    """`{"test", "p", "words"}`: two of our models' seeds (`summary` triples), Welch's test."""
    tested = welch(ours, theirs)
    p = None if tested is None else tested[1]
    n = ours[2] if ours[2] == theirs[2] else f"{ours[2]} and {theirs[2]}"
    return {"test": "Welch's t-test", "p": p,
            "words": wording(ours[0] - theirs[0], p, n, higher_is_better,
                             difference_interval(ours, theirs), theirs[0])}


def p_text(p):
    """A p-value as text: "p = 0.031", "p < 0.001", or "" without a test."""
    if p is None:
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def interval_text(bounds):
    """"[0.91, 0.94]" (4 significant digits), or "" without an interval."""
    return "" if bounds is None else f"[{bounds[0]:.4g}, {bounds[1]:.4g}]"
