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


def measure(metric, values):
    """The `reference:` block (plain data) for `{seed: metric value}`.

    Raises:
        UserError: fewer than `MIN_REFERENCE_SEEDS` seeds.
    """
    if len(values) < config_lib.MIN_REFERENCE_SEEDS:
        raise UserError(f"Expected at least {config_lib.MIN_REFERENCE_SEEDS} seeds to "
                        f"measure a reference. Received: {sorted(values)}")
    seeds = list(values)
    mean = statistics.fmean(values.values())
    std = statistics.stdev(values.values())
    return {"metric": metric, "value": float(f"{mean:.{DIGITS}g}"),
            "std": float(f"{std:.{DIGITS}g}"),
            "tolerance": tolerance(std, len(seeds), len(seeds), mean), "seeds": seeds}


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
