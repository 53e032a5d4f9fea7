"""Keras' while loop against the unrolled loop, per step and per trace, over sequence lengths.

    python benchmarks/unroll_grid.py --cell simple_rnn --lengths 10,25,50,100,200 --rounds 6 --json benchmarks/unroll_grid.json
    python benchmarks/unroll_grid.py --cell gru --lengths 10,25,50 --json benchmarks/unroll_grid_gru.json

Per length: Input(T, 1) -> 2 stacked layers of 64 units -> Dense(1), batch 32,
64 steps an epoch, `steps_per_execution` 16, float32. Three models with the
same weights: Keras' loop, Keras' loop again (the control: its ratio to the
first is the noise floor) and the same layers with `unroll=True`. After one
untimed warm-up fit of a small model, each is fit one epoch (its trace and a
first epoch), then `--rounds` epochs interleaved, the order rotating every
round. Reported: the median step time of each, the loop's over the unrolled one
(above 1: unrolled faster) with the control's, the unrolled model's extra
first-epoch time (its longer trace), and the training steps that extra time
takes to repay.
"""

import argparse
import statistics
import time

import keras
import numpy as np
from spe_run_cost import write_json

BATCH, STEPS, UNITS = 32, 64, 64
LAYERS = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
SIDES = {"loop": False, "loop (control)": False, "unrolled": True}


def model(cell, length, unroll):
    keras.utils.set_random_seed(1)
    layer = getattr(keras.layers, LAYERS[cell])
    inputs = keras.Input((length, 1))
    x = layer(UNITS, return_sequences=True, unroll=unroll)(inputs)
    x = layer(UNITS, unroll=unroll)(x)
    built = keras.Model(inputs, keras.layers.Dense(1)(x))
    built.compile("adam", "mse", steps_per_execution=16)
    return built


def epoch_s(built, x, y):
    start = time.perf_counter()
    built.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    return time.perf_counter() - start


def data(length):
    x = np.random.default_rng(0).normal(size=(BATCH * STEPS, length, 1)).astype("float32")
    return x, x[:, -1, :]


def warm_up(cell):
    """One untimed fit, so no side pays the process's first trace (its one-off costs)."""
    epoch_s(model(cell, 5, False), *data(5))
    keras.backend.clear_session()


def measure(cell, length, rounds):
    x, y = data(length)
    models = {side: model(cell, length, unroll) for side, unroll in SIDES.items()}
    first = {side: epoch_s(m, x, y) for side, m in models.items()}
    times = {side: [] for side in SIDES}
    sides = list(SIDES)
    for r in range(rounds):
        for side in sides[r % 3:] + sides[:r % 3]:
            times[side].append(epoch_s(models[side], x, y))
    step_ms = {side: 1e3 * statistics.median(t) / STEPS for side, t in times.items()}
    trace = {side: first[side] - statistics.median(times[side]) for side in SIDES}
    extra = trace["unrolled"] - trace["loop"]
    saved = (step_ms["loop"] - step_ms["unrolled"]) / 1e3
    keras.backend.clear_session()
    return {"cell": cell, "time_steps": length, "step_ms": step_ms,
            "speedup": step_ms["loop"] / step_ms["unrolled"],
            "control": step_ms["loop"] / step_ms["loop (control)"],
            "extra_trace_s": extra,
            "payback_steps": max(0, round(extra / saved)) if saved > 0 else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="simple_rnn", choices=sorted(LAYERS))
    parser.add_argument("--lengths", default="10,25,50,100,200")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = []
    warm_up(args.cell)
    for length in (int(v) for v in args.lengths.split(",")):
        row = measure(args.cell, length, args.rounds)
        rows.append(row)
        print(f"{args.cell} T={length}: loop {row['step_ms']['loop']:.2f} ms, unrolled "
              f"{row['step_ms']['unrolled']:.2f} ms a step: x{row['speedup']:.2f} (control "
              f"x{row['control']:.2f}); trace +{row['extra_trace_s']:.2f} s, repaid after "
              f"{row['payback_steps']} steps", flush=True)
    if args.json:
        write_json(args.json, args.rounds, rows)


if __name__ == "__main__":
    main()
