"""A shipped reference holds when the machine changes: threads, oneDNN on or off.

Each variation runs `rnnbench reproduce` in a fresh process, since TensorFlow
reads `TF_NUM_INTRAOP_THREADS` and `TF_ENABLE_ONEDNN_OPTS` once, at start-up
(BENCHMARKS.md, "References across machines" measures which metrics stay bit-exact).
"""

import os

import pytest
from conftest import rnnbench_process

pytestmark = pytest.mark.slow

ONEDNN_NOTICE = "oneDNN custom operations are on"
VARIATIONS = {
    "intra_op_1": {"TF_NUM_INTRAOP_THREADS": "1"},
    "intra_op_2": {"TF_NUM_INTRAOP_THREADS": "2"},
    "onednn_off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}


@pytest.mark.parametrize("variation", list(VARIATIONS))
def test_sine_lstm_reproduces_its_reference(variation, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_NUM_INTRAOP_THREADS", "TF_ENABLE_ONEDNN_OPTS")}
    env.update(VARIATIONS[variation])
    # -v shows TensorFlow's C++ notices, so the oneDNN setting can be seen to act
    done = rnnbench_process("reproduce", "sine_lstm", "-v", "--results-dir",
                            str(tmp_path), env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "reproduced" in done.stdout and "NOT" not in done.stdout
    assert (ONEDNN_NOTICE in done.stderr) == (variation != "onednn_off")
