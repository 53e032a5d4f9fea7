"""`rnnbench study NAME`: a family of runs (grid x seeds) and its report.

A study file (`studies/NAME.yaml`) names a base experiment, a `grid` of
config paths to values (every combination is a variant), and `seeds`.
Each run is an ordinary run folder under
`results/studies/<name>/<study_id>/runs/<variant>-seed<k>/`; the report is
built from those folders afterwards, never from memory.
"""

import dataclasses
import itertools
import logging
import shlex
from pathlib import Path
from typing import Optional, Tuple

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths, schema
from rnnbench.config.schema import FrozenMap
from rnnbench.runs import folders, training

log = logging.getLogger("rnnbench")


@dataclasses.dataclass(frozen=True, kw_only=True)
class StudyConfig:
    name: str
    description: str = ""
    experiment: str
    grid: FrozenMap
    seeds: Tuple[int, ...] = (1, 2, 3)
    overrides: FrozenMap = schema.field(FrozenMap())
    metric: Optional[str] = None  # the headline metric; default: the reference's


def load_study(name_or_path):
    """Loads a study file; every variant must be a valid experiment."""
    path = paths.find_study(name_or_path)
    raw = config_lib.read_yaml(path)
    raw.setdefault("name", path.stem)
    try:
        study = schema.build(StudyConfig, raw)
        paths.check_name(study.name)
        for key, values in study.grid.items():
            config_lib.split_path(key)
            if not isinstance(values, list) or not values:
                raise schema.SchemaError(f"grid.{key}", f"Expected `grid[{key!r}]` to be a "
                                         f"non-empty list of values. Received: {values!r}")
        if not study.seeds:
            raise schema.SchemaError("seeds", "Expected `seeds` to be a non-empty list.")
    except config_lib.UserError as e:
        raise config_lib.UserError(f"{path}: {e}") from None
    base = config_lib.load_experiment(_experiment_path(study, path), dict(study.overrides))
    for variant in variants(study):
        experiment_for(study, base, variant, study.seeds[0], source=str(path))
    return study, base


def _experiment_path(study, study_path):
    candidate = study_path.parent / study.experiment
    return str(candidate) if candidate.is_file() else study.experiment


def variants(study):
    """Every combination of the grid's values, as `{path: value}` dicts."""
    keys = list(study.grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*study.grid.values())]


def variant_label(variant):
    """A short name: `lstm`, `bi-gru`, or `key=value` pairs for other grids."""
    parts = []
    for key, value in variant.items():
        leaf = key.rsplit(".", 1)[-1]
        if leaf == "cell":
            parts.append(str(value))
        elif leaf == "bidirectional":
            parts.insert(0, "bi") if value else None
        else:
            parts.append(f"{leaf}={value}")
    return "-".join(parts) or "base"


def experiment_for(study, base, variant, seed, source="<study>"):
    raw = config_lib.to_dict(base)
    for key, value in variant.items():
        config_lib.set_path(raw, key, value, source=f"{source}: grid {key}")
    raw["seed"] = seed
    return config_lib.validate(raw, source=f"{source} ({variant_label(variant)}, seed {seed})")


def headline_metric(study, base):
    if study.metric:
        return study.metric
    if base.reference:
        return base.reference.metric
    return "test_loss"


def run_study(name_or_path, results_dir=None):
    """Runs every variant x seed, measures inference latency, writes the report."""
    from rnnbench.reports import study_report
    study, base = load_study(name_or_path)
    study_dir = folders.new_run_dir(Path(paths.results_root(results_dir)) / "studies",
                                    study.name)
    folders.write_text_atomic(study_dir / "study.yaml", yaml.safe_dump(
        schema.to_plain(study), sort_keys=False))
    runs = []
    for variant in variants(study):
        label = variant_label(variant)
        for seed in study.seeds:
            exp = experiment_for(study, base, variant, seed)
            log.info(f"study {study.name}: {label}, seed {seed}")
            run_dir = study_dir / "runs" / folders.folder_name(f"{label}-seed{seed}")
            training.run(exp, run_dir=run_dir, verbose=0)
            runs.append({"variant": label, "seed": seed, "run_dir": str(run_dir),
                         **{k: v for k, v in variant.items()}})
            training.release_memory()
    for entry in runs:
        if entry["seed"] == study.seeds[0]:
            entry["latency_ms"] = study_report.inference_latency_ms(Path(entry["run_dir"]))
    folders.write_json_atomic(study_dir / "runs.json", runs)
    study_report.write(study_dir, study, headline_metric(study, base),
                       reproduce=reproduce_command(name_or_path))
    return study_dir


def reproduce_command(name_or_path):
    """The command that runs the study again: the name, or the path as given."""
    return f"rnnbench study {shlex.quote(str(name_or_path))}"

