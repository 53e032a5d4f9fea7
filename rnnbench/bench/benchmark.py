"""`rnnbench bench`: training throughput of models built from configs.

Each workload is built twice: by rnnbench from a config, and by hand with
plain Keras layers. Both get the same data arrays, the same optimizer, loss
and metrics, and are timed in one process: in `fit` epochs that alternate
round by round, and step by step with their training steps interleaved (the
precise rnnbench/Keras ratio; 1.0 = no framework overhead). An optional
second hand-written model measures the noise floor of both ratios.

Each row is also set against the machine itself: the training step's
multiply-adds per sample (`multiply_adds`) times samples/s, over a float32
GEMM probe's rate at the same thread count (`gemm`): how far the step is
from the hardware, not only from PyTorch. Every row runs with the C
allocator's thresholds fixed (`allocator`), so it does not depend on the rows
measured before it.
"""

import dataclasses
import resource
import statistics
import time

# Re-exported: the CLI and benchmarks/ scripts set and read threads through this module.
from rnnbench.bench import allocator
from rnnbench.bench.threads import intra_op_threads, set_intra_op_threads  # noqa: F401
from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, speed
from rnnbench.runs.timing import device_sync, latency_ms, time_epoch

CELLS = {
    # name: (registered cell, bidirectional)
    "lstm": ("lstm", False),
    "gru": ("gru", False),
    "simple_rnn": ("simple_rnn", False),
    "bilstm": ("lstm", "concat"),
    "textbook_lstm": ("textbook_lstm", False),
    # Its hand-written Keras and PyTorch twins are the plain LSTMs it must beat.
    "fused_lstm": ("fused_lstm", False),
    "fused_bilstm": ("fused_lstm", "concat"),
}


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    description: str
    data: dict
    units: tuple
    head: tuple
    batch_size: int


WORKLOADS = {
    "A": Workload("A", "Embedding(10000,64) -> RNN(64) -> Dense(1), batch 64, 200 steps",
                  {"tokens": True, "vocab_size": 10000, "seq_len": 200}, (64,), (), 64),
    "B": Workload("B", "(50,1) -> RNN(50, seq) -> RNN(50) -> Dense(25) -> Dense(1), batch 32",
                  {"tokens": False, "features": 1, "seq_len": 50}, (50, 50), (25,), 32),
}


def _cudnn_options(cell, use_cudnn):
    """Layer options that switch cuDNN off (None: Keras' default, "auto")."""
    if use_cudnn is None or CELLS[cell][0] not in ("lstm", "gru", "fused_lstm"):
        return {}
    return {"use_cudnn": use_cudnn}


def experiment(workload, cell, use_cudnn=None, steps_per_execution="auto"):
    """The rnnbench config of a workload with one cell kind, at `rnnbench run`'s defaults."""
    registered, bidirectional = CELLS[cell]
    options = _cudnn_options(cell, use_cudnn)
    raw = {
        "name": f"bench_{workload.name}_{cell}",
        "data": {"name": "bench", **workload.data},
        "model": {"layers": [{"cell": registered, "units": u, "bidirectional": bidirectional,
                              **options}
                             for u in workload.units],
                  "head": [{"units": u, "activation": "relu"} for u in workload.head]},
        "train": {"batch_size": workload.batch_size, "deterministic": False,
                  "steps_per_execution": steps_per_execution},
    }
    if workload.data.get("tokens"):  # workload A: Embedding(10000, 64)
        raw["model"]["embedding"] = {"dim": 64}
    return config_lib.validate(raw, source=f"bench {workload.name}/{cell}")


def training_arrays(exp, workload, steps):
    """`(x, y)`: `steps` batches of the workload's generated data for `exp`."""
    size = steps * workload.batch_size
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params, size=size), {}, None, 0)
    return splits.train.x, splits.train.y


def keras_model(workload, cell, spec, use_cudnn=None):
    """The same model written by hand with plain Keras layers."""
    import keras
    registered, bidirectional = CELLS[cell]
    options = _cudnn_options(cell, use_cudnn)
    inputs = keras.Input(spec.input_shape, dtype=spec.input_dtype)
    x = keras.layers.Embedding(spec.vocab_size, 64)(inputs) if spec.vocab_size else inputs
    for i, units in enumerate(workload.units):
        sequences = i < len(workload.units) - 1
        if registered == "textbook_lstm":
            from rnnbench.models.cells import TextbookLSTMCell
            layer = keras.layers.RNN(TextbookLSTMCell(units), return_sequences=sequences)
        else:
            layer = {"lstm": keras.layers.LSTM, "fused_lstm": keras.layers.LSTM,
                     "gru": keras.layers.GRU, "simple_rnn": keras.layers.SimpleRNN}[registered](
                         units, return_sequences=sequences, **options)
        x = keras.layers.Bidirectional(layer)(x) if bidirectional else layer(x)
    for units in workload.head:
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


def bench_one(workload, cell, steps=20, rounds=8, jit_compile=False, vs_keras=True,
              vs_torch=False, use_cudnn=None, steps_per_execution="auto", control=False,
              torch_control=False):
    """Times one workload/cell; returns a dict of samples/s, ratios, trace time, latency.

    The row also sets the training step's multiply-add rate against this
    machine's GEMM rate (`against_the_limit`).

    Args:
        vs_keras: also time the hand-written Keras model.
        vs_torch: also time the PyTorch twin (`torch_twins`).
        use_cudnn: None (Keras' default: cuDNN where eligible on a GPU) or
            False (the generic kernels), for LSTM/GRU layers.
        steps_per_execution: training steps per compiled call (all Keras models);
            `auto` is a run's rule for an epoch of `steps // 2` batches, so every
            timed epoch has at least two calls (with `steps` >= 32: a run's 16).
        control: also time a second hand-written Keras model (implies
            `vs_keras`); its ratio to the first (`ratio_control`) is what two
            identical models measure: the noise floor of `ratio`.
        torch_control: also time a second PyTorch twin (implies `vs_torch`);
            `ratio_torch_control` is the noise floor of `ratio_torch`, and far
            from 1 it shows a PyTorch side that is unstable on this machine.
    """
    import keras
    # Before any tensor of the row: PyTorch's speed would otherwise depend on the rows before.
    malloc = allocator.fix_thresholds()
    exp = experiment(workload, cell, use_cudnn, steps_per_execution)
    per_call = speed.steps_per_execution(exp, max(1, steps // 2)).chosen
    spec = config_lib.data_spec(exp)
    n = steps * workload.batch_size
    x, y = training_arrays(exp, workload, steps)
    models = {"rnnbench": builders.build_model(exp, spec=spec, compile=False)}
    if vs_keras or control:
        models["keras"] = keras_model(workload, cell, spec, use_cudnn)
    if control:
        models["control"] = keras_model(workload, cell, spec, use_cudnn)
    epochs = {}
    for name, model in models.items():
        # Identical compile for all: only the model building differs.
        builders.compile_model(model, exp, spec, jit_compile=jit_compile,
                               steps_per_execution=per_call)
        epochs[name] = lambda model=model: time_epoch(model, x, y, workload.batch_size)
    vs_torch = vs_torch or torch_control
    if vs_torch:
        from rnnbench.bench import torch_twins
        for name in ("torch", "torch_control") if torch_control else ("torch",):
            twin = torch_twins.TorchTwin(workload, *CELLS[cell], spec, x, y,
                                         exp.train.optimizer.learning_rate)
            epochs[name] = twin.time_epoch
    first = {name: epoch() for name, epoch in epochs.items()}  # tracing, compiling
    timings = {name: [] for name in epochs}
    order = list(epochs)
    for round_index in range(rounds):
        # Interleaved, and the order flips every round, so no model is always
        # the one that runs first (or right after another).
        for name in order if round_index % 2 == 0 else order[::-1]:
            timings[name].append(epochs[name]())
    row = {"workload": workload.name, "cell": cell, "batch_size": workload.batch_size,
           "params": models["rnnbench"].count_params(), "jit_compile": jit_compile,
           "backend": keras.backend.backend(), "device": device_name()}
    if use_cudnn is not None:
        row["use_cudnn"] = use_cudnn
    row["steps_per_execution"] = per_call
    row["layer_classes"] = [type(layer).__name__ for layer in
                          builders.recurrent_layers(models["rnnbench"])]
    row["intra_op_threads"] = intra_op_threads()
    row.update(machine_mode())
    row.update(malloc)
    if vs_torch:
        row.update(twin.mode())
    for name in epochs:
        row.update(_rates(name, timings[name], first[name], n, workload.batch_size))
    for name, other, suffix in (("rnnbench", "keras", ""), ("rnnbench", "torch", "_torch"),
                                ("control", "keras", "_control"),
                                ("torch_control", "torch", "_torch_control")):
        if name in timings and other in timings:
            row.update(_paired_ratios(timings[name], timings[other], suffix))
    if "keras" in models:
        ratios = interleaved_step_ratios(models, x, y, workload.batch_size, steps * rounds)
        for name, suffix in (("rnnbench", ""), ("control", "_control")):
            if name in ratios:
                row.update(_interval(f"ratio_step{suffix}", ratios[name]))
    row["latency_ms"] = round(latency_ms(models["rnnbench"], x[:workload.batch_size]), 2)
    if vs_torch:
        row["torch_latency_ms"] = round(twin.latency_ms(), 2)
    row["pipeline_samples_per_s"] = round(pipeline_rate(x, y, workload.batch_size), 1)
    kernels = cudnn_kernels(models["rnnbench"], x, y, workload.batch_size)
    if kernels is not None:
        row["cudnn_rnn_kernels"] = kernels
    row.update(against_the_limit(models["rnnbench"], row))
    row.update(control_checks(row))
    keras.backend.clear_session()
    return row


def against_the_limit(model, row):
    """The row's training multiply-add rates, set against this machine's GEMM rate.

    Probes the GEMM rate (`gemm.probe`) in this process, after the timings,
    so at the intra-op threads and under the load the models ran with.

    Args:
        model: the rnnbench model of the row (its layers give the count).
        row: the row so far (`device`, and `NAME_samples_per_s` per timed model).

    Returns:
        `limit_fields` of the count, the row and the probe.
    """
    from rnnbench.bench import gemm, multiply_adds
    return limit_fields(multiply_adds.training(model), row,
                        gemm.probe(gemm.default_size(row["device"])))


def limit_fields(per_sample, row, probe):
    """The row's keys for `against_the_limit`, from numbers alone.

    Args:
        per_sample: multiply-adds per sample of a training step
            (`multiply_adds.training`: forward plus backward, 2x forward).
        row: a row with `NAME_samples_per_s` for the timed models.
        probe: `gemm.probe`'s dict.

    Returns:
        `multiply_adds_per_sample`, the probe's keys and, for rnnbench and
        the PyTorch twin (the same model) where timed,
        `NAME_multiply_adds_per_s` (per sample times samples/s) and
        `NAME_gemm_fraction` (that over `gemm_multiply_adds_per_s`).
    """
    fields = {"multiply_adds_per_sample": per_sample, **probe}
    for name in ("rnnbench", "torch"):
        if f"{name}_samples_per_s" in row:
            rate = per_sample * row[f"{name}_samples_per_s"]
            fields[f"{name}_multiply_adds_per_s"] = round(rate)
            fields[f"{name}_gemm_fraction"] = round(rate / probe["gemm_multiply_adds_per_s"], 4)
    return fields


# How far from 1.0 the ratio of two identical models (a control) may lie and
# still vouch for the ratio it controls. On the quiet 2-vCPU VM of
# docs/benchmarks.md the step-interleaved Keras controls read 1.000-1.008 and
# the PyTorch controls (4 epoch rounds) 0.96-1.07; on a loaded machine a
# PyTorch control read 3.97 [1.31-5.41] beside an rnnbench/PyTorch "2.49"
# (issue 28): the twin's OpenMP threads had collapsed, not rnnbench sped up.
CONTROL_BAND = (0.9, 1.1)

# Each ratio a row prints -> (its control, the control's spread keys, what it is called).
CONTROLS = {
    "ratio": ("ratio_control", ("_min", "_max"), "Keras control"),
    "ratio_step": ("ratio_step_control", ("_low", "_high"), "Keras control, steps interleaved"),
    "ratio_torch": ("ratio_torch_control", ("_min", "_max"), "PyTorch control"),
}


def control_checks(row, band=CONTROL_BAND):
    """Whether the control of each ratio in `row` vouches for it.

    A control times two identical models against each other, so it reads 1.0
    up to the machine's noise; one outside `band` says the machine (not the
    models) decided the timings, and the ratio it controls is not a valid
    comparison. Reads only the row's numbers, so recorded timings can be
    judged again (`_paired_ratios`, `_interval` make the row's keys).

    Args:
        row: a bench row (`bench_one`), or any dict with its ratio keys.
        band: `(low, high)`: the control's median must lie within it.

    Returns:
        `{"checks": {ratio_key: {"valid", "control", "reason"}}, "valid": ...}`
        for the ratios present: `valid` True (the control is inside the
        band), False (outside: `reason` says which control read what) or
        None (no control was measured: `--control`, `--torch-control`). The
        row's `valid` is False if any check is, True if all are, else None.
    """
    checks = {}
    for key, (control, (low, high), name) in CONTROLS.items():
        if key not in row:
            continue
        value = row.get(control)
        if value is None:
            flag = "--torch-control" if key == "ratio_torch" else "--control"
            checks[key] = {"valid": None, "control": None,
                           "reason": f"no control measured ({flag} measures one)"}
            continue
        spread = (f" [{row[control + low]:.2f}-{row[control + high]:.2f}]"
                  if control + low in row and control + high in row else "")
        inside = band[0] <= value <= band[1]
        reason = (f"{name} {value:.3f}{spread} "
                  + (f"inside its noise band {band[0]:.2f}-{band[1]:.2f}" if inside else
                     f"outside its noise band {band[0]:.2f}-{band[1]:.2f}: two identical "
                     "models timed that far apart, so the machine, not the models, set "
                     "this ratio (a loaded machine? run `rnnbench bench` alone)"))
        checks[key] = {"valid": inside, "control": value, "reason": reason}
    verdicts = [check["valid"] for check in checks.values()]
    valid = (False if False in verdicts else
             True if verdicts and all(v is True for v in verdicts) else None)
    return {"checks": checks, "valid": valid}


def _rates(name, timings, first, n, batch_size):
    """Steady-state samples/s (from the median step), and time spent outside steps.

    Returns `NAME_first_epoch_extra_s`, the first epoch's wall time beyond its
    steps at steady speed (tracing, compiling, the input pipeline's set-up and
    teardown), and `NAME_epoch_overhead_s`, the same for a later epoch (what
    every epoch of `fit` costs beyond its steps: iterator set-up, tf.data
    autotune teardown, callbacks).
    """
    step_s = statistics.median(t.step_s for t in timings)
    steps = n / batch_size
    return {f"{name}_samples_per_s": round(batch_size / step_s, 1),
            f"{name}_epoch_samples_per_s": round(
                statistics.median(t.samples_per_s for t in timings), 1),
            f"{name}_first_epoch_extra_s": round(first.wall_s - steps * step_s, 2),
            f"{name}_epoch_overhead_s": round(
                statistics.median(t.wall_s - steps * t.step_s for t in timings), 3)}


def _paired_ratios(ours, theirs, suffix):
    """Median and min-max over rounds of per-round speed ratios, ours/theirs.

    Paired per round (each epoch against the one beside it), so slow drift of
    a shared machine cancels out. `ratio` compares median step times; the
    `ratio_epoch` keys compare whole-epoch rates, which the odd stalled step
    makes noisier.
    """
    step = sorted(b.step_s / a.step_s for a, b in zip(ours, theirs))
    epoch = sorted(a.samples_per_s / b.samples_per_s for a, b in zip(ours, theirs))
    return {f"ratio{suffix}": round(statistics.median(step), 3),
            f"ratio{suffix}_min": round(step[0], 3), f"ratio{suffix}_max": round(step[-1], 3),
            f"ratio_epoch{suffix}": round(statistics.median(epoch), 3),
            f"ratio_epoch{suffix}_min": round(epoch[0], 3),
            f"ratio_epoch{suffix}_max": round(epoch[-1], 3)}


def interleaved_step_ratios(models, x, y, batch_size, steps, reference="keras"):
    """Speed ratios to `reference`, one per training step, the models' steps interleaved.

    Each step trains every model on the same batch (`train_on_batch`, the
    compiled train step without `fit`'s loop), one right after another in an
    order that flips every step, so a pair of steps is milliseconds apart and
    the shared machine's drift, which blurs epoch-by-epoch ratios, cancels.

    Returns:
        `{name: [reference step time / name's step time, ...]}` for every
        other model.
    """
    sync = device_sync()
    batches = len(x) // batch_size
    for model in models.values():
        model.train_on_batch(x[:batch_size], y[:batch_size])  # warm-up
    names = list(models)
    seconds = {name: [] for name in names}
    for step in range(steps):
        lo = (step % batches) * batch_size
        xb, yb = x[lo:lo + batch_size], y[lo:lo + batch_size]
        for name in names if step % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            models[name].train_on_batch(xb, yb)
            sync()
            seconds[name].append(time.perf_counter() - start)
    return {name: [r / t for r, t in zip(seconds[reference], seconds[name])]
            for name in names if name != reference}


def _interval(key, ratios, resamples=1000):
    """The median of `ratios` and its bootstrap 95% interval (fixed seed: reproducible)."""
    import random
    draw = random.Random(0)
    medians = sorted(statistics.median(draw.choices(ratios, k=len(ratios)))
                     for _ in range(resamples))
    return {key: round(statistics.median(ratios), 3),
            f"{key}_low": round(medians[int(0.025 * resamples)], 3),
            f"{key}_high": round(medians[int(0.975 * resamples) - 1], 3)}


def machine_mode():
    """The CPU and TensorFlow's floating-point mode, for every bench row.

    Returns:
        `cpu_model` and `cpu_flags` (`runs.machine.cpu`), `cpu_count` (cores
        this process may use) and `tf_flush_denormal`.
    """
    import os
    from rnnbench.runs import machine
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {**machine.cpu(), "cpu_count": cores, "tf_flush_denormal": tf_flushes_denormals()}


def tf_flushes_denormals():
    """Whether TensorFlow's CPU ops flush denormals (observed, as `torch_twins.flushes_denormals`).

    None where Keras' backend is not TensorFlow.
    """
    import keras
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf
    with tf.device("/CPU:0"):
        tiny = tf.bitcast(tf.ones([1 << 20], tf.int32), tf.float32)
        product = tf.bitcast(tiny * tf.ones_like(tiny), tf.int32)
        return bool(tf.math.count_nonzero(product) == 0)


def device_name():
    """"cpu", or the GPU's name where Keras' backend runs on one."""
    import keras
    if keras.backend.backend() == "torch":
        import torch
        if torch.cuda.is_available():
            return torch.cuda.get_device_name()
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    return "cpu"


def cudnn_kernels(model, x, y, batch_size):
    """Names of the cuDNN RNN kernels one training step launches (torch backend on CUDA).

    Returns None where this cannot be observed (other backends, no GPU): the
    proof that the cuDNN path ran, since Keras falls back to its generic loop
    silently when the cuDNN call fails.
    """
    import keras
    if keras.backend.backend() != "torch":
        return None
    import torch
    if not torch.cuda.is_available():
        return None
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        model.fit(x[:batch_size], y[:batch_size], batch_size=batch_size, epochs=1, verbose=0)
        torch.cuda.synchronize()
    names = {event.key for event in prof.key_averages()}
    return sorted(name for name in names
                  if any(k in name.lower() for k in ("rnn", "lstm", "gru", "cudnn")))


def pipeline_rate(x, y, batch_size, passes=3):
    """Samples/s of the input pipeline alone (`input_pipeline`): the median of `passes` epochs.

    One untimed epoch first: its set-up (tracing the map, starting tf.data's
    threads) cost up to 3x the rate of later epochs here, and `fit` pays it
    once, not every epoch.
    """
    dataset = input_pipeline(x, y, batch_size)
    for _ in dataset:
        pass
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        count = sum(int(batch[0].shape[0]) for batch in dataset)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def input_pipeline(x, y, batch_size):
    """Arrays as a shuffled, batched `tf.data.Dataset`, the way Keras feeds them to `fit`.

    As Keras' array adapter does on TensorFlow: shuffled indices in batches,
    each batch gathered by a parallel map, prefetched. The model's samples/s
    can be set against its rate to see whether feeding limits training.
    """
    import tensorflow as tf
    x, y = tf.constant(x), tf.constant(y)
    return (tf.data.Dataset.range(len(x)).shuffle(len(x)).batch(batch_size)
            .map(lambda i: (tf.gather(x, i), tf.gather(y, i)),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def save_rows(path, rows):
    """Writes the rows measured so far as JSON (after every row: a cut run keeps them)."""
    import json
    from pathlib import Path
    Path(path).write_text(json.dumps(rows, indent=2) + "\n")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(workloads=("A", "B"), cells=("lstm", "gru", "simple_rnn", "bilstm", "textbook_lstm"),
        steps=20, rounds=8, jit_compile=False, vs_keras=True, vs_torch=False,
        use_cudnn=None, log=print, rows=None, steps_per_execution="auto", control=False,
        torch_control=False):
    """Benchmarks every workload x cell; returns the rows.

    Args:
        rows: a list that each row is appended to as soon as it is measured
            (before `log` sees it); a new list by default.
    """
    rows = [] if rows is None else rows
    for name in workloads:
        for cell in cells:
            row = bench_one(WORKLOADS[name], cell, steps, rounds, jit_compile, vs_keras,
                            vs_torch, use_cudnn, steps_per_execution, control, torch_control)
            row["peak_rss_mb"] = round(peak_rss_mb())
            rows.append(row)
            log(format_row(row))
    return rows


def format_row(row):
    """One console line per row; a ratio whose control is out of its band prints as not valid."""
    checks = row.get("checks") or control_checks(row)["checks"]

    def ratio(key, text):
        check = checks.get(key, {})
        if check.get("valid") is False:
            return f"not valid ({check['reason'].split(':')[0]})"
        if check.get("valid") is None and key == "ratio_torch":
            return text + " (unchecked: no --torch-control)"
        return text

    text = (f"{row['workload']} {row['cell']:<14} rnnbench {row['rnnbench_samples_per_s']:>8.1f}"
            f" samples/s")
    if "rnnbench_gemm_fraction" in row:
        threads = row["gemm_intra_op_threads"]
        threads = f"{threads} thread{'s' * (threads > 1)}" if threads else "default threads"
        text += (f" = {row['rnnbench_multiply_adds_per_s'] / 1e9:.2f} G multiply-adds/s,"
                 f" {100 * row['rnnbench_gemm_fraction']:.1f}% of this machine's GEMM rate"
                 f" ({row['gemm_multiply_adds_per_s'] / 1e9:.1f} G/s, {row['gemm_size']}²"
                 f" float32, {threads})")
    if "ratio" in row:
        text += f"  keras {row['keras_samples_per_s']:>8.1f}  ratio " + ratio(
            "ratio", f"{row['ratio']:.3f} [{row['ratio_min']:.2f}-{row['ratio_max']:.2f}]")
    if "ratio_step" in row:
        text += "  step-interleaved " + ratio(
            "ratio_step", f"{row['ratio_step']:.3f}"
                          f" [{row['ratio_step_low']:.3f}-{row['ratio_step_high']:.3f}]")
    if "ratio_control" in row:
        text += (f"  control {row['ratio_control']:.3f}"
                 f" [{row['ratio_control_min']:.2f}-{row['ratio_control_max']:.2f}]"
                 f" step-interleaved {row['ratio_step_control']:.3f}"
                 f" [{row['ratio_step_control_low']:.3f}-{row['ratio_step_control_high']:.3f}]")
    if "ratio_torch" in row:
        text += f"  torch {row['torch_samples_per_s']:>8.1f}"
        if "torch_gemm_fraction" in row:
            text += f" ({100 * row['torch_gemm_fraction']:.1f}% of the GEMM rate)"
        text += "  ratio " + ratio(
            "ratio_torch", f"{row['ratio_torch']:.3f}"
                           f" [{row['ratio_torch_min']:.2f}-{row['ratio_torch_max']:.2f}]")
    if "ratio_torch_control" in row:
        text += (f"  torch control {row['ratio_torch_control']:.3f}"
                 f" [{row['ratio_torch_control_min']:.2f}-{row['ratio_torch_control_max']:.2f}]")
    if "cudnn_rnn_kernels" in row:
        text += f"  cuDNN RNN kernels: {len(row['cudnn_rnn_kernels'])}"
    text += (f"  trace+compile {row['rnnbench_first_epoch_extra_s']:.1f} s"
             f"  latency {row['latency_ms']:.1f} ms  pipeline "
             f"{row['pipeline_samples_per_s']:.0f} samples/s")
    if any(check["valid"] is False for check in checks.values()):
        text += ("  [comparison not valid: two identical models disagreed beyond the "
                 "noise band; run `rnnbench bench` alone on a quiet machine]")
    return text
