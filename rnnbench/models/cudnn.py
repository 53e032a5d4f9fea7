"""Which recurrent layers can run on the cuDNN kernel, decided without a GPU.

Mirrors the checks of Keras 3's TensorFlow backend (`cudnn_ok` and the
layers' `inner_loop`): LSTM/GRU with tanh, sigmoid, use_bias, no unroll,
recurrent_dropout 0, GRU reset_after, use_cudnn not False, and masks that
are right-padded. SimpleRNN and custom cells have no cuDNN kernel.
"""

import keras

_CHECKS = (
    # (attribute holder, attribute, wanted value, how to say it)
    ("cell", "activation", keras.activations.tanh, "activation must be 'tanh'"),
    ("cell", "recurrent_activation", keras.activations.sigmoid,
     "recurrent_activation must be 'sigmoid'"),
    ("cell", "use_bias", True, "use_bias must be True"),
    ("layer", "unroll", False, "unroll must be False"),
    ("cell", "recurrent_dropout", 0, "recurrent_dropout must be 0"),
)


def layer_eligibility(layer, masked=False):
    """Returns `(eligible, reasons)` for one built recurrent layer.

    Args:
        layer: a `keras.layers.RNN` (or `Bidirectional` around one).
        masked: whether the layer receives a mask; cuDNN then needs the
            mask to be right-padded, which is checked per batch at run time.

    Returns:
        `eligible` is a bool; `reasons` lists what makes the layer ineligible
        (or, when eligible, the run-time condition to keep in mind).
    """
    if isinstance(layer, keras.layers.Bidirectional):
        layer = layer.forward_layer
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        kind = type(getattr(layer, "cell", layer)).__name__
        return False, [f"{kind} has no cuDNN kernel (only keras.layers.LSTM and GRU do)"]
    reasons = []
    for holder, attr, wanted, say in _CHECKS:
        obj = layer.cell if holder == "cell" else layer
        value = getattr(obj, attr)
        if value is not wanted and value != wanted:
            shown = getattr(value, "__name__", value)
            reasons.append(f"{say} (it is {shown!r})")
    if isinstance(layer, keras.layers.GRU) and not layer.cell.reset_after:
        reasons.append("reset_after must be True (it is False)")
    if layer.use_cudnn is False:
        reasons.append("use_cudnn=False was given")
    eligible = not reasons
    if eligible and masked:
        reasons.append("masks must be right-padded (checked per batch at run time)")
    return eligible, reasons


def gpu_available():
    import tensorflow as tf
    return bool(tf.config.list_logical_devices("GPU"))


def cudnn_path_reasons(layer):
    """Why a CPU stand-in kernel leaves `layer` to Keras' cuDNN path; empty when it need not.

    The stand-ins (`hoisted`, `unrolled`) run Keras' loop where an LSTM or GRU
    would take cuDNN: asked for (`use_cudnn=True`: cuDNN, or Keras' error), or
    left to Keras (`use_cudnn="auto"`) on a visible GPU, where cuDNN is faster.
    A layer without the attribute (SimpleRNN) has no cuDNN path.
    """
    use_cudnn = getattr(layer, "use_cudnn", False)
    if use_cudnn is True:
        return ["use_cudnn is True (Keras' cuDNN path, or its error)"]
    if use_cudnn is not False and gpu_available():
        return ["a GPU is visible, where Keras' cuDNN path is faster"]
    return []
