"""`unrolled` kernels: Keras' LSTM, GRU and SimpleRNN with the time loop unrolled.

Keras' loop on TensorFlow is a `while` op: every time step pays the loop's
own dispatch (a handful of small ops and a TensorArray read and write, and
as many in the gradient) around a matmul of `batch` rows. Unrolled, the
steps are one straight graph that Grappler optimizes whole, which on a CPU
ran a 2-layer SimpleRNN 1.7-1.9x faster per step at 10-50 steps (docs/kernels.md,
"The unrolled loop"). The price is the trace: a graph per step, +0.4 s at 25
steps and +8.5 s at 200 for two layers, so `speed.layer_kernel` unrolls only
short sequences, in runs whose planned steps repay it.

Each layer is the Keras layer with Keras' own `unroll=True` path
(`backend.rnn`), switched on per call: same weights, names, config and
saved form, and its config keeps the user's `unroll`, so the saved model
runs Keras' loop in plain Keras (same outputs). What stays in the loop
(`fallback_reasons`): a layer built for a time dimension that is not fixed
(variable-length data, even when a padded batch has one length) and, for LSTM and GRU, a visible GPU or `use_cudnn=True`, where
Keras' cuDNN kernel (which unrolling turns off) is the faster one.
`tests/models/test_conformance.py` compares each with its Keras layer.
"""

import keras

from rnnbench.models import cudnn


class _UnrolledLoop:
    """The inner loop shared by the unrolled layers; mixed in before the Keras layer class."""

    fused_op = "unrolled loop"  # what `rnnbench check` and the manifest say runs

    def fallback_reasons(self, masked=False, xla=False, steps=-1):
        """Why this layer runs Keras' `while` loop; empty when it unrolls.

        Args:
            masked: whether the call gets a mask (unrolled all the same).
            xla: whether the call is XLA-compiled (unrolled all the same).
            steps: the time steps of the call's inputs; None when not fixed
                (-1: not known yet, as before the layer is built).

        Returns:
            A list of short reasons, in the words `rnnbench check` and the
            manifest show.
        """
        del masked, xla  # Keras' unrolled path handles both
        steps = self._steps if steps == -1 else steps
        reasons = []
        if steps is None:
            reasons.append("the time dimension is not fixed (unrolling needs the length)")
        return reasons + cudnn.cudnn_path_reasons(self)

    def build(self, sequences_shape, initial_state_shape=None):
        self._steps = sequences_shape[1]
        super().build(sequences_shape, initial_state_shape)

    _steps = -1  # the built input's time steps (None: variable)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        # The built length decides, as `fallback_reasons` reports it: a layer built
        # for variable lengths stays in the loop even when a padded batch has one.
        steps = self._steps if sequences.shape[1] is not None else None
        if self.unroll or self.fallback_reasons(steps=steps):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        # Keras' own loop reads `self.unroll`; the config keeps the user's value.
        self.unroll = True
        try:
            return super().inner_loop(sequences, initial_state, mask, training=training)
        finally:
            self.unroll = False


@keras.saving.register_keras_serializable(package="rnnbench")
class UnrolledLSTM(_UnrolledLoop, keras.layers.LSTM):
    """An LSTM layer whose time loop is unrolled into one graph."""


@keras.saving.register_keras_serializable(package="rnnbench")
class UnrolledGRU(_UnrolledLoop, keras.layers.GRU):
    """A GRU layer whose time loop is unrolled into one graph."""


@keras.saving.register_keras_serializable(package="rnnbench")
class UnrolledSimpleRNN(_UnrolledLoop, keras.layers.SimpleRNN):
    """A SimpleRNN layer whose time loop is unrolled into one graph."""


# The Keras layer each unrolled layer stands in for (saving writes this class).
KERAS_LAYER = {UnrolledLSTM: keras.layers.LSTM, UnrolledGRU: keras.layers.GRU,
               UnrolledSimpleRNN: keras.layers.SimpleRNN}
