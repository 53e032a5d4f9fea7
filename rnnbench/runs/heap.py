"""Keeps the cyclic garbage collector off the heap a command process starts with.

Every run ends with Keras' `clear_session`, whose `gc.collect()` walks the whole
heap; after TensorFlow's and Keras' imports that is ~0.2 s a walk on 2 cores,
once per trial of a sweep, seed of a reproduce or fold of a backtest, and again
in each automatic full collection while Keras traces. `gc.freeze()` moves the
objects alive at that moment into a generation the collector never walks (they
are still freed by reference counting): measured after a tiny run, the walk
took 0.015 s instead of 0.2 s (docs/benchmarks.md "Sweeps").

Only the `rnnbench` command asks for it (`freeze_at_first_run`), and the heap is
frozen once, when the process's first run starts, before any model exists: what
is frozen then is imports, the config and the data, alive to the end anyway.
A Python session that calls `rnnbench.run` is left alone, since models it made
earlier could be frozen with their cycles and never collected.
"""

import gc

_asked = False
_frozen = False


def freeze_at_first_run():
    """Asks that the heap be frozen when this process's first run starts."""
    global _asked
    _asked = True


def at_run_start():
    """Freezes the heap once, if this process asked for it."""
    global _frozen
    if _asked and not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
