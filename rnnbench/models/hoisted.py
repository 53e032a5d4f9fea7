"""`hoisted` kernels: Keras' LSTM, GRU and SimpleRNN with the input projection out of the loop.

Keras' loop multiplies each step's input by the input kernel inside the
loop: `T` small matmuls of `batch` rows, and as many in the gradient. The
input projection `x_t·W + b` depends on no state, so these layers compute it
for the whole sequence as one matmul of `batch x T` rows before the loop
(and its gradient as one after it), and run only the recurrent part,
`h·U` and the gate arithmetic, in Keras' own loop (`backend.rnn`, the
function `keras.layers.RNN` runs). PyTorch and cuDNN do the same.

Each layer is the Keras layer (`HoistedLSTM` is a `keras.layers.LSTM`: same
weights, names, shapes and config, same cuDNN path on GPU); only its inner
loop differs. Masks, `go_backwards`, `unroll`, initial and stateful states,
XLA and every dtype policy run hoisted, because the loop that handles them
is Keras' own; so do `activation`, `recurrent_activation` and `use_bias`,
which the step reads from the cell. What stays in Keras' loop
(`fallback_reasons`): `recurrent_dropout` (its masks act on `h` inside the
loop, one per gate), `implementation=1` with `dropout` (one input mask per
gate) and, for LSTM and GRU, a visible GPU or `use_cudnn=True`, where
Keras' cuDNN path is the faster one. `tests/models/test_conformance.py`
compares each with its Keras layer (outputs, states and gradients to 1e-5)
and runs Keras' own tests against it; `rnnbench.models.saving` saves each as
the Keras layer, so plain Keras loads a run's model.keras.
"""

import keras
from keras import ops

from rnnbench.models import cudnn


class _HoistedInputProjection:
    """The inner loop shared by the hoisted layers; mixed in before the Keras layer class."""

    fused_op = "hoisted input projection"  # what `rnnbench check` and the manifest say runs

    def fallback_reasons(self, masked=False, xla=False):
        """Why this layer runs Keras' own loop; empty when the input projection is hoisted.

        Args:
            masked: whether the call gets a mask (hoisted all the same).
            xla: whether the call is XLA-compiled (hoisted all the same).

        Returns:
            A list of short reasons, in the words `rnnbench check` and the
            manifest show.
        """
        del masked, xla  # Keras' loop, which the layer keeps, handles both
        reasons = []
        if self.recurrent_dropout:
            reasons.append("recurrent_dropout is set (its masks act inside the loop)")
        elif self.dropout and getattr(self.cell, "implementation", 2) == 1:
            reasons.append("implementation=1 with dropout (an input mask per gate)")
        return reasons + cudnn.cudnn_path_reasons(self)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.fallback_reasons():
            return super().inner_loop(sequences, initial_state, mask, training=training)
        from keras.src import backend  # `backend.rnn`: the loop keras.layers.RNN runs

        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        sequences = ops.cast(sequences, self.compute_dtype)  # as Keras' first matmul promotes
        cell = self.cell
        if training and 0.0 < self.dropout < self._max_dropout:
            # The one mask Keras' cell draws for the call (RNN.call draws it
            # before the loop), on every step's inputs.
            dp_mask = ops.cast(cell.get_dropout_mask(sequences[:, 0, :]), self.compute_dtype)
            sequences = sequences * ops.expand_dims(dp_mask, 1)
        projected = ops.matmul(sequences, ops.cast(cell.kernel, self.compute_dtype))
        input_bias = self._input_bias()
        if input_bias is not None:
            projected = projected + input_bias
        step = self._recurrent_step()
        return backend.rnn(
            step, projected, list(initial_state), go_backwards=self.go_backwards, mask=mask,
            unroll=self.unroll, input_length=sequences.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences)

    # Keras' LSTM and GRU cells drop inputs for 0 < dropout < 1, SimpleRNN's up to 1.
    _max_dropout = 1.0

    def _weight(self, variable):
        return ops.cast(variable, self.compute_dtype)

    def _input_bias(self):
        cell = self.cell
        return self._weight(cell.bias) if cell.use_bias else None


@keras.saving.register_keras_serializable(package="rnnbench")
class HoistedLSTM(_HoistedInputProjection, keras.layers.LSTM):
    """An LSTM layer whose input projection is one matmul over the sequence, before the loop."""

    def _recurrent_step(self):
        cell = self.cell
        recurrent = self._weight(cell.recurrent_kernel)
        act, gate = cell.activation, cell.recurrent_activation

        def step(x_t, states):
            h_tm1, c_tm1 = states
            z = x_t + ops.matmul(h_tm1, recurrent)
            z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
            c = gate(z_f) * c_tm1 + gate(z_i) * act(z_c)
            h = gate(z_o) * act(c)
            return h, [h, c]
        return step


@keras.saving.register_keras_serializable(package="rnnbench")
class HoistedGRU(_HoistedInputProjection, keras.layers.GRU):
    """A GRU layer whose input projection is one matmul over the sequence, before the loop."""

    def _input_bias(self):
        cell = self.cell
        if not cell.use_bias:
            return None
        bias = self._weight(cell.bias)
        return bias[0] if cell.reset_after else bias  # reset_after: (input, recurrent) rows

    def _recurrent_step(self):
        cell = self.cell
        units, act, gate = self.units, cell.activation, cell.recurrent_activation
        recurrent = self._weight(cell.recurrent_kernel)
        recurrent_bias = (self._weight(cell.bias)[1]
                          if cell.use_bias and cell.reset_after else None)

        def step(x_t, states):
            h_tm1 = states[0]
            x_z, x_r, x_h = ops.split(x_t, 3, axis=-1)
            if cell.reset_after:
                inner = ops.matmul(h_tm1, recurrent)
                if recurrent_bias is not None:
                    inner = inner + recurrent_bias
                z = gate(x_z + inner[:, :units])
                r = gate(x_r + inner[:, units:2 * units])
                hh = act(x_h + r * inner[:, 2 * units:])
            else:
                inner = ops.matmul(h_tm1, recurrent[:, :2 * units])
                z = gate(x_z + inner[:, :units])
                r = gate(x_r + inner[:, units:])
                hh = act(x_h + ops.matmul(r * h_tm1, recurrent[:, 2 * units:]))
            h = z * h_tm1 + (1 - z) * hh
            return h, [h]
        return step


@keras.saving.register_keras_serializable(package="rnnbench")
class HoistedSimpleRNN(_HoistedInputProjection, keras.layers.SimpleRNN):
    """A SimpleRNN layer whose input projection is one matmul over the sequence, before the loop."""

    _max_dropout = 1.01  # SimpleRNNCell applies its mask for any dropout > 0

    def _input_bias(self):
        cell = self.cell
        return self._weight(cell.bias) if cell.bias is not None else None

    def _recurrent_step(self):
        cell = self.cell
        recurrent, act = self._weight(cell.recurrent_kernel), cell.activation

        def step(x_t, states):
            h = x_t + ops.matmul(states[0], recurrent)
            if act is not None:
                h = act(h)
            return h, [h]
        return step


# The Keras layer each hoisted layer stands in for (saving writes this class).
KERAS_LAYER = {HoistedLSTM: keras.layers.LSTM, HoistedGRU: keras.layers.GRU,
               HoistedSimpleRNN: keras.layers.SimpleRNN}
