"""`rnnbench promote SWEEP_DIR/trials/T NAME`: a confirmed trial as a named experiment.

Writes `experiments/NAME.yaml`: the trial's config (the one it ran with),
a header with the commands that made it, and a `reference:` block measured
over the trial's confirmation seeds (`rnnbench tune SWEEP --confirm K
--seeds N`), with the naive baseline computed now. The block must pass the
check every reference passes (`run_keys.check_reference_range`: its range
excludes the baseline), or nothing is written. `rnnbench reproduce NAME`
guards the result from then on.
"""

import os
import statistics
from pathlib import Path

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.errors import UserError
from rnnbench.runs import references, stats
from rnnbench.sweeps import confirm, confirmed, definition

def target_dir(directory=None):
    """Where NAME.yaml goes: `directory`, else $RNNBENCH_EXPERIMENTS, else ./experiments."""
    if directory:
        return Path(directory)
    return Path(os.environ.get("RNNBENCH_EXPERIMENTS") or Path.cwd() / "experiments")


def confirmed_trial(trial_dir):
    """`(sweep_dir, record, trial)`: the confirmation record of the trial in `trial_dir`."""
    trial_dir = Path(trial_dir)
    sweep_dir = trial_dir.parent.parent
    record = confirmed.read(sweep_dir)
    trial = next((t for t in (record or {}).get("trials", [])
                  if t["trial_id"] == trial_dir.name), None)
    if trial is None:
        raise UserError(
            f"Expected a trial that `--confirm` re-ran over seeds (SWEEP_DIR/trials/ID with "
            f"SWEEP_DIR/{confirmed.FILE} naming it), so its reference is a distribution, "
            f"not the lucky search run. Received: {trial_dir}; run `rnnbench tune SWEEP "
            f"--resume {sweep_dir.name} --confirm K --seeds N` first.")
    return sweep_dir, record, trial


def reference_metric(base_raw, objective):
    """The base experiment's reference metric, else the objective's test counterpart."""
    reference = base_raw.get("reference")
    if isinstance(reference, dict) and reference.get("metric"):
        return reference["metric"]
    return "test_" + objective.partition("_")[2]


def promote(trial_dir, name, directory=None):
    """Writes experiments/NAME.yaml from a confirmed trial; returns its path.

    Raises:
        UserError: the trial was not confirmed, NAME.yaml exists, or the
            reference's range would hold the baseline (the key named).
    """
    paths.check_name(name)
    sweep_dir, record, trial = confirmed_trial(trial_dir)
    path = target_dir(directory) / f"{name}.yaml"
    if path.exists():
        raise UserError(f"Expected a new experiment name: {path} exists already. Received: "
                        f"{name!r}")
    sweep, base_raw = definition.load_saved_sweep(sweep_dir)
    trial_exp = config_lib.load_run_config(confirm.trial_config_path(trial_dir))
    metric = reference_metric(base_raw, sweep.tuner.objective)
    if metric not in trial["values"]:
        raise UserError(f"The confirmation runs of trial {trial['trial_id']} wrote no "
                        f"{metric!r}; they wrote {sorted(trial['values'])}.")
    values = {int(seed): trial["values"][metric][str(seed)] for seed in trial["seeds"]}
    raw = {k: v for k, v in config_lib.to_dict(trial_exp).items() if k != "reference"}
    raw.update(name=name, seed=trial["seeds"][0], description=(
        f"{sweep.name} trial {trial['trial_id']}, confirmed over {len(values)} seeds "
        f"(rank {trial['rank']} of {len(record['trials'])} by mean {record['objective']})"))
    exp = config_lib.validate(raw, source=str(path))
    block = references.measure(metric, values, references.naive_baseline(exp, metric))
    config_lib.validate({**raw, "reference": block}, source=str(path))  # the range check
    text = header(sweep, sweep_dir, record, trial, name, block, values) \
        + yaml.safe_dump(raw, sort_keys=False, default_flow_style=None) \
        + references.block_text(block, values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    config_lib.load_experiment(str(path))
    return path


def header(sweep, sweep_dir, record, trial, name, block, values):
    """The file's comment: where it came from, the commands, what it reached."""
    objective = record["objective"]
    walls = trial["values"].get("wall_time_s", {}).values()
    mean, std, n = stats.summary(values.values())
    low_high = stats.interval_text(stats.interval(mean, std, n))
    lines = [
        f"# Promoted from sweep {sweep.name} ({sweep_dir}), trial {trial['trial_id']}: rank "
        f"{trial['rank']} of the {len(record['trials'])} confirmed trials by mean "
        f"{objective} over {trial['n']} fresh seeds ({trial['versus_best']}).",
        f"#   rnnbench tune {sweep.name} --confirm {record['top']} --seeds {record['seeds']}",
        f"#   rnnbench promote {Path(sweep_dir) / 'trials' / trial['trial_id']} {name}",
        f"#   rnnbench run {name}",
    ]
    if walls:
        lines.append(f"# runtime: about {statistics.median(walls):.0f} s per run on "
                     f"{os.cpu_count()} CPU cores (median of the confirmation runs)")
    lines += [
        f"# reaches: {block['metric']} {block['value']:g} ± {block['std']:.2g} over {n} seeds "
        f"({', '.join(str(s) for s in values)}; sample std), 95% CI {low_high}; the "
        "reference block below",
        f"#   naive baseline: {block['baseline']:g} (`rnnbench baseline {name}`)",
    ]
    return "\n".join(lines) + "\n"
