"""TensorBoard HParams plugin data for sweeps, written by rnnbench itself.

The experiment summary (every swept parameter's domain and the metrics) is
written once in the sweep's `hparams/` folder before the first trial; each
trial writes its session (its values, conditional ones left out) and its
final metrics as scalars into `trials/<id>/hparams/`, so the dashboard lists
every trial; its per-epoch curves stay in `trials/<id>/tb/`.
"""

import tensorflow as tf
from tensorboard.plugins.hparams import api as hp_api


def domain(param):
    """The HParams domain of a sweep parameter."""
    if param.kind == "int":
        return hp_api.IntInterval(int(param.low), int(param.high))
    if param.kind == "float":
        return hp_api.RealInterval(float(param.low), float(param.high))
    if param.kind == "boolean":
        return hp_api.Discrete([False, True])
    values = [_plain(v) for v in param.values]
    if len({type(v) for v in values}) > 1:
        values = [str(v) for v in values]
    return hp_api.Discrete(values)


def _plain(value):
    """HParams values must be bool, int, float or str."""
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def write_experiment(logdir, params, metric_names):
    """Writes the sweep's HParams experiment summary into `logdir`."""
    hparams = [hp_api.HParam(p.path, domain(p)) for p in params]
    metrics = [hp_api.Metric(name, display_name=name) for name in metric_names]
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        hp_api.hparams_config(hparams=hparams, metrics=metrics)
    writer.close()


def write_session(logdir, trial_id, values, metrics, params):
    """Writes one trial's session: its hyperparameters and final metrics.

    Args:
        logdir: the trial's own TensorBoard folder.
        trial_id: the Keras Tuner trial id.
        values: `{path: value}` of the trial's active hyperparameters.
        metrics: `{name: float}` final metrics (written as step-0 scalars).
        params: the sweep's parameters, to keep values in their domain's type.
    """
    kinds = {p.path: p for p in params}
    session = {}
    for path, value in values.items():
        if path in kinds and kinds[path].kind == "choice":
            mixed = len({type(v) for v in kinds[path].values}) > 1
            value = str(value) if mixed else _plain(value)
        session[path] = _plain(value)
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        hp_api.hparams(session, trial_id=trial_id)
        for name, value in metrics.items():
            tf.summary.scalar(name, value, step=0)
    writer.close()
