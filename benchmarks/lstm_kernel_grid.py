"""Keras' LSTM loop against `FusedLSTM`'s BlockLSTM, steps interleaved, over a grid of shapes.

For each shape three models with the same weights train on the same batches
(`bench.benchmark.interleaved_step_ratios`: `train_on_batch`, the order
flipping every step): Keras' LSTM, the same model on `FusedLSTM`, and a
second Keras-LSTM copy (the control, the noise floor). Ratios are Keras'
step time over the other's: above 1.0, faster than Keras' loop. Op
determinism is on, as in `rnnbench run` (BENCHMARKS.md, "Fast by default"):

    python benchmarks/lstm_kernel_grid.py --steps 40 --json benchmarks/cpu_lstm_kernel_grid.json
"""

import argparse
import json

import keras
import numpy as np
import tensorflow as tf

from rnnbench.bench import benchmark
from rnnbench.models.fused import FusedLSTM

# name: (seq_len, input width (0: Embedding(10000, 64) tokens), units, batch, layers,
#        return_sequences of the top layer, bidirectional)
SHAPES = {
    "A": (200, 0, 64, 64, 1, False, False),
    "A floats": (200, 64, 64, 64, 1, False, False),
    "A bi": (200, 0, 64, 64, 1, False, True),
    "B": (50, 1, 50, 32, 2, False, False),
    "B bi": (50, 1, 50, 32, 2, False, True),
    "B 1 layer": (50, 1, 50, 32, 1, False, False),
    "B seq out": (50, 1, 50, 32, 1, True, False),
    "s50 w64 u64 b64": (50, 64, 64, 64, 1, False, False),
    "s50 w64 u64 b32": (50, 64, 64, 32, 1, False, False),
    "s200 w1 u50 b32": (200, 1, 50, 32, 1, False, False),
    "s200 w1 u50 b32 x2": (200, 1, 50, 32, 2, False, False),
    "s200 w64 u64 b32": (200, 64, 64, 32, 1, False, False),
    "s200 w64 u64 b64 seq": (200, 64, 64, 64, 1, True, False),
    "s200 w64 u32 b64": (200, 64, 32, 64, 1, False, False),
    "s200 w64 u128 b64": (200, 64, 128, 64, 1, False, False),
    "s100 w16 u64 b32": (100, 16, 64, 32, 1, False, False),
    "s50 w1 u128 b32": (50, 1, 128, 32, 1, False, False),
    "s50 w64 u256 b32": (50, 64, 256, 32, 1, False, False),
    "s50 w1 u50 b128": (50, 1, 50, 128, 1, False, False),
    "s20 w8 u32 b32": (20, 8, 32, 32, 1, False, False),
}


def model(shape, layer_class, seed=0):
    seq_len, width, units, batch, layers, sequences, bi = shape
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((seq_len,) if not width else (seq_len, width),
                         dtype="int32" if not width else "float32")
    x = keras.layers.Embedding(10000, 64)(inputs) if not width else inputs
    for i in range(layers):
        layer = layer_class(units, return_sequences=sequences or i < layers - 1)
        x = keras.layers.Bidirectional(layer)(x) if bi else layer(x)
    out = keras.Model(inputs, keras.layers.Dense(1)(x))
    out.compile(optimizer="adam", loss="mse")
    return out


def data(shape, steps=8):
    seq_len, width, units, batch, layers, sequences, bi = shape
    rng = np.random.default_rng(0)
    n = steps * batch
    x = (rng.integers(1, 10000, (n, seq_len)).astype("int32") if not width
         else rng.normal(size=(n, seq_len, width)).astype("float32"))
    y = rng.normal(size=(n, seq_len, 1) if sequences else (n, 1)).astype("float32")
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--only", help="comma-separated shape names")
    parser.add_argument("--json")
    parser.add_argument("--no-determinism", action="store_true",
                        help="op determinism off, as `rnnbench bench` runs")
    args = parser.parse_args()
    if not args.no_determinism:
        tf.config.experimental.enable_op_determinism()
    rows = []
    names = args.only.split(",") if args.only else list(SHAPES)
    for name in names:
        shape = SHAPES[name]
        models = {"keras": model(shape, keras.layers.LSTM),
                  "fused": model(shape, FusedLSTM),
                  "control": model(shape, keras.layers.LSTM)}
        models["fused"].set_weights(models["keras"].get_weights())
        models["control"].set_weights(models["keras"].get_weights())
        x, y = data(shape)
        ratios = benchmark.interleaved_step_ratios(models, x, y, shape[3], args.steps)
        row = {"shape": name, "seq_len": shape[0], "width": shape[1] or "emb64",
               "units": shape[2], "batch": shape[3], "layers": shape[4],
               "return_sequences": shape[5], "bidirectional": shape[6],
               "deterministic": not args.no_determinism}
        for key in ("fused", "control"):
            row.update(benchmark._interval(key, ratios[key]))
        rows.append(row)
        print(json.dumps(row), flush=True)
        keras.backend.clear_session()
        if args.json:
            benchmark.save_rows(args.json, rows)


if __name__ == "__main__":
    main()
