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
    try:
        hparams_experiment(logdir)
    except OSError as e:  # a read-only results folder still gets its board
        logging.getLogger("rnnbench").warning(
            f"HParams: could not write {Path(logdir) / '_hparams'} ({e.strerror}); the "
            "table shows TensorBoard's default columns")
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


def hparams_experiment(logdir):
    """Writes the HParams experiment of the sweeps under `logdir` (see
    `rnnbench.sweeps.hparams.write_experiment`); returns its folder, or None."""
    from rnnbench.config import experiment as config_lib
    from rnnbench.sweeps import definition, hparams
    sweeps = []
    for path in sorted(Path(logdir).rglob("sweep.yaml")):
        if not (path.parent / "trials").is_dir():
            continue
        try:
            sweep, base_raw = definition.load_saved_sweep(path.parent)
            exp = config_lib.validate(base_raw, source=str(path.parent / "base.yaml"))
        except UserError as e:  # a sweep of an older rnnbench: TensorBoard's defaults
            logging.getLogger("rnnbench").debug(f"HParams: {path.parent} left out: {e}")
            continue
        names = definition.metric_names(exp)
        names += [sweep.tuner.objective] * (sweep.tuner.objective not in names)
        if (path.parent / "confirm.json").is_file():  # `tune --confirm`'s scalars
            objective = sweep.tuner.objective
            names += [f"confirmed/{objective}_mean", f"confirmed/{objective}_std",
                      "confirmed/rank", "confirmed/n"]
        sweeps.append((sweep, names))
    return hparams.write_experiment(logdir, sweeps)
