"""PyTorch equivalents of the `rnnbench bench` workloads, timed the same way.

Optional: needs `torch` (`pip install -e '.[bench]'`). Each twin has the
layers of the Keras workload model (same units; the same parameter count but
for the second bias vector PyTorch keeps per gate, checked by a test), the
same loss (MSE) and optimizer (Adam, same learning rate),
and is fed the same arrays in the same batches. Like the Keras side, only
steady-state steps are timed: from the end of the first training step of an
epoch to the end of its last one. Every import of PyTorch goes through
`import_torch`, which makes it safe beside TensorFlow and puts it in
TensorFlow's floating-point mode.
"""

import logging
import sys
import time

from rnnbench.config import extras

log = logging.getLogger("rnnbench")

# The smallest float32 denormal, as its bit pattern (made by a bit cast, not by
# float arithmetic, which a thread that flushes denormals would zero already).
_DENORMAL_BITS = 1


def available():
    """True when PyTorch can be imported (without importing it)."""
    return extras.available("torch")


def import_torch():
    """Imports PyTorch for the twins: without Triton, denormals flushed like TensorFlow.

    Triton, which a CUDA build of torch installs, must not load once TensorFlow
    has: `torch.optim` imports `torch._dynamo`, which imports `triton`, whose
    `libtriton.so` runs LLVM's static initializers against the LLVM symbols
    TensorFlow already loaded and dies with a segmentation fault. A process
    running the twins always has TensorFlow (the Keras side), and the twins run
    eagerly, never through `torch.compile`, so Triton is blocked here (unless
    something loaded it already, which is only safe before TensorFlow).

    TensorFlow's CPU threads flush denormals to zero (`ScopedFlushDenormal`, FTZ
    and DAZ, in its thread pools and around every eager kernel); PyTorch does
    not by default, and an RNN's decaying gradients and states are where
    denormals appear. Set here, before PyTorch's first op, so its intra-op
    threads, which copy the floating-point mode of the thread that starts
    them, flush too.
    """
    extras.require("torch", "The PyTorch twins of `rnnbench bench`")
    if "triton" not in sys.modules:
        sys.modules["triton"] = None  # import triton -> ImportError: torch skips it
    import torch
    if not torch.set_flush_denormal(True):
        log.warning("PyTorch cannot flush denormals on this CPU; its twins may run "
                    "slower than TensorFlow for that alone (see torch_flush_denormal)")
    return torch


def flushes_denormals(torch):
    """Whether PyTorch's CPU ops, on all its intra-op threads, flush denormals.

    Observed, not read back from the setting: a tensor of denormals split
    over every thread is multiplied by 1, which leaves it unchanged where a
    thread keeps denormals. The result is read as integers: a float compare
    on a thread that treats denormals as zero would see zeros either way.
    """
    tiny = torch.full((1 << 20,), _DENORMAL_BITS, dtype=torch.int32).view(torch.float32)
    product = tiny * torch.ones_like(tiny)
    return bool(product.view(torch.int32).count_nonzero() == 0)


def _modules():
    torch = import_torch()
    nn = torch.nn

    class TextbookLSTM(nn.Module):
        """An LSTM written as a per-step Python loop: the twin of a keras.ops cell."""

        def __init__(self, inputs, units):
            super().__init__()
            self.units = units
            self.kernel = nn.Linear(inputs, 4 * units)
            self.recurrent = nn.Linear(units, 4 * units, bias=False)

        def forward(self, x):
            h = x.new_zeros(x.shape[0], self.units)
            c = x.new_zeros(x.shape[0], self.units)
            projected = self.kernel(x)  # all steps' input projections at once
            outputs = []
            for t in range(x.shape[1]):
                i, f, g, o = (projected[:, t] + self.recurrent(h)).chunk(4, dim=-1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outputs.append(h)
            return torch.stack(outputs, dim=1)

    class Recurrent(nn.Module):
        """One recurrent layer returning its sequence or its last output(s)."""

        def __init__(self, kind, inputs, units, bidirectional, sequences):
            super().__init__()
            self.sequences, self.bidirectional = sequences, bidirectional
            if kind == "textbook_lstm":
                self.rnn = TextbookLSTM(inputs, units)
            else:
                cls = {"lstm": nn.LSTM, "fused_lstm": nn.LSTM, "gru": nn.GRU,
                       "simple_rnn": nn.RNN}[kind]
                self.rnn = cls(inputs, units, batch_first=True,
                               bidirectional=bool(bidirectional))

        def forward(self, x):
            out = self.rnn(x)
            seq = out[0] if isinstance(out, tuple) else out
            if self.sequences:
                return seq
            if not self.bidirectional:
                return seq[:, -1]
            half = seq.shape[-1] // 2
            # Keras' Bidirectional concatenates the forward layer's last output
            # with the backward layer's (which saw the sequence reversed).
            return torch.cat([seq[:, -1, :half], seq[:, 0, half:]], dim=-1)

    return torch, nn, Recurrent


def model(workload, kind, bidirectional, spec):
    """The PyTorch twin of `bench.keras_model(workload, cell, spec)`."""
    torch, nn, Recurrent = _modules()
    layers = []
    width = spec.input_shape[-1]
    if spec.vocab_size:
        layers.append(nn.Embedding(spec.vocab_size, 64))
        width = 64
    for i, units in enumerate(workload.units):
        sequences = i < len(workload.units) - 1
        layers.append(Recurrent(kind, width, units, bidirectional, sequences))
        width = units * (2 if bidirectional else 1)
    for units in workload.head:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def count_params(module):
    return sum(p.numel() for p in module.parameters())


class TorchTwin:
    """A twin model with its optimizer, data on its device, and an epoch timer."""

    def __init__(self, workload, kind, bidirectional, spec, x, y, learning_rate, device=None):
        torch, _, _ = _modules()
        self.torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.module = model(workload, kind, bidirectional, spec).to(self.device)
        self.optimizer = torch.optim.Adam(self.module.parameters(), lr=learning_rate)
        self.loss = torch.nn.MSELoss()
        dtype = torch.long if spec.vocab_size else torch.float32
        self.x = torch.as_tensor(x).to(self.device, dtype)
        self.y = torch.as_tensor(y).to(self.device, torch.float32).reshape(len(y), -1)
        self.batch_size = workload.batch_size

    def mode(self):
        """PyTorch's version, floating-point mode and thread counts, for the bench row."""
        torch = self.torch
        return {"torch_version": torch.__version__,
                "torch_flush_denormal": flushes_denormals(torch),
                "torch_threads": torch.get_num_threads(),
                "torch_interop_threads": torch.get_num_interop_threads()}

    def _sync(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def time_epoch(self):
        """The `bench.Timing` of one epoch."""
        from rnnbench.runs.timing import timing_from_ends
        self.module.train()
        ends = []
        start = time.perf_counter()
        for step, lo in enumerate(range(0, len(self.x), self.batch_size)):
            xb, yb = self.x[lo:lo + self.batch_size], self.y[lo:lo + self.batch_size]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(self.module(xb), yb)
            loss.backward()
            self.optimizer.step()
            self._sync()
            ends.append((step, time.perf_counter()))
        return timing_from_ends(ends, self.batch_size, time.perf_counter() - start)

    def latency_ms(self, repeats=10):
        """Median milliseconds of one inference batch after one untimed call."""
        from rnnbench.runs.timing import median_ms
        self.module.eval()
        xb = self.x[:self.batch_size]

        def infer():
            self.module(xb)
            self._sync()

        with self.torch.no_grad():
            return median_ms(infer, repeats)
