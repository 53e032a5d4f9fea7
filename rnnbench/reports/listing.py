"""`rnnbench list`: named experiments and sweeps, one line each (no TensorFlow).

An experiment whose dataset cannot load here (a missing extra or data file)
is marked with the reason and the pip command, from `Dataset.availability`:
a find_spec / file-exists check, no data read; sweeps and studies inherit
the mark of the experiment they run. `rnnbench list --datasets` is the
dataset reference, read from the datasets' own declarations.
"""

import yaml

from rnnbench.config import paths, schema, yaml_text
from rnnbench.config.registry import DATASETS


def _summary(path):
    """`(what, description)` of one YAML file, tolerant of broken files."""
    try:
        raw = yaml_text.load_file(path) or {}
    except (OSError, yaml.YAMLError) as e:
        return "", f"[unreadable: {type(e).__name__}]", None
    if not isinstance(raw, dict):
        return "", "[not a mapping]", None
    data = raw.get("data") or {}
    layers = (raw.get("model") or {}).get("layers") or []
    if "grid" in raw:  # a study
        what = f"studies {raw.get('experiment')} over {', '.join(map(str, raw['grid']))}"
    elif "experiment" in raw:  # a sweep
        tuner = raw.get("tuner") or {}
        what = f"sweeps {raw['experiment']} ({tuner.get('algorithm', '?')})"
    else:
        cells = "+".join(("bi" if layer.get("bidirectional") else "")
                         + str(layer.get("cell", "?"))
                         for layer in layers if isinstance(layer, dict))
        what = f"{data.get('name', '?')}/{data.get('task', '-')} {cells}"
    return what, str(raw.get("description", "")).strip(), raw


def unavailable(raw, experiments):
    """Why a file's runs cannot load their data here, or None.

    Args:
        raw: the file's YAML data (an experiment, sweep or study).
        experiments: `{name: reason or None}` of the experiments listed so far.
    """
    if "experiment" in raw:  # a sweep or study: its experiment's data
        return experiments.get(str(raw["experiment"]))
    data = raw.get("data")
    if not isinstance(data, dict) or data.get("name") not in DATASETS:
        return None  # not loadable at all: `show` says why
    dataset = DATASETS.get(data["name"])()
    params = {k: v for k, v in data.items() if k in dataset.params}
    return dataset.availability(dataset.with_defaults(params))


def render():
    """The listing as text."""
    lines, experiments = [], {}
    for title, dirs in (("experiments", paths.experiment_dirs()),
                        ("sweeps", paths.sweep_dirs()), ("studies", paths.study_dirs())):
        files = paths.named_files(dirs)
        lines.append(f"{title} ({len(files)}):")
        width = max((len(n) for n in files), default=0)
        for name, path in files.items():
            what, description, raw = _summary(path)
            reason = unavailable(raw, experiments) if isinstance(raw, dict) else None
            if title == "experiments":
                experiments[name] = reason
            mark = f"  [{reason}]" if reason else ""
            lines.append(f"  {name:<{width}}  {what:<34}  {description}{mark}".rstrip())
    return "\n".join(lines)


def render_datasets():
    """Every registered dataset: tasks, split/scale, what it needs, each param."""
    names = DATASETS.names()
    lines = [f"datasets ({len(names)}):"]
    for name in names:
        dataset = DATASETS.get(name)()
        lines.append(f"  {name}  {dataset.description}".rstrip())
        lines.extend(f"    {line}" for line in _dataset_facts(dataset))
        lines.extend(f"      {line}" for line in _param_table(dataset.params))
    return "\n".join(lines)


def _dataset_facts(dataset):
    tasks = ", ".join(dataset.tasks)
    taken = [key for key in ("split", "scale") if getattr(dataset, f"takes_{key}")]
    needs = (f"{', '.join(dataset.requires)} (pip install {' '.join(dataset.requires)}, "
             "or pip install -e '.[datasets]')") if dataset.requires else "no extra"
    facts = [f"task: {tasks}" + (" (first is the default)" if len(dataset.tasks) > 1 else ""),
             f"takes: {', '.join(taken) or 'neither split nor scale'}",
             f"needs: {needs}",
             f"reads: {dataset.reads or 'nothing (generated)'}"]
    reason = dataset.availability(dataset.with_defaults({}))
    if reason:
        facts.append(f"unavailable here: {reason}")
    facts.append("params:" if dataset.params else "params: none")
    return facts


def _param_table(params):
    """One aligned row per param: name, type, default, bounds, help."""
    rows = [(key, p.type.__name__, f"default {_shown(p.default)}", _bounds(p), p.help)
            for key, p in params.items()]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths + [0])).rstrip()
            for row in rows]


def _bounds(param):
    if param.choices:
        return f"one of {list(param.choices)}"
    return schema.describe_bounds(param.bounds) or "any"


def _shown(value):
    """A default as a YAML file would write it (`'a'`, `true`, `null`, `30`)."""
    if value is None:
        return "null"
    return repr(value) if isinstance(value, str) else str(value).lower() \
        if isinstance(value, bool) else str(value)
