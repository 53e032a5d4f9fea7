"""What `rnnbench tune` prints when a sweep ends."""

from pathlib import Path

import pandas as pd

from rnnbench.console import plural
from rnnbench.sweeps import definition


def summary(sweep_dir, top=10):
    """The leaderboard (its first `top` rows, saying so) and how to look at the sweep."""
    sweep, _ = definition.load_saved_sweep(sweep_dir)
    frame = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    counts = frame["status"].value_counts().to_dict() if len(frame) else {}
    columns = [c for c in frame.columns if c not in ("run_dir", "error")]
    folds = [c for c in columns if c.endswith(" over folds (mean ± std)")]  # `evaluation`
    shown = frame[columns[:4] + folds + [p.path for p in sweep.params if p.path in frame]
                  + [c for c in ("params", "epochs_run", "wall_time_s") if c in frame]]
    lines = [
        f"sweep {sweep.name}: {plural(len(frame), 'trial')} "
        f"({', '.join(f'{n} {s.lower()}' for s, n in counts.items()) or 'none'})",
        shown.head(top).to_string(index=False),
        f"(the top {top} of {plural(len(frame), 'trial')}; every trial is in the "
        "leaderboard)"
        if len(frame) > top else "",
        f"leaderboard: {sweep_dir / 'leaderboard.csv'}",
        f"look at it:  rnnbench board --logdir {sweep_dir}"
        f"   (or: tensorboard --logdir {sweep_dir} --host 127.0.0.1)",
        f"re-run the best trial:  rnnbench run {frame['run_dir'].iloc[0]}/config.yaml"
        if len(frame) and frame["status"].iloc[0] == "COMPLETED" else "",
    ]
    return "\n".join(line for line in lines if line)


def all_failed(sweep_dir):
    """One line naming the failures when no trial of the sweep completed, else None."""
    frame = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    if not len(frame) or (frame["status"] == "COMPLETED").any():
        return None
    errors = frame["error"].fillna("") if "error" in frame else pd.Series([""] * len(frame))
    kinds = {}
    for trial_id, error in zip(frame["trial_id"], errors):
        kinds.setdefault(error.strip() or "no result", []).append(trial_id)
    named = "; ".join(f"{plural(len(ids), 'trial')} ({', '.join(ids[:5])}"
                      f"{', ...' if len(ids) > 5 else ''}): {error[:200]}"
                      for error, ids in kinds.items())
    return (f"every trial of sweep {Path(sweep_dir).parent.name} {Path(sweep_dir).name} "
            f"failed, none completed: {named}")
