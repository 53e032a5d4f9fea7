"""`rnnbench check`: build the model and say what it is and how it will run."""

import contextlib
import os

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, kernels, speed
from rnnbench.models.jit import MEASURE, choose_jit_compile


def report(exp):
    """Model summary, parameter count, cuDNN eligibility, XLA, fused kernels per layer and the
    other speed choices."""
    spec = config_lib.data_spec(exp)
    model = builders.build_model(exp, spec=spec)
    lines = [f"{exp.name}: config OK ({exp.data.name}, task {exp.data.task})"]
    with summary_width(SUMMARY_WIDTH):
        model.summary(print_fn=lambda text, line_break=True: lines.append(text),
                      line_length=SUMMARY_WIDTH)
    lines.append(f"parameters: {model.count_params():,}")
    lines.append("cuDNN eligibility (on a GPU, eligible layers use the cuDNN kernel):")
    for layer in builders.cudnn_report(model, spec):
        verdict = "eligible" if layer["cudnn_eligible"] else "NOT eligible"
        why = f": {'; '.join(layer['reasons'])}" if layer["reasons"] else ""
        lines.append(f"  {layer['layer']} ({layer['class']}): {verdict}{why}")
    jit, reason = choose_jit_compile(exp, model, spec)
    shown = "decided at the start of the run" if jit == MEASURE else jit
    lines.append(f"jit_compile: {shown} ({reason})")
    for i, key, kernel in speed.layer_kernels(exp, spec):
        lines.append(kernel.line(f"{key} of rnn_{i}"))
    lines.append("fused kernels (one op for the whole sequence, else Keras' loop"
                 + ("; if the run picks XLA, Keras' loop throughout):" if jit == MEASURE
                    else "):"))
    lines.extend(kernels.line(entry) for entry in kernels.layer_report(model, spec, jit is True))
    lines.append(speed.steps_per_execution(exp, *planned_steps(exp)).line(
        "steps_per_execution"))
    lines.append(speed.threads(exp).line("threads"))
    lines.extend(range_lines(exp))
    return "\n".join(lines)


def planned_steps(exp):
    """`(steps per epoch, epochs)` where `check` knows them without loading more than it
    does anyway (the user's own data, which it loads), else `(None, None)`: `auto`
    then shows its upper bound."""
    from rnnbench.data import cache as data_cache
    from rnnbench.data.own import user_data
    if not user_data(exp):
        return None, None
    train = len(data_cache.load(exp).train)
    return max(1, -(-train // exp.train.batch_size)), exp.train.epochs


def range_lines(exp):
    """A forecast's share of validation/test targets outside the training range, with
    the warning above 5% (issue 31): loads the data, so only for forecast series."""
    params = dict(exp.data.params)
    if "target_transform" not in params:
        return []
    from rnnbench.data import cache as data_cache
    from rnnbench.data.targets import range_warning
    facts = data_cache.load(exp).info.get("target_range")
    if not facts:
        return []
    shares = ", ".join(f"{part} {share:.1%}" for part, share in facts["outside"].items())
    lines = [f"targets outside the training range: {shares} "
             f"(target_transform: {params['target_transform']})"]
    warning = range_warning({"target_range": facts}, params["target_transform"])
    label = "WARNING" if params["target_transform"] in ("none", None) else "note"
    return lines + ([f"{label}: {warning}"] if warning else [])


SUMMARY_WIDTH = 100  # every column of Keras' summary table, "Param #" included


@contextlib.contextmanager
def summary_width(columns):
    """Within the block, Keras' summary table is laid out `columns` wide.

    Keras draws it with rich, whose console takes the terminal's width, or 80
    when output is redirected (and `$COLUMNS` when set), whatever
    `line_length` says: at 80 the last column, "Param #", was cut off.
    """
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before
