"""`model.keras` that plain Keras loads: stand-in layers are saved as the Keras layer they replace.

A stand-in kernel (`FusedLSTM`, the `hoisted` layers `HoistedLSTM`,
`HoistedGRU`, `HoistedSimpleRNN`, the `unrolled` layers) is the Keras layer whose inner loop is
faster where it can be; its config and weights are exactly the Keras layer's.
`save_model` writes it as that Keras layer (`keras.layers.LSTM`, ...), which `keras.saving.load_model`
resolves without any import, and which computes the same outputs with Keras'
loop (to float rounding; `tests/models/test_conformance.py`).

rnnbench's custom cells (`textbook_lstm`, `peephole_lstm`, `mgu`) and a
user's own cells have no Keras counterpart: Keras imports a class named in a
saved config only from its own packages (`keras`, `keras_hub`, `keras_cv`,
`keras_nlp`; `serialization_lib._retrieve_class_or_fn`), and finds any other
class only in its registry, which the class's module fills when imported. A
model with such a cell therefore loads after `import rnnbench.models.cells`
(or with `custom_objects`), as docs/kernels.md says; `load_model` here says
so too.
"""

import contextlib
import re

import keras

from rnnbench.errors import UserError
from rnnbench.models import hoisted, unrolled
from rnnbench.models.fused import FusedLSTM

# Stand-in layer class -> the Keras layer class it is saved as.
SAVED_AS = {FusedLSTM: keras.layers.LSTM, **hoisted.KERAS_LAYER, **unrolled.KERAS_LAYER}


def save_model(model, path):
    """Saves `model` to `path` (`.keras`) so that plain `keras.saving.load_model` loads it.

    Every stand-in layer is written as the Keras layer it stands in for,
    with the same config and weights. A compile config that names a
    registered custom object (the polyphonic task's loss,
    `rnnbench>summed_binary_crossentropy`) is left out: plain Keras could
    not load the file at all, and an uncompiled model still predicts.
    Everything else is saved as `model.save` saves it.
    """
    with _as_keras_layers(model), _portable_compile_config(model):
        model.save(path)


@contextlib.contextmanager
def _portable_compile_config(model):
    """Within the block, `model` reports no compile config if its own names custom objects."""
    config = model.get_compile_config() if model.compiled else None
    if not config or not _names_custom_objects(config):
        yield
        return
    model.get_compile_config = lambda: None  # an instance attribute, deleted below
    try:
        yield
    finally:
        del model.get_compile_config


def _names_custom_objects(config):
    """Whether a serialized config holds a registered custom name (`package>name`)."""
    if isinstance(config, dict):
        return any(_names_custom_objects(v) for v in config.values())
    if isinstance(config, (list, tuple)):
        return any(_names_custom_objects(v) for v in config)
    return isinstance(config, str) and ">" in config and not config.startswith("keras>")


@contextlib.contextmanager
def _as_keras_layers(model):
    """Within the block, each stand-in layer of `model` is an instance of its Keras class.

    Serialization reads the class of each layer (its name and module go into
    the saved config), so the stand-ins, which add no state of their own,
    are re-classed for the save and restored after it.
    """
    swapped = []
    try:
        for layer in _all_layers(model):
            keras_class = SAVED_AS.get(type(layer))
            if keras_class is not None:
                swapped.append((layer, type(layer)))
                layer.__class__ = keras_class
        yield
    finally:
        for layer, cls in swapped:
            layer.__class__ = cls


def _all_layers(layer):
    """`layer` and every layer inside it: nested models and `Bidirectional`'s two layers."""
    yield layer
    inner = list(getattr(layer, "layers", []))
    if isinstance(layer, keras.layers.Bidirectional):
        inner = [layer.forward_layer, layer.backward_layer]
    for sub in inner:
        yield from _all_layers(sub)


def load_model(path, compile=True):
    """Loads a `model.keras` written by any rnnbench release, custom cells included.

    Args:
        compile: as `keras.saving.load_model`'s (False leaves the optimizer out).

    Raises:
        UserError: when the file names a class that is not registered here
            (a user's own cell whose module was not imported), naming the
            class and the module to import.
    """
    import rnnbench.models.cells  # noqa: F401  (registers the custom cells)
    import rnnbench.models.target_layers  # noqa: F401  (data.target_transform's layers)
    try:
        return keras.saving.load_model(path, compile=compile)
    except (TypeError, ValueError) as e:
        missing = re.search(r"Could not locate class '([\w.]+)'", str(e))
        if missing is None:
            raise
        name = missing.group(1)
        module = re.search(rf"'module': '([\w.]+)', 'class_name': '{name}'", str(e))
        where = f" from module `{module.group(1)}`" if module else ""
        raise UserError(
            f"Could not load {path}: Could not locate class '{name}'{where}, which is not "
            f"registered in this Python. Import the module that defines it before "
            f"loading (a user cell's `package.module`, as the run's config.yaml names it), "
            f"or pass the class in `custom_objects`."
        ) from None
