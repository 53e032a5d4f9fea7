"""`rnnbench new NAME --data FILE`: an experiment (and a sweep) for the user's own file.

The file is inspected (`rnnbench.data.own.inspect`), the fitting file dataset
(`rnnbench.data.own.choose`) and a small model are chosen, the forecast target's
transform is measured (`rnnbench.data.own.series_advice`), and
`experiments/NAME.yaml` plus `tuning/NAME.yaml` are written in the current directory
(where `run NAME` and `tune NAME` look first). The data path is written relative to
the experiment file, so the folder can move as a whole. The new experiment is
validated before anything is written.
"""

import os
from pathlib import Path

import yaml

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths, run_keys
from rnnbench.config.registry import DATASETS
from rnnbench.data.own import choose, reading, series_advice
from rnnbench.data.own import inspect as inspecting
from rnnbench.data.own.series_file import RepeatedTimestamps
from rnnbench.errors import UserError

# A small model per task: trains in about a minute on 2 CPU cores for small files.
MODELS = {
    "forecast": {"layers": [{"cell": "lstm", "units": 32}]},
    "regress": {"layers": [{"cell": "lstm", "units": 32}]},
    "classify": {"layers": [{"cell": "lstm", "units": 32}]},
    "sequence_label": {"layers": [{"cell": "lstm", "units": 32}]},
    "language_model": {"layers": [{"cell": "lstm", "units": 128}]},
}
SPACE = {
    "model.layers[0].cell": {"choice": ["simple_rnn", "lstm", "gru"]},
    "model.layers[0].units": {"int": [16, 64], "step": 16},
    "train.optimizer.learning_rate": {"float": [0.0003, 0.01], "sampling": "log"},
}


def new_experiment(name, data, target=None, task=None, force=False, root=None):
    """Writes `experiments/NAME.yaml` and `tuning/NAME.yaml` for the file `data`.

    Returns:
        The lines to show: what was found, what was written, the commands.
    """
    paths.check_name(name, "NAME")
    root = Path(root or Path.cwd())
    experiment_path = root / "experiments" / f"{name}.yaml"
    sweep_path = root / "tuning" / f"{name}.yaml"
    for path in (experiment_path, sweep_path):
        if path.exists() and not force:
            raise UserError(f"Expected no file at {str(path)!r}: `rnnbench new` does not "
                            "overwrite. Received: an existing file (pass --force to replace "
                            "it, or choose another NAME).")
    source = Path(data).expanduser()
    source = source if source.is_absolute() or reading.has_glob(data) \
        else Path.cwd() / source
    found = inspecting.inspect(str(source), target)
    chosen_task, block, notes = choose.choose(found, target, task)
    transform_why, warnings = None, []
    if block["name"] == "file_series":
        notes += _choose_missing(block)
        transform_why, warnings, chosen = _choose_target(block, found)
        notes += chosen
    for key in _path_params(block):  # relative to the YAML, as `data:` paths are read
        block[key] = os.path.relpath(block[key], experiment_path.parent)
    train = _train_block(block)
    experiment = {
        "description": f"{chosen_task} on {source.name} (written by rnnbench new)",
        "seed": 42,
        "data": {"name": block.pop("name"), "task": chosen_task, **block},
        "model": MODELS[chosen_task],
        "train": train,
    }
    experiment_path.parent.mkdir(parents=True, exist_ok=True)
    header = [f"# {experiment['description']}.", f"#   rnnbench run {name}",
              f"#   rnnbench tune {name}      (the sweep in tuning/{name}.yaml)",
              "# What rnnbench new found:"] + [f"#   {line}" for line in found.lines()] + \
        [f"# Chosen: {note}" for note in notes] + [f"# Note: {w}" for w in warnings]
    text = "\n".join(header) + "\n" + yaml.safe_dump(experiment, sort_keys=False,
                                                     default_flow_style=False)
    if transform_why:  # the reason sits right above the key it explains
        text = text.replace("\n  target_transform:", "".join(
            f"\n  # {line}" for line in _wrap(f"target_transform {transform_why}")) +
            "\n  target_transform:", 1)
    if experiment["train"].get("loss"):
        text = text.replace("\n  loss:", "".join(
            f"\n  # {line}" for line in _wrap(LOSS_WHY)) + "\n  loss:", 1)
    if experiment["train"].get("start_at_naive"):
        text = text.replace("\n  start_at_naive:", "".join(
            f"\n  # {line}" for line in _wrap(START_AT_NAIVE_WHY)) + "\n  start_at_naive:", 1)
    # Validate as the file will be read, before anything is written.
    raw = yaml.safe_load(text)
    raw["name"] = name
    source_name = str(experiment_path)
    config_lib.validate(_at(raw, experiment_path), source=source_name)
    experiment_path.write_text(text, encoding="utf-8")
    sweep = {"description": f"cell x units x learning rate for {name}",
             "experiment": name,
             "tuner": {"algorithm": "random", "max_trials": 6, "objective": "val_loss",
                       "seed": 1},
             "space": SPACE}
    sweep_path.parent.mkdir(parents=True, exist_ok=True)
    sweep_path.write_text(f"# rnnbench tune {name}\n" + yaml.safe_dump(
        sweep, sort_keys=False, default_flow_style=None), encoding="utf-8")
    warnings += _shadowing(name, experiment_path)
    return found.lines() + [f"chosen: {note}" for note in notes] + [
        f"chosen: target_transform {transform_why}"] * bool(transform_why) + [
        f"note: {w}" for w in warnings] + [
        f"wrote {experiment_path}", f"wrote {sweep_path}",
        f"next: rnnbench check {name}", f"      rnnbench run {name}",
        f"      rnnbench tune {name}"]


def _shadowing(name, written):
    """A note when another experiment has the same name (a shipped one, say): which
    file `rnnbench run NAME` reads from here, since the first folder searched wins."""
    same = [d / f"{name}.yaml" for d in paths.experiment_dirs()
            if (d / f"{name}.yaml").is_file()]
    others = [p for p in same if p.resolve() != written.resolve()]
    if not others:
        return []
    read = same[0]
    return [f"{', '.join(map(str, others))} is an experiment of the same name; "
            f"`rnnbench run {name}` from this folder reads {read}"
            + ("" if read.resolve() == written.resolve() else
               f", not the file just written (run it by its path: rnnbench run {written})")]


START_AT_NAIVE_WHY = (
    "start_at_naive: the model starts as the naive forecast (an output of 0 is no "
    "change) and keeps it unless a trained epoch beats it on validation (paired "
    "t-test, p < 0.01): near a random walk a fit to noise loses to persistence")


LOSS_WHY = (
    "loss: mae trains for the median next value, which MASE and MAE (the forecast "
    "metrics) reward; mse fits the mean, which loses to persistence on MAE where many "
    "steps do not change (hourly temperatures: docs/forecasting.md, \"On real series\")")


def _train_block(block):
    """`train:` for the chosen data: a forecast trains longer, stopped by validation.

    Measured on real series (docs/forecasting.md, "On real series"): 20 epochs
    left a half-hourly demand series far from converged (test MASE 0.57 against
    0.38 at up to 100 epochs with patience 10), with a level-robust target the
    naive start keeps a price series at persistence instead of below it, and an
    MSE-trained model was level with persistence on an hourly temperature's test
    MASE where the MAE-trained one is better.
    """
    if block.get("name") != "file_series":
        return {"epochs": 20, "batch_size": 32,
                "early_stopping": {"monitor": "val_loss", "patience": 5}}
    train = {"epochs": 100, "batch_size": 32, "loss": "mae",
             "early_stopping": {"monitor": "val_loss", "patience": 10}}
    if block.get("target_transform") in run_keys.NAIVE_AT_ZERO:
        train["start_at_naive"] = True
    return train


def _choose_missing(block):
    """Sets `block["missing"]` to interpolate where the series has gaps; the note why.

    A run refuses gaps unless `data.missing` says what to do, and `new` writes a
    start that runs: interpolation keeps every timestamp (drop would shorten the
    windows that span a gap; ffill makes flat steps persistence scores well on).
    """
    try:
        gaps = series_advice.missing_cells(block)
    except UserError:  # the target choice below meets the same error and says it
        return []
    if not gaps:
        return []
    block["missing"] = "interpolate"
    return [f"missing interpolate: {gaps} cell{'' if gaps == 1 else 's'} of the series' columns "
            "are empty, NA, NaN or inf; each is filled by linear interpolation in time "
            "(drop removes the rows, ffill repeats the last value)"]


def _choose_target(block, found):
    """Sets `block["target_transform"]` from the series' training part.

    Returns:
        `(why, notes, chosen)`: the reason for the YAML comment, what `new` says
        beside it (rows not evenly spaced in time, a series close to a random walk),
        and the other keys it set to read the series (`duplicates`).
    """
    chosen = []
    try:
        try:
            values, time, ids = series_advice.read_series(block)
        except RepeatedTimestamps as repeated:
            chosen.append(_keep_first(block, repeated))
            values, time, ids = series_advice.read_series(block)
    except UserError as error:  # the run will say the same; `new` still writes a start
        block["target_transform"] = "none"
        return f"none: the series could not be measured ({error})", [], chosen
    transform, why, note = _transform_for_all(block, values, ids)
    block["target_transform"] = transform
    notes = _irregular_steps_note(block, found, time, ids) + ([note] if note else [])
    return why, notes, chosen


def _transform_for_all(block, values, ids):
    """`target_choice` for each target; one that needs `difference` decides for all (one
    transform applies to every target, and a level model would saturate on that one)."""
    targets = block["targets"] if isinstance(block["targets"], list) else [block["targets"]]
    choices = [series_advice.target_choice(series_advice.target_values(values, ids, i),
                                           block["window"]) for i in range(len(targets))]
    if len(targets) == 1:
        return choices[0]
    needs = [i for i, (transform, _, _) in enumerate(choices) if transform == "difference"]
    i = needs[0] if needs else 0
    transform, why, note = choices[i]
    name, reason = why.split(": ", 1)
    which = f"for {targets[i]!r}" if needs else f"for each of {targets}, e.g. {targets[0]!r}"
    return transform, f"{name}: {which}: {reason}", note and f"{targets[i]!r}: {note}"


def _keep_first(block, repeated):
    """Sets `block["duplicates"]` to first, which a run needs to read repeated
    timestamps (a local clock set back for daylight saving repeats an hour); the note."""
    block["duplicates"] = "first"
    stamp, row, again = repeated.example
    count = repeated.repeats
    rows = "1 row repeats" if count == 1 else f"{count} rows repeat"
    return (f"duplicates first: {rows} the timestamp "
            f"of the row before (e.g. {stamp!r} in rows {row} and {again}, as a local clock "
            "set back for daylight saving repeats an hour); the first row of each is kept "
            "(last keeps the later one; or fix the file)")


def _irregular_steps_note(block, found, time, ids):
    """A note when the rows are not evenly spaced in time: a step ahead is the next row.
    None for a panel (`ids`), whose series each have their own times."""
    dates = bool(block.get("time_column")) and \
        found.column(block["time_column"]).kind == "time"
    irregular = series_advice.irregular_steps(time if ids is None else None, dates)
    if irregular is None:
        return []
    usual, longer, longest, steps = irregular
    return [f"the rows are not evenly spaced in time: usually {usual} apart, but "
            f"{longer} of {steps} steps are longer (up to {longest}: gaps, weekends); a step "
            "ahead is the next row, whatever its time. Resample the file to a regular "
            "frequency first if a step should be one period."]


def _wrap(text, width=86):
    import textwrap
    return textwrap.wrap(text, width)


def _at(raw, experiment_path):
    """`raw` with its data paths resolved as the loader would, from the experiment's folder."""
    data = dict(raw["data"])
    for key in _path_params(data):
        data[key] = paths.resolve_data_path(data[key], experiment_path.parent)
    return {**raw, "data": data}


def _path_params(block):
    """The params of `block`'s dataset that name files (its `path_params`), where set."""
    return [key for key in DATASETS.get(block["name"]).path_params if block.get(key)]
