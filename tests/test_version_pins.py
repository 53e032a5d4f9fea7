"""The installed TensorFlow, Keras and Keras Tuner are within the ranges setup.cfg pins.

Those ranges are the versions the project is tested with: Keras Tuner's because
sweeps use its internals (`rnnbench.sweeps.kt_compat`), Keras' because the
generated tables of layer options and run keys are of one release. A new
release installed here fails this test first, so the pins move with a run of
the suite, not silently.
"""

import configparser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

SETUP_CFG = Path(__file__).resolve().parents[1] / "setup.cfg"
PINNED = ("tensorflow", "keras", "keras-tuner")


def install_requires(setup_cfg=SETUP_CFG):
    """`{distribution: Requirement}` of setup.cfg's install_requires."""
    cfg = configparser.ConfigParser()
    cfg.read(setup_cfg)
    lines = [line.split("#")[0].strip()
             for line in cfg["options"]["install_requires"].splitlines()]
    requirements = [Requirement(line) for line in lines if line]
    return {r.name.lower(): r for r in requirements}


def has_ceiling(requirement):
    return any(s.operator in ("<", "<=", "==", "~=") for s in requirement.specifier)


@pytest.mark.parametrize("distribution", PINNED)
def test_the_installed_version_is_within_the_pinned_range(distribution):
    requirement = install_requires()[distribution]
    installed = metadata.version(distribution)
    assert has_ceiling(requirement), (
        f"setup.cfg pins only a floor for {distribution} ({requirement}): give the "
        f"range the project is tested with, e.g. <{Version(installed).major}."
        f"{Version(installed).minor + 1}")
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"{distribution} {installed} is installed, outside the range setup.cfg pins "
        f"({requirement.specifier}). Run the whole suite with it, then move the pin "
        f"(and, for keras-tuner, kt_compat.SUPPORTED).")


def test_the_keras_tuner_seam_accepts_exactly_the_pinned_range():
    from packaging.specifiers import SpecifierSet

    from rnnbench.sweeps import kt_compat
    assert install_requires()["keras-tuner"].specifier == SpecifierSet(kt_compat.SUPPORTED)


def test_the_check_fails_on_a_version_outside_the_pins(tmp_path):
    cfg = tmp_path / "setup.cfg"
    cfg.write_text("[options]\ninstall_requires =\n    # a comment\n"
                   "    keras-tuner>=1.4.7,<1.5\n    pandas>=2.0\n")
    pins = install_requires(cfg)
    assert has_ceiling(pins["keras-tuner"]) and not has_ceiling(pins["pandas"])
    assert not pins["keras-tuner"].specifier.contains("1.5.0")
    assert pins["keras-tuner"].specifier.contains("1.4.8")
