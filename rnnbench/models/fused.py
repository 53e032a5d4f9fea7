"""`fused_lstm`: keras.layers.LSTM whose time loop is TensorFlow's fused CPU kernel.

The layer is a `keras.layers.LSTM` (same weights, same saved format, same
cuDNN path on GPU); only its inner loop differs where it can: on the
TensorFlow backend, without masks, recurrent dropout or non-default
activations, the whole sequence runs as one `BlockLSTMV2` op (and its fused
gradient, `BlockLSTMGradV2`) instead of Keras' per-step `while` loop.
`BlockLSTMV2` takes the gates in Keras' order (i, f, c, o) and adds no
forget bias, so Keras' kernel, recurrent kernel and bias go in as they are.
Anything else falls back to `keras.layers.LSTM`'s own loop, so the layer is
never wrong, only sometimes not faster. `tests/models/test_fused.py` checks
outputs and gradients against `keras.layers.LSTM` with the same weights.
"""

import keras
from keras import activations

from rnnbench.models import cudnn


@keras.saving.register_keras_serializable(package="rnnbench")
class FusedLSTM(keras.layers.LSTM):
    """An LSTM layer that runs TensorFlow's fused `BlockLSTMV2` kernel where it can."""

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
        """Runs the whole time-major sequence `x` as one `BlockLSTMV2` op.

        Returns:
            `(h, cs)`: outputs and cell states at every step, time-major.
        """
        import tensorflow as tf
        cell = self.cell
        w = tf.concat([cell.kernel, cell.recurrent_kernel], axis=0)
        return _block_lstm_v2(x, cs_prev, h_prev, w, tf.convert_to_tensor(cell.bias))


def _block_lstm_v2(x, cs_prev, h_prev, w, b):
    """`BlockLSTMV2` with `BlockLSTMGradV2` as its gradient.

    TensorFlow (2.21) registers V1's `BlockLSTMGrad` as the gradient of
    `BlockLSTMV2`, which reads the gates in V1's i, c, f, o order: the
    forward pass is right and the gradients are not. Hence the explicit pair.
    """
    import tensorflow as tf

    @tf.custom_gradient
    def forward(x, cs_prev, h_prev, w, b):
        zeros = tf.zeros([tf.shape(h_prev)[1]], dtype=x.dtype)  # no peepholes
        seq_len_max = tf.cast(tf.shape(x)[0], tf.int64)
        out = tf.raw_ops.BlockLSTMV2(
            seq_len_max=seq_len_max, x=x, cs_prev=cs_prev, h_prev=h_prev, w=w,
            wci=zeros, wcf=zeros, wco=zeros, b=b,
            cell_clip=0.0,  # the kernel clips only when > 0
            use_peephole=False)

        def backward(h_grad, cs_grad):
            grads = tf.raw_ops.BlockLSTMGradV2(
                seq_len_max=seq_len_max, x=x, cs_prev=cs_prev, h_prev=h_prev, w=w,
                wci=zeros, wcf=zeros, wco=zeros, b=b, i=out.i, cs=out.cs, f=out.f,
                o=out.o, ci=out.ci, co=out.co, h=out.h,
                cs_grad=_or_zeros(cs_grad, out.cs), h_grad=_or_zeros(h_grad, out.h),
                use_peephole=False)
            return (grads.x_grad, grads.cs_prev_grad, grads.h_prev_grad, grads.w_grad,
                    grads.b_grad)

        return (out.h, out.cs), backward

    return forward(x, cs_prev, h_prev, w, b)


def _or_zeros(grad, like):
    import tensorflow as tf
    return tf.zeros_like(like) if grad is None else grad


def _gpu_wanted(layer):
    """True when a GPU is visible and cuDNN may be used (then cuDNN is faster)."""
    return layer.use_cudnn is not False and cudnn.gpu_available()
