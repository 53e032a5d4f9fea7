"""The shipped forecast experiments' target transform: the rule, its evidence, the table.

A shipped series experiment takes the `data.target_transform` that `rnnbench new`
would write for its series (`rnnbench.data.own.series_advice.target_choice`, applied
to the built-in series with the experiment's window and split): the rule reads
the training part and the share of val/test targets outside its range, never a
metric, so the default is not fitted to the test split (nor to a validation
score over a handful of seeds). `benchmarks/target_defaults.py` runs the chosen
transform over seeds (and `none` beside it where asked, as evidence) and keeps
the record in `benchmarks/target_defaults.json`; `forecast_table` puts the
reference blocks beside the baselines (naive, persistence, ETS) in
experiments/README.md and docs/forecasting.md.
"""

import dataclasses
import statistics

from rnnbench.config import experiment as config_lib
from rnnbench.data import tasks
from rnnbench.runs import references, stats

SELECT_METRIC = "val_mase"  # the evidence beside the rule: validation, never test
TABLE_METRIC = "test_mase"


def rule_choice(exp):
    """`(transform, why)` that `rnnbench new`'s rule gives for `exp`'s series.

    The series in original units, cut with the experiment's window and split
    fractions, exactly as `rnnbench new` measures a file's target column.
    """
    from rnnbench.data.own.series_advice import target_choice
    dataset = config_lib.dataset_of(exp)
    params = dataset.with_defaults(dict(exp.data.params))
    split = exp.data.split
    transform, why, _ = target_choice(dataset.series_values(params), params["window"],
                                      split.val, split.test)
    return transform, why


def with_transform(exp, transform, seed=None):
    """`exp` with `data.target_transform` set (and the seed, when given)."""
    raw = config_lib.to_dict(exp)
    raw["data"]["target_transform"] = transform
    if seed is not None:
        raw["seed"] = seed
    return config_lib.validate(raw)


def variant_values(root, exp, transform, seeds):
    """`{metric: {seed: value}}` of `exp` with `transform`, from the runs under `root`."""
    variant = with_transform(exp, transform)
    runs = references.comparable_runs(root, variant)
    return {metric: references.run_values(root, variant, metric, seeds, runs=runs)
            for metric in (SELECT_METRIC, TABLE_METRIC)}


def choose(rule, variants):
    """The rule's transform, and a note comparing it with `none` on validation.

    The comparison is evidence of what the rule changed, not a second rule: the
    chosen transform is always `rule`.

    Returns:
        `(rule, note)`; the note is empty without runs of both.
    """
    if rule == "none" or not {"none", rule} <= variants.keys():
        return rule, ""
    means = {t: statistics.fmean(variants[t][SELECT_METRIC].values()) for t in ("none", rule)}
    n = len(variants[rule][SELECT_METRIC])
    return rule, (f"mean val MASE over {n} seeds: {rule} {means[rule]:.4g}, "
                  f"none {means['none']:.4g}")


def evidence(name, rule, why, variants, seeds, command):
    """The record kept per experiment in `benchmarks/target_defaults.json`."""
    chosen, note = choose(rule, variants)
    return {"rule": rule, "why": why, "chosen": chosen, "validation": note,
            "seeds": list(seeds), "command": command,
            "variants": {t: {m: {str(s): v for s, v in values.items()}
                             for m, values in per.items()}
                         for t, per in variants.items()}}


def baselines(exp):
    """`{"naive": (name, x), "persistence": x, "ets": x or None}`: test MASE, computed now.

    Each scored on `exp`'s test split by the task's own `score` (the MASE scale
    is the experiment's, from its `season`), as a run scores its naive baseline
    and ETS; persistence is the last value of each window.
    """
    from rnnbench.data import series, statistical
    splits = config_lib.dataset_of(exp).load(
        dict(exp.data.params), dataclasses.asdict(exp.data.split), exp.data.scale, exp.seed)
    task = config_lib.task_of(exp)

    def mase(predicted):
        return task.score(splits.test.y, predicted, splits.inverse_transform,
                          **splits.score_context)["mase"]
    x = splits.test.x
    ets = statistical.ets_metrics(exp, splits, task, parts=("test",)).get("ets_test_mase")
    return {"naive": (splits.baseline_name, mase(splits.baseline_predict(x))),
            "persistence": mase(series.seasonal_naive(x, exp.data.params.get("horizon", 1), 1)),
            "ets": ets}


def _versus(summary, figure):
    result = stats.compare_to_figure(summary, figure, tasks.higher_is_better(TABLE_METRIC))
    p = stats.p_text(result["p"])
    return f"{result['words']} ({result['test']}{', ' + p if p else ''})"


def forecast_table(found):
    """Markdown: every forecast experiment's target, test MASE over seeds and the baselines.

    Args:
        found: `{name: facts}` as `experiment_tables` makes them (`values` per
            seed, or the reference block's `summary`).
    """
    lines = ["| experiment | target transform | test MASE, mean ± std (n) | 95% CI "
             "| naive baseline | vs naive | persistence | vs persistence | ETS | vs ETS |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, facts in sorted(found.items()):
        exp = facts["exp"]
        if exp.data.task != "forecast" or facts["metric"] != TABLE_METRIC:
            continue
        summary = facts.get("summary") or stats.summary(facts["values"].values())
        base = baselines(exp)
        naive_name, naive = base["naive"]
        cells = [f"`{name}`", exp.data.params.get("target_transform", "none"),
                 f"{references.mean_std_text(summary[0], summary[1])} ({summary[2]})",
                 stats.interval_text(stats.interval(*summary)),
                 f"{naive:.4g} ({naive_name})", _versus(summary, naive)]
        if exp.data.params.get("season", 1) == 1:  # the naive baseline is persistence
            cells += ["(the naive baseline)", ""]
        else:
            cells += [f"{base['persistence']:.4g}", _versus(summary, base["persistence"])]
        ets = base["ets"]
        cells += ["—", ""] if ets is None else [f"{ets:.4g}", _versus(summary, ets)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comment_text(record):
    """The YAML comment above `target_transform:`: the rule's measured reason."""
    return (f"target_transform {record['chosen']}, by rnnbench new's rule "
            f"(rnnbench/data/own/series_advice.py, from the training part): "
            f"{record['why'].partition(': ')[2]}; evidence: benchmarks/target_defaults.json")


def set_target(text, record, width=86):
    """An experiment file's `text` with `data.target_transform` and its comment set.

    The key and the comment go at the end of the top-level `data:` block; a
    previous `target_transform` line and the comment above it are replaced.
    Every other line is kept.
    """
    import textwrap
    lines, in_comment = [], False
    for line in text.splitlines(keepends=True):
        in_comment = line.startswith("  # target_transform") or \
            (in_comment and line.startswith("  #   "))
        if not in_comment and not line.startswith("  target_transform:"):
            lines.append(line)
    start = lines.index("data:\n")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")),
               len(lines))
    wrapped = textwrap.wrap(comment_text(record), width - 4)
    block = [f"  # {wrapped[0]}\n"] + [f"  #   {line}\n" for line in wrapped[1:]] + \
        [f"  target_transform: {record['chosen']}\n"]
    return "".join(lines[:end] + block + lines[end:])

