"""rnnbench: config-driven experiments for recurrent networks on Keras 3.

    import rnnbench
    exp = rnnbench.load_experiment("sunspots_lstm",
                                   overrides={"model.layers[0].units": 64})
    model = rnnbench.build_model(exp)   # compiled keras.Model
    result = rnnbench.run(exp)          # trains, writes results/, returns metrics
    run = rnnbench.load_run(result.run_dir)
    table = run.predict("new.csv")      # the run's preprocessing + model on new data
    rnnbench.export(result.run_dir)     # a SavedModel that takes raw inputs

TensorFlow is imported on first use of `build_model` or `run`, not here.
"""

import os

__version__ = "0.1.0"

# gRPC (Keras Tuner's distributed oracle) 1.80 and later can abort a child
# process between fork and exec (grpc/grpc#43055): its fork handler restarts a
# poller whose epoll fd the child then closes. rnnbench never uses gRPC in a
# forked child, so its fork support is off unless the user set it; gRPC reads
# the variable when it is imported, which is always after this.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")


def load_experiment(name_or_path, overrides=None):
    """Loads a named experiment (or YAML path), applies overrides, validates."""
    from rnnbench.config import experiment as config_lib
    return config_lib.load_experiment(name_or_path, overrides)


def build_model(exp, compile=True):
    """Builds the compiled `keras.Model` of an experiment; needs no data on disk."""
    from rnnbench.models import builders
    return builders.build_model(exp, compile=compile)


def run(exp, results_dir=None, run_dir=None, verbose="auto"):
    """Trains and evaluates an experiment; returns a `RunResult`."""
    from rnnbench.runs import training
    return training.run(exp, results_dir=results_dir, run_dir=run_dir, verbose=verbose)


def load_run(run_dir):
    """Loads a completed run folder (or sweep trial) to predict with: `.predict(data)`."""
    from rnnbench.runs import use
    return use.load_run(run_dir)


def export(run_dir, format="saved_model", out=None):
    """Exports a completed run (or sweep trial) as `rnnbench export` does; returns the
    folder written (default `RUN_DIR/export/<format>`).

    Args:
        format: "saved_model" (raw inputs in, original units out) or "tflite".
        out: a new or empty folder to write.
    """
    from rnnbench.runs import export as export_lib
    return export_lib.export(run_dir, format=format, out=out)
