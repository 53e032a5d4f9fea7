"""TensorBoard HParams plugin data for sweeps, written by rnnbench itself.

Each trial writes one session into its own folder, `trials/<id>/`: its
values (conditional ones left out), a group name unique across sweeps
(`<sweep>/<sweep_id>/<trial_id>`), its final val/test metrics as step-0
scalars named `final/<metric>` (the mean over its executions), and a text
table of those metrics next to the naive baseline's. The session's name is
then the trial folder, the prefix of every run the trial wrote (`tb/`,
`tb/train`, `tb/validation`, or `execution_<k>/tb/...`): TensorBoard gives a
run the hyperparameters of the longest session name it starts with, so the
runs table of Time Series, Images and Text shows, sorts and filters each
trial's curves, pictures and texts by its hyperparameters (issue 33). The
HParams table's metric columns are every scalar under the session: these
`final/*`, the run's own (`tb` group, baselines included) and the epoch curves.

No experiment summary is written. TensorBoard uses the first one it finds
under its logdir, so with `--logdir results` one sweep's summary would hide
every other sweep's parameters and metrics; without one, TensorBoard builds
the experiment from all the sessions it sees: every sweep's parameters, and
the `final/*` scalars of the sessions as metrics.

TensorBoard's Time Series tab sorts cards by tag and groups them by the
tag's first `/` component, so the `final/*` cards form one group after the
`epoch_*` learning curves; the baseline's are `final/baseline_*` there,
written with the run's dashboard (`rnnbench.runs.dashboard`).
"""

import tensorflow as tf
from tensorboard.plugins.hparams import api as hp_api

from rnnbench.sweeps import space

FINAL = "final/"


def group_name(sweep_dir, trial_id):
    """`<sweep>/<sweep_id>/<trial_id>`: one HParams row per trial, whatever the logdir."""
    return f"{sweep_dir.parent.name}/{sweep_dir.name}/{trial_id}"


def session_values(values, params):
    """A trial's values as HParams values, each in its parameter's one type.

    HParams values must be bool, int, float or str, and one parameter must
    keep one type across trials: mixed-type choices travel as their YAML text
    (`false`, `sum`), as Keras Tuner and the leaderboard have them.
    """
    kinds = {p.path: p for p in params}
    session = {}
    for path, value in values.items():
        if path in kinds:
            (value,) = space.encoded_values(kinds[path], [value])
        session[path] = value if isinstance(value, (bool, int, float, str)) else str(value)
    return session


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
