"""Datasets: registered loaders of real offline data and generated tasks."""

from rnnbench.data import (  # noqa: F401  (importing registers them)
    bench, digits, forecasting, music, series, synthetic, text, ucr)
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits  # noqa: F401
