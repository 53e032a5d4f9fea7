"""`rnnbench tune sunspots_arch` against the same sweep written by hand with Keras Tuner.

    python benchmarks/sweep_vs_keras_tuner.py [--trials 4] [--rounds 2] [--json FILE]
    python benchmarks/sweep_vs_keras_tuner.py --breakdown adding_cells --trials 3

Each round runs three fresh processes, in an order that flips every round:
  rnnbench   `python -m rnnbench tune sunspots_arch --max-trials N` (fresh results dir)
  keras_tuner and keras_tuner_control: this file's `--side keras_tuner`, a plain
             `build(hp)` under `keras_tuner.RandomSearch` over the same arrays
             (rnnbench's loader, called once), the same space, seed, epochs, batch
             size, optimizer and early stopping. The two identical sides show the noise.
Each side's wall time is the whole process (start-up and imports included). Its
*training* time is the epochs after each trial's first step (`fit` minus time to first
step), so fixed overhead = wall - training: process start, imports, data, builds,
tracing, evaluation, writing, the oracle. rnnbench's side is read from its run folders'
manifests (`phases_s`), the Keras Tuner side from a callback.

`--breakdown SWEEP` runs only `rnnbench tune SWEEP` and prints the per-phase seconds of
each trial from its manifest.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP = "sunspots_arch"
# The shipped sweep's settings (tuning/sunspots_arch.yaml on sunspots_lstm).
EPOCHS, PATIENCE, BATCH, SEED, TUNER_SEED = 40, 10, 32, 42, 1


# ------------------------------------------------------------ the Keras Tuner side

def keras_tuner_side(trials, out, epochs=EPOCHS, patience=PATIENCE):
    """The hand-written sweep; writes its per-trial timings to `out` (JSON)."""
    import keras
    import keras_tuner as kt
    import tensorflow as tf

    sys.path.insert(0, str(ROOT))
    import rnnbench

    exp = rnnbench.load_experiment("sunspots_lstm")
    splits = exp_data(exp)
    timings, drawn = [], []

    class Timer(keras.callbacks.Callback):  # what rnnbench's EpochTimer records
        def on_train_begin(self, logs=None):
            self.start, self.first, self.epochs = time.perf_counter(), None, []

        def on_train_batch_end(self, batch, logs=None):
            if self.first is None:
                self.first = time.perf_counter() - self.start

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(time.perf_counter() - self.epoch_start)

        def on_train_end(self, logs=None):
            timings.append({"time_to_first_step_s": self.first,
                            "epoch_time_s": self.epochs})

    def build(hp):
        keras.utils.set_random_seed(SEED)  # each trial starts as rnnbench's does
        cells = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
                 "gru": keras.layers.GRU}
        cell = cells[hp.Choice("model.layers[*].cell", ["simple_rnn", "lstm", "gru"])]
        bidirectional = hp.Boolean("model.layers[*].bidirectional")
        units = hp.Int("model.layers[*].units", 16, 64, step=16)
        drawn.append(dict(hp.values))
        x = inputs = keras.Input(splits.train.x.shape[1:])
        for layer in (cell(units, dropout=0.2, return_sequences=True), cell(units)):
            x = (keras.layers.Bidirectional(layer) if bidirectional else layer)(x)
        x = keras.layers.Dense(25, activation="relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1)(x))
        model.compile(keras.optimizers.Adam(0.003, clipnorm=1.0), "mse",
                      metrics=[keras.metrics.RootMeanSquaredError(name="rmse")])
        return model

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()  # as rnnbench's `deterministic: true`
    # The space declared up front, as rnnbench does: else Keras Tuner's first trial is
    # every default (simple_rnn) and the seeded draws differ from rnnbench's.
    # In rnnbench's order (bidirectional, cell, units), so the seeded draws match.
    space = kt.HyperParameters()
    space.Boolean("model.layers[*].bidirectional")
    space.Choice("model.layers[*].cell", ["simple_rnn", "lstm", "gru"])
    space.Int("model.layers[*].units", 16, 64, step=16)
    tuner = kt.RandomSearch(build, objective=kt.Objective("val_rmse", "min"),
                            max_trials=trials, seed=TUNER_SEED, overwrite=True,
                            hyperparameters=space, allow_new_entries=False,
                            directory=tempfile.mkdtemp(), project_name="kt")
    tuner.search(splits.train.x, splits.train.y, validation_data=(splits.val.x,
                 splits.val.y), epochs=epochs, batch_size=BATCH, verbose=0,
                 callbacks=[Timer(), keras.callbacks.EarlyStopping(
                     "val_loss", patience=patience, restore_best_weights=True)])
    Path(out).write_text(json.dumps([{**t, "values": v} for t, v in zip(timings, drawn)]))


def exp_data(exp):
    from rnnbench.data import cache
    return cache.load(exp)


# ------------------------------------------------------------ the parent

def run_side(side, trials, work, sweep=SWEEP, roots=None, epochs=None):
    """Runs one side in a fresh process; returns wall, training and fixed seconds.

    Training is the same on both sides: each trial's epoch times (from the start
    of epoch 1) minus its time to first step.
    """
    folder = Path(tempfile.mkdtemp(dir=work))
    root = (roots or {}).get(side, ROOT)
    if side.startswith("rnnbench"):
        argv = [sys.executable, "-m", "rnnbench", "tune", sweep, "--max-trials",
                str(trials), "--results-dir", str(folder)]
        if epochs:  # every trial runs all its epochs: the same work on both sides
            argv += ["--set", f"train.epochs={epochs}",
                     "--set", f"train.early_stopping.patience={epochs}"]
    else:
        argv = [sys.executable, __file__, "--side", "keras_tuner", "--trials",
                str(trials), "--out", str(folder / "timings.json")]
        argv += ["--epochs", str(epochs)] if epochs else []
    start, used = time.perf_counter(), cpu_of_children()
    subprocess.run(argv, check=True, cwd=root, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(root)})
    wall, cpu = time.perf_counter() - start, cpu_of_children() - used
    if side.startswith("rnnbench"):
        trials_run = [json.loads(p.read_text())
                      for p in sorted(folder.glob("sweeps/*/*/trials/*/manifest.json"))]
    else:
        trials_run = json.loads((folder / "timings.json").read_text())
    training = sum(sum(t["epoch_time_s"]) - t["time_to_first_step_s"] for t in trials_run)
    return {"side": side, "wall_s": wall, "cpu_s": cpu, "training_s": training,
            "fixed_s": wall - training, "trials": len(trials_run),
            "epochs": [len(t["epoch_time_s"]) for t in trials_run],
            "phases": [t.get("phases_s", {}) for t in trials_run],
            "first_step_s": [t["time_to_first_step_s"] for t in trials_run],
            "values": [t.get("values") for t in trials_run]}


def cpu_of_children():
    """User + system CPU seconds of this process's finished children: less swayed by
    the other jobs on a shared machine than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def compare(trials, rounds, work, before=None, epochs=None):
    order = ["rnnbench", "keras_tuner", "keras_tuner_control"]
    order += ["rnnbench_before"] if before else []
    results = []
    for r in range(rounds):
        for side in order if r % 2 == 0 else order[::-1]:
            res = run_side(side, trials, work, roots={"rnnbench_before": before},
                           epochs=epochs)
            res["round"] = r
            results.append(res)
            print(f"round {r} {side:20s} wall {res['wall_s']:6.1f} s  cpu {res['cpu_s']:6.1f} s"
                  f"  training "
                  f"{res['training_s']:6.1f} s  fixed {res['fixed_s']:5.1f} s "
                  f"({res['fixed_s'] / res['wall_s']:.0%}; "
                  f"{res['fixed_s'] / res['trials']:.2f} s a trial; epochs "
                  f"{res['epochs']})", flush=True)
    pairs = [("rnnbench", "keras_tuner"), ("keras_tuner_control", "keras_tuner")]
    pairs += [("rnnbench", "rnnbench_before")] if before else []
    for r in range(rounds):
        by = {x["side"]: x for x in results if x["round"] == r}
        print(f"round {r}: " + "; ".join(
            f"{a} / {b} = {by[a]['wall_s'] / by[b]['wall_s']:.3f} wall, "
            f"{by[a]['cpu_s'] / by[b]['cpu_s']:.3f} cpu" for a, b in pairs))
    return results


def breakdown(sweep, trials, work):
    res = run_side("rnnbench", trials, work, sweep)
    names = list(res["phases"][0])
    print("trial | " + " | ".join(names) + " | run total")
    for i, p in enumerate(res["phases"]):
        print(f"{i} | " + " | ".join(f"{p.get(k, 0):.2f}" for k in names)
              + f" | {sum(p.values()):.2f}")
    print(f"median | " + " | ".join(
        f"{statistics.median(p.get(k, 0) for p in res['phases']):.2f}" for k in names))
    print(f"wall {res['wall_s']:.1f} s, training (epochs after the first step) "
          f"{res['training_s']:.1f} s, fixed {res['fixed_s']:.1f} s "
          f"({res['fixed_s'] / res['wall_s']:.0%})")
    return [res]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4,
                        help="max_trials of each sweep (the shipped sweep has 8)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--breakdown", metavar="SWEEP")
    parser.add_argument("--json")
    parser.add_argument("--epochs", type=int,
                        help="every trial runs exactly this many epochs (early stopping's "
                             "patience set to it on both sides); default: the sweep's 40 "
                             "with patience 10")
    parser.add_argument("--before", metavar="CHECKOUT",
                        help="also run `rnnbench tune` from this other checkout")
    parser.add_argument("--side", choices=["keras_tuner"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        keras_tuner_side(args.trials, args.out, *([args.epochs] * 2 if args.epochs else []))
        return
    with tempfile.TemporaryDirectory() as work:
        results = (breakdown(args.breakdown, args.trials, work) if args.breakdown
                   else compare(args.trials, args.rounds, work, args.before, args.epochs))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
