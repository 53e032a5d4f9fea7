"""`fused_lstm`: keras.layers.LSTM whose time loop is TensorFlow's fused CPU kernel.

The layer is a `keras.layers.LSTM` (same weights, same saved format, same
cuDNN path on GPU); only its inner loop differs where it can: on the
TensorFlow backend, without masks, recurrent dropout or non-default
activations, the whole sequence runs as one `BlockLSTM` op (and its fused
gradient, `BlockLSTMGrad`) instead of Keras' per-step `while` loop.
Anything else falls back to `keras.layers.LSTM`'s own loop, so the layer is
never wrong, only sometimes not faster. `tests/models/test_fused.py` checks
outputs and gradients against `keras.layers.LSTM` with the same weights.

Why `BlockLSTM` and not `BlockLSTMV2`, which takes Keras' gate order and
would save the reordering: TensorFlow 2.21 registers V1's gradient for V2,
so V2 needs its own `tf.custom_gradient` to train right, and with it V2 was
no faster on workload B: 1.012 [1.006-1.019] of BlockLSTM's step speed,
where a second BlockLSTM copy measured 1.010 [1.006-1.014] (three runs, all
within 1.5% of their control; BENCHMARKS.md, "fused_lstm: BlockLSTM or
BlockLSTMV2", `benchmarks/fused_kernels.py`).
"""

import keras
from keras import activations

from rnnbench.models import cudnn


def _to_icfo(tensor):
    """Keras orders the gates i, f, c, o along the last axis; BlockLSTM wants i, c, f, o."""
    import tensorflow as tf
    i, f, c, o = tf.split(tensor, 4, axis=-1)
    return tf.concat([i, c, f, o], axis=-1)


@keras.saving.register_keras_serializable(package="rnnbench")
class FusedLSTM(keras.layers.LSTM):
    """An LSTM layer that runs TensorFlow's fused `BlockLSTM` kernel where it can."""

    def _fused_ok(self, mask):
        cell = self.cell
        return (keras.backend.backend() == "tensorflow" and mask is None
                and not self.recurrent_dropout and not self.unroll and cell.use_bias
                and cell.activation is activations.tanh
                and cell.recurrent_activation is activations.sigmoid
                and not _gpu_wanted(self))

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not self._fused_ok(mask[0] if isinstance(mask, (list, tuple)) else mask):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        import tensorflow as tf
        if training and self.dropout:
            dp_mask = self.cell.get_dropout_mask(sequences[:, 0, :])
            sequences = sequences * tf.expand_dims(dp_mask, 1)
        if self.go_backwards:
            sequences = tf.reverse(sequences, axis=[1])
        x = tf.transpose(sequences, [1, 0, 2])  # time-major
        h, cs = self.fused_sequence(x, initial_state[0], initial_state[1])
        outputs = tf.transpose(h, [1, 0, 2])
        return h[-1], outputs, [h[-1], cs[-1]]

    def fused_sequence(self, x, h_prev, cs_prev):
        """Runs the whole time-major sequence `x` as one `BlockLSTM` op.

        Returns:
            `(h, cs)`: outputs and cell states at every step, time-major.
        """
        import tensorflow as tf
        cell = self.cell
        weights = tf.concat([cell.kernel, cell.recurrent_kernel], axis=0)
        zeros = tf.zeros([self.units], dtype=x.dtype)  # peephole weights, unused
        out = tf.raw_ops.BlockLSTM(
            seq_len_max=tf.cast(tf.shape(x)[0], tf.int64), x=x, cs_prev=cs_prev,
            h_prev=h_prev, w=_to_icfo(weights), wci=zeros, wcf=zeros, wco=zeros,
            b=_to_icfo(cell.bias),
            forget_bias=0.0,  # Keras' bias already holds any unit forget bias
            cell_clip=-1.0,  # no clipping (the kernel clips only when > 0)
            use_peephole=False)
        return out.h, out.cs


def _gpu_wanted(layer):
    """True when a GPU is visible and cuDNN may be used (then cuDNN is faster)."""
    return layer.use_cudnn is not False and cudnn.gpu_available()
