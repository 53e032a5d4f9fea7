"""Timers for training: steady-state step timing, epoch times, latency.

Shared by a run (time to first step, epoch times, the XLA probe), the
study report (inference latency) and the benchmark.
"""

import dataclasses
import logging
import math
import statistics
import time

import keras

log = logging.getLogger("rnnbench.runs")


@dataclasses.dataclass(frozen=True)
class Timing:
    """One timed epoch.

    Attributes:
        wall_s: the whole epoch (for `fit`: the call, set-up and teardown included).
        samples_per_s: steady-state rate between the first and last step's ends.
        step_s: the median seconds of one step: robust to the odd step the
            shared machine stalls. Epoch-by-epoch ratios of it still drift by
            about ±5% between identical models on a shared VM; the precise
            ratio is `interleaved_step_ratios`.
    """
    wall_s: float
    samples_per_s: float
    step_s: float


def timing_from_ends(ends, batch_size, wall_s):
    """A `Timing` from `(step index, end time)` pairs of one epoch."""
    if len(ends) < 2:
        raise ValueError("need at least 2 timed callbacks to time steady state")
    (first_step, first), (last_step, last) = ends[0], ends[-1]
    per_step = [(t1 - t0) / (s1 - s0) for (s0, t0), (s1, t1) in zip(ends, ends[1:])]
    return Timing(wall_s, (last_step - first_step) * batch_size / (last - first),
                  statistics.median(per_step))


class StepTimer:
    """End times of the training steps of a fit, for steady-state timing.

    Excludes what `fit` does before the first step and after the last: building
    the input pipeline and its teardown (tf.data autotune can take seconds and
    varies from call to call), so steady-state steps are all that is timed.
    With `steps_per_execution=K` Keras calls back once per K steps; the step
    index it passes keeps the count right.
    """

    def __init__(self):
        sync = device_sync()

        class _Callback(keras.callbacks.Callback):
            def on_train_batch_end(cb, batch, logs=None):
                sync()
                self.ends.append((batch, time.perf_counter()))

        self.callback = _Callback()
        self.ends = []

    def timing(self, batch_size, wall_s):
        return timing_from_ends(self.ends, batch_size, wall_s)


def device_sync():
    """A function that waits for queued GPU work (a no-op where steps are synchronous).

    TensorFlow's `fit` returns each step's logs as numpy values, so a step is
    done when its callback runs; under Keras' torch backend on CUDA it is not.
    """
    if keras.backend.backend() == "torch":
        import torch
        if torch.cuda.is_available():
            return torch.cuda.synchronize
    return lambda: None


def time_epoch(model, x, y, batch_size):
    """The `Timing` of one `fit` epoch."""
    timer = StepTimer()
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False,
              callbacks=[timer.callback])
    return timer.timing(batch_size, time.perf_counter() - start)


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


class EpochTimer(keras.callbacks.Callback):
    """Time to the first training step and wall time per epoch."""

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.first_step_s = math.nan
        self.epoch_s = []

    def on_train_batch_end(self, batch, logs=None):
        if math.isnan(self.first_step_s):
            self.first_step_s = time.perf_counter() - self.start

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_s.append(time.perf_counter() - self.epoch_start)

    def facts(self):
        return {"time_to_first_step_s": round(self.first_step_s, 3),
                "epoch_time_s": [round(s, 3) for s in self.epoch_s]}


class Laps:
    """Seconds of each phase of a run, each lap timed from the end of the last.

    `lap("data")` after loading the data records the time since the previous
    lap (or since construction) as `data`; a name given twice adds up.
    """

    def __init__(self):
        self.seconds = {}
        self.last = time.perf_counter()

    def __call__(self, name):
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.last
        self.last = now

    def split(self, name, part, part_s):
        """Moves `part_s` seconds of phase `name` into its own phase `part`."""
        self.seconds[name] -= part_s
        self.seconds[part] = self.seconds.get(part, 0.0) + part_s

    def facts(self):
        """`{"phases_s": {...}}` for the manifest; logged at debug level too."""
        phases = {k: round(v, 3) for k, v in self.seconds.items()}
        log.debug("phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
        return {"phases_s": phases}
