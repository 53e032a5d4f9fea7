"""`rnnbench board`: TensorBoard over the results folder, on localhost by default."""

import logging
from pathlib import Path

from rnnbench import console
from rnnbench.errors import UserError


def start(logdir, host="127.0.0.1", port=6006):
    """Starts TensorBoard in this process (background threads); returns its URL."""
    from tensorboard import program
    if not Path(logdir).is_dir():
        raise UserError(f"No results to show: {logdir} does not exist. Run "
                        f"`rnnbench run NAME` or `rnnbench tune SWEEP` first.")
    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(logdir), "--host", host,
                          "--port", str(port), "--reload_interval", "5"])
    try:
        with console.library_output_at_debug("stderr"):  # its data-loading NOTE
            return board.launch()
    except program.TensorBoardServerException as e:
        raise UserError(f"TensorBoard could not start on {host}:{port}: {e}. "
                        "Pick another with --port.") from None


def serve(logdir, host="127.0.0.1", port=6006):
    """Starts TensorBoard, prints its URL and serves until interrupted."""
    import time
    url = start(logdir, host, port)
    logging.getLogger("rnnbench").info(f"TensorBoard on {url} over {logdir} (Ctrl-C stops it)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
