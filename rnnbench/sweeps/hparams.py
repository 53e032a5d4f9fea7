"""TensorBoard HParams plugin data for sweeps, written by rnnbench itself.

Each trial writes one session into its own folder, `trials/<id>/`: its
values (conditional ones left out), a group name unique across sweeps
(`group_name`: `trial 3 · <sweep_id> · <sweep>`, the Trial ID column), its
final val/test metrics as step-0 scalars named `final/<metric>` (the mean
over its executions), and a text table of those metrics next to the naive
baseline's. The session's name is then the trial folder, the prefix of every
run the trial wrote (`tb/`, `tb/train`, `tb/validation`, or
`execution_<k>/tb/...`): TensorBoard gives a run the hyperparameters of the
longest session name it starts with, so the runs table of Time Series,
Images and Text shows, sorts and filters each trial's curves, pictures and
texts by its hyperparameters (issue 33).

A sweep writes no experiment summary: TensorBoard uses the first one it
finds under its logdir, so with `--logdir results` one sweep's summary would
hide every other sweep's parameters. `rnnbench board` writes the one summary
of its logdir instead (`write_experiment`, from every sweep folder under it):
each sweep's objective first among the metric columns, then a small set
(TensorBoard ticks the first five), and each parameter's domain in its type.
Without it (plain `tensorboard`), TensorBoard builds the experiment from the
sessions: every parameter, and every scalar under a session, alphabetically.

TensorBoard's Time Series tab sorts cards by tag and groups them by the
tag's first `/` component, so the `final/*` cards form one group after the
`epoch_*` learning curves; the baseline's are `final/baseline_*` there,
written with the run's dashboard (`rnnbench.runs.dashboard`).
"""

from pathlib import Path

import tensorflow as tf
from tensorboard.plugins.hparams import api as hp_api

from rnnbench.sweeps import space

FINAL = "final/"


# Integers as text, right-aligned to one width: TensorBoard 2.21 has no integer
# type (every number is a float64 the table shows as `16.000`), and equal widths
# keep text sorting in numeric order (`    16` < `   128`), across sweeps too.
INT_WIDTH = 6
# The `rnnbench board` experiment (`write_experiment`): a run of its own at the top
# of the logdir, the only experiment summary there.
EXPERIMENT_RUN = "_hparams"


def group_name(sweep_dir, trial_id):
    """`trial 3 · <sweep_id> · <sweep>`: the Trial ID column, short and distinguishing.

    The trial first, then the sweep folder's id (its start time and a random
    part), so a narrow column still tells two sweeps of one name apart.
    """
    return f"trial {trial_id} · {sweep_dir.name} · {sweep_dir.parent.name}"


def is_integer(param):
    """An int range, or a choice of ints only: shown as integers (`INT_WIDTH`)."""
    if param.kind == "int":
        return True
    return param.kind == "choice" and all(space.is_number(v, int) for v in param.values)


def int_text(value):
    return str(int(value)).rjust(INT_WIDTH)


def session_values(values, params):
    """A trial's values as HParams values, each in its parameter's one type.

    HParams values must be bool, int, float or str, and one parameter must
    keep one type across trials: mixed-type choices travel as their YAML text
    (`false`, `sum`), as Keras Tuner and the leaderboard have them, and
    integers as right-aligned text (`INT_WIDTH`).
    """
    kinds = {p.path: p for p in params}
    session = {}
    for path, value in values.items():
        if path in kinds:
            (value,) = space.encoded_values(kinds[path], [value])
            if is_integer(kinds[path]):
                value = int_text(value)
        session[path] = value if isinstance(value, (bool, int, float, str)) else str(value)
    return session


def domain(param):
    """The parameter's HParams domain, in the type `session_values` writes."""
    values = space.domain_values(param)
    continuous = param.step is None and (
        param.kind == "float" or param.kind == "int" and param.sampling != "linear")
    if is_integer(param):
        return hp_api.Discrete([] if continuous or len(values) > 200
                               else [int_text(v) for v in values], dtype=str)
    if param.kind == "float":
        return hp_api.RealInterval(float(param.low), float(param.high))
    values = space.encoded_values(param, values)
    return hp_api.Discrete(values, dtype=type(values[0]))


def shown_metrics(sweep, names):
    """The sweep's HParams metric columns, the first five (those TensorBoard ticks) chosen.

    The objective (and its mean over seeds, when the sweep was confirmed),
    its test split, the naive baseline's objective (in the trial's `tb` run),
    val_loss and test_loss; then every other metric of `names`.
    """
    objective = sweep.tuner.objective
    test = "test_" + objective.removeprefix("val_")
    first = [("", objective), ("", f"confirmed/{objective}_mean"), ("", test),
             ("tb", f"baseline_{objective}"), ("", "val_loss"), ("", "test_loss")]
    first = [(g, n) for g, n in first if n.removeprefix("baseline_") in names]
    rest = [("", n) for n in names if ("", n) not in first]
    # `confirmed/*` (`rnnbench tune --confirm`) are tags already; the rest are finals.
    return [(g, n if "/" in n else FINAL + n) for g, n in first + rest]


def experiment(sweeps):
    """The `hparams_config` of many sweeps: `[(sweep, final metric names)]`.

    A parameter two sweeps share gets one domain (values or bounds merged);
    one they declare in different types, none.
    """
    domains, metrics = {}, []
    for sweep, names in sweeps:
        for param in sweep.params:
            mine, theirs = domain(param), domains.get(param.path, ...)
            domains[param.path] = mine if theirs is ... else merged(theirs, mine)
        metrics += [m for m in shown_metrics(sweep, names) if m not in metrics]
    objectives = {s.tuner.objective for s, _ in sweeps}
    hparams = [hp_api.HParam(path, value) for path, value in sorted(domains.items())]
    return hparams, [hp_api.Metric(tag, group=group or None, display_name=(
        f"{tag.removeprefix(FINAL)}{' (baseline)' if group else ''}"
        f"{' (objective)' if tag.removeprefix(FINAL) in objectives and not group else ''}"))
        for group, tag in metrics]


def merged(a, b):
    """One domain holding both, or None when their types differ."""
    if isinstance(a, hp_api.RealInterval) and isinstance(b, hp_api.RealInterval):
        return hp_api.RealInterval(min(a.min_value, b.min_value),
                                   max(a.max_value, b.max_value))
    if isinstance(a, hp_api.Discrete) and isinstance(b, hp_api.Discrete) \
            and a.dtype == b.dtype:
        empty = not a.values or not b.values  # an integer range too long to list
        return hp_api.Discrete([] if empty else set(a.values) | set(b.values),
                               dtype=a.dtype)
    return None


def write_experiment(logdir, sweeps):
    """Writes the one experiment summary `rnnbench board` shows over `logdir`.

    TensorBoard takes the first experiment summary it finds, so this is the
    only one: in `logdir/_hparams/`, rewritten at each start, the older ones
    of deeper logdirs removed. It orders the metric columns (the objective
    first) and types the parameters (integers as integers).
    """
    logdir = Path(logdir)
    for old in logdir.rglob(f"{EXPERIMENT_RUN}/events.out.tfevents.*"):
        old.unlink()
    if not sweeps:
        return None
    hparams, metrics = experiment(sweeps)
    (logdir / EXPERIMENT_RUN).mkdir(exist_ok=True)  # an OSError, where TF's would not be
    writer = tf.summary.create_file_writer(str(logdir / EXPERIMENT_RUN))
    with writer.as_default():
        hp_api.hparams_config(hparams, metrics)
    writer.close()
    return logdir / EXPERIMENT_RUN


def baseline_table(metrics, names, baseline_name):
    """Markdown: each final metric of the trial next to the naive baseline's."""
    rows = [f"| metric | trial | baseline ({baseline_name or 'naive'}) |",
            "|---|---|---|"]
    for name in names:
        base = metrics.get(f"baseline_{name}")
        rows.append(f"| {name} | {metrics[name]:.6g} | "
                    f"{'' if base is None else f'{base:.6g}'} |")
    return "\n".join(rows)


def write_session(logdir, group, values, metrics, table=None):
    """Writes one trial's session: its hyperparameters and final metrics.

    Args:
        logdir: the trial's own TensorBoard folder.
        group: the session group name (see `group_name`).
        values: `{path: value}` of the trial's active hyperparameters, as
            `session_values` returns them.
        metrics: `{name: float}` final metrics, written as step-0 scalars
            `final/<name>`.
        table: optional markdown text (see `baseline_table`).
    """
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        hp_api.hparams(values, trial_id=group)
        for name, value in metrics.items():
            tf.summary.scalar(FINAL + name, value, step=0)
        if table:
            tf.summary.text("metrics_vs_baseline", table, step=0)
    writer.close()


def write_scalars(logdir, prefix, scalars):
    """More step-0 scalars `<prefix><name>` in a trial's session (e.g. its confirmation)."""
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        for name, value in scalars.items():
            tf.summary.scalar(prefix + name, value, step=0)
    writer.close()
