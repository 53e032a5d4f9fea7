"""`fused_lstm` on workload B: TensorFlow's BlockLSTM against BlockLSTMV2, steps interleaved.

Four models with the same layers train on the same batches, their steps
interleaved (`bench.benchmark.interleaved_step_ratios`, order flipping every
step): `FusedLSTM` as shipped (V1's `BlockLSTM`, gates reordered to i, c, f,
o), a second copy of it (the control: two identical models, the noise floor),
the same layer on `BlockLSTMV2` with its V2 gradient, and Keras' own LSTM.
Every ratio is the shipped model's step time over the other's: above 1.0,
faster than it. Repeated in blocks, each in a rotated order, so drift between
blocks and any cost of running in a given position show (BENCHMARKS.md,
"fused_lstm: BlockLSTM or BlockLSTMV2"):

    python benchmarks/fused_kernels.py --blocks 8 --steps 160 \
        --json benchmarks/cpu_B_fused_kernels.json
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


class BlockLSTMV2(FusedLSTM):
    """`FusedLSTM` on `BlockLSTMV2`, which takes Keras' gate order i, f, c, o as it is.

    TensorFlow (2.21) registers V1's `BlockLSTMGrad` as V2's gradient; it
    reads the gates as i, c, f, o, so the outputs are right and the gradients
    are not. `tf.custom_gradient` pairs V2 with `BlockLSTMGradV2` instead
    (checked equal to keras.layers.LSTM's gradients at commit a91796a).
    """

    def fused_sequence(self, x, h_prev, cs_prev):
        cell = self.cell
        w = tf.concat([cell.kernel, cell.recurrent_kernel], axis=0)
        return _block_lstm_v2(x, cs_prev, h_prev, w, tf.convert_to_tensor(cell.bias))


def _block_lstm_v2(x, cs_prev, h_prev, w, b):
    @tf.custom_gradient
    def forward(x, cs_prev, h_prev, w, b):
        zeros = tf.zeros([tf.shape(h_prev)[1]], dtype=x.dtype)  # no peepholes
        seq_len_max = tf.cast(tf.shape(x)[0], tf.int64)
        out = tf.raw_ops.BlockLSTMV2(
            seq_len_max=seq_len_max, x=x, cs_prev=cs_prev, h_prev=h_prev, w=w,
            wci=zeros, wcf=zeros, wco=zeros, b=b, cell_clip=0.0, use_peephole=False)

        def backward(h_grad, cs_grad):
            grads = tf.raw_ops.BlockLSTMGradV2(
                seq_len_max=seq_len_max, x=x, cs_prev=cs_prev, h_prev=h_prev, w=w,
                wci=zeros, wcf=zeros, wco=zeros, b=b, i=out.i, cs=out.cs, f=out.f,
                o=out.o, ci=out.ci, co=out.co, h=out.h,
                cs_grad=tf.zeros_like(out.cs) if cs_grad is None else cs_grad,
                h_grad=tf.zeros_like(out.h) if h_grad is None else h_grad,
                use_peephole=False)
            return (grads.x_grad, grads.cs_prev_grad, grads.h_prev_grad, grads.w_grad,
                    grads.b_grad)

        return (out.h, out.cs), backward

    return forward(x, cs_prev, h_prev, w, b)


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
    x, y = benchmark.training_arrays(exp, WORKLOAD, 20)
    models = {"v1": model(FusedLSTM, spec), "v1_control": model(FusedLSTM, spec),
              "v2": model(BlockLSTMV2, spec), "keras_lstm": model(keras.layers.LSTM, spec)}
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
