"""Sweeps: sweep files -> Keras Tuner, distributed mode, HParams, leaderboard."""
