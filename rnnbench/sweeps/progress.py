"""What a sweep says while it runs, through the "rnnbench" logger.

One line when a trial starts (its id, the folder's, and its values), one
when it ends (result, time, best so far, trials done, ETA from the mean
trial time so far), and while it trains at most one compact epoch line every
`EPOCH_LINE_EVERY_S` seconds, so a sweep's console stays readable. Keras
Tuner's own display (which numbers trials from 1) is switched off. With
workers, the chief says the same from the files the workers write.
"""

import logging
import math
import time

import keras

from rnnbench.console import plural
from rnnbench.sweeps import leaderboard

log = logging.getLogger("rnnbench")

EPOCH_LINE_EVERY_S = 10.0  # read when a trial starts


def describe(values):
    """`cell=gru, units=48` style text of a trial's values (the path's last key)."""
    keys = [path.rsplit(".", 1)[-1] for path in values]
    # The full path where two parameters end in the same key (layers[0].units, layers[1].units).
    names = [key if keys.count(key) == 1 else path for key, path in zip(keys, values)]
    return ", ".join(f"{name}={_short(v)}" for name, v in zip(names, values.values()))


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def duration(seconds):
    """`42 s`, `3 min 05 s`, `1 h 02 min`."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class SweepProgress:
    """Trial start/end lines and the sweep's ETA.

    Args:
        objective: the objective's metric name.
        total: trials the sweep will run at most (None when unknown, e.g.
            Hyperband).
    """

    def __init__(self, objective, total=None, parallel=1):
        self.objective = objective
        self.total = total
        self.parallel = parallel  # trials running at once (workers)
        self.durations = []
        self.started = {}

    def trial_started(self, trial_id, values):
        self.started[trial_id] = time.monotonic()
        log.info(f"trial {trial_id} started: {describe(values) or 'base experiment'}")

    def trial_ended(self, trial_id, status, score, board):
        """Logs the end line.

        Args:
            trial_id: the trial's (and its folder's) id.
            status: Keras Tuner's status, e.g. "COMPLETED" or "FAILED".
            score: the objective's value, or None.
            board: the leaderboard DataFrame written after this trial.
        """
        took = time.monotonic() - self.started.pop(trial_id, time.monotonic())
        self.durations.append(took)
        if status == "COMPLETED" and score is not None:
            result = f"{self.objective}={score:.4g}"
        else:
            result = error_of(board, trial_id) or "no result"
        parts = [f"trial {trial_id} {status.lower()} in {duration(took)}: {result}"]
        best = board[board["status"] == "COMPLETED"] if len(board) else board
        if len(best):
            row = best.iloc[0]
            parts.append(f"best {row[f'objective ({self.objective})']:.4g} (trial "
                         f"{row['trial_id']})")
        done = int(board["status"].isin(["COMPLETED", "FAILED", "INVALID"]).sum()) \
            if len(board) else 0
        parts.append(self.eta(done))
        log.info("; ".join(parts))

    def eta(self, done):
        """`5/8 trials done, about 40 s left` from the mean trial time so far."""
        if self.total is None:
            return f"{plural(done, 'trial')} done"
        remaining = max(self.total - done, 0)
        trials = "trial" if self.total == 1 else "trials"
        if not remaining:
            return f"{done}/{self.total} {trials} done"
        mean = sum(self.durations) / len(self.durations)
        left = mean * math.ceil(remaining / self.parallel)
        return (f"{done}/{self.total} {trials} done, about {duration(left)} left "
                f"(mean {duration(mean)} a trial)")


class SweepWatcher:
    """The chief's trial lines for a distributed sweep, read from the sweep folder.

    Workers write their own lines into `worker-*.log`; the chief polls the
    trials' state files, so its console says the same, with an ETA for
    `workers` trials at a time.
    """

    def __init__(self, sweep_dir, sweep, workers):
        total = None if sweep.tuner.algorithm == "hyperband" else sweep.tuner.max_trials
        self.sweep_dir, self.sweep = sweep_dir, sweep
        self.progress = SweepProgress(sweep.tuner.objective, total, parallel=workers)
        # Trials of a resumed sweep that ended before are not news.
        self.seen = self._statuses(leaderboard.build(sweep_dir, sweep))

    @staticmethod
    def _statuses(board):
        return dict(zip(board["trial_id"], board["status"])) if len(board) else {}

    def poll(self):
        """Logs the trials that started or ended since the last poll."""
        board = leaderboard.build(self.sweep_dir, self.sweep)
        for trial_id, status in sorted(self._statuses(board).items(),
                                       key=lambda item: int(item[0])):
            before = self.seen.get(trial_id)
            if before == status:
                continue
            row = board[board["trial_id"] == trial_id].iloc[0]
            if before is None:
                values = {p.path: row[p.path] for p in self.sweep.params
                          if p.path in row and row[p.path] is not None
                          and row[p.path] == row[p.path]}  # NaN: inactive
                self.progress.trial_started(trial_id, values)
            if status != "RUNNING":
                score = row[f"objective ({self.sweep.tuner.objective})"]
                self.progress.trial_ended(trial_id, status, score, board)
            self.seen[trial_id] = status


def error_of(board, trial_id):
    """The leaderboard's one-line error of a trial, or None."""
    if "error" not in board or not len(board):
        return None
    rows = board[board["trial_id"] == trial_id]
    value = rows["error"].iloc[0] if len(rows) else None
    return value if isinstance(value, str) and value else None


class EpochProgress(keras.callbacks.Callback):
    """A compact `trial 3: epoch 12/40 loss=0.012 val_loss=0.015` line, throttled.

    Args:
        label: what the line starts with (e.g. "trial 3").
        every: seconds between two lines at least (default
            `EPOCH_LINE_EVERY_S`); the last epoch gets none (the trial's end
            line follows it).
    """

    def __init__(self, label, every=None):
        super().__init__()
        self.label = label
        self.every = EPOCH_LINE_EVERY_S if every is None else every
        self.last = -math.inf

    def on_train_begin(self, logs=None):
        self.last = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        epochs = self.params.get("epochs")
        now = time.monotonic()
        if now - self.last < self.every or (epochs and epoch + 1 >= epochs):
            return
        self.last = now
        shown = {k: v for k, v in (logs or {}).items() if k in ("loss", "val_loss")}
        values = " ".join(f"{k}={float(v):.4g}" for k, v in shown.items())
        log.info(f"{self.label}: epoch {epoch + 1}/{epochs} {values}".rstrip())
