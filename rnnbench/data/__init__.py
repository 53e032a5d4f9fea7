"""Datasets: registered loaders of real offline data and generated tasks."""

from rnnbench.data import series, synthetic  # noqa: F401  (registers them)
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits  # noqa: F401
