"""The `rnnbench` command freezes its start-up heap at its first run; the Python API does not."""

import gc
import subprocess
import sys

import pytest
from helpers import TINY_SWEEP_BASE

from rnnbench.runs import heap


def test_the_heap_is_frozen_once_and_only_when_asked(monkeypatch):
    monkeypatch.setattr(heap, "_asked", False)
    monkeypatch.setattr(heap, "_frozen", False)
    heap.at_run_start()
    assert not heap._frozen  # a Python session that did not ask
    heap.freeze_at_first_run()
    heap.at_run_start()
    assert heap._frozen and gc.get_freeze_count() > 0
    monkeypatch.setattr(gc, "freeze", lambda: pytest.fail("frozen a second time"))
    heap.at_run_start()


API_THEN_COMMAND = f"""
import gc, sys
import rnnbench
from rnnbench import cli
from rnnbench.config import experiment as config_lib
exp = config_lib.validate({{**{TINY_SWEEP_BASE!r}, "name": "tiny"}}, source="<test>")
rnnbench.run(exp, results_dir=sys.argv[1], verbose=0)
print("api", gc.get_freeze_count())
with open(sys.argv[2], "w") as f:
    import yaml
    yaml.safe_dump({{**{TINY_SWEEP_BASE!r}, "name": "tiny"}}, f)
sys.argv = ["rnnbench", "run", sys.argv[2], "--results-dir", sys.argv[1]]
code = cli.main()
print("command", code, gc.get_freeze_count())
"""


@pytest.mark.slow
def test_a_command_freezes_at_its_first_run_and_the_api_never(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", API_THEN_COMMAND, str(tmp_path / "results"),
         str(tmp_path / "tiny.yaml")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    said = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()
            if line.startswith(("api ", "command "))}
    assert said["api"] == ["0"], done.stdout
    code, frozen = said["command"]
    assert code == "0" and int(frozen) > 0, done.stdout
