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


def experiment(workload, cell):
    """The rnnbench config of a workload with one cell kind."""
    registered, bidirectional = CELLS[cell]
    raw = {
        "name": f"bench_{workload.name}_{cell}",
        "data": {"name": "bench", **workload.data},
        "model": {"layers": [{"cell": registered, "units": u, "bidirectional": bidirectional}
                             for u in workload.units],
                  "head": [{"units": u, "activation": "relu"} for u in workload.head],
                  "embedding": {"dim": 64}},
        "train": {"batch_size": workload.batch_size, "deterministic": False},
    }
    return config_lib.validate(raw, source=f"bench {workload.name}/{cell}")


def keras_model(workload, cell, spec):
    """The same model written by hand with plain Keras layers."""
    import keras
    registered, bidirectional = CELLS[cell]
    inputs = keras.Input(spec.input_shape, dtype=spec.input_dtype)
    x = keras.layers.Embedding(spec.vocab_size, 64)(inputs) if spec.vocab_size else inputs
    for i, units in enumerate(workload.units):
        sequences = i < len(workload.units) - 1
        if registered == "textbook_lstm":
            from rnnbench.cells import TextbookLSTMCell
            layer = keras.layers.RNN(TextbookLSTMCell(units), return_sequences=sequences)
        else:
            layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU,
                     "simple_rnn": keras.layers.SimpleRNN}[registered](
                         units, return_sequences=sequences)
        x = keras.layers.Bidirectional(layer)(x) if bidirectional else layer(x)
    for units in workload.head:
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


class StepTimer:
    """Wall time between the ends of the first and the last training step of a fit.

    Excludes what `fit` does before the first step and after the last: building
    the input pipeline and its teardown (tf.data autotune can take seconds and
    varies from call to call), so steady-state steps are all that is timed.
    """

    def __init__(self):
        import keras

        class _Callback(keras.callbacks.Callback):
            def on_train_batch_end(cb, batch, logs=None):
                self.ends.append(time.perf_counter())

        self.callback = _Callback()
        self.ends = []

    def samples_per_s(self, batch_size):
        if len(self.ends) < 2:
            raise ValueError("need at least 2 training steps to time steady state")
        return (len(self.ends) - 1) * batch_size / (self.ends[-1] - self.ends[0])


def time_epoch(model, x, y, batch_size):
    """`(wall seconds of the fit call, steady-state samples/s inside it)`."""
    timer = StepTimer()
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False,
              callbacks=[timer.callback])
    return time.perf_counter() - start, timer.samples_per_s(batch_size)


def latency_ms(model, x, repeats=10):
    """Median milliseconds of `model.predict_on_batch(x)` after one untimed call."""
    model.predict_on_batch(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_on_batch(x)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_one(workload, cell, steps=20, rounds=8, jit_compile=False, vs_keras=True):
    """Times one workload/cell; returns a dict of samples/s, ratio, trace time, latency."""
    import keras
    exp = experiment(workload, cell)
    spec = config_lib.data_spec(exp)
    n = steps * workload.batch_size
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params, size=n), {}, None, 0)
    x, y = splits.train.x, splits.train.y
    models = {"rnnbench": builders.build_model(exp, spec=spec, compile=False)}
    if vs_keras:
        models["keras"] = keras_model(workload, cell, spec)
    trace = {}
    for name, model in models.items():
        # Identical compile for both: only the model building differs.
        builders.compile_model(model, exp, spec, jit_compile=jit_compile)
        trace[name] = time_epoch(model, x, y, workload.batch_size)[0]  # includes tracing
    rates = {name: [] for name in models}
    order = list(models)
    for round_index in range(rounds):
        # Interleaved, and the order flips every round, so neither model is
        # always the one that runs first (or right after the other).
        for name in order if round_index % 2 == 0 else order[::-1]:
            rates[name].append(time_epoch(models[name], x, y, workload.batch_size)[1])
    row = {"workload": workload.name, "cell": cell, "batch_size": workload.batch_size,
           "params": models["rnnbench"].count_params(), "jit_compile": jit_compile}
    for name in models:
        steady = statistics.median(rates[name])
        row[f"{name}_samples_per_s"] = round(steady, 1)
        # The first fit call's wall time beyond its steps at steady speed:
        # tracing, compiling and the input pipeline's set-up and teardown.
        row[f"{name}_first_epoch_extra_s"] = round(trace[name] - n / steady, 2)
    if vs_keras:
        # Paired per round: each rnnbench epoch against the Keras epoch beside
        # it, so slow drift of a shared 2-core machine cancels out.
        paired = sorted(a / b for a, b in zip(rates["rnnbench"], rates["keras"]))
        row["ratio"] = round(statistics.median(paired), 3)
        row["ratio_min"], row["ratio_max"] = round(paired[0], 3), round(paired[-1], 3)
    row["latency_ms"] = round(latency_ms(models["rnnbench"], x[:workload.batch_size]), 2)
    row["pipeline_samples_per_s"] = round(pipeline_rate(x, y, workload.batch_size), 1)
    keras.backend.clear_session()
    return row


def pipeline_rate(x, y, batch_size):
    """Samples/s of the input pipeline alone (Keras' own adapter for arrays)."""
    from keras.src.trainers.data_adapters import array_data_adapter
    adapter = array_data_adapter.ArrayDataAdapter(x, y, batch_size=batch_size, shuffle=True)
    dataset = adapter.get_tf_dataset()
    start = time.perf_counter()
    count = sum(int(batch[0].shape[0]) for batch in dataset)
    return count / (time.perf_counter() - start)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(workloads=("A", "B"), cells=("lstm", "gru", "simple_rnn", "bilstm", "textbook_lstm"),
        steps=20, rounds=8, jit_compile=False, vs_keras=True, log=print):
    """Benchmarks every workload x cell; returns the rows."""
    rows = []
    for name in workloads:
        for cell in cells:
            row = bench_one(WORKLOADS[name], cell, steps, rounds, jit_compile, vs_keras)
            row["peak_rss_mb"] = round(peak_rss_mb())
            log(format_row(row))
            rows.append(row)
    return rows


def format_row(row):
    text = (f"{row['workload']} {row['cell']:<14} rnnbench {row['rnnbench_samples_per_s']:>8.1f}"
            f" samples/s")
    if "ratio" in row:
        text += (f"  keras {row['keras_samples_per_s']:>8.1f}  ratio {row['ratio']:.3f}"
                 f" [{row['ratio_min']:.2f}-{row['ratio_max']:.2f}]")
    return (text + f"  trace+compile {row['rnnbench_first_epoch_extra_s']:.1f} s"
            f"  latency {row['latency_ms']:.1f} ms  pipeline "
            f"{row['pipeline_samples_per_s']:.0f} samples/s")
