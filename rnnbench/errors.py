"""Error types that separate a user's mistake (exit 2) from a failed run (exit 1)."""

import errno
import signal

# Write failures that are the disk's state, not the user's input: exit 1.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class UserError(ValueError):
    """Bad input from the user: config, arguments, names, missing data.

    The CLI prints the message as one paragraph and exits with code 2,
    without a traceback.
    """


class RunFailed(RuntimeError):
    """A run started but did not finish (NaN loss, crash); exit code 1."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run or a sweep; what it wrote is kept.

    A `KeyboardInterrupt`, so Keras Tuner (which records an `Exception` in
    a trial as a failed trial) lets it end the search. The CLI prints one
    paragraph from it and exits with code 130.

    Args:
        what: what was stopped, e.g. "run sunspots_lstm".
        folder: the folder kept, with status `interrupted`.
        resume: the command that continues it, or None when it cannot be
            continued (a plain run is re-run from its name instead).
    """

    def __init__(self, what, folder, resume=None):
        super().__init__(what)
        self.what, self.folder, self.resume = what, folder, resume

    def message(self, how="interrupted"):
        """The paragraph the CLI prints; `how` is e.g. "terminated (SIGTERM) and stopped"."""
        text = (f"rnnbench: {how} {self.what}. Its folder is kept with status "
                f"`interrupted`: {self.folder}.")
        if self.resume:
            text += f" Resume with: {self.resume}"
        return text


class Terminated(KeyboardInterrupt):
    """A signal such as SIGTERM stopped rnnbench; handled as Ctrl-C is.

    A `KeyboardInterrupt`, so every path that keeps an interrupted run's
    folder (and a sweep's resume command) keeps it here too. The CLI exits
    with 128 + the signal's number (143 for SIGTERM).

    Args:
        signum: the signal's number.
    """

    def __init__(self, signum):
        self.signum, self.name = signum, signal.Signals(signum).name
        super().__init__(f"terminated ({self.name})")


# Signals raised as `Terminated` that no run has caught yet (console.stop_on_signals).
_uncaught_signals = []


def signal_raised(signum):
    """Records that `signum` was just raised as `Terminated` in the main thread."""
    _uncaught_signals.append(signum)


def signals_caught():
    """Forgets the recorded signals: a run caught their `Terminated`."""
    _uncaught_signals.clear()


def uncaught_signal():
    """A `Terminated` for a recorded signal that no run caught (then forgotten), or None.

    The handler's exception is lost where it lands in a finalizer (`Exception
    ignored in ...`), or becomes a library's own error where it lands in C code
    (TensorFlow's `SystemError`, then a `ValueError` not chained to it).
    """
    if not _uncaught_signals:
        return None
    signum = _uncaught_signals[-1]
    _uncaught_signals.clear()
    return Terminated(signum)


def raise_swallowed_signal():
    """Raises `Terminated` again for a recorded signal that no run caught.

    Training otherwise went on as if no signal had come, and a sweep's chief
    SIGKILLed the worker after its grace, its trial left `running`.
    """
    stop = uncaught_signal()
    if stop is not None:
        raise stop


def in_chain(error, kind):
    """The first exception of `kind` among `error` and the exceptions it was raised from
    or while handling (`__cause__`, else `__context__`), else None.

    The chain may loop (an exception re-raised while handling one that wraps it), so
    each exception is visited once.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None

