"""Error types that separate a user's mistake (exit 2) from a failed run (exit 1)."""


class UserError(ValueError):
    """Bad input from the user: config, arguments, names, missing data.

    The CLI prints the message as one paragraph and exits with code 2,
    without a traceback.
    """


class RunFailed(RuntimeError):
    """A run started but did not finish (NaN loss, crash); exit code 1."""
