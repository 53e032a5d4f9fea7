"""Datasets read from the user's own files (`data.name: file_*`).

Importing this package registers them; `preload` is how a run reads such a
file (or loads a user's own `Dataset` class, `data.name: package.module:Class`)
before it makes a run folder, so a bad file leaves nothing behind.
"""

from rnnbench.data.own import (  # noqa: F401  (importing registers them)
    arrays,
    series_file,
    tables,
    text_files,
)


def user_data(exp):
    """Whether the experiment's data is the user's own: their files, or their class.

    A user's class (named by import path) most likely reads their files too,
    and its `load` raises `UserError` for a bad one like a file dataset does.
    """
    from rnnbench.config import experiment as config_lib
    from rnnbench.config.registry import is_import_path

    return (is_import_path(exp.data.name)
            or getattr(config_lib.dataset_of(exp), "reads_user_files", False))


def preload(exp):
    """The experiment's `Splits` if its data is the user's own (`user_data`), else None."""
    from rnnbench.data import cache

    return cache.load(exp) if user_data(exp) else None
