"""Config -> compiled `keras.Model`: inputs, stacked recurrent layers, head.

Built-in cells are built as `keras.layers.LSTM/GRU/SimpleRNN`, never as
`RNN(LSTMCell(...))`: the cuDNN path lives only in the layer.
"""

import inspect

import keras

from rnnbench.config import experiment as config_lib
from rnnbench.config import layer_options
from rnnbench.config.registry import CELLS
from rnnbench.errors import UserError
from rnnbench.models import cudnn, hoisted, size, speed, target_layers, unrolled
from rnnbench.models.fused import FusedLSTM

# `train.*_kernel`'s chosen value -> the class a built-in cell is built as.
STAND_IN = {("lstm", "block"): FusedLSTM, ("lstm", "hoisted"): hoisted.HoistedLSTM,
            ("gru", "hoisted"): hoisted.HoistedGRU,
            ("simple_rnn", "hoisted"): hoisted.HoistedSimpleRNN,
            ("lstm", "unrolled"): unrolled.UnrolledLSTM,
            ("gru", "unrolled"): unrolled.UnrolledGRU,
            ("simple_rnn", "unrolled"): unrolled.UnrolledSimpleRNN}


def build_model(exp, spec=None, compile=True, planned_steps=None):
    """Builds (and compiles) the model of an experiment.

    Args:
        exp: an `ExperimentConfig`.
        spec: the data's `DataSpec`; by default taken from the dataset's
            registered metadata, so no data needs to be on disk.
        compile: whether to compile with the configured optimizer and loss.
        planned_steps: the training steps a run plans, for the kernel rules
            (`speed.layer_kernel`); None when not known.

    Returns:
        A `keras.Model`.
    """
    spec = spec or config_lib.data_spec(exp)
    size.check_fits(exp, spec)
    task = config_lib.task_of(exp)
    dtype = "mixed_float16" if exp.train.mixed_precision else None
    inputs = keras.Input(shape=spec.input_shape, dtype=spec.input_dtype, name="inputs")
    x = input_encoding(inputs, spec, exp.model.embedding, dtype)
    transform = target_layers.transform_of(exp, spec)  # data.target_transform (issue 31)
    if transform is not None:
        x = target_layers.target_inputs(x, transform[0], transform[2])
    layers = exp.model.layers
    for i, layer_cfg in enumerate(layers):
        return_sequences = i < len(layers) - 1 or task.per_step
        kernel = speed.layer_kernel(exp, spec, i, planned_steps)
        stand_in = kernel and STAND_IN.get((layer_cfg.cell, kernel[1].chosen))
        for layer in recurrent_layer(layer_cfg, i, return_sequences, dtype, stand_in):
            x = layer(x)
    for j, dense in enumerate(exp.model.head):
        x = keras.layers.Dense(dense.units, activation=dense.activation,
                               name=f"head_{j}", dtype=dtype)(x)
        if dense.dropout:
            x = keras.layers.Dropout(dense.dropout, name=f"head_{j}_dropout")(x)
    units, activation = task.output(spec)
    # float32 output keeps the loss stable under mixed precision. At zero, a
    # level-robust target's output is the naive forecast (`train.start_at_naive`).
    start = {"kernel_initializer": "zeros"} if exp.train.start_at_naive else {}
    outputs = keras.layers.Dense(units, activation=activation, name="output",
                                 dtype="float32", **start)(x)
    if transform is not None:
        outputs = target_layers.target_restore(outputs, inputs, *transform)
    model = keras.Model(inputs, outputs, name=exp.name)
    if compile:
        compile_model(model, exp, spec)
    return model


def input_encoding(inputs, spec, embedding, dtype):
    """Embeds token ids, or masks padded float steps, as the spec says."""
    if spec.vocab_size:
        return keras.layers.Embedding(
            spec.vocab_size, embedding.dim, mask_zero=spec.mask == "zero",
            name="embedding", dtype=dtype)(inputs)
    if spec.mask == "value":
        return keras.layers.Masking(mask_value=spec.mask_value, name="masking")(inputs)
    return inputs


def resolve_cell(name, where):
    """A registered cell name or `package.module:ClassName` -> the class."""
    cls = CELLS.resolve(name, where=where)
    if not isinstance(cls, type) or not issubclass(cls, keras.layers.Layer):
        raise UserError(
            f"Expected `{where}` to name a keras.layers.Layer subclass "
            f"(a recurrent cell or an RNN layer). Received: {name!r} -> {cls!r}"
        )
    return cls


def recurrent_layer(layer_cfg, index, return_sequences, dtype=None, stand_in=None):
    """Builds the Keras layers for `model.layers[index]`, bottom up.

    Args:
        stand_in: the class to build a built-in cell's layer as (`FusedLSTM`,
            a hoisted or unrolled layer: `speed.layer_kernel`), None for the
            cell's own.

    Returns:
        A list: the recurrent layer (Bidirectional if asked), preceded by a
        `SpatialDropout1D` when a custom cell takes no `dropout` argument.
    """
    where = f"model.layers[{index}]"
    cls = stand_in or resolve_cell(layer_cfg.cell, where + ".cell")
    options = dict(layer_cfg.options)
    if dtype:
        options["dtype"] = dtype
    name = f"rnn_{index}"
    before = []
    try:
        if issubclass(cls, keras.layers.RNN):
            layer = cls(layer_cfg.units, return_sequences=return_sequences,
                        dropout=layer_cfg.dropout, name=name, **options)
        else:
            layer, before = _wrap_cell(cls, layer_cfg, options, return_sequences,
                                       name, where)
        if layer_cfg.bidirectional:
            layer = keras.layers.Bidirectional(
                layer, merge_mode=layer_cfg.bidirectional, name=f"bi{name}")
    except UserError:
        raise
    except Exception as e:  # a user's cell may raise anything from its constructor
        raise UserError(
            f"Could not build `{where}` ({layer_cfg.cell}) from keys "
            f"{sorted(['units', 'dropout'] + list(layer_cfg.options))}: "
            f"{'' if isinstance(e, (TypeError, ValueError)) else type(e).__name__ + ': '}{e}"
        ) from None
    return before + [layer]


def _wrap_cell(cls, layer_cfg, options, return_sequences, name, where):
    """Wraps a custom cell in `keras.layers.RNN`, checking the cell protocol.

    Returns:
        `(rnn_layer, layers_before)`; the second holds an input dropout layer
        when the cell has no `dropout` argument of its own.
    """
    # The cell computes in the layer's dtype policy too (mixed precision).
    layer_options = {k: options[k] for k in ("dtype",) if k in options}
    accepts_dropout = "dropout" in inspect.signature(cls.__init__).parameters
    if accepts_dropout:
        options["dropout"] = layer_cfg.dropout
    cell = cls(layer_cfg.units, **options)
    missing = [a for a in ("state_size", "call") if not hasattr(cell, a)]
    if missing:
        raise UserError(
            f"Expected `{where}.cell` to be a recurrent cell with `state_size` "
            f"and `call(inputs, states)`. Received: {cls.__module__}.{cls.__name__}, "
            f"which lacks {missing}."
        )
    rnn = keras.layers.RNN(cell, return_sequences=return_sequences, name=name,
                           **layer_options)
    if layer_cfg.dropout and not accepts_dropout:
        # The same dropout mask at every step (variational input dropout).
        return rnn, [keras.layers.SpatialDropout1D(layer_cfg.dropout,
                                                   name=f"{name}_dropout")]
    return rnn, []


def optimizer_from_config(opt_cfg):
    """Builds a Keras optimizer by name, with a clear error for unknown names."""
    classes = layer_options.optimizer_classes()
    cls = classes.get(opt_cfg.name.lower())
    if cls is None:
        raise UserError(
            f"Expected `train.optimizer.name` to be one of {sorted(classes)}. "
            f"Received: {opt_cfg.name!r}"
        )
    kwargs = {"learning_rate": opt_cfg.learning_rate, **opt_cfg.options}
    for clip in ("clipnorm", "clipvalue"):
        if getattr(opt_cfg, clip) is not None:
            kwargs[clip] = getattr(opt_cfg, clip)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise UserError(f"Could not build `train.optimizer` ({opt_cfg.name}): {e}") from None


def compile_model(model, exp, spec, jit_compile=False, steps_per_execution=None):
    """Compiles with the config's optimizer, the task's loss and metrics.

    Args:
        steps_per_execution: None for `speed.steps_per_execution`'s choice
            without the data's size (a run passes the one for its epochs).
    """
    task = config_lib.task_of(exp)
    model.compile(optimizer=optimizer_from_config(exp.train.optimizer),
                  loss=task.loss(spec), metrics=task.keras_metrics(spec),
                  jit_compile=jit_compile,
                  steps_per_execution=steps_per_execution
                  or speed.steps_per_execution(exp).chosen)


def recurrent_layers(model):
    """The model's recurrent layers (Bidirectional wrappers included), bottom up."""
    return [layer for layer in model.layers
            if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))]


def unwrap(layer):
    """The recurrent layer itself: a `Bidirectional`'s forward layer, else `layer`."""
    return layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer


def cudnn_report(model, spec):
    """Per recurrent layer: its name, class, cuDNN eligibility and why."""
    report = []
    masked = spec.mask is not None
    for layer in recurrent_layers(model):
        eligible, reasons = cudnn.layer_eligibility(layer, masked=masked)
        inner = unwrap(layer)
        report.append({"layer": layer.name, "class": type(inner).__name__,
                       "cell": type(inner.cell).__name__,
                       "cudnn_eligible": eligible, "reasons": reasons})
    return report
