"""The execution settings left at `auto`, chosen for speed by measured rules.

The keys of `train:` besides `jit_compile` (`rnnbench.models.jit`):
`lstm_kernel` (per `cell: lstm` layer: Keras' loop, TensorFlow's fused
`BlockLSTM`, the hoisted input projection or the unrolled loop), `gru_kernel` and
`simple_rnn_kernel` (Keras' loop, the hoisted input projection or the
unrolled loop),
`steps_per_execution` and `threads`. Every rule reads only the
config, the data's shape and the machine (GPU or not, cores), never a timing
taken at run time, so the same seed gives the same numbers on the same
machine. The measurements behind them are in BENCHMARKS.md ("Fast by default").
Each choice is a `Choice`; `rnnbench check` prints it and the manifest
records it as `{"setting", "chosen", "reason"}`.
"""

import dataclasses
import math
import os

from rnnbench.models import cudnn

# Training steps per compiled call for `steps_per_execution: auto`. Epoch-level
# callbacks (TensorBoard's epoch logs, early stopping, checkpoints, the CSV
# history) see exactly what they see at 1, and the numbers are the same.
AUTO_STEPS_PER_EXECUTION = 16
# Below this many planned training steps (epochs x steps per epoch) `auto` runs one
# step per call: a call of K > 1 steps is traced as a loop, 0.12-0.30 s more than one
# step, and saves 0.9-2.0 ms a step, so it pays after ~90-250 steps
# (benchmarks/spe_run_cost.json, docs/benchmarks.md "Steps per call on short runs").
AUTO_MIN_PLANNED_STEPS = 200

# Options with which `FusedLSTM` runs Keras' own loop anyway (fused.py).
_KERAS_LOOP_OPTIONS = ("recurrent_dropout", "unroll", "activation", "recurrent_activation",
                       "use_bias")


@dataclasses.dataclass(frozen=True)
class Choice:
    """One execution setting: what the config says, what is used, and why."""

    setting: object
    chosen: object
    reason: str

    def facts(self):
        return {"setting": self.setting, "chosen": self.chosen, "reason": self.reason}

    def line(self, key):
        return f"{key}: {self.chosen} ({self.reason})"


def lstm_kernel(exp, spec, index):
    """The CPU kernel of `model.layers[index]` when its cell is `lstm`, else None.

    Returns:
        A `Choice` whose `chosen` is "block" (the layer is built as
        `FusedLSTM`, TensorFlow's BlockLSTM op), "hoisted" (`HoistedLSTM`) or
        "unrolled" (`UnrolledLSTM`), both set explicitly (`auto` picks
        neither, docs/kernels.md), or "keras" (Keras' loop).
    """
    layer = exp.model.layers[index]
    if layer.cell != "lstm":
        return None
    setting = exp.train.lstm_kernel
    if setting != "auto":
        return Choice(setting, setting, "set in train.lstm_kernel")
    if cudnn.gpu_available():
        return Choice(setting, "keras", "auto: a GPU is visible, where cuDNN is faster")
    if exp.train.jit_compile is True and not exp.train.deterministic:
        # FusedLSTM would run Keras' loop under XLA anyway; build what runs.
        return Choice(setting, "keras", "auto: train.jit_compile is true, and BlockLSTM "
                      "has no XLA kernel")
    if spec.mask is not None:
        return Choice(setting, "keras", "auto: masked inputs, which BlockLSTM cannot skip")
    given = [key for key in _KERAS_LOOP_OPTIONS if key in layer.options]
    if given:
        return Choice(setting, "keras", f"auto: {given[0]} is set, which BlockLSTM "
                      "does not support")
    size = step_size(exp, spec, index)
    limit = BLOCK_MAX_STEP
    if size > limit:
        return Choice(setting, "keras", f"auto: CPU, {size:,} multiply-adds per step "
                      f"> {limit:,}, where Keras' loop (threaded matmuls) was faster")
    return Choice(setting, "block", f"auto: CPU, {size:,} multiply-adds per step "
                  f"<= {limit:,}, where BlockLSTM was faster")


# `cell:` -> the `train:` key that picks its CPU kernel.
KERNEL_KEYS = {"lstm": "lstm_kernel", "gru": "gru_kernel", "simple_rnn": "simple_rnn_kernel"}


def layer_kernel(exp, spec, index, planned_steps=None):
    """`(key, Choice)` for `model.layers[index]` when its cell has a kernel setting, else None.

    `lstm` follows `lstm_kernel`'s rule, `simple_rnn` `simple_rnn_kernel`'s.
    For `gru`, `auto` is Keras' loop: neither the hoisted nor the unrolled
    kernel was measured faster (docs/kernels.md), and `auto` picks only what
    was measured.

    Args:
        planned_steps: the training steps a run plans (epochs x batches),
            None when not known (`rnnbench check`, `bench`: the steady state).
    """
    cell = exp.model.layers[index].cell
    key = KERNEL_KEYS.get(cell)
    if key is None:
        return None
    if cell == "lstm":
        return key, lstm_kernel(exp, spec, index)
    setting = getattr(exp.train, key)
    if setting != "auto":
        return key, Choice(setting, setting, f"set in train.{key}")
    if cell == "simple_rnn":
        return key, simple_rnn_kernel(exp, spec, index, planned_steps)
    return key, Choice(setting, "keras", "auto: Keras' loop (neither the hoisted nor the "
                       "unrolled kernel is measured faster)")


# `simple_rnn_kernel: auto` unrolls sequences up to this many steps, in runs of at
# least UNROLL_MIN_PLANNED_STEPS training steps. Unrolled, a 2-layer SimpleRNN(64)
# ran 1.7-1.9x faster a step at 10-50 steps on 2 cores and traced at most 0.65 s
# longer, repaid within ~170 steps (benchmarks/unroll_grid.json); the shipped
# airline_simple_rnn (12 steps) ran 1.17x faster a step at no extra trace. At
# 100-120 steps (adding, copy_memory, news_chars) the gain was 1.08-1.26x against
# a noise floor of up to 18%, for 2.5-3.9 s more trace (evaluation and prediction
# trace again), repaid after ~300-1,900 steps: not picked by `auto`
# (benchmarks/unrolled_run_cost.json, docs/kernels.md "The unrolled loop").
UNROLL_MAX_TIME_STEPS = 50
UNROLL_MIN_PLANNED_STEPS = 1000


def simple_rnn_kernel(exp, spec, index, planned_steps=None):
    """`simple_rnn_kernel: auto`'s `Choice` for `model.layers[index]`: unrolled or Keras' loop."""
    setting = exp.train.simple_rnn_kernel
    if cudnn.gpu_available():
        return Choice(setting, "keras", "auto: a GPU is visible (unrolling is measured on "
                      "CPU only)")
    if exp.train.jit_compile is True:
        return Choice(setting, "keras", "auto: train.jit_compile is true (unrolling is "
                      "measured without XLA)")
    if "unroll" in exp.model.layers[index].options:
        return Choice(setting, "keras", "auto: unroll is set in the layer")
    length = spec.input_shape[0] if spec.input_shape else None
    if length is None:
        return Choice(setting, "keras", "auto: the sequences' length is not fixed, which "
                      "unrolling needs")
    if length > UNROLL_MAX_TIME_STEPS:
        return Choice(setting, "keras", f"auto: {length} time steps > "
                      f"{UNROLL_MAX_TIME_STEPS}, where unrolling traces longer than it was "
                      "measured to repay")
    if planned_steps is not None and planned_steps < UNROLL_MIN_PLANNED_STEPS:
        return Choice(setting, "keras", f"auto: {planned_steps} planned training steps < "
                      f"{UNROLL_MIN_PLANNED_STEPS}, too few to repay the unrolled trace")
    repaid = (f"a run of fewer than {UNROLL_MIN_PLANNED_STEPS} planned training steps "
              "keeps Keras' loop" if planned_steps is None else
              f"{planned_steps} planned training steps repay its longer trace")
    return Choice(setting, "unrolled", f"auto: CPU, {length} time steps <= "
                  f"{UNROLL_MAX_TIME_STEPS}, where the unrolled loop was faster; {repaid}")


def layer_kernels(exp, spec, planned_steps=None):
    """`[(index, key, Choice)]` for the layers with a kernel setting, bottom up."""
    found = []
    for index in range(len(exp.model.layers)):
        kernel = layer_kernel(exp, spec, index, planned_steps)
        if kernel is not None:
            found.append((index, *kernel))
    return found


def lstm_kernels(exp, spec):
    """`[(index, Choice)]` for the `cell: lstm` layers of `exp`, bottom up."""
    found = []
    for index in range(len(exp.model.layers)):
        kernel = lstm_kernel(exp, spec, index)
        if kernel is not None:
            found.append((index, kernel))
    return found


# The largest step (batch x (input width + units) x 4 units multiply-adds) at
# which BlockLSTM still beat Keras' loop on 2 cores: 1.31M was 1.16x, 2.1M was
# 0.60-0.63x (workload A, tokens or floats alike) on a quiet machine
# (BENCHMARKS.md, "The kernel rule, re-measured"; a first grid on a loaded machine
# had suggested a higher limit after an Embedding, which did not hold).
BLOCK_MAX_STEP = 1_400_000


def step_size(exp, spec, index):
    """Multiply-adds of one time step's gate matmul of `model.layers[index]`."""
    units = exp.model.layers[index].units
    return exp.train.batch_size * (_input_width(exp, spec, index) + units) * 4 * units


def _input_width(exp, spec, index):
    if index > 0:
        below = exp.model.layers[index - 1]
        return below.units * (2 if below.bidirectional == "concat" else 1)
    if spec.vocab_size:
        return exp.model.embedding.dim
    return spec.input_shape[-1] if len(spec.input_shape) > 1 else 1


def planned_steps(exp, train_samples):
    """The training steps a run of `exp` plans over `train_samples` samples."""
    return math.ceil(train_samples / exp.train.batch_size) * exp.train.epochs


def steps_per_execution(exp, steps_per_epoch=None, epochs=None):
    """`train.steps_per_execution`: `auto` runs up to 16 steps per compiled call.

    Args:
        steps_per_epoch: batches per epoch when known (a run); fewer than 16
            caps the number (Keras would run the short epoch anyway).
        epochs: the epochs a run plans, when known; with `steps_per_epoch`, a
            run of fewer than `AUTO_MIN_PLANNED_STEPS` steps runs one a call.
            (`rnnbench bench` leaves it out: it times the steady state.)
    """
    setting = exp.train.steps_per_execution
    if setting != "auto":
        return Choice(setting, setting, "set in train.steps_per_execution")
    rule = (f"auto: min({AUTO_STEPS_PER_EXECUTION}, steps per epoch), 1 below "
            f"{AUTO_MIN_PLANNED_STEPS} planned steps")
    planned = steps_per_epoch * epochs if steps_per_epoch and epochs else None
    if planned is not None and planned < AUTO_MIN_PLANNED_STEPS:
        return Choice(setting, 1, f"{rule}: {planned} planned steps do not repay the "
                      "longer trace of a multi-step call")
    chosen = AUTO_STEPS_PER_EXECUTION
    if steps_per_epoch is not None:
        chosen = max(1, min(chosen, steps_per_epoch))
    return Choice(setting, chosen, f"{rule}; Keras' per-step dispatch costs most on short "
                  "sequences, and epoch-level logs, checkpoints and early stopping are "
                  "unchanged")


def threads(exp, configured=0):
    """`train.threads`: intra-op threads (TensorFlow's threads per op).

    Args:
        configured: what this process already set (a sweep worker's
            `--threads`), 0 for nothing.
    """
    setting = exp.train.threads
    if setting != "auto":
        return Choice(setting, setting, "set in train.threads")
    if configured:
        return Choice(setting, configured, "auto: kept the threads this process had set "
                      "(e.g. a sweep worker's --threads)")
    env = os.environ.get("TF_NUM_INTRAOP_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return Choice(setting, int(env), "auto: TF_NUM_INTRAOP_THREADS")
    cores = os.cpu_count() or 1
    return Choice(setting, cores, "auto: TensorFlow's default, one per core")
