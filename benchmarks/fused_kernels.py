"""`fused_lstm` on workload B: TensorFlow's BlockLSTM against BlockLSTMV2, steps interleaved.

Four models with the same layers train on the same batches, their steps
interleaved (`bench.benchmark.interleaved_step_ratios`, order flipping every
step): `FusedLSTM` as shipped (BlockLSTMV2 with its explicit V2 gradient), the
same layer running V1's `BlockLSTM` (gates reordered to i, c, f, o), a second
copy of the V1 model (the control: two identical models, the noise floor), and
Keras' own LSTM. Every ratio is the V1 model's step time over the other's:
above 1.0, faster than V1. Repeated in blocks, each in a rotated order, so
drift between blocks and any cost of running in a given position show
(BENCHMARKS.md, "fused_lstm: BlockLSTM or BlockLSTMV2"):

    python benchmarks/fused_kernels.py --blocks 4 --steps 160 --json benchmarks/cpu_B_fused_kernels.json
"""

import argparse
import json
import statistics

import keras
import tensorflow as tf

from rnnbench.bench import benchmark
from rnnbench.config import experiment as config_lib
from rnnbench.models import builders
from rnnbench.models.fused import FusedLSTM

WORKLOAD = benchmark.WORKLOADS["B"]


def _to_icfo(tensor):
    """Keras orders the gates i, f, c, o along the last axis; BlockLSTM wants i, c, f, o."""
    i, f, c, o = tf.split(tensor, 4, axis=-1)
    return tf.concat([i, c, f, o], axis=-1)


class BlockLSTMV1(FusedLSTM):
    """`FusedLSTM` with V1's `BlockLSTM` (TensorFlow's registered gradient is right for V1)."""

    def fused_sequence(self, x, h_prev, cs_prev):
        cell = self.cell
        weights = tf.concat([cell.kernel, cell.recurrent_kernel], axis=0)
        zeros = tf.zeros([self.units], dtype=x.dtype)
        out = tf.raw_ops.BlockLSTM(
            seq_len_max=tf.cast(tf.shape(x)[0], tf.int64), x=x, cs_prev=cs_prev,
            h_prev=h_prev, w=_to_icfo(weights), wci=zeros, wcf=zeros, wco=zeros,
            b=_to_icfo(cell.bias), forget_bias=0.0, cell_clip=-1.0, use_peephole=False)
        return out.h, out.cs


def model(layer_class, spec):
    """Workload B's layers, with `layer_class` as both recurrent layers."""
    inputs = keras.Input(spec.input_shape)
    x = layer_class(50, return_sequences=True)(inputs)
    x = layer_class(50)(x)
    x = keras.layers.Dense(25, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--steps", type=int, default=160, help="interleaved steps per block")
    parser.add_argument("--json")
    args = parser.parse_args()
    exp = benchmark.experiment(WORKLOAD, "fused_lstm")
    spec = config_lib.data_spec(exp)
    n = 20 * WORKLOAD.batch_size
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params, size=n), {}, None, 0)
    x, y = splits.train.x, splits.train.y
    models = {"v1": model(BlockLSTMV1, spec), "v1_control": model(BlockLSTMV1, spec),
              "v2": model(FusedLSTM, spec), "keras_lstm": model(keras.layers.LSTM, spec)}
    for m in models.values():
        builders.compile_model(m, exp, spec)
    blocks, pooled = [], {name: [] for name in models if name != "v1"}
    names = list(models)
    for block in range(args.blocks):
        # Each block rotates the order, so no model always runs first or after another.
        order = names[block % len(names):] + names[:block % len(names)]
        ratios = benchmark.interleaved_step_ratios({k: models[k] for k in order}, x, y,
                                                   WORKLOAD.batch_size, args.steps,
                                                   reference="v1")
        blocks.append({name: round(statistics.median(r), 3) for name, r in ratios.items()})
        for name, r in ratios.items():
            pooled[name].extend(r)
        print(f"block {block}: " + "  ".join(f"{k} {v:.3f}" for k, v in blocks[-1].items()))
    result = {"blocks": blocks, "steps_per_block": args.steps,
              "pooled": {name: benchmark._interval(name, r) for name, r in pooled.items()}}
    for name, interval in result["pooled"].items():
        print(f"{name}/v1 pooled: {interval[name]:.3f} "
              f"[{interval[name + '_low']:.3f}-{interval[name + '_high']:.3f}]")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
