"""What the terminal shows: rnnbench's own lines, library chatter only on request.

TensorFlow 2.21's C++ libraries log through Abseil before anyone calls
`absl::InitializeLog()`, and such lines go to stderr whatever
`TF_CPP_MIN_LOG_LEVEL` says (seen here: the oneDNN and CUDA start-up notes
at level 3). So the quiet console filters them out of file descriptor 2
itself, and lets every other byte through (Python tracebacks, Keras,
rnnbench's own errors). The CLI uses this module; the Python API does not.
"""

import contextlib
import faulthandler
import io
import logging
import os
import re
import signal
import sys
import threading
import warnings

from rnnbench import errors

VERBOSE_ENV = "RNNBENCH_VERBOSE"
# glog/Abseil lines: "I0000 00:00:1796149132.671231   19052 port.cc:153] ...";
# fatal (F) lines are kept.
NATIVE_LOG_LINE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    rb"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] )")
LIBRARY_LOGGERS = ("tensorflow", "absl", "h5py")


def plural(count, noun):
    """`1 trial`, `3 trials`: a count with its noun in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@contextlib.contextmanager
def library_output_at_debug(stream="stdout"):
    """What a library writes to `sys.stdout` (or "stderr") inside, as rnnbench debug
    lines: hidden, shown by `--verbose` (Keras Tuner's "Reloading Tuner from ...",
    TensorBoard's "NOTE: Using experimental fast data loading logic")."""
    captured = io.StringIO()
    redirect = contextlib.redirect_stderr if stream == "stderr" else contextlib.redirect_stdout
    try:
        with redirect(captured):
            yield
    finally:
        for line in captured.getvalue().splitlines():
            if line.strip():
                logging.getLogger("rnnbench").debug(line.strip())


def verbose_wanted(flag=False):
    return bool(flag) or os.environ.get(VERBOSE_ENV, "") not in ("", "0")


class ConsoleHandler(logging.Handler):
    """Prints `rnnbench: <message>` to the current `sys.stdout`, as `print` did."""

    def emit(self, record):
        try:
            print(f"rnnbench: {self.format(record)}", file=sys.stdout, flush=True)
        except BrokenPipeError:
            raise
        except Exception:  # noqa: BLE001  (a log line never breaks the command)
            self.handleError(record)


@contextlib.contextmanager
def console_logging(verbose=False):
    """Routes the "rnnbench" logger to the console until the block ends.

    The logger's handlers, level and propagation are restored afterwards, so
    a caller that runs the CLI in-process (a notebook, a test) keeps its own
    logging.
    """
    logger = logging.getLogger("rnnbench")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    if not any(isinstance(h, ConsoleHandler) for h in logger.handlers):
        logger.addHandler(ConsoleHandler())
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
        logger.propagate = saved[2]


class NativeLogFilter:
    """Drops native library log lines written to file descriptor 2 while active."""

    def __init__(self, pattern=NATIVE_LOG_LINE):
        self.pattern = pattern
        self.saved = None

    def start(self):
        try:
            sys.stderr.flush()
            self.saved = os.dup(2)
        except (OSError, ValueError):
            return  # no usable stderr: nothing to filter
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self.thread = threading.Thread(target=self._pump, args=(read_end,), daemon=True)
        self.thread.start()
        # A crash (SIGABRT from a native library, SIGSEGV) ends the process before the
        # pump forwards what was last written; Python's stack then goes to the terminal.
        self.crash_file = os.fdopen(os.dup(self.saved), "w")
        self.faulthandler_was = faulthandler.is_enabled()
        faulthandler.enable(file=self.crash_file, all_threads=True)

    def _pump(self, read_end):
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not self.pattern.match(line):
                    os.write(self.saved, line)

    def stop(self, timeout=2.0):
        """Restores stderr and forwards what is still in the pipe."""
        if self.saved is None:
            return
        with contextlib.suppress(ValueError, OSError):
            sys.stderr.flush()
        os.dup2(self.saved, 2)  # the pipe's last write end closes: the pump sees EOF
        faulthandler.disable()
        if self.faulthandler_was:  # as Python's -X faulthandler (or pytest) had it
            with contextlib.suppress(AttributeError, ValueError, OSError):
                faulthandler.enable(file=sys.__stderr__, all_threads=True)
        self.crash_file.close()
        # A child process that inherited the pipe keeps it open; don't wait on it.
        self.thread.join(timeout)
        os.close(self.saved)
        self.saved = None


@contextlib.contextmanager
def session(verbose=False):
    """The console of one CLI command: quiet by default, everything when verbose.

    Quiet hides TensorFlow's C++ log lines, Python warnings (Keras Tuner's
    NumPy warnings, TensorFlow's retracing notes) and library loggers below
    ERROR. Verbose is also set for child processes (sweep workers).
    """
    verbose = verbose_wanted(verbose)
    with console_logging(verbose), _quiet_or_verbose(verbose):
        yield


@contextlib.contextmanager
def _quiet_or_verbose(verbose):
    if verbose:
        saved = os.environ.get(VERBOSE_ENV)
        os.environ[VERBOSE_ENV] = "1"
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop(VERBOSE_ENV, None)
            else:
                os.environ[VERBOSE_ENV] = saved
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # read once, at TF's import
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    native = NativeLogFilter()
    native.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        native.stop()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def stop_on_signals(error, signums=(signal.SIGTERM,)):
    """Turns each of `signums` into `error(signum)` raised in the main thread.

    So `kill PID` (a batch scheduler's or a container's stop) ends a run as
    Ctrl-C does: its manifest says `interrupted`, not `running` forever. Like
    Ctrl-C, every signal raises, so a second `kill` still works where the
    first one's exception was swallowed (an `Exception ignored in ...` of a
    finalizer); SIGKILL ends the process at once. Outside the main thread
    (where Python cannot set handlers) nothing changes.

    Args:
        error: a `KeyboardInterrupt` subclass (the CLI's `errors.Terminated`).
        signums: the signals to catch.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        errors.signal_raised(signum)  # training raises it again if a finalizer ate it
        raise error(signum)

    saved = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield
    finally:
        errors.signals_caught()
        for signum, previous in saved.items():
            signal.signal(signum, previous)
