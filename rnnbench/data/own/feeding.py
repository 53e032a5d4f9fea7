"""Feeding `fit` from windows that are views, one batch at a time.

Keras turns NumPy inputs into one tensor of the whole array, which for a
`WindowView` (rows x window x features over a series of rows x features)
would copy every window. Such a split is fed through a `keras.utils.PyDataset`
that gathers one batch per step; its order is shuffled each epoch by a NumPy
generator seeded from the run's seed, so a seed still gives the same run.
Every other split is passed to `fit` exactly as before.
"""

import math

import numpy as np

from rnnbench.data.own.common import WindowView


def is_lazy(split):
    return isinstance(split.x, WindowView) or isinstance(split.y, WindowView)


def fit_arguments(splits, batch_size, seed):
    """The data arguments of `model.fit` for `splits` (x, y, batch_size, shuffle, validation)."""
    val = splits.val if len(splits.val) else None
    if not (is_lazy(splits.train) or (val is not None and is_lazy(val))):
        return {"x": splits.train.x, "y": splits.train.y, "batch_size": batch_size,
                "shuffle": True,
                "validation_data": (val.x, val.y) if val is not None else None}
    return {"x": batches(splits.train, batch_size, seed), "shuffle": False,
            "validation_data": batches(val, batch_size, None) if val is not None else None}


def batches(split, batch_size, seed):
    """A `PyDataset` of `split` in batches; shuffled each epoch when `seed` is given."""
    import keras

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.rng = np.random.default_rng(seed) if seed is not None else None
            self.order = np.arange(len(split))
            self.on_epoch_end()

        def __len__(self):
            return math.ceil(len(split) / batch_size)

        def __getitem__(self, i):
            index = np.sort(self.order[i * batch_size:(i + 1) * batch_size])
            return np.asarray(split.x[index]), np.asarray(split.y[index])

        def on_epoch_end(self):
            if self.rng is not None:
                self.rng.shuffle(self.order)

    return Batches()
