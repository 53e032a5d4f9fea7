"""Whether a model is XLA-compiled (`train.jit_compile`), decided from its config."""

from rnnbench.models import builders, cudnn

MEASURE = "measure"


def choose_jit_compile(exp, model, spec):
    """Resolves `train.jit_compile`; returns `(choice, reason)`.

    `choice` is True, False, or `MEASURE`: decided by
    `rnnbench.runs.training.jit_by_measurement`
    once the data is loaded.

    Keras never XLA-compiles while TensorFlow op determinism is on (the
    default, so the same seed gives the same metrics). On GPU, Keras runs
    cuDNN layers outside XLA, so `auto` leaves a model with a cuDNN-eligible
    layer uncompiled. Otherwise `auto` measures: on 2 CPU cores XLA was
    1.2-1.4x faster for some models and 0.65-0.8x for others of the same
    cells (BENCHMARKS.md), so no rule over layer kinds held. A `FusedLSTM`
    layer needs no rule: under XLA it runs Keras' loop by itself.
    """
    setting = exp.train.jit_compile
    if exp.train.deterministic:
        return False, ("op determinism is on (train.deterministic: true) and Keras "
                       "does not XLA-compile under it")
    if setting != "auto":
        return bool(setting), "set in train.jit_compile"
    if cudnn.gpu_available() and any(
            r["cudnn_eligible"] for r in builders.cudnn_report(model, spec)):
        return False, "auto: cuDNN layers on GPU cannot be XLA-compiled"
    return MEASURE, "auto: timed with XLA off and on at the start of the run"
