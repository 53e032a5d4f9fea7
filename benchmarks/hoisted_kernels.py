"""The hoisted input projection against Keras' loop (and BlockLSTM), training steps interleaved.

For each workload and cell, models with the same layers train on the same
batches, their steps interleaved (`bench.benchmark.interleaved_step_ratios`,
the order flipping every step): Keras' own layer (the reference), a second
copy of it (the control: what two identical models measure, the noise
floor), the hoisted layer (`train.<cell>_kernel: hoisted`) and, for LSTM,
`FusedLSTM` (BlockLSTM, what `lstm_kernel: auto` picks on small steps).
Each ratio is the reference's step time over the model's: above 1.0, the
model is faster. The median and its bootstrap 95% interval per model; a
row whose control lies outside `benchmark.CONTROL_BAND` is marked not valid
(docs/kernels.md, "The hoisted kernel's speed"):

    python benchmarks/hoisted_kernels.py --steps 200 --json hoisted_kernels.json
"""

import argparse
import dataclasses
import json

import keras

from rnnbench.bench import benchmark
from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, speed

KERNELS = {"lstm": ("keras", "control", "hoisted", "block"),
           "gru": ("keras", "control", "hoisted"),
           "simple_rnn": ("keras", "control", "hoisted")}


def models_of(workload, cell):
    """`({name: compiled model}, x, y)`: one model per kernel of `cell`, on one data set."""
    exp = benchmark.experiment(workload, cell)
    spec = config_lib.data_spec(exp)
    x, y = benchmark.training_arrays(exp, workload, 32)
    models = {}
    for name in KERNELS[cell]:
        kernel = "keras" if name == "control" else name
        train = dataclasses.replace(exp.train, **{speed.KERNEL_KEYS[cell]: kernel})
        one = dataclasses.replace(exp, train=train)
        models[name] = builders.build_model(one, spec=spec, compile=False)
        builders.compile_model(models[name], one, spec, steps_per_execution=1)
    return models, x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="A,B")
    parser.add_argument("--cells", default="lstm,gru,simple_rnn")
    parser.add_argument("--steps", type=int, default=200, help="interleaved steps per model")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    rows = []
    for name in args.workloads.split(","):
        workload = benchmark.WORKLOADS[name]
        for cell in args.cells.split(","):
            models, x, y = models_of(workload, cell)
            ratios = benchmark.interleaved_step_ratios(models, x, y, workload.batch_size,
                                                       args.steps)
            row = {"workload": name, "cell": cell, "steps": args.steps,
                   "classes": {k: type(builders.recurrent_layers(m)[0]).__name__
                               for k, m in models.items()},
                   "intra_op_threads": benchmark.intra_op_threads(),
                   **benchmark.machine_mode()}
            for model_name, values in ratios.items():
                row.update(benchmark._interval(f"ratio_{model_name}", values))
            # As `rnnbench bench`: no ratio counts when the control is out of its band.
            low, high = benchmark.CONTROL_BAND
            row["valid"] = low <= row["ratio_control"] <= high
            rows.append(row)
            print(name, cell, "  ".join(
                f"{k} {row[f'ratio_{k}']:.3f} [{row[f'ratio_{k}_low']:.3f}-"
                f"{row[f'ratio_{k}_high']:.3f}]" for k in ratios)
                + ("" if row["valid"] else "  NOT VALID: the control is outside "
                   f"{low:.2f}-{high:.2f}"), flush=True)
            keras.backend.clear_session()
            if args.json:
                benchmark.save_rows(args.json, rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
