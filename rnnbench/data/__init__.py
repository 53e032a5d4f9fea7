"""Datasets (registered loaders of real offline data and generated tasks) and tasks."""

from rnnbench.data import (  # noqa: F401  (importing registers them)
    digits,
    forecasting,
    music,
    own,
    random_sequences,
    series,
    synthetic,
    tasks,
    text,
    ucr,
)
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits  # noqa: F401
