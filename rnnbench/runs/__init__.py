"""Runs: training, timing, run folders, reproduce."""
