"""`rnnbench board` shows its own line, not TensorBoard's start-up chatter (issue 27):
the "NOTE: Using experimental fast data loading logic" paragraph TensorBoard writes
to stderr is a debug line, shown by `--verbose`. Checked on a real process."""

import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import default_sigint, free_port

NOTE = "Using experimental fast data loading logic"


def board_output(logdir, log, *flags):
    """Everything `rnnbench board` printed until it served, then stopped by Ctrl-C."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnnbench", "board", "--logdir", str(logdir),
             "--port", str(port), *flags], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, start_new_session=True,
            preexec_fn=default_sigint)
    try:
        deadline = time.monotonic() + 90
        while "TensorBoard on" not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "rnnbench board printed no URL in 90 s"
            time.sleep(0.1)
        time.sleep(1)  # what the data server might print right after the start
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    return log.read_text()


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_board_hides_tensorboards_note_unless_verbose(tmp_path, verbose):
    pytest.importorskip("tensorboard_data_server")  # the NOTE comes with the fast loader
    (tmp_path / "results").mkdir()
    text = board_output(tmp_path / "results", tmp_path / "board.log",
                        *(["--verbose"] if verbose else []))
    assert "rnnbench: TensorBoard on http://127.0.0.1:" in text
    if verbose:
        assert f"rnnbench: NOTE: {NOTE}" in text  # there, as one of rnnbench's lines
    else:
        assert NOTE not in text and "load_fast" not in text, text
        assert "tensorboard/issues" not in text
