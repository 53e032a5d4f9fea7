"""One run of a named experiment, read top to bottom as one story.

config.yaml -> seed -> data -> model -> fit (TensorBoard, checkpoints, CSV
history, early stopping, NaN guard) -> the best or the last weights -> train/val/test
scores next to the naive baseline -> metrics.json and manifest.json.
"""

import dataclasses
import logging
import math
import os
import sys
import time
import zipfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.data import cache as data_cache
from rnnbench.data import tasks
from rnnbench.data.base import PREPROCESSING_FORMAT, PREPROCESSING_VERSION
from rnnbench.data import own as own_data
from rnnbench.data.own import feeding
from rnnbench.data.own.labelled import left_out
from rnnbench import errors
from rnnbench.errors import Interrupted, RunFailed, Terminated, UserError, in_chain
from rnnbench.models import builders, kernels, saving, size, speed
from rnnbench.models.jit import MEASURE, choose_jit_compile
from rnnbench.runs import dashboard, folders, heap, naive_start
from rnnbench.runs.timing import EpochTimer, Laps, time_epoch


@dataclasses.dataclass
class RunResult:
    """What `rnnbench.run` returns: the run folder and what it wrote."""

    run_dir: Path
    metrics: dict
    manifest: dict


# A child of "rnnbench", so a sweep can hold a trial's own lines back (tuning.py).
log = logging.getLogger("rnnbench.runs")


def run(exp, results_dir=None, run_dir=None, verbose="auto", extra_callbacks=()):
    """Trains and evaluates an experiment and writes its run folder.

    Args:
        exp: an `ExperimentConfig` (see `rnnbench.load_experiment`).
        results_dir: the results root (default `./results`).
        run_dir: an exact folder to write into (e.g. a sweep trial's).
        verbose: Keras' `fit` verbosity; "auto" draws the progress bar on a
            terminal and prints one line per epoch when output goes to a file
            or a pipe (a bar there is a stream of backspaces).
        extra_callbacks: more Keras callbacks for `fit` (e.g. a sweep's progress).

    Returns:
        A `RunResult`.

    Raises:
        RunFailed: when training diverges (NaN).
        Interrupted: on Ctrl-C; the folder is kept with status `interrupted`.
        Any other error of a crashed run is re-raised as it is. Whatever
        ends the run, the manifest records its status and the reason.
    """
    heap.at_run_start()
    laps = Laps()
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    size.check_fits(exp)  # before a run folder is made for a model that cannot be built
    # A user's own file is read and checked before a run folder is made for it.
    early = own_data.preload(exp)
    if run_dir is None:
        run_dir = folders.new_run_dir(paths.results_root(results_dir), exp.name)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    folders.check_room(run_dir, 0)  # writable at all: else no manifest can say why
    folders.write_text_atomic(run_dir / "config.yaml", config_lib.to_yaml(exp))
    started = time.perf_counter()
    try:
        manifest = start_manifest(exp, run_dir)
    except KeyboardInterrupt as stop:  # it may already say `running`: it was stopped
        errors.signals_caught()
        folders.mark_stopped(run_dir / "manifest.json", stop)
        raise Interrupted(f"run {exp.name}", run_dir) from stop
    try:
        threads = apply_threads(exp)
        seed_everything(exp.seed, exp.train.deterministic)
        laps("setup")
        splits = early if early is not None else data_cache.load(exp)
        laps("data")
        skipped = left_out(splits.info)
        log.info(f"{exp.name}: data {exp.data.name} ({exp.data.task}) train/val/test = "
            f"{len(splits.train)}/{len(splits.val)}/{len(splits.test)}"
            + (f"; {skipped}" if skipped else ""))
        from rnnbench.data.targets import range_warning  # issue 31: say it before training
        transform = exp.data.params.get("target_transform")
        if (warning := range_warning(splits.info, transform)):
            # With a level-robust target the remedy is in place: a note, not a
            # warning on every run and every sweep trial.
            (log.warning if transform in ("none", None) else log.info)(warning)
        from rnnbench.data.targets import unscaled_warning
        if (warning := unscaled_warning(splits, config_lib.dataset_of(exp).takes_scale,
                                        exp.data.scale)):
            log.warning(warning)
        planned = speed.planned_steps(exp, len(splits.train))
        model = builders.build_model(exp, spec=splits.spec, compile=False,
                                     planned_steps=planned)
        folders.check_room(run_dir, saved_model_bytes(model) + folders.SPACE_MARGIN)
        jit, jit_reason = choose_jit_compile(exp, model, splits.spec)
        measured = None
        if jit == MEASURE:
            jit, jit_reason, measured = jit_by_measurement(exp, splits)
        steps = speed.steps_per_execution(
            exp, math.ceil(len(splits.train) / exp.train.batch_size), exp.train.epochs)
        builders.compile_model(model, exp, splits.spec, jit_compile=jit,
                               steps_per_execution=steps.chosen)
        facts = model_facts(model, splits, model.jit_compile, jit_reason, exp)
        if measured:
            facts["jit_compile"]["measured"] = measured
        facts.update(speed_facts(exp, splits.spec, steps, threads, planned))
        manifest.update(facts)
        log.info(f"model {model.count_params():,} parameters; "
            f"jit_compile={model.jit_compile} ({jit_reason})")

        laps("build")
        timer = EpochTimer()
        best = BestWeights(*monitor_of(exp, splits))
        # Windows over a user's series are fed a batch at a time (never copied whole).
        feed = feeding.fit_arguments(splits, exp.train.batch_size, exp.seed)
        if exp.train.start_at_naive:
            best.set_model(model)
            best.start(naive_start.start_value(model, feed["validation_data"], best.monitor))
        history = model.fit(
            **feed,
            epochs=exp.train.epochs, verbose=verbose,
            callbacks=callbacks(exp, run_dir, splits, timer, best) + list(extra_callbacks))
        manifest.update(timer.facts())
        laps("epochs")
        laps.split("epochs", "first_step", timer.first_step_s)
        log.info(f"time to first training step: {timer.first_step_s:.2f} s")
        diverged = nan_epoch(history.history)
        if diverged is not None:
            raise RunFailed(f"loss became NaN in epoch {diverged + 1}; "
                            "try a lower learning rate or gradient clipping")
        weights, decision = settle_weights(model, exp, splits, run_dir, best)
        laps("weights")
        known = EvaluatedPredictions()
        metrics = evaluate(model, splits, exp, history.history, weights, known)
        if exp.train.start_at_naive:
            metrics["naive_start"] = decision or {"kept_start": True, "p": None,
                                                  "note": "no epoch beat it on " + best.monitor}
        laps("evaluate")
        metrics["wall_time_s"] = round(time.perf_counter() - started, 3)
        folders.write_json_atomic(run_dir / "preprocessing.json", {
            "format": PREPROCESSING_FORMAT, "version": PREPROCESSING_VERSION,
            **splits.preprocessing})  # what `rnnbench predict` and `export` apply
        folders.write_json_atomic(run_dir / "metrics.json", metrics)
        dashboard.safely("summary and pictures", dashboard.write_run_end, run_dir, exp,
                         splits, model, metrics, known)
        laps("write")
        manifest.update(laps.facts())
    except BaseException as raised:
        # A library's bare `except:` may turn a Ctrl-C or SIGTERM into its own error
        # (TensorFlow's `DType.max`: `TypeError: Cannot find maximum value of <dtype:
        # 'int32'>`), chained to it or not (a signal in TensorFlow's C code became
        # `ValueError: An unusually high number of tf.data.Iterator.get_next() calls`);
        # the run was still interrupted, not failed.
        e = in_chain(raised, KeyboardInterrupt) or errors.uncaught_signal() or raised
        if isinstance(e, KeyboardInterrupt):
            errors.signals_caught()
        disk = folders.write_failure(e, run_dir)
        if disk is not None:
            drop_half_written_model(run_dir)
        status = failure_status(e)
        unsaved = finish_manifest(manifest, started, status, error=disk or e)
        if disk is not None:
            raise RunFailed(f"{disk}. {failure_note(run_dir, unsaved, status)}") from e
        if unsaved is not None:
            log.warning(failure_note(run_dir, unsaved, status))
        if isinstance(e, KeyboardInterrupt) and not isinstance(e, Interrupted):
            raise Interrupted(f"run {exp.name}", run_dir) from e
        if e is not raised:
            raise e from None
        raise
    unsaved = finish_manifest(manifest, started, "completed")
    if unsaved is not None:
        raise RunFailed(f"{folders.unwritten(unsaved, manifest.path)}. The metrics are in "
                        f"{run_dir / 'metrics.json'}, but the manifest could not be marked "
                        f"`completed`; `rnnbench results` shows the run as `died` once "
                        f"this process has ended")
    log_summary(metrics, splits.baseline_name, run_dir)
    return RunResult(run_dir=run_dir, metrics=metrics, manifest=manifest.data)


def release_memory():
    """Frees the last model's graph and layers before the next run in this process.

    Resident memory still grows ~9 MB per run, as it does in a bare Keras
    build/fit/clear_session loop: that part is TensorFlow's own (measured in
    tests/test_tuning.py).
    """
    keras.backend.clear_session()  # with its own gc.collect(): one walk of the heap


def seed_everything(seed, deterministic=True):
    """Seeds Python, NumPy and TensorFlow; same seed, same numbers on CPU.

    Op determinism is process-wide, so it is also switched off when a run
    asks for `deterministic: false` after one that had it on (a sweep, a
    study, the Python API).
    """
    # Private on purpose: TensorFlow 2.21 exports only `enable_op_determinism`
    # (tf.config.experimental); switching it back off has no public name.
    from tensorflow.python.framework import config as tf_config

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    else:
        tf_config.disable_op_determinism()


def apply_threads(exp):
    """Sets TensorFlow's intra-op threads as `train.threads` says; returns the `Choice`.

    TensorFlow fixes them when it runs its first op, so a process that has
    already run one (a sweep, the Python API after other work) keeps its
    threads, and the choice says so.
    """
    current = tf.config.threading.get_intra_op_parallelism_threads()
    choice = speed.threads(exp, configured=current)
    if choice.chosen == current or (current == 0 and exp.train.threads == "auto"):
        return choice
    try:
        tf.config.threading.set_intra_op_parallelism_threads(choice.chosen)
    except RuntimeError:  # TensorFlow has started: the setting can no longer change
        kept = current or os.cpu_count()
        log.warning(f"train.threads: TensorFlow already runs with {kept} intra-op threads "
                    f"in this process; {choice.chosen} applies to a fresh process only")
        return speed.Choice(choice.setting, kept, "TensorFlow had started in this process "
                            f"before the run (wanted {choice.chosen})")
    return choice


def speed_facts(exp, spec, steps, threads, planned_steps=None):
    """The manifest's record of the execution choices (`rnnbench.models.speed`)."""
    kernels = {key: [] for key in speed.KERNEL_KEYS.values()}
    for i, key, kernel in speed.layer_kernels(exp, spec, planned_steps):
        kernels[key].append({"layer": f"rnn_{i}", **kernel.facts()})
    return {"steps_per_execution": steps.facts(), "threads": threads.facts(), **kernels}


def xla_pays_off(rate_off, rate_on, compile_extra_s, samples, min_speedup=1.1):
    """Whether XLA is worth it: `min_speedup` times faster in steady state (the
    margin covers timing noise) and saving more than its extra compile time
    over `samples` training samples."""
    saved = samples / rate_off - samples / rate_on
    return rate_on / rate_off >= min_speedup and saved > compile_extra_s


def jit_by_measurement(exp, splits, steps=12):
    """Times a few steps of fresh model copies with XLA off and on; picks the faster.

    Returns:
        `(choice, reason, measured)`; `measured` holds the rates and the
        extra compile time (None when nothing could be measured).
    """
    batch = exp.train.batch_size
    n = min(len(splits.train), steps * batch)
    if n < 3 * batch:
        return False, "auto: too few training batches to measure XLA; off", None
    rates, extra = {}, {}
    for jit in (False, True):
        probe = builders.build_model(exp, spec=splits.spec, compile=False,
                                     planned_steps=speed.planned_steps(exp, len(splits.train)))
        # One step per call: the probe times every step (its epoch is 12 steps).
        builders.compile_model(probe, exp, splits.spec, jit_compile=jit,
                               steps_per_execution=1)
        if jit and not probe.jit_compile:
            keras.utils.set_random_seed(exp.seed)
            return (False, "auto: Keras cannot XLA-compile this model (it said so at "
                    "compile)", None)
        timing = time_epoch(probe, splits.train.x[:n], splits.train.y[:n], batch)
        rates[jit] = batch / timing.step_s
        extra[jit] = timing.wall_s - n / rates[jit]
    keras.utils.set_random_seed(exp.seed)  # the probes drew from the seeded streams
    measured = {"samples_per_s_without_xla": rates[False], "samples_per_s_with_xla": rates[True],
                "compile_extra_s": extra[True] - extra[False],
                "planned_samples": exp.train.epochs * len(splits.train)}
    facts = (f"measured {rates[False]:.0f} samples/s without XLA, {rates[True]:.0f} with "
             f"({rates[True] / rates[False]:.2f}x; compile +{measured['compile_extra_s']:.1f} s)")
    choice = xla_pays_off(rates[False], rates[True], measured["compile_extra_s"],
                          measured["planned_samples"])
    return choice, f"auto: {facts}", measured


def monitor_of(exp, splits):
    """`(metric, mode)` that ranks the epochs: early stopping's, else the loss.

    `auto` is resolved here, by rnnbench's rule (`tasks.higher_is_better`), so
    the checkpoint, early stopping and `best_epoch` agree on accuracy-like names.
    """
    stop = exp.train.early_stopping
    if stop is None:
        return ("val_loss" if len(splits.val) else "loss"), "min"
    if stop.monitor.startswith("val_") and not len(splits.val):
        raise UserError(f"Expected `train.early_stopping.monitor` to be a training metric "
                        f"without `val_`: the validation split is empty. Received: "
                        f"{stop.monitor!r} (did you mean {stop.monitor[4:]!r}?)")
    if stop.mode != "auto":
        return stop.monitor, stop.mode
    return stop.monitor, "max" if tasks.higher_is_better(stop.monitor) else "min"


class BestWeights(keras.callbacks.Callback):
    """Keeps the best epoch's weights in memory, as `ModelCheckpoint(save_best_only)` picks.

    In memory, not a file per improvement: a whole model.keras cost ~0.14 s a
    save, the largest per-epoch cost of a short sweep trial (BENCHMARKS.md,
    "Sweeps: what a trial costs"), and h5py crashed the process when a full
    disk cut a `.weights.h5` short. model.keras is written once, by
    `settle_weights`.
    """

    def __init__(self, monitor, mode):
        super().__init__()
        self.monitor, self.better = monitor, np.greater if mode == "max" else np.less
        self.best, self.weights = (-np.inf if mode == "max" else np.inf), None
        self.start_weights = None

    def start(self, value):
        """Makes the untrained weights a candidate, as epoch 0 with `value`."""
        self.best, self.weights = value, self.model.get_weights()
        self.start_weights = self.weights

    @property
    def start_won(self):
        return self.start_weights is not None and self.weights is self.start_weights

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is not None and self.better(current, self.best):
            self.best, self.weights = current, self.model.get_weights()


def keeps_best(exp):
    """Whether the best epoch's weights are evaluated (the default), not the last's."""
    stop = exp.train.early_stopping
    return stop is None or stop.restore_best_weights


class SwallowedSignal(keras.callbacks.Callback):
    """Stops training at the next step after a SIGTERM whose exception a finalizer ate."""

    def on_train_batch_end(self, batch, logs=None):
        errors.raise_swallowed_signal()


def callbacks(exp, run_dir, splits, timer, best):
    """TensorBoard (Keras' and `dashboard.Dashboard`), CSV history, NaN guard, best
    weights (`BestWeights`), a swallowed SIGTERM's stop, early stopping."""
    monitor, mode = monitor_of(exp, splits)
    found = [
        dashboard.tensorboard_callback(exp, run_dir),
        dashboard.Dashboard(exp, run_dir, splits, predict_splits),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv")),
        keras.callbacks.TerminateOnNaN(),
        *([best] if keeps_best(exp) else []),
        timer,
        SwallowedSignal(),
    ]
    stop = exp.train.early_stopping
    if stop is not None:
        # Keras' own restore is left off: its best honours `min_delta`, the
        # checkpoint's (and `best_epoch`'s) is the best value, and that is the one
        # reloaded.
        found.append(keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=stop.patience, min_delta=stop.min_delta,
            restore_best_weights=False))
    return found


def settle_weights(model, exp, splits, run_dir, best):
    """Puts the weights to evaluate in `model` and model.keras.

    Returns:
        `(which, decision)`: which weights ("best", "last" or "naive start") and,
        under `train.start_at_naive`, the record of the test that chose them.

    model.keras loads in plain Keras: fused layers are saved as the Keras layer
    they stand in for (`rnnbench.models.saving`).
    """
    path = run_dir / "model.keras"
    if keeps_best(exp):
        if exp.train.start_at_naive:
            return settle_naive_start(model, exp, splits, path, best)
        if best.weights is not None:
            model.set_weights(best.weights)
            saving.save_model(model, path)
            return "best", None
        log.warning(f"`{monitor_of(exp, splits)[0]}` had no value to compare in any epoch, "
                    "so no best checkpoint exists; evaluating the last epoch's weights")
    saving.save_model(model, path)
    return "last", None


def settle_naive_start(model, exp, splits, path, best):
    """`settle_weights` under `train.start_at_naive`: the naive start, unless beaten.

    Returns:
        `("naive start" or "best", the test's record or None)`.
    """
    decision = None
    if not best.start_won:
        batch = max(exp.train.batch_size, 256)
        model.set_weights(best.weights)
        trained = predict_splits(model, [splits.val.x], batch)[0]
        model.set_weights(best.start_weights)
        start = predict_splits(model, [splits.val.x], batch)[0]
        task = config_lib.task_of(exp)
        decision = naive_start.choose(task.window_errors(start, splits.val.y),
                                      task.window_errors(trained, splits.val.y),
                                      task.loss_name)
        if not decision["kept_start"]:
            model.set_weights(best.weights)
            saving.save_model(model, path)
            return "best", decision
        log.info(f"kept the naive start: the best epoch's gain on validation is not "
                 f"significant ({decision['test']}, p = {decision['p']:.3g} >= "
                 f"{decision['alpha']}, {decision['windows']} windows)")
    model.set_weights(best.start_weights)
    saving.save_model(model, path)
    return "naive start", decision


def nan_epoch(history):
    """Index of the first epoch whose training loss is NaN/inf, else None."""
    for i, loss in enumerate(history.get("loss", [])):
        if not math.isfinite(loss):
            return i
    return None


def best_epoch(values, mode):
    """The 1-based epoch of the best value (the first, on ties), None when all are NaN."""
    values = np.asarray(values, np.float64)
    if not np.any(np.isfinite(values)):
        return None
    return int(np.nanargmax(values) if mode == "max" else np.nanargmin(values)) + 1


class EvaluatedPredictions:
    """`predict_splits` that answers from the predictions `evaluate` made, when it can.

    The end-of-run pictures predict the test part again with the weights
    `evaluate` has just scored: answering from those saves a trace and a pass
    per run, a sweep's every trial. Inputs are matched by identity (and kept
    alive here, so an identity is never reused); any other input is predicted.
    """

    def __init__(self):
        self.known = {}

    def remember(self, xs, predictions):
        for x, predicted in zip(xs, predictions):
            self.known[id(x)] = (x, predicted)

    def __call__(self, model, xs, batch_size):
        found = [self.known.get(id(x)) for x in xs]
        if all(f is not None and f[0] is x for f, x in zip(found, xs)):
            return [f[1] for f in found]
        return predict_splits(model, xs, batch_size)


def evaluate(model, splits, exp, history, weights, known=None):
    """Scores every split and the naive baseline with the task's metrics.

    Args:
        weights: which weights `model` holds, "best" or "last" (recorded with their
            epoch as `evaluated_weights` and `evaluated_epoch`).
        known: an `EvaluatedPredictions` to keep the predictions in, for the pictures.
    """
    task = config_lib.task_of(exp)
    names = [n for n in ("train", "val", "test") if len(getattr(splits, n))]
    xs = [getattr(splits, n).x for n in names]
    predictions = predict_splits(model, xs, max(exp.train.batch_size, 256))
    if known is not None:
        known.remember(xs, predictions)
    metrics = {}
    for name, predicted in zip(names, predictions):
        part = getattr(splits, name)
        for key, value in task.score(part.y, predicted, splits.inverse_transform,
                                     **splits.score_context).items():
            metrics[f"{name}_{key}"] = value
        baseline = task.score(part.y, splits.baseline_predict(part.x),
                              splits.inverse_transform, **splits.score_context)
        for key, value in baseline.items():
            metrics[f"baseline_{name}_{key}"] = value
    from rnnbench.data.statistical import ets_metrics  # issue 31: the second baseline
    metrics.update(ets_metrics(exp, splits, task, names))
    metrics["baseline"] = splits.baseline_name
    metrics["epochs_run"] = len(history.get("loss", []))
    monitor, mode = monitor_of(exp, splits)
    metrics["monitor"] = monitor
    metrics["best_epoch"] = best_epoch(history.get(monitor, []), mode)
    metrics["evaluated_weights"] = weights
    metrics["evaluated_epoch"] = {"best": metrics["best_epoch"], "naive start": 0}.get(
        weights, metrics["epochs_run"])
    metrics["params"] = model.count_params()
    return metrics


def predict_splits(model, xs, batch_size):
    """The model's predictions for each of `xs`, as `model.predict` makes them.

    The same batches as `predict` (so the same numbers, bit for bit), through
    one graph traced once for any batch size. `predict` traced its function
    again for each new batch shape (every split's last batch), and in a sweep,
    a new model per trial, that set off TensorFlow's retracing warning. Inputs
    other than one array per split go through `predict`.
    """
    if not all(isinstance(x, np.ndarray) for x in xs) or len({x.dtype for x in xs}) > 1:
        return [model.predict(x, batch_size=batch_size, verbose=0) for x in xs]
    shape = [None] + [d if len({x.shape[i] for x in xs}) == 1 else None
                      for i, d in enumerate(xs[0].shape[1:], start=1)]
    step = tf.function(lambda x: model(x, training=False),
                       jit_compile=bool(model.jit_compile)).get_concrete_function(
        tf.TensorSpec(shape, xs[0].dtype))
    return [np.concatenate([step(tf.constant(x[i:i + batch_size])).numpy()
                            for i in range(0, len(x), batch_size)]) for x in xs]


def model_facts(model, splits, jit, jit_reason, exp):
    """The manifest's facts about the built model and the device."""
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    layers = builders.cudnn_report(model, splits.spec)
    for layer, kernel in zip(layers, kernels.layer_report(model, splits.spec, jit)):
        layer["cudnn_used"] = bool(gpus) and layer["cudnn_eligible"]
        # Whether a fused kernel (BlockLSTM) runs, else Keras' loop and why.
        layer.update(fused=kernel["fused"], runs=kernel["runs"], fallback=kernel["fallback"])
    return {
        "params": model.count_params(),
        "device": {"type": "GPU" if gpus else "CPU", "gpus": gpus},
        "jit_compile": {"setting": exp.train.jit_compile, "chosen": jit,
                        "reason": jit_reason},
        "layers": layers,
        "data": dict(splits.info),
    }


def drop_half_written_model(run_dir):
    """Removes a model.keras that a full disk cut short: it cannot be loaded, and
    the space it holds may be what the failure manifest needs."""
    path = run_dir / "model.keras"
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.testzip() is None:
                return
    except FileNotFoundError:
        return
    except (OSError, zipfile.BadZipFile):
        pass
    path.unlink(missing_ok=True)
    log.warning(f"removed the half-written {path}")


def saved_model_bytes(model):
    """About the size of model.keras: the weights and the optimizer's two slots each."""
    return 3 * model.count_params() * size.BYTES_PER_PARAMETER


def start_manifest(exp, run_dir):
    """The run's `LiveManifest`: status `running`, with pid, host and a heartbeat."""
    facts = {
        "experiment": exp.name,
        "run_id": run_dir.name,
        "status": "running",
        "seed": exp.seed,
        "deterministic": exp.train.deterministic,
        "started_at": folders.now_iso(),
        "ended_at": None,
        "versions": folders.versions(),
        "git": folders.git_state(),
        "host": folders.host(),
    }
    return folders.LiveManifest(run_dir / "manifest.json", facts)


def failure_status(error):
    return "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"


def finish_manifest(manifest, started, status, error=None):
    """Writes the run's end; returns the OSError if the disk refused it, else None."""
    facts = {"status": status, "ended_at": folders.now_iso(),
             "duration_s": round(time.perf_counter() - started, 3)}
    if error is not None:
        facts["error"] = describe_error(error)
    try:
        manifest.finish(facts)
    except OSError as e:
        return e
    return None


def describe_error(error):
    """`Type: message` for the manifest; an interruption says what stopped the run."""
    if isinstance(error, KeyboardInterrupt) and not str(error):
        cause = in_chain(error, Terminated)
        return (f"{type(error).__name__}: terminated by "
                f"{cause.name if cause is not None else 'Ctrl-C (SIGINT)'}")
    return f"{type(error).__name__}: {error}"


def failure_note(run_dir, unsaved, status="failed"):
    """What the manifest of a failed run now says, for the one-paragraph message."""
    if unsaved is None:
        return f"The run folder {run_dir} is marked `{status}`."
    return (f"Its manifest could not be marked `{status}` either ({unsaved.strerror}); "
            f"`rnnbench results` shows the run as `died` once this process has ended: "
            f"{run_dir}")


def log_summary(metrics, baseline_name, run_dir):
    tests = {k[len("test_"):]: v for k, v in metrics.items() if k.startswith("test_")}
    parts = []
    for key, value in tests.items():
        base = metrics.get(f"baseline_test_{key}")
        parts.append(f"{key}={value:.4g}" + (f" (baseline {base:.4g})" if base is not None else ""))
    log.info(f"test: {', '.join(parts)}; baseline = {baseline_name}")
    log.info(f"evaluated the {metrics['evaluated_weights']} weights: epoch "
             f"{metrics['evaluated_epoch']} of {metrics['epochs_run']} "
             f"(best by {metrics['monitor']}: epoch {metrics['best_epoch']})")
    log.info(f"run folder: {run_dir}")
