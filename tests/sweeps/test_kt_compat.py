"""The Keras Tuner seam: the versions it accepts and the oracle lock it always frees."""

import threading

import keras_tuner as kt
import pytest

from rnnbench.errors import UserError
from rnnbench.sweeps import kt_compat


@pytest.mark.parametrize("version", ["1.4.7", "1.4.8", "1.4.10", "1.4.9rc1"])
def test_supported_versions_pass(version):
    assert kt_compat.check_version(version) == version


@pytest.mark.parametrize("version", ["1.4.6", "1.3.5", "1.5.0", "2.0.0"])
def test_other_versions_are_refused_naming_the_supported_range(version):
    with pytest.raises(UserError, match=rf"Expected Keras Tuner >=1\.4\.7,<1\.5.*"
                                        rf"Received: keras-tuner {version}"):
        kt_compat.check_version(version)


def test_the_installed_version_is_the_checked_one():
    assert kt_compat.VERSION == kt.__version__


def broken_oracle(tmp_path, guard):
    """A real oracle whose saves fail: its folder's parent is a file.

    Keras Tuner writes through `tf.io.gfile`, so the error is TensorFlow's
    `FailedPreconditionError` here (a full disk gives another one).
    """
    hp = kt.HyperParameters()
    hp.Int("units", 1, 4)
    oracle = kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=3,
                                           hyperparameters=hp, seed=1)
    (tmp_path / "blocker").write_text("not a folder")
    oracle._set_project_dir(str(tmp_path / "blocker" / "sweep"), "tuner")
    return kt_compat.guard_lock(oracle) if guard else oracle


def lock_is_free(oracle):
    """Whether another thread can take the oracle's lock (within 0.5 s: a held one is held for good)."""
    taken = []

    def take():
        try:
            with kt_compat.oracle_lock(oracle, timeout=0.5):
                taken.append(True)
        except TimeoutError:
            pass
    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return bool(taken)


@pytest.mark.parametrize("call", ["create_trial", "update_unknown_trial"])
def test_an_error_under_the_lock_releases_it(tmp_path, call):
    oracle = broken_oracle(tmp_path, guard=True)
    with pytest.raises(Exception):  # noqa: B017  (TensorFlow's error, or a KeyError)
        if call == "create_trial":
            oracle.create_trial("worker-0")  # saving the new trial fails
        else:
            oracle.update_trial("no-such-trial", {"val_loss": 1.0})
    assert lock_is_free(oracle)


def test_without_the_guard_keras_tuner_keeps_the_lock(tmp_path):
    # Why the guard exists: Keras Tuner's @synchronized has no try/finally.
    oracle = broken_oracle(tmp_path, guard=False)
    with pytest.raises(Exception):  # noqa: B017
        oracle.create_trial("worker-0")
    assert not lock_is_free(oracle)


def test_the_guard_is_reentrant_and_installed_once(tmp_path):
    oracle = broken_oracle(tmp_path, guard=True)
    method = oracle.end_trial
    assert kt_compat.guard_lock(oracle).end_trial is method
    with kt_compat.oracle_lock(oracle), kt_compat.oracle_lock(oracle):
        assert not lock_is_free(oracle)
    assert lock_is_free(oracle)
