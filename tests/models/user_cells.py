"""User-defined cells that tests load by import path (`user_cells:ScaledTanhCell`).

`tests/` has no `__init__.py`, so pytest (import mode "prepend") puts it on
`sys.path` when it loads `tests/conftest.py`; `user_cells` is then importable
by its bare module name, as a user's own module on PYTHONPATH would be.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable("user_cells")
class ScaledTanhCell(keras.layers.Layer):
    """A minimal valid cell: `h = scale * tanh(x W + h_prev U + b)`.

    Weights: `kernel (input_dim, units)`, `recurrent_kernel (units, units)`,
    `bias (units,)`, so a layer has `units * (input_dim + units) + units`
    parameters. No `dropout` argument: the builder adds input dropout outside.
    Registered as serializable: `Bidirectional` clones its layer from the
    config, and `model.save`/`load_model` need the class by name.
    """

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      name="kernel", initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel",
                                                initializer="orthogonal")
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer="zeros")

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        h = self.scale * ops.tanh(ops.matmul(inputs, self.kernel)
                                  + ops.matmul(h_prev, self.recurrent_kernel)
                                  + self.bias)
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


@keras.saving.register_keras_serializable("user_cells")
class DropoutTanhCell(ScaledTanhCell):
    """Like `ScaledTanhCell`, but takes `dropout` itself (stored, unused here)."""

    def __init__(self, units, dropout=0.0, **kwargs):
        super().__init__(units, **kwargs)
        self.dropout = dropout

    def get_config(self):
        return {**super().get_config(), "dropout": self.dropout}


class NoStateCell(keras.layers.Layer):
    """Not a recurrent cell: it has `call` but no `state_size`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs, states=None, training=False):
        return inputs, states


NOT_A_LAYER = object()
