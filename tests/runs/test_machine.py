"""A manifest names the CPU and oneDNN's setting; reproduce warns when they changed."""

import os

from helpers import onednn_on_by_default, proc_cpuinfo
from rnnbench.runs import folders, machine
from rnnbench.runs.reproduce import manifest_warnings


def test_the_cpu_is_read_from_proc_cpuinfo():
    models, flags = proc_cpuinfo()
    found = machine.cpu()
    assert found["cpu_model"] in models
    assert found["cpu_flags"] == sorted(
        f for f in flags if f in ("avx2", "fma", "avx512f") or f.startswith("amx"))


def test_the_onednn_default_rule_of_the_tests_is_tensorflows():
    """helpers.onednn_on_by_default, which test_reproduce_variations.py expects, is what TensorFlow does here."""
    from tensorflow.python.util import _pywrap_util_port
    setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    expected = onednn_on_by_default() if setting is None else setting in ("1", "true")
    assert _pywrap_util_port.IsMklEnabled() == expected


def test_the_host_facts_hold_the_cpu_and_the_onednn_setting(monkeypatch):
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    host = folders.host()
    assert host["cpu_model"] == machine.cpu()["cpu_model"]
    assert host["tf_enable_onednn_opts"] == "0"
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    assert folders.host()["tf_enable_onednn_opts"] is None


def test_a_changed_cpu_or_onednn_setting_is_warned():
    now = {"host": {**machine.cpu(), "tf_enable_onednn_opts": None}}
    before = {"host": {"cpu_model": "Some Other CPU", "cpu_flags": ["avx2", "fma"],
                       "tf_enable_onednn_opts": "0"}}
    warnings = manifest_warnings(before, now)
    assert any(w.startswith("the CPU was Some Other CPU ['avx2', 'fma'], is now "
                            f"{now['host']['cpu_model']}") for w in warnings), warnings
    assert "TF_ENABLE_ONEDNN_OPTS was 0, is now unset" in warnings
    assert manifest_warnings(now, now) == []


def test_another_intra_op_thread_count_is_warned():
    one, two = ({"threads": {"setting": "auto", "chosen": n, "reason": "r"}} for n in (1, 2))
    assert manifest_warnings(one, two) == [
        "intra-op threads were 1, are now 2: the larger models (the JSB and Nottingham ones) "
        "train differently with another count"]


def test_an_older_manifest_without_the_machine_facts_warns_of_nothing():
    older = {"host": {"hostname": "vm", "platform": "Linux", "cpu_count": os.cpu_count()}}
    assert manifest_warnings(older, {"host": folders.host()}) == []
