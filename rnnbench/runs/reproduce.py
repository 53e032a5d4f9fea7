"""`rnnbench reproduce`: re-run a run folder or a named experiment and compare.

A run folder (a plain run or a sweep trial) is re-run from its `config.yaml`
with its seed, and every metric in its `metrics.json` is compared: on CPU with
op determinism the numbers must match to the last digit. A named experiment is
run with its reference's seeds (or `--seeds N`: seed, seed+1, ...), and the
mean of its `reference:` metric compared with the reference's value within
the tolerance (`rnnbench.runs.references` states the rule).
"""

import dataclasses
import math
from pathlib import Path

import pandas as pd

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.errors import UserError
from rnnbench.runs import folders, references

# Metrics that measure the machine, not the model: never compared.
TIMING_KEYS = ("wall_time_s",)


@dataclasses.dataclass
class Verdict:
    """The outcome of a reproduction: a table, warnings, and whether it matched."""

    matched: bool
    table: pd.DataFrame
    warnings: list
    new_runs: list

    per_seed: pd.DataFrame = None
    statistics: list = dataclasses.field(default_factory=list)  # references.verdict_lines

    def render(self):
        lines = [self.table.to_string(index=False)]
        if self.per_seed is not None:  # it names each new run
            lines += ["", self.per_seed.to_string(index=False), ""]
        lines += self.statistics
        lines += [f"warning: {w}" for w in self.warnings]
        if self.per_seed is None:
            lines += [f"new run: {d}" for d in self.new_runs]
        lines.append("reproduced" if self.matched else "NOT reproduced")
        return "\n".join(lines)


def is_run_dir(target):
    path = Path(target)
    return path.is_dir() and (path / "config.yaml").is_file()


def not_a_run_dir(folder):
    """Why a folder given to `reproduce` is no run folder, and the run folders in it."""
    inside = sorted(str(p.parent) for pattern in ("*/config.yaml", "trials/*/config.yaml")
                    for p in folder.glob(pattern))
    hint = (f" Run folders in it: {', '.join(inside[-3:])}"
            f"{f' (and {len(inside) - 3} more)' if len(inside) > 3 else ''}."
            if inside else "")
    return (f"Expected a run folder (one holding config.yaml, manifest.json and "
            f"metrics.json, as results/<experiment>/<run id>/ or a sweep's "
            f"trials/<id>/) or an experiment name. Received: {folder}, a folder without "
            f"config.yaml.{hint}")


def reproduce(target, seeds=None, tolerance=None, results_dir=None,
              allow_data_change=False):
    """Reproduces a run folder or a named experiment; returns a `Verdict`.

    Args:
        seeds: for an experiment, how many seeds to run (seed, seed+1, ...);
            None: the reference's own seeds.
        allow_data_change: re-run even when a data file the run read has
            changed since (the verdict then warns); else that is a UserError.
    """
    if is_run_dir(target):
        if seeds not in (None, 1):
            raise UserError("Expected `--seeds` to be 1 for a run folder (it is re-run "
                            f"with its own seed). Received: {seeds}")
        return reproduce_run(Path(target), tolerance or 0.0, results_dir,
                             allow_data_change)
    if Path(target).is_dir():
        raise UserError(not_a_run_dir(Path(target)))
    return reproduce_experiment(target, seeds, tolerance, results_dir, allow_data_change)


def changed_data_files(manifest):
    """`[(recorded, now or None)]` of the data files a run's manifest recorded
    (`data.files`) that are gone (`now` None) or whose SHA-256 differs now."""
    from rnnbench.data.own import reading
    changed = []
    for recorded in (manifest.get("data") or {}).get("files") or []:
        path = Path(recorded["path"])
        now = reading.file_facts([path])[0] if path.is_file() else None
        if now is None or now["sha256"] != recorded["sha256"]:
            changed.append((recorded, now))
    return changed


def data_changes(manifest):
    """How the data files a run's manifest recorded (`data.files`) differ from now."""
    changes = []
    for recorded, now in changed_data_files(manifest):
        path = Path(recorded["path"])
        if now is None:
            changes.append(f"{path} is gone (it had {recorded['size']:,} bytes, SHA-256 "
                           f"{recorded['sha256'][:16]}...)")
        else:
            changes.append(f"{path} changed: {recorded['size']:,} bytes, SHA-256 "
                           f"{recorded['sha256'][:16]}... then; {now['size']:,} bytes, "
                           f"SHA-256 {now['sha256'][:16]}... now")
    return changes


def check_data(manifest, what, allow):
    """The data-change warnings for `what`; a UserError when files changed and not `allow`."""
    changes = data_changes(manifest)
    if changes and not allow:
        raise UserError(
            f"The data of {what} changed since it ran: {'; '.join(changes)}. A reproduction "
            "would train on other data, so nothing was run. Restore the file, or pass "
            "--allow-data-change to re-run anyway (the verdict then warns).")
    return [f"data file {change}" for change in changes]


def last_recorded_run(name, results_dir):
    """The manifest of the newest run folder of experiment `name` that recorded data files."""
    root = paths.results_root(results_dir) / name
    for run_dir in sorted(root.glob("*/manifest.json"), reverse=True):
        try:
            manifest = folders.read_json(run_dir)
        except (OSError, ValueError):
            continue
        if (manifest.get("data") or {}).get("files"):
            return run_dir.parent, manifest
    return None, None


def reproduce_run(run_dir, tolerance, results_dir, allow_data_change=False):
    """Re-runs `run_dir` from its config and seed; compares every metric."""
    from rnnbench.runs import training
    # Both files are checked before any training: a damaged one is named (exit 2),
    # not found after a whole new run.
    action = f"reproduce {run_dir} (only a completed run with intact files can be)"
    recorded = folders.read_json_object(run_dir / "metrics.json", action)
    manifest = folders.read_json_object(run_dir / "manifest.json", action)
    if not any(_is_number(v) for k, v in recorded.items() if k not in TIMING_KEYS):
        raise UserError(f"Cannot {action}: {run_dir / 'metrics.json'} holds no numeric "
                        f"metric to compare. Nothing was run.")
    exp = config_lib.load_run_config(run_dir / "config.yaml")
    data_warnings = check_data(manifest, f"run {run_dir}", allow_data_change)
    new = training.run(exp, results_dir=results_dir, verbose=0)
    rows = []
    for key, old in recorded.items():
        if key in TIMING_KEYS or not _is_number(old):
            continue
        now = new.metrics.get(key)
        diff = None if now is None else now - old
        ok = now is not None and abs(diff) <= tolerance
        rows.append({"metric": key, "recorded": old, "now": now, "difference": diff,
                     "match": ok})
    table = pd.DataFrame(rows)
    warnings = data_warnings + manifest_warnings(manifest, new.manifest)
    return Verdict(bool(table["match"].all()) if len(table) else False, table, warnings,
                   [str(new.run_dir)])


def reproduce_experiment(name, seeds, tolerance, results_dir, allow_data_change=False):
    """Runs a named experiment's seeds; compares the mean with its reference.

    When its data are the user's files, they are compared with those the
    newest earlier run of the experiment read (its manifest's `data.files`).
    """
    from rnnbench.runs import training
    exp = config_lib.load_experiment(name)
    if exp.reference is None:
        raise UserError(f"Experiment {exp.name!r} has no `reference:` block, so there "
                        "is nothing to reproduce; add one (metric, value, tolerance).")
    last_dir, last = last_recorded_run(exp.name, results_dir)
    data_warnings = check_data(last, f"experiment {exp.name!r} (as its run {last_dir} read "
                               "it)", allow_data_change) if last else []
    if seeds is not None and seeds < 1:
        raise UserError(f"Expected `--seeds` to be >= 1. Received: {seeds}")
    ref = exp.reference
    run_seeds = ref.run_seeds(exp.seed) if seeds is None else \
        [exp.seed + k for k in range(seeds)]
    measured, runs = {}, []
    for seed in run_seeds:
        run = training.run(dataclasses.replace(exp, seed=seed),
                           results_dir=results_dir, verbose=0)
        if ref.metric not in run.metrics:
            raise UserError(f"The reference metric {ref.metric!r} of {exp.name!r} is not "
                            f"one the run writes; it writes {sorted(run.metrics)}.")
        measured[seed] = run.metrics[ref.metric]
        runs.append(str(run.run_dir))
    table = reference_table(ref, measured, tolerance)
    warnings = data_warnings + ([] if ref.seeds else [
        f"the reference of {exp.name!r} is one seed's value (no `seeds:`); measure it "
        "over seeds with benchmarks/references.py"])
    per_seed = pd.DataFrame({"seed": list(measured), ref.metric: list(measured.values()),
                             "run": runs})
    statistics = references.verdict_lines(
        ref, measured, references.reference_tolerance(ref, len(measured), tolerance))
    return Verdict(bool(table["match"].iloc[0]), table, warnings, runs, per_seed, statistics)


def reference_table(ref, measured, tolerance=None):
    """Compares the mean of `ref.metric` over runs with `ref.value`: a one-row table.

    Args:
        ref: the experiment's `ReferenceConfig`.
        measured: `{seed: value of ref.metric}` of the runs.
        tolerance: replaces the reference's tolerance when given (`--tolerance`).
    """
    values = list(measured.values())
    tolerance = references.reference_tolerance(ref, len(values), tolerance)
    now, spread = references.summary(values)
    return pd.DataFrame([{
        "metric": ref.metric,
        "now": references.mean_std_text(now, spread),
        "n": len(values),
        "reference": references.mean_std_text(ref.value, ref.std),
        "n_ref": len(ref.seeds) or 1,
        "difference": float(f"{now - ref.value:.4g}"), "tolerance": tolerance,
        "match": abs(now - ref.value) <= tolerance}])


def manifest_warnings(old, new):
    """What differs between two manifests in ways that can change the numbers."""
    warnings = []
    for package in ("tensorflow", "keras", "numpy"):
        a, b = old.get("versions", {}).get(package), new.get("versions", {}).get(package)
        if a != b:
            warnings.append(f"{package} was {a}, is now {b}")
    a, b = old.get("device", {}).get("type"), new.get("device", {}).get("type")
    if a != b:
        warnings.append(f"device was {a}, is now {b}")
    warnings += machine_warnings(old, new)
    used = lambda m: [layer.get("cudnn_used") for layer in m.get("layers", [])]
    if used(old) != used(new):
        warnings.append(f"cuDNN use per layer was {used(old)}, is now {used(new)}")
    git_old, git_new = old.get("git", {}), new.get("git", {})
    if git_old.get("commit") != git_new.get("commit"):
        warnings.append(f"rnnbench code was commit {git_old.get('commit')}, "
                        f"is now {git_new.get('commit')}")
    for which, state in (("recorded", git_old), ("new", git_new)):
        if state.get("dirty"):
            warnings.append(f"the {which} run used rnnbench code with uncommitted changes")
    if not old.get("deterministic", True) or not new.get("deterministic", True):
        warnings.append("op determinism was off: the same seed need not give the same numbers")
    return warnings


def machine_warnings(old, new):
    """The CPU, oneDNN setting or thread count changed (not keys an older manifest lacks)."""
    warnings = []
    old_host, new_host = old.get("host") or {}, new.get("host") or {}
    if "cpu_model" in old_host and (old_host["cpu_model"], old_host.get("cpu_flags")) != \
            (new_host.get("cpu_model"), new_host.get("cpu_flags")):
        warnings.append(f"the CPU was {old_host['cpu_model']} {old_host.get('cpu_flags')}, is "
                        f"now {new_host.get('cpu_model')} {new_host.get('cpu_flags')}: oneDNN "
                        "picks its kernels per CPU, so a seed can train differently")
    key = "tf_enable_onednn_opts"
    if key in old_host and old_host[key] != new_host.get(key):
        warnings.append(f"TF_ENABLE_ONEDNN_OPTS was {old_host[key] or 'unset'}, is now "
                        f"{new_host.get(key) or 'unset'}")
    a, b = (old.get("threads") or {}).get("chosen"), (new.get("threads") or {}).get("chosen")
    if a is not None and a != b:
        warnings.append(f"intra-op threads were {a}, are now {b}: the larger models (the "
                        "JSB and Nottingham ones) train differently with another count")
    return warnings


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)
