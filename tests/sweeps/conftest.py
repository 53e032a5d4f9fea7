"""Fixtures of the sweep tests."""

import pytest

from helpers import TINY_SWEEP_BASE, write_yaml


@pytest.fixture
def tiny(tmp_path):
    """A tiny base experiment file (a few seconds a trial on 2 CPU cores)."""
    return write_yaml(tmp_path / "tiny.yaml", TINY_SWEEP_BASE)
