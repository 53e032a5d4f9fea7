"""`rnnbench board` shows its own line, not TensorBoard's start-up chatter (issue 27):
the "NOTE: Using experimental fast data loading logic" paragraph TensorBoard writes
to stderr is a debug line, shown by `--verbose`. Checked on a real process."""

import time

import pytest

from helpers import start_board, stop_board

NOTE = "Using experimental fast data loading logic"


def board_output(logdir, log, *flags):
    """Everything `rnnbench board` printed until it served, then stopped by Ctrl-C."""
    proc, _ = start_board(logdir, log, *flags)
    try:
        time.sleep(1)  # what the data server might print right after the start
        assert stop_board(proc, log) == 0, log.read_text()
    finally:
        stop_board(proc, log)
    return log.read_text()


@pytest.mark.slow  # a real TensorBoard server starts and stops (~6 s each)
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
