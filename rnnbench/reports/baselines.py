"""`rnnbench baseline NAME`: the baselines a result is read against, computed here.

The naive baseline is the one a run scores into `metrics.json`
(`baseline_test_*`: the dataset's `baseline_predict`, scored by the task's
own code, on the same data and seed); for UCR/UEA datasets the 1-NN
Euclidean classifier on the archive's own split is added
(`rnnbench.data.one_nn`); for a forecast series, exponential smoothing fitted
on the training part (`ets_test_*`, `rnnbench.data.statistical`). NumPy and
statsmodels only: no TensorFlow is imported.
"""

import pandas as pd

from rnnbench.data import one_nn
from rnnbench.runs import references

KINDS = ("all", "naive", "one_nn")


def naive_rows(exp):
    """One row per test metric of the dataset's naive baseline, as a run scores it."""
    name, scores = references.naive_scores(exp)  # what a reference's `baseline` records
    return [{"baseline": name, "metric": key, "value": value, "published": None}
            for key, value in scores.items()]


def ets_rows(exp):
    """One row per test metric of the ETS baseline, as a run scores it (none where ETS
    does not apply: not a forecast of one series, e.g. a table with `id_column`)."""
    from rnnbench.config import experiment as config_lib
    from rnnbench.data import cache as data_cache
    from rnnbench.data.statistical import ets_metrics

    found = ets_metrics(exp, data_cache.load(exp), config_lib.task_of(exp), parts=("test",))
    name = found.pop("ets", None)
    return [{"baseline": name, "metric": key[len("ets_"):], "value": value, "published": None}
            for key, value in found.items()]


def one_nn_rows(exp):
    """The 1-NN Euclidean accuracy and error on the archive split (raises if none)."""
    found = one_nn.one_nn_euclidean(exp.data.name)
    what = f"1-NN Euclidean (archive split, {found['train']} train / {found['test']} test)"
    published = found["published_error"]
    return [{"baseline": what, "metric": "test_accuracy", "value": found["accuracy"],
             "published": None if published is None else round(1.0 - published, 4)},
            {"baseline": what, "metric": "test_error", "value": found["error"],
             "published": published}]


def baselines(exp, kind="all"):
    """The table of `exp`'s baselines: naive, 1-NN (where the dataset has it), or both."""
    rows = []
    if kind in ("all", "naive"):
        rows += naive_rows(exp)
    if kind == "all" and exp.data.task == "forecast":
        rows += ets_rows(exp)
    if kind == "one_nn" or (kind == "all" and one_nn.has_one_nn(exp.data.name)):
        rows += one_nn_rows(exp)
    return pd.DataFrame(rows)


def render(frame):
    frame = frame.dropna(axis=1, how="all")
    return frame.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.4f}")
