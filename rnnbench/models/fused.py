"""`fused_lstm`: keras.layers.LSTM whose time loop is TensorFlow's fused CPU kernel.

The layer is a `keras.layers.LSTM` (same weights, same config, same cuDNN
path on GPU); only its inner loop differs where it can: the whole sequence
runs as one `BlockLSTM` op (and its fused gradient, `BlockLSTMGrad`) instead
of Keras' per-step `while` loop. Anything the op cannot do falls back to
`keras.layers.LSTM`'s own loop (`FusedLSTM.fallback_reasons`, decided when the
call is traced): masks, compute dtypes other than float32/float16 (bfloat16,
float64), XLA compilation (the op has no XLA kernel), recurrent dropout,
unroll, no bias, non-default activations, a visible GPU (cuDNN). Integer
inputs are cast to the compute dtype, as Keras' loop promotes them. So the
layer is never wrong, only sometimes not faster:
`tests/models/test_conformance.py` compares it with `keras.layers.LSTM`
(same weights) over dtypes, masks, states, Bidirectional and XLA, and runs
Keras' own LSTM tests against it. `rnnbench.models.saving` saves it as
`keras.layers.LSTM`, so plain Keras loads a run's model.keras.

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

# The compute dtypes TensorFlow 2.21 has BlockLSTM CPU kernels for ("half, float").
BLOCK_DTYPES = ("float32", "float16")


def _to_icfo(tensor):
    """Keras orders the gates i, f, c, o along the last axis; BlockLSTM wants i, c, f, o."""
    import tensorflow as tf
    i, f, c, o = tf.split(tensor, 4, axis=-1)
    return tf.concat([i, c, f, o], axis=-1)


@keras.saving.register_keras_serializable(package="rnnbench")
class FusedLSTM(keras.layers.LSTM):
    """An LSTM layer that runs TensorFlow's fused `BlockLSTM` kernel where it can."""

    fused_op = "BlockLSTM"  # what `rnnbench check` and the manifest say runs

    def fallback_reasons(self, masked=False, xla=False):
        """Why this layer runs Keras' loop rather than `BlockLSTM`; empty when it runs fused.

        Args:
            masked: whether the call gets a mask.
            xla: whether the call is XLA-compiled (`jit_compile`).

        Returns:
            A list of short reasons, in the words `rnnbench check` and the
            manifest show.
        """
        cell = self.cell
        reasons = []
        if keras.backend.backend() != "tensorflow":
            reasons.append(f"the {keras.backend.backend()} backend (BlockLSTM is a "
                           "TensorFlow op)")
        if self.compute_dtype not in BLOCK_DTYPES:
            reasons.append(f"compute dtype {self.compute_dtype} (dtype policy "
                           f"{self.dtype_policy.name}); BlockLSTM has kernels for "
                           f"{' and '.join(BLOCK_DTYPES)} only")
        if masked:
            reasons.append("masked inputs, whose masked steps BlockLSTM cannot skip")
        if xla:
            reasons.append("XLA-compiled (jit_compile), and BlockLSTM has no XLA kernel")
        if cell.activation is not activations.tanh:
            reasons.append("activation is not tanh")
        if cell.recurrent_activation is not activations.sigmoid:
            reasons.append("recurrent_activation is not sigmoid")
        if not cell.use_bias:
            reasons.append("use_bias is False")
        if self.recurrent_dropout:
            reasons.append("recurrent_dropout is set")
        if self.unroll:
            reasons.append("unroll is True")
        if _gpu_wanted(self):
            reasons.append("a GPU is visible, where Keras' cuDNN path is faster")
        return reasons

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.fallback_reasons(masked=mask is not None, xla=_xla_compiling()):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        import tensorflow as tf
        if sequences.dtype != self.compute_dtype:
            # Integer inputs: Keras' loop promotes them to the compute dtype in
            # its first matmul; BlockLSTM takes only half and float.
            sequences = tf.cast(sequences, self.compute_dtype)
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


def _xla_compiling():
    """True while tracing a function that XLA will compile (`jit_compile=True`).

    `tf.function(jit_compile=True)` (and so Keras' `jit_compile`) traces its
    graph inside an XLA control-flow context; nested functions see it
    through their outer graphs.
    """
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import control_flow_util
    return control_flow_util.GraphOrParentsInXlaContext(ops.get_default_graph())
