#!/usr/bin/env bash
# 1 worker x 2 threads vs 2 workers x 1 thread: an 8-trial sweep of tiny trials
# (TINY_SWEEP_BASE of tests/conftest.py), the whole `rnnbench tune` command timed.
# Usage: bash benchmarks/workers_vs_threads.sh [ROUNDS]   (run from the repository root)
set -u
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python - "$dir" <<'P'
import sys, yaml
sys.path.insert(0, "tests")
from conftest import TINY_SWEEP_BASE
d = sys.argv[1]
open(f"{d}/tiny.yaml", "w").write(yaml.safe_dump({"name": "tiny", **TINY_SWEEP_BASE}))
open(f"{d}/sw8.yaml", "w").write(yaml.safe_dump({
    "experiment": f"{d}/tiny.yaml",
    "tuner": {"algorithm": "random", "max_trials": 8, "seed": 1},
    "space": {"model.layers[0].units": {"int": [2, 8]},
              "model.layers[0].cell": {"choice": ["simple_rnn", "gru", "lstm"]}}}))
P
for round in $(seq "${1:-3}"); do
  for cfg in "1 2" "2 1"; do
    set -- $cfg
    s=$(date +%s.%N)
    python -m rnnbench tune "$dir/sw8.yaml" --workers "$1" --threads "$2" \
      --results-dir "$dir/results" >/dev/null 2>&1
    rc=$?
    e=$(date +%s.%N)
    python -c "w = $e - $s; print(f'workers=$1 threads=$2 rc=$rc wall={w:.1f}s trials/h={8 / w * 3600:.0f}')"
  done
done
