"""`rnnbench bench`: training throughput of models built from configs.

Each workload is built twice: by rnnbench from a config, and by hand with
plain Keras layers. Both get the same data arrays, the same optimizer, loss
and metrics, and are timed in alternating rounds in one process; the table
reports medians and the rnnbench/Keras ratio (1.0 = no framework overhead).
"""

import dataclasses
import resource
import statistics
import time


from rnnbench import builders, config as config_lib

CELLS = {
    # name: (registered cell, bidirectional)
    "lstm": ("lstm", False),
    "gru": ("gru", False),
    "simple_rnn": ("simple_rnn", False),
    "bilstm": ("lstm", "concat"),
    "textbook_lstm": ("textbook_lstm", False),
    # Its hand-written Keras and PyTorch twins are the plain LSTMs it must beat.
    "fused_lstm": ("fused_lstm", False),
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


def experiment(workload, cell, use_cudnn=None, steps_per_execution=1):
    """The rnnbench config of a workload with one cell kind."""
    registered, bidirectional = CELLS[cell]
    options = _cudnn_options(cell, use_cudnn)
    raw = {
        "name": f"bench_{workload.name}_{cell}",
        "data": {"name": "bench", **workload.data},
        "model": {"layers": [{"cell": registered, "units": u, "bidirectional": bidirectional,
                              **options}
                             for u in workload.units],
                  "head": [{"units": u, "activation": "relu"} for u in workload.head],
                  "embedding": {"dim": 64}},
        "train": {"batch_size": workload.batch_size, "deterministic": False,
                  "steps_per_execution": steps_per_execution},
    }
    return config_lib.validate(raw, source=f"bench {workload.name}/{cell}")


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
            from rnnbench.cells import TextbookLSTMCell
            layer = keras.layers.RNN(TextbookLSTMCell(units), return_sequences=sequences)
        else:
            layer = {"lstm": keras.layers.LSTM, "fused_lstm": keras.layers.LSTM,
                     "gru": keras.layers.GRU, "simple_rnn": keras.layers.SimpleRNN}[registered](
                         units, return_sequences=sequences, **options)
        x = keras.layers.Bidirectional(layer)(x) if bidirectional else layer(x)
    for units in workload.head:
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


class StepTimer:
    """Wall time between the ends of the first and the last training step of a fit.

    Excludes what `fit` does before the first step and after the last: building
    the input pipeline and its teardown (tf.data autotune can take seconds and
    varies from call to call), so steady-state steps are all that is timed.
    With `steps_per_execution=K` Keras calls back once per K steps; the step
    index it passes keeps the count right.
    """

    def __init__(self):
        import keras
        sync = device_sync()

        class _Callback(keras.callbacks.Callback):
            def on_train_batch_end(cb, batch, logs=None):
                sync()
                self.ends.append((batch, time.perf_counter()))

        self.callback = _Callback()
        self.ends = []

    def samples_per_s(self, batch_size):
        if len(self.ends) < 2:
            raise ValueError("need at least 2 timed callbacks to time steady state")
        (first_step, first), (last_step, last) = self.ends[0], self.ends[-1]
        return (last_step - first_step) * batch_size / (last - first)


def device_sync():
    """A function that waits for queued GPU work (a no-op where steps are synchronous).

    TensorFlow's `fit` returns each step's logs as numpy values, so a step is
    done when its callback runs; under Keras' torch backend on CUDA it is not.
    """
    import keras
    if keras.backend.backend() == "torch":
        import torch
        if torch.cuda.is_available():
            return torch.cuda.synchronize
    return lambda: None


def time_epoch(model, x, y, batch_size):
    """`(wall seconds of the fit call, steady-state samples/s inside it)`."""
    timer = StepTimer()
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False,
              callbacks=[timer.callback])
    return time.perf_counter() - start, timer.samples_per_s(batch_size)


def median_ms(call, repeats=10):
    """Median milliseconds of `call()` after one untimed call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def latency_ms(model, x, repeats=10):
    """Median milliseconds of `model.predict_on_batch(x)` after one untimed call."""
    return median_ms(lambda: model.predict_on_batch(x), repeats)


def bench_one(workload, cell, steps=20, rounds=8, jit_compile=False, vs_keras=True,
              vs_torch=False, use_cudnn=None, steps_per_execution=1):
    """Times one workload/cell; returns a dict of samples/s, ratios, trace time, latency.

    Args:
        vs_keras: also time the hand-written Keras model.
        vs_torch: also time the PyTorch twin (`torch_twins`).
        use_cudnn: None (Keras' default: cuDNN where eligible on a GPU) or
            False (the generic kernels), for LSTM/GRU layers.
        steps_per_execution: training steps per compiled call (both Keras models).
    """
    import keras
    exp = experiment(workload, cell, use_cudnn, steps_per_execution)
    spec = config_lib.data_spec(exp)
    n = steps * workload.batch_size
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params, size=n), {}, None, 0)
    x, y = splits.train.x, splits.train.y
    models = {"rnnbench": builders.build_model(exp, spec=spec, compile=False)}
    if vs_keras:
        models["keras"] = keras_model(workload, cell, spec, use_cudnn)
    epochs, trace = {}, {}
    for name, model in models.items():
        # Identical compile for both: only the model building differs.
        builders.compile_model(model, exp, spec, jit_compile=jit_compile)
        epochs[name] = lambda model=model: time_epoch(model, x, y, workload.batch_size)
    if vs_torch:
        from rnnbench import torch_twins
        twin = torch_twins.TorchTwin(workload, *CELLS[cell], spec, x, y,
                                     exp.train.optimizer.learning_rate)
        epochs["torch"] = twin.time_epoch
    for name, epoch in epochs.items():
        trace[name] = epoch()[0]  # includes tracing and compiling
    rates = {name: [] for name in epochs}
    order = list(epochs)
    for round_index in range(rounds):
        # Interleaved, and the order flips every round, so no model is always
        # the one that runs first (or right after another).
        for name in order if round_index % 2 == 0 else order[::-1]:
            rates[name].append(epochs[name]()[1])
    row = {"workload": workload.name, "cell": cell, "batch_size": workload.batch_size,
           "params": models["rnnbench"].count_params(), "jit_compile": jit_compile,
           "backend": keras.backend.backend(), "device": device_name()}
    if use_cudnn is not None:
        row["use_cudnn"] = use_cudnn
    if steps_per_execution > 1:
        row["steps_per_execution"] = steps_per_execution
    row["intra_op_threads"] = intra_op_threads()
    for name in epochs:
        steady = statistics.median(rates[name])
        row[f"{name}_samples_per_s"] = round(steady, 1)
        # The first epoch's wall time beyond its steps at steady speed:
        # tracing, compiling and the input pipeline's set-up and teardown.
        row[f"{name}_first_epoch_extra_s"] = round(trace[name] - n / steady, 2)
    for other in ("keras", "torch"):
        if other in rates:
            # Paired per round: each rnnbench epoch against the other epoch
            # beside it, so slow drift of a shared machine cancels out.
            paired = sorted(a / b for a, b in zip(rates["rnnbench"], rates[other]))
            suffix = "" if other == "keras" else "_torch"
            row[f"ratio{suffix}"] = round(statistics.median(paired), 3)
            row[f"ratio{suffix}_min"] = round(paired[0], 3)
            row[f"ratio{suffix}_max"] = round(paired[-1], 3)
    row["latency_ms"] = round(latency_ms(models["rnnbench"], x[:workload.batch_size]), 2)
    if vs_torch:
        row["torch_latency_ms"] = round(twin.latency_ms(), 2)
    row["pipeline_samples_per_s"] = round(pipeline_rate(x, y, workload.batch_size), 1)
    kernels = cudnn_kernels(models["rnnbench"], x, y, workload.batch_size)
    if kernels is not None:
        row["cudnn_rnn_kernels"] = kernels
    keras.backend.clear_session()
    return row


def set_intra_op_threads(n):
    """Sets the threads one op may use, for Keras' backend and for PyTorch alike.

    Must run before the backend's first op (TensorFlow fixes it at start-up).
    """
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(n)
    from rnnbench import torch_twins
    if torch_twins.available():
        import torch
        torch.set_num_threads(n)


def intra_op_threads():
    """The backend's intra-op thread setting (0: its default, one per core)."""
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        return tf.config.threading.get_intra_op_parallelism_threads()
    if keras.backend.backend() == "torch":
        import torch
        return torch.get_num_threads()
    return 0


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


def pipeline_rate(x, y, batch_size):
    """Samples/s of the input pipeline alone (Keras' own adapter for arrays)."""
    import keras
    from keras.src.trainers.data_adapters import array_data_adapter
    adapter = array_data_adapter.ArrayDataAdapter(x, y, batch_size=batch_size, shuffle=True)
    # What `fit` iterates under each backend.
    dataset = {"tensorflow": adapter.get_tf_dataset,
               "torch": adapter.get_torch_dataloader}.get(
                   keras.backend.backend(), adapter.get_numpy_iterator)()
    start = time.perf_counter()
    count = sum(int(batch[0].shape[0]) for batch in dataset)
    return count / (time.perf_counter() - start)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(workloads=("A", "B"), cells=("lstm", "gru", "simple_rnn", "bilstm", "textbook_lstm"),
        steps=20, rounds=8, jit_compile=False, vs_keras=True, vs_torch=False,
        use_cudnn=None, log=print, rows=None, steps_per_execution=1):
    """Benchmarks every workload x cell; returns the rows.

    Args:
        rows: a list that each row is appended to as soon as it is measured
            (before `log` sees it); a new list by default.
    """
    rows = [] if rows is None else rows
    for name in workloads:
        for cell in cells:
            row = bench_one(WORKLOADS[name], cell, steps, rounds, jit_compile, vs_keras,
                            vs_torch, use_cudnn, steps_per_execution)
            row["peak_rss_mb"] = round(peak_rss_mb())
            rows.append(row)
            log(format_row(row))
    return rows


def format_row(row):
    text = (f"{row['workload']} {row['cell']:<14} rnnbench {row['rnnbench_samples_per_s']:>8.1f}"
            f" samples/s")
    if "ratio" in row:
        text += (f"  keras {row['keras_samples_per_s']:>8.1f}  ratio {row['ratio']:.3f}"
                 f" [{row['ratio_min']:.2f}-{row['ratio_max']:.2f}]")
    if "ratio_torch" in row:
        text += (f"  torch {row['torch_samples_per_s']:>8.1f}  ratio {row['ratio_torch']:.3f}"
                 f" [{row['ratio_torch_min']:.2f}-{row['ratio_torch_max']:.2f}]")
    if "cudnn_rnn_kernels" in row:
        text += f"  cuDNN RNN kernels: {len(row['cudnn_rnn_kernels'])}"
    return (text + f"  trace+compile {row['rnnbench_first_epoch_extra_s']:.1f} s"
            f"  latency {row['latency_ms']:.1f} ms  pipeline "
            f"{row['pipeline_samples_per_s']:.0f} samples/s")
