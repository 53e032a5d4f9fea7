"""`rnnbench bench`: the hand-written twin is the same model; timings are sane."""

import pytest

from rnnbench import bench, builders, config
from rnnbench.cli import main


@pytest.mark.parametrize("workload", sorted(bench.WORKLOADS))
@pytest.mark.parametrize("cell", sorted(bench.CELLS))
def test_built_and_hand_written_models_are_the_same(workload, cell):
    w = bench.WORKLOADS[workload]
    exp = bench.experiment(w, cell)
    spec = config.data_spec(exp)
    ours = builders.build_model(exp, spec=spec, compile=False)
    theirs = bench.keras_model(w, cell, spec)
    assert ours.count_params() == theirs.count_params()
    kinds = lambda m: [type(layer).__name__ for layer in m.layers]
    assert kinds(ours) == kinds(theirs)
    assert ours.output_shape == theirs.output_shape


def test_bench_one_reports_throughput_ratio_and_pipeline_rate():
    row = bench.bench_one(bench.WORKLOADS["B"], "gru", steps=3, rounds=3)
    assert row["rnnbench_samples_per_s"] > 0 and row["keras_samples_per_s"] > 0
    assert row["ratio_min"] <= row["ratio"] <= row["ratio_max"]
    assert row["latency_ms"] > 0 and row["pipeline_samples_per_s"] > 0


def test_unknown_cell_is_a_user_error(capsys):
    assert main(["bench", "--cells", "lstm,lstn"]) == 2
    assert "Expected `--cells` from" in capsys.readouterr().err
