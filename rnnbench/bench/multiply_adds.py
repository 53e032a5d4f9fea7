"""How many multiply-adds a model's training step does per sample, counted from its layers.

The count is analytic: the matrix products the model's definition asks for,
not what a kernel happens to run. A recurrent cell multiplies each of its
matrices (its `kernel` and `recurrent_kernel`, as every Keras cell and every
rnnbench cell names them) by one vector per time step, so per step and
sample:

- LSTM: `4 * (input + units) * units` (four gates),
- GRU: `3 * (input + units) * units` (three gates; `reset_after` changes
  where the reset gate acts, not the size of either product),
- SimpleRNN: `(input + units) * units`,
- Bidirectional: both directions, each over the same input,

times the sequence length. `Dense` counts `input * units` per position it
is applied to. Embedding lookups, biases (GRU's `reset_after` bias is 2-D
but added, not multiplied), gate activations, peepholes and the optimizer's
update are elementwise or gathers, not multiply-adds of a matrix product,
and are not counted. Hoisting the input projection out of
the loop (`rnnbench.models.hoisted`) or fusing the gate arithmetic moves
these products into other GEMMs but does not change their number.

Backward is counted as twice forward, the usual convention: each forward
product `x·W` has two of the same size in the gradient, `dy·Wᵀ` (for the
input) and `xᵀ·dy` (for the weights). A training step is thus three times
forward. This slightly over-counts where a gradient is not needed (the
input gradient of a first layer fed raw data), so a rate computed from it
is, if anything, generous.
"""

import math


def layer_forward(layer, input_shape):
    """Forward multiply-adds per sample of one layer.

    Args:
        layer: a built Keras layer (`keras.layers.RNN` and its subclasses,
            `Bidirectional`, `Dense`, weightless layers, `Embedding`, or a
            nested model).
        input_shape: the layer's input shape with the batch axis first
            (`(None, steps, features)` for a recurrent layer).

    Returns:
        An int.

    Raises:
        ValueError: for a layer with weights this count does not know, or a
            recurrent layer over a sequence of unknown length.
    """
    import keras
    if isinstance(layer, keras.Model):
        return forward(layer)
    if isinstance(layer, keras.layers.Bidirectional):
        return (layer_forward(layer.forward_layer, input_shape)
                + layer_forward(layer.backward_layer, input_shape))
    if isinstance(layer, keras.layers.RNN):
        steps = input_shape[1]
        if steps is None:
            raise ValueError(f"Expected a fixed sequence length to count the multiply-adds "
                             f"of {layer.name}. Received input shape {tuple(input_shape)}")
        cell = layer.cell
        if not (hasattr(cell, "kernel") and hasattr(cell, "recurrent_kernel")):
            raise ValueError(f"No multiply-add count for the cell of {layer.name} "
                             f"({type(cell).__name__}): expected a cell with `kernel` and "
                             "`recurrent_kernel` weights")
        return steps * _matrix_sizes([cell.kernel, cell.recurrent_kernel])
    if isinstance(layer, keras.layers.Dense):
        positions = math.prod(d for d in input_shape[1:-1])  # Dense acts on the last axis
        return positions * _matrix_sizes([layer.kernel])
    if isinstance(layer, keras.layers.Embedding) or not layer.weights:
        return 0  # a gather, or no weights: no matrix product
    raise ValueError(f"No multiply-add count for layer {layer.name} "
                     f"({type(layer).__name__}): expected RNN, Bidirectional, Dense, "
                     "Embedding or a layer without weights")


def _matrix_sizes(matrices):
    """Their elements: the multiply-adds of multiplying each matrix by one vector."""
    return sum(math.prod(m.shape) for m in matrices)


def forward(model):
    """Forward multiply-adds per sample of a built functional or Sequential model."""
    import keras
    return sum(layer_forward(layer, tuple(layer.input.shape)) for layer in model.layers
               if not isinstance(layer, keras.layers.InputLayer))


def training(model):
    """Multiply-adds per sample of one training step: forward plus backward (2x forward)."""
    return 3 * forward(model)

