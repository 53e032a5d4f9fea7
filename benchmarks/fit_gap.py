"""What `fit` costs per epoch beyond its steps, for the inputs `fit` can be given.

An epoch's gap is the time from its last step's end to the next epoch's first
step's end, minus one median step (BENCHMARKS.md, "What fit costs per epoch"):

    python benchmarks/fit_gap.py
"""

import statistics

import tensorflow as tf

from rnnbench.bench import benchmark
from rnnbench.config import experiment as config_lib
from rnnbench.models import builders
from rnnbench.runs import timing

WORKLOAD = benchmark.WORKLOADS["B"]
STEPS, EPOCHS = 20, 12


def gaps(exp, spec, fit_kwargs):
    """Median, min and max milliseconds between epochs beyond one step."""
    model = builders.build_model(exp, spec=spec, compile=False)
    builders.compile_model(model, exp, spec, jit_compile=False)
    timer = timing.StepTimer()
    model.fit(epochs=EPOCHS, verbose=0, callbacks=[timer.callback], **fit_kwargs)
    epochs = []
    for batch, end in timer.ends:  # the step index starts again at 0 every epoch
        if batch == 0:
            epochs.append([])
        epochs[-1].append(end)
    step = statistics.median(b - a for e in epochs for a, b in zip(e, e[1:]))
    found = [(nxt[0] - cur[-1] - step) * 1000 for cur, nxt in zip(epochs, epochs[1:])]
    return statistics.median(found), min(found), max(found)


def main():
    exp = benchmark.experiment(WORKLOAD, "simple_rnn")
    spec = config_lib.data_spec(exp)
    data = config_lib.dataset_of(exp)
    batch = WORKLOAD.batch_size
    train = data.load(dict(exp.data.params, size=STEPS * batch), {}, None, 0).train
    val = data.load(dict(exp.data.params, size=STEPS * batch), {}, None, 1).train
    ds = (tf.data.Dataset.from_tensor_slices((train.x, train.y)).shuffle(len(train.x))
          .batch(batch).prefetch(tf.data.AUTOTUNE))
    no_autotune = tf.data.Options()
    no_autotune.autotune.enabled = False
    cases = {
        "arrays, shuffle (rnnbench run)": dict(x=train.x, y=train.y, batch_size=batch),
        "arrays, shuffle, + validation": dict(x=train.x, y=train.y, batch_size=batch,
                                              validation_data=(val.x, val.y)),
        "tf.data, prefetch autotune": dict(x=ds),
        "tf.data, autotune disabled": dict(x=ds.with_options(no_autotune)),
        "tf.data repeat + steps_per_epoch": dict(x=ds.repeat(), steps_per_epoch=STEPS),
    }
    for label, kwargs in cases.items():
        median, low, high = gaps(exp, spec, kwargs)
        print(f"{label:<34} gap per epoch {median:5.0f} ms [{low:.0f}-{high:.0f}]")


if __name__ == "__main__":
    main()
