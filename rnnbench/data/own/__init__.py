"""Datasets read from the user's own files (`data.name: file_*`).

Importing this package registers them; `preload` is how a run reads such a
file before it makes a run folder, so a bad file leaves nothing behind.
"""

from rnnbench.data.own import (  # noqa: F401  (importing registers them)
    arrays,
    series_file,
    tables,
    text_files,
)


def preload(exp):
    """The experiment's `Splits` if its dataset reads the user's files, else None."""
    from rnnbench.config import experiment as config_lib
    from rnnbench.data import cache

    if not getattr(config_lib.dataset_of(exp), "reads_user_files", False):
        return None
    return cache.load(exp)
