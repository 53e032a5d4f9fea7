"""The parameter count of a config, estimated before anything is built.

A typo such as `units: 1000000000` must end in a message, not in TensorFlow
trying to allocate a 32 GB tensor (or swapping the machine to a halt).
"""

import os

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError

# Weight matrices per cell (gates); a user's cell counts as one, a lower bound,
# so the check never refuses a model that would fit.
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3, "fused_lstm": 4, "textbook_lstm": 4,
         "peephole_lstm": 4, "mgu": 2}
BYTES_PER_PARAMETER = 4  # float32 variables, also under mixed precision


def estimate_parameters(exp, spec=None):
    """`{key path: parameters}` of the model's parts, from the config alone.

    At most `model.count_params()` for the built-in cells, within a few percent.
    """
    spec = spec or config_lib.data_spec(exp)
    parts = {}
    features = spec.input_shape[-1]
    if spec.vocab_size:
        parts["model.embedding.dim"] = spec.vocab_size * exp.model.embedding.dim
        features = exp.model.embedding.dim
    for i, layer in enumerate(exp.model.layers):
        directions = 2 if layer.bidirectional else 1
        gates = GATES.get(layer.cell, 1)
        parts[f"model.layers[{i}].units"] = (
            directions * gates * layer.units * (features + layer.units + 1))
        features = layer.units * (2 if layer.bidirectional == "concat" else 1)
    for j, dense in enumerate(exp.model.head):
        parts[f"model.head[{j}].units"] = (features + 1) * dense.units
        features = dense.units
    units, _ = config_lib.task_of(exp).output(spec)
    parts["output"] = (features + 1) * units
    return parts


def physical_memory():
    """Bytes of RAM on this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_fits(exp, spec=None, memory=None):
    """Refuses a model whose parameters alone cannot fit in this machine's memory.

    Raises:
        UserError: with the estimate and the key that contributes most.
    """
    memory = memory or physical_memory()
    if not memory:
        return
    parts = estimate_parameters(exp, spec)
    total = sum(parts.values())
    if total * BYTES_PER_PARAMETER <= memory:
        return
    key = max(parts, key=parts.get)
    error = UserError(
        f"Expected the model's parameters to fit in memory. Received: about "
        f"{total:.2g} parameters ({_bytes(total * BYTES_PER_PARAMETER)} as float32, "
        f"this machine has {_bytes(memory)}), mostly from `{key}`"
        + (f" = {_value_at(exp, key)}" if key != "output" else "") + ".")
    error.path = key
    raise error


def _value_at(exp, key):
    """The value at `model.layers[i].units` and the like, for the message."""
    part, _, leaf = key.rpartition(".")
    section, _, index = part.partition("[")
    node = getattr(exp.model, section.split(".")[-1])
    if index:
        node = node[int(index.rstrip("]"))]
    return getattr(node, leaf)


def _bytes(n):
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"
