"""Custom recurrent cells written with `keras.ops`, usable on every backend.

Each cell computes one time step and is meant to be wrapped in
`keras.layers.RNN(cell)`. Weights follow the layout of `keras.layers.LSTMCell`:
one fused input kernel of shape `(input_dim, n_gates * units)`, one fused
recurrent kernel of shape `(units, n_gates * units)` and one bias of shape
`(n_gates * units,)`, with the gate slices in the order given in each cell's
docstring. The cells do no dropout; apply it outside the cell.
"""

import keras
from keras import activations, initializers, ops


class _FusedGateCell(keras.layers.Layer):
    """Base for cells with fused kernels; holds the shared args and config.

    Subclasses set `num_gates` and implement `call`.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation for the candidate and the output.
            Default: `"tanh"`.
        recurrent_activation: Activation for the gates. Default: `"sigmoid"`.
        use_bias: Boolean, whether the cell uses a bias vector.
        kernel_initializer: Initializer for the fused input `kernel`.
        recurrent_initializer: Initializer for the fused `recurrent_kernel`.
        bias_initializer: Initializer for the fused `bias`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    num_gates = None

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        if units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, "
                f"expected a positive integer, got {units}."
            )
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.output_size = units

    def _bias_initializer(self):
        """Returns the initializer used for the fused bias."""
        return self.bias_initializer

    def build(self, input_shape):
        super().build(input_shape)
        width = self.num_gates * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width),
            name="kernel",
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(width,),
                name="bias",
                initializer=self._bias_initializer(),
            )

    def _input_projection(self, inputs):
        """Returns `inputs @ kernel + bias` (all gates, fused)."""
        z = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            z = ops.add(z, self.bias)
        return z

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(
                self.recurrent_activation
            ),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(
                self.kernel_initializer
            ),
            "recurrent_initializer": initializers.serialize(
                self.recurrent_initializer
            ),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size
        sizes = [sizes] if isinstance(sizes, int) else sizes
        return [
            ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes
        ]


@keras.saving.register_keras_serializable("rnnbench")
class TextbookLSTMCell(_FusedGateCell):
    """Standard LSTM cell with a forget gate (Gers et al. 2000).

    Gate order in `kernel`, `recurrent_kernel` and `bias` is `[i, f, c~, o]`:

        i  = recurrent_activation(x W_i + h U_i + b_i)
        f  = recurrent_activation(x W_f + h U_f + b_f)
        c~ = activation(x W_c + h U_c + b_c)
        o  = recurrent_activation(x W_o + h U_o + b_o)
        c  = f * c_prev + i * c~
        h  = o * activation(c)

    The forget-gate bias is set to 1 at initialization only (Jozefowicz et
    al. 2015); nothing is added to the forget pre-activation in `call`.
    States are `[h, c]`.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation for the candidate and the output.
            Default: `"tanh"`.
        recurrent_activation: Activation for the gates. Default: `"sigmoid"`.
        use_bias: Boolean, whether the cell uses a bias vector.
        kernel_initializer: Initializer for the `kernel` of shape
            `(input_dim, 4 * units)`.
        recurrent_initializer: Initializer for the `recurrent_kernel` of
            shape `(units, 4 * units)`.
        bias_initializer: Initializer for the `bias` of shape `(4 * units,)`.
        unit_forget_bias: Boolean (default `True`). If `True`, the forget
            slice of the bias is initialized to ones; the other slices use
            `bias_initializer`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    num_gates = 4

    def __init__(self, units, *args, unit_forget_bias=True, **kwargs):
        super().__init__(units, *args, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer

        def bias_initializer(_, *args, **kwargs):
            units = self.units
            return ops.concatenate(
                [
                    self.bias_initializer((units,), *args, **kwargs),
                    initializers.get("ones")((units,), *args, **kwargs),
                    self.bias_initializer((2 * units,), *args, **kwargs),
                ]
            )

        return bias_initializer

    def _gate_preactivations(self, inputs, h_tm1):
        """Returns the four pre-activations `[z_i, z_f, z_c, z_o]`."""
        z = self._input_projection(inputs)
        z = ops.add(z, ops.matmul(h_tm1, self.recurrent_kernel))
        return ops.split(z, 4, axis=-1)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        z_i, z_f, z_c, z_o = self._gate_preactivations(inputs, h_tm1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = {"unit_forget_bias": self.unit_forget_bias}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable("rnnbench")
class PeepholeLSTMCell(TextbookLSTMCell):
    """LSTM cell with diagonal peephole connections (Gers & Schmidhuber 2000).

    Same fused `kernel`, `recurrent_kernel` and `bias` as `TextbookLSTMCell`
    (gate order `[i, f, c~, o]`), plus three peephole vectors of shape
    `(units,)`, created in the order `input_peephole` (p_i),
    `forget_peephole` (p_f), `output_peephole` (p_o):

        i = recurrent_activation(x W_i + h U_i + p_i * c_prev + b_i)
        f = recurrent_activation(x W_f + h U_f + p_f * c_prev + b_f)
        c = f * c_prev + i * activation(x W_c + h U_c + b_c)
        o = recurrent_activation(x W_o + h U_o + p_o * c + b_o)
        h = o * activation(c)

    The output gate peeks at the new cell state `c`. States are `[h, c]`.

    Args:
        units: Positive integer, dimensionality of the output space.
        peephole_initializer: Initializer for the three peephole vectors.
            Default: `"glorot_uniform"`, as in the old TF-Keras
            experimental `PeepholeLSTMCell`, which used its kernel
            initializer for the peepholes.
        **kwargs: The other arguments of `TextbookLSTMCell`
            (`activation`, `recurrent_activation`, `use_bias`, the
            initializers, `unit_forget_bias`) and base layer arguments.
    """

    def __init__(
        self, units, *args, peephole_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(units, *args, **kwargs)
        self.peephole_initializer = initializers.get(peephole_initializer)

    def build(self, input_shape):
        super().build(input_shape)
        self.input_peephole, self.forget_peephole, self.output_peephole = (
            self.add_weight(
                shape=(self.units,),
                name=f"{gate}_peephole",
                initializer=self.peephole_initializer,
            )
            for gate in ("input", "forget", "output")
        )

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        z_i, z_f, z_c, z_o = self._gate_preactivations(inputs, h_tm1)
        i = self.recurrent_activation(z_i + self.input_peephole * c_tm1)
        f = self.recurrent_activation(z_f + self.forget_peephole * c_tm1)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o + self.output_peephole * c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {
            **super().get_config(),
            "peephole_initializer": initializers.serialize(
                self.peephole_initializer
            ),
        }


@keras.saving.register_keras_serializable("rnnbench")
class MGUCell(_FusedGateCell):
    """Minimal Gated Unit cell (Zhou, Wu, Zhang & Zhou 2016).

    Gate order in `kernel`, `recurrent_kernel` and `bias` is `[f, h~]`:

        f  = recurrent_activation(x W_f + h_prev U_f + b_f)
        h~ = activation(x W_h + (f * h_prev) U_h + b_h)
        h  = (1 - f) * h_prev + f * h~

    The single state is `h`.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation for the candidate. Default: `"tanh"`.
        recurrent_activation: Activation for the forget gate.
            Default: `"sigmoid"`.
        use_bias: Boolean, whether the cell uses a bias vector.
        kernel_initializer: Initializer for the `kernel` of shape
            `(input_dim, 2 * units)`.
        recurrent_initializer: Initializer for the `recurrent_kernel` of
            shape `(units, 2 * units)`.
        bias_initializer: Initializer for the `bias` of shape `(2 * units,)`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    num_gates = 2

    def __init__(self, units, *args, **kwargs):
        super().__init__(units, *args, **kwargs)
        self.state_size = units

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if keras.tree.is_nested(states) else states
        x_f, x_h = ops.split(self._input_projection(inputs), 2, axis=-1)
        u_f = self.recurrent_kernel[:, : self.units]
        u_h = self.recurrent_kernel[:, self.units :]
        f = self.recurrent_activation(x_f + ops.matmul(h_tm1, u_f))
        h_tilde = self.activation(x_h + ops.matmul(f * h_tm1, u_h))
        h = (1 - f) * h_tm1 + f * h_tilde
        new_state = [h] if keras.tree.is_nested(states) else h
        return h, new_state
