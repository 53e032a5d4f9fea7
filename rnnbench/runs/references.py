"""An experiment's `reference:` block: measured over seeds, its tolerance, its text.

A reference is a distribution, not one run: `value` and `std` are the mean and
the sample standard deviation of the metric over the runs with `seeds`. The
tolerance is the rule below, so it can be recomputed from the block.

The rule. On another machine (other threads, oneDNN on or off, another CPU)
a seed's run is, for a task whose training is chaotic, a new draw from the
same distribution. Two means of n and m independent draws with std s differ
by a normal variable of std s * sqrt(1/n + 1/m); the tolerance is 3 of those
(a fair reproduction misses about 3 times in 1000), and never less than
`FLOOR` (0.5 %) of |value|, the room for float differences where the seeds
barely differ. With the reference's own seeds, m = n: 3 * s * sqrt(2/n).
"""

import dataclasses
import json
import logging
import math
import statistics
from pathlib import Path

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.runs import folders

log = logging.getLogger("rnnbench")

SIGMAS = 3.0
FLOOR = 0.005  # of |value|
DIGITS = 4  # significant digits of value and std in the block


def tolerance(std, n_ref, n_now, value):
    """The allowed |mean now - reference value| for `n_now` runs against `n_ref`."""
    spread = SIGMAS * std * math.sqrt(1.0 / n_ref + 1.0 / n_now)
    return round_up(max(spread, FLOOR * abs(value)))


def round_up(x, digits=2):
    """`x` rounded up to `digits` significant digits (a tolerance never shrinks)."""
    if x <= 0 or not math.isfinite(x):
        return x
    scale = 10 ** (math.floor(math.log10(x)) - digits + 1)
    return float(f"{math.ceil(x / scale - 1e-9) * scale:.{digits}g}")


def summary(values):
    """`(mean, std)` of `values`; std is None for fewer than two."""
    values = list(values)
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def mean_std_text(mean, std=None):
    """"0.9637 ± 0.0037", or the mean alone without a std."""
    return f"{mean:.4g}" if std is None else f"{mean:.4g} ± {std:.2g}"


def reference_tolerance(ref, n_now, override=None):
    """The tolerance a reproduction with `n_now` runs is held to.

    `--tolerance` (`override`) wins; a single-seed block (no `std`) keeps its
    stated tolerance; otherwise the rule, for `n_now` runs.
    """
    if override is not None:
        return override
    if ref.std is None:
        return ref.tolerance
    if n_now == len(ref.seeds):
        return ref.tolerance
    return tolerance(ref.std, len(ref.seeds), n_now, ref.value)


def naive_scores(exp):
    """`{test metric: value}` of `exp`'s naive baseline, scored as a run scores it.

    The dataset's `baseline_predict` on the test split of `exp.seed`'s data, by
    the task's own `score`: what `rnnbench baseline NAME` prints and a run writes
    as `baseline_test_*`. NumPy only.
    """
    splits = config_lib.dataset_of(exp).load(
        dict(exp.data.params),
        dataclasses.asdict(exp.data.split) if exp.data.split else None,
        exp.data.scale, exp.seed)
    scores = config_lib.task_of(exp).score(
        splits.test.y, splits.baseline_predict(splits.test.x), splits.inverse_transform,
        **splits.score_context)
    return splits.baseline_name, {f"test_{key}": value for key, value in scores.items()}


def naive_baseline(exp, metric=None):
    """The naive baseline's value of `metric` (default: the reference's), as recorded.

    A `val_`/`train_` metric is read against the baseline's test score (the
    baseline is scored on the test split only). Rounded to `DIGITS` digits.
    """
    metric = metric or exp.reference.metric
    _, scores = naive_scores(exp)
    key = "test_" + metric.partition("_")[2]
    if key not in scores:
        raise UserError(f"The naive baseline of {exp.name!r} has no {key!r}; it scores "
                        f"{sorted(scores)}.")
    return float(f"{scores[key]:.{DIGITS}g}")


def measure(metric, values, baseline=None, expect="learns", compares=()):
    """The `reference:` block (plain data) for `{seed: metric value}`.

    Args:
        baseline: the naive baseline's value of `metric` (`naive_baseline`).
        expect: "learns", or "baseline" for a documented failure to learn.
        compares: `[{"figure": x, "label": text}]`, what the range must exclude.

    Raises:
        UserError: fewer than `MIN_REFERENCE_SEEDS` seeds.
    """
    if len(values) < config_lib.MIN_REFERENCE_SEEDS:
        raise UserError(f"Expected at least {config_lib.MIN_REFERENCE_SEEDS} seeds to "
                        f"measure a reference. Received: {sorted(values)}")
    seeds = list(values)
    mean = statistics.fmean(values.values())
    std = statistics.stdev(values.values())
    block = {"metric": metric, "value": float(f"{mean:.{DIGITS}g}"),
             "std": float(f"{std:.{DIGITS}g}"),
             "tolerance": tolerance(std, len(seeds), len(seeds), mean), "seeds": seeds}
    if expect != "learns":
        block["expect"] = expect
    if baseline is not None:
        block["baseline"] = float(f"{baseline:.{DIGITS}g}")
    if compares:
        block["compares"] = [{"figure": c["figure"], "label": c["label"]} for c in compares]
    return block


def measure_experiment(exp, values, metric=None):
    """`measure` for `exp`: its naive baseline computed now; `expect` and `compares` kept.

    Raises:
        UserError: the new range fails the check of `run_keys.check_reference_range`
            (it names the key), before anything is written.
    """
    old = exp.reference
    metric = metric or old.metric
    compares = [{"figure": c.figure, "label": c.label} for c in old.compares] if old else []
    block = measure(metric, values, naive_baseline(exp, metric),
                    old.expect if old else "learns", compares)
    config_lib.validate(dict(config_lib.to_dict(exp), reference=block))  # the range check
    return block


def verdict_lines(ref, measured, tolerance_now):
    """What a reproduction's numbers say beyond the tolerance check, one line each.

    The runs' mean ± sample std (n) and 95 % interval; Welch's t-test against
    the reference's seeds (from its value, std and seeds); the one-sample
    t-test against the recorded baseline and each compared figure; and a
    warning line when `tolerance_now` (the range for this many runs) holds
    what the reference must exclude.
    """
    from rnnbench.data import tasks
    from rnnbench.runs import stats
    higher = tasks.higher_is_better(ref.metric)
    now = stats.summary(measured.values())
    lines = [f"{ref.metric} now: {mean_std_text(now[0], now[1])} (n={now[2]}, sample std), "
             f"95% CI {stats.interval_text(stats.interval(*now)) or 'needs 2 seeds'}"]
    if ref.std is not None and ref.seeds:
        result = stats.compare_two(now, (ref.value, ref.std, len(ref.seeds)), higher)
        lines.append(f"against the reference {mean_std_text(ref.value, ref.std)} "
                     f"(n={len(ref.seeds)}): {result['words']} ({result['test']}"
                     f"{', ' + stats.p_text(result['p']) if result['p'] is not None else ''})")
    figures = ([("the naive baseline", ref.baseline)] if ref.baseline is not None else []) \
        + [(c.label, c.figure) for c in ref.compares]
    for label, figure in figures:
        result = stats.compare_to_figure(now, figure, higher)
        lines.append(f"against {label} {figure:g}: {result['words']} ({result['test']}"
                     f"{', ' + stats.p_text(result['p']) if result['p'] is not None else ''})")
    low, high = ref.value - tolerance_now, ref.value + tolerance_now
    for label, figure in figures:
        expected_inside = ref.expect == "baseline" and label == "the naive baseline"
        if (low <= figure <= high) != expected_inside:
            lines.append(f"warning: with {now[2]} run(s) the passing range [{low:.4g}, "
                         f"{high:.4g}] {'excludes' if expected_inside else 'holds'} {label} "
                         f"{figure:g}: this reproduction cannot check the claim; run more seeds")
    return lines


COMMENT = "# reference: mean and std of "  # how the block's own comment starts


def block_text(block, values):
    """The block as YAML text, after a comment giving each seed's value and the rule."""
    per_seed = ", ".join(f"{seed}: {values[seed]:.{DIGITS}g}" for seed in block["seeds"])
    n = len(block["seeds"])
    lines = [
        f"{COMMENT}{block['metric']} {block['value']!r} ± {block['std']!r} over {n} "
        f"seeds ({per_seed});",
        f"#   tolerance = max(3 * std * sqrt(2/{n}), 0.5% of value), "
        "rnnbench/runs/references.py",
        "reference:",
        f"  metric: {block['metric']}",
        f"  value: {block['value']!r}",
        f"  std: {block['std']!r}",
        f"  tolerance: {block['tolerance']!r}",
        f"  seeds: [{', '.join(str(s) for s in block['seeds'])}]",
    ]
    if "expect" in block:
        lines.append(f"  expect: {block['expect']}")
    if "baseline" in block:
        lines.append(f"  baseline: {block['baseline']!r}")
    if block.get("compares"):
        lines.append("  compares:")
        lines += [f"    - {{figure: {c['figure']!r}, label: {json.dumps(c['label'])}}}"
                  for c in block["compares"]]
    return "\n".join(lines) + "\n"


def replace_block(text, block):
    """`text` (an experiment file) with its top-level `reference:` block replaced.

    The block's own comment (written by `block_text`) goes with it; every
    other line (the header, other keys and their comments) is kept. A file
    without the block gets it appended.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("reference:")), None)
    if start is None:
        return text.rstrip("\n") + "\n" + block
    end = start + 1
    while end < len(lines) and (lines[end][:1] in (" ", "\t", "#") or not lines[end].strip()):
        end += 1
    # Comment lines right after the block belong to what follows: keep them.
    while end > start + 1 and lines[end - 1].startswith("#"):
        end -= 1
    if start >= 2 and lines[start - 2].startswith(COMMENT):
        start -= 2
    return "".join(lines[:start]) + block + "".join(lines[end:])


def write_block(path, block, values):
    """Replaces the `reference:` block of the experiment file `path`; checks it loads."""
    path = Path(path)
    text = replace_block(path.read_text(), block_text(block, values))
    written = yaml.safe_load(text)["reference"]
    if {k: written[k] for k in block} != block:
        raise AssertionError(f"the written block reads back as {written}, not {block}")
    path.write_text(text)
    config_lib.load_experiment(str(path))  # still a valid experiment
    return path


def comparable_runs(root, exp):
    """The completed `RunRecord`s of `exp` under `root`, oldest first.

    Runs whose config differs from `exp` in more than the seed are skipped
    (with a warning): they measured another experiment.
    """
    wanted = comparable(config_lib.to_dict(exp))
    found = []
    for folder in sorted((Path(root) / exp.name).glob("*")):
        record = folders.read_run(folder)
        if record.status != "completed" or not record.metrics or not record.config:
            continue
        if comparable(run_config_dict(folder)) != wanted:
            log.warning(f"skipped {folder}: its config differs from {exp.name!r} "
                        "in more than the seed")
            continue
        found.append(record)
    return found


def run_values(root, exp, metric, seeds=None, runs=None):
    """`{seed: metric}` of the completed runs of `exp` under `root` (the newest per seed).

    Args:
        runs: `comparable_runs(root, exp)` when the caller has it already.
    """
    values = {}
    for record in comparable_runs(root, exp) if runs is None else runs:
        seed = record.manifest.get("seed", record.config.get("seed"))
        if metric in record.metrics and (seeds is None or seed in seeds):
            values[seed] = record.metrics[metric]  # oldest first: the newest wins
    if seeds is not None:
        missing = [s for s in seeds if s not in values]
        if missing:
            raise UserError(f"No completed run of {exp.name!r} with seed(s) {missing} "
                            f"under {root}; run them or leave them out of `--seeds`.")
        values = {s: values[s] for s in seeds}
    return values


# `train:` keys that decide how fast a run goes, never its numbers: the same seed
# gives bit-identical metrics at any value (tests/runs/test_speed_defaults.py;
# BENCHMARKS.md, "References across machines" for threads).
EXECUTION_ONLY = ("steps_per_execution", "threads")


def comparable(config):
    """A config (plain data, or None) without what may differ between runs of one reference."""
    if config is None:
        return None
    kept = {k: v for k, v in config.items() if k not in ("seed", "reference", "name")}
    if isinstance(kept.get("train"), dict):
        kept["train"] = {k: v for k, v in kept["train"].items() if k not in EXECUTION_ONLY}
    return kept


def run_config_dict(run_dir):
    """A run folder's config as plain data, or None if unreadable.

    Read through `load_run_config`, so keys an older release did not write
    take today's defaults.
    """
    try:
        return config_lib.to_dict(config_lib.load_run_config(Path(run_dir) / "config.yaml"))
    except (UserError, OSError):
        return None
