"""Which recurrent layers run a stand-in kernel fused, and why the others fall back.

A stand-in kernel is a Keras recurrent layer subclass whose inner loop is
faster where it can be (`FusedLSTM`: TensorFlow's `BlockLSTM`; the layers of
`hoisted.py`: the input projection as one matmul before Keras' loop; those of
`unrolled.py`: Keras' loop unrolled into one graph) and
Keras' own loop everywhere else. Each has `fallback_reasons(masked, xla)`, the same
test its `inner_loop` makes at trace time; this module asks it for a built
model, so `rnnbench check` and the manifest say per layer what runs.
"""

from rnnbench.models import builders


def layer_report(model, spec, xla):
    """Per recurrent layer: whether it runs a fused kernel, and why it falls back.

    Args:
        model: the built model.
        spec: the data's `DataSpec` (masked inputs fall back).
        xla: whether the model is XLA-compiled.

    Returns:
        A list aligned with `builders.recurrent_layers(model)`, of dicts with
        `layer`, `class`, `fused` (True, False, or None for a layer with no
        fused kernel), `runs` (the fused op's name, else "Keras' loop") and
        `fallback` (the reasons, empty unless `fused` is False).
    """
    found = []
    for layer in builders.recurrent_layers(model):
        inner = builders.unwrap(layer)
        entry = {"layer": layer.name, "class": type(inner).__name__, "fused": None,
                 "runs": KERAS_LOOP, "fallback": []}
        if hasattr(inner, "fallback_reasons"):
            reasons = inner.fallback_reasons(masked=spec.mask is not None, xla=bool(xla))
            entry.update(fused=not reasons, fallback=reasons,
                         runs=KERAS_LOOP if reasons else inner.fused_op)
        found.append(entry)
    return found


KERAS_LOOP = "Keras' loop"
HOISTED = "hoisted input projection"  # the hoisted layers' `fused_op`
UNROLLED = "unrolled loop"  # the unrolled layers' `fused_op`


def line(entry):
    """How `rnnbench check` shows one entry of `layer_report`."""
    head = f"  {entry['layer']} ({entry['class']}): "
    if entry["fused"] is None:
        return head + "Keras' loop (the layer has no fused kernel)"
    if entry["fused"] and entry["runs"] == HOISTED:
        return head + "hoisted input projection (one matmul over the sequence; h·U in Keras' loop)"
    if entry["fused"] and entry["runs"] == UNROLLED:
        return head + "unrolled loop (Keras' loop unrolled into one graph, a step after another)"
    if entry["fused"]:
        return head + f"fused ({entry['runs']})"
    return head + f"falls back to Keras' loop: {'; '.join(entry['fallback'])}"
