"""Bench rows against the machine: multiply-adds counted by hand, the GEMM probe, their ratio."""

import importlib.util
import math
from pathlib import Path

import keras
import pytest

from rnnbench.bench import benchmark, gemm, multiply_adds
from rnnbench.models.cells import TextbookLSTMCell

STEPS, INPUT, UNITS = 7, 3, 5  # input width != units: a swapped term changes the count


def built(layer, shape=(None, STEPS, INPUT)):
    layer.build(shape)
    return layer


@pytest.mark.parametrize("layer, gates", [
    (keras.layers.LSTM(UNITS), 4),
    (keras.layers.GRU(UNITS), 3),  # reset_after=True: its 2-D bias is added, not multiplied
    (keras.layers.GRU(UNITS, reset_after=False), 3),
    (keras.layers.SimpleRNN(UNITS), 1),
    (keras.layers.RNN(TextbookLSTMCell(UNITS)), 4),
])
def test_a_recurrent_layer_multiplies_input_and_state_by_each_gate_every_step(layer, gates):
    # Per step and sample: x_t·W (INPUT x gates*UNITS) and h·U (UNITS x gates*UNITS).
    hand = STEPS * gates * (INPUT + UNITS) * UNITS
    assert multiply_adds.layer_forward(built(layer), (None, STEPS, INPUT)) == hand


def test_bidirectional_counts_both_directions_over_the_same_input():
    layer = built(keras.layers.Bidirectional(keras.layers.LSTM(UNITS, return_sequences=True)))
    assert multiply_adds.layer_forward(layer, (None, STEPS, INPUT)) == \
        2 * STEPS * 4 * (INPUT + UNITS) * UNITS


def test_dense_counts_every_position_and_lookups_count_nothing():
    dense = built(keras.layers.Dense(UNITS), (None, STEPS, INPUT))
    assert multiply_adds.layer_forward(dense, (None, STEPS, INPUT)) == STEPS * INPUT * UNITS
    assert multiply_adds.layer_forward(built(keras.layers.Dense(UNITS), (None, INPUT)),
                                       (None, INPUT)) == INPUT * UNITS
    embedding = built(keras.layers.Embedding(100, INPUT), (None, STEPS))
    assert multiply_adds.layer_forward(embedding, (None, STEPS)) == 0
    assert multiply_adds.layer_forward(keras.layers.Dropout(0.5), (None, STEPS, INPUT)) == 0


def test_a_model_is_the_sum_of_its_layers_and_training_is_three_times_forward():
    # Workload A by hand: Embedding(10000, 64) -> LSTM(64) over 200 steps -> Dense(1).
    inputs = keras.Input((200,), dtype="int32")
    x = keras.layers.Embedding(10000, 64)(inputs)
    x = keras.layers.LSTM(64)(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    forward = 200 * 4 * (64 + 64) * 64 + 64
    assert multiply_adds.forward(model) == forward
    assert multiply_adds.training(model) == 3 * forward  # backward = 2x forward


def test_workload_b_built_by_rnnbench_counts_as_written_by_hand():
    from rnnbench.config import experiment as config_lib
    from rnnbench.models import builders
    w = benchmark.WORKLOADS["B"]
    exp = benchmark.experiment(w, "gru")
    model = builders.build_model(exp, spec=config_lib.data_spec(exp), compile=False)
    # (50,1) -> GRU(50, seq) -> GRU(50) -> Dense(25) -> Dense(1), 50 steps
    hand = 50 * 3 * (1 + 50) * 50 + 50 * 3 * (50 + 50) * 50 + 50 * 25 + 25
    assert multiply_adds.forward(model) == hand


def test_layers_it_cannot_count_are_refused_not_guessed():
    conv = built(keras.layers.Conv1D(4, 3), (None, STEPS, INPUT))
    with pytest.raises(ValueError, match="No multiply-add count for layer"):
        multiply_adds.layer_forward(conv, (None, STEPS, INPUT))
    with pytest.raises(ValueError, match="fixed sequence length"):
        multiply_adds.layer_forward(built(keras.layers.LSTM(UNITS), (None, None, INPUT)),
                                    (None, None, INPUT))


def test_the_gemm_probe_returns_a_positive_rate_at_the_process_thread_count():
    got = gemm.probe(size=64, seconds=0.01, min_repeats=2)
    assert math.isfinite(got["gemm_multiply_adds_per_s"]) and got["gemm_multiply_adds_per_s"] > 0
    assert got["gemm_size"] == 64 and got["gemm_repeats"] >= 2
    assert got["gemm_intra_op_threads"] == benchmark.intra_op_threads()
    assert gemm.default_size("cpu") == gemm.CPU_SIZE != gemm.default_size("NVIDIA H100")


PROBE = {"gemm_multiply_adds_per_s": 40e9, "gemm_size": 1024, "gemm_repeats": 9,
         "gemm_intra_op_threads": 0}


def test_the_fraction_is_the_achieved_rate_over_the_probe():
    row = {"rnnbench_samples_per_s": 1000.0, "torch_samples_per_s": 500.0}
    got = benchmark.limit_fields(20_000_000, row, PROBE)
    assert got["multiply_adds_per_sample"] == 20_000_000
    assert got["rnnbench_multiply_adds_per_s"] == 20e9 and got["rnnbench_gemm_fraction"] == 0.5
    assert got["torch_multiply_adds_per_s"] == 10e9 and got["torch_gemm_fraction"] == 0.25
    assert PROBE.items() <= got.items()
    assert "torch_gemm_fraction" not in benchmark.limit_fields(1, {"rnnbench_samples_per_s": 1.0},
                                                               PROBE)


def console_row(**extra):
    return {"workload": "A", "cell": "lstm", "rnnbench_samples_per_s": 1000.0,
            "rnnbench_first_epoch_extra_s": 1.0, "latency_ms": 2.0,
            "pipeline_samples_per_s": 9000.0, **extra}


def test_the_console_line_says_how_far_the_row_is_from_the_gemm_rate():
    row = console_row()
    row.update(benchmark.limit_fields(20_000_000, row, PROBE))
    text = benchmark.format_row(row)
    assert ("= 20.00 G multiply-adds/s, 50.0% of this machine's GEMM rate "
            "(40.0 G/s, 1024² float32, default threads)") in text
    row.update(gemm_intra_op_threads=1)  # `--intra-op 1`
    assert "1024² float32, 1 thread)" in benchmark.format_row(row)
    # Rows recorded before the probe existed still print.
    assert "GEMM" not in benchmark.format_row(console_row())


def load_table():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "table.py"
    spec = importlib.util.spec_from_file_location("bench_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_table_has_the_gemm_columns_and_dashes_for_old_rows():
    columns = load_table().COLUMNS
    row = console_row(torch_samples_per_s=500.0, pipeline_samples_per_s=9000.0,
                      rnnbench_epoch_overhead_s=0.1)
    row.update(benchmark.limit_fields(20_000_000, row, {**PROBE, "gemm_intra_op_threads": 2}))
    assert columns["rnnbench G multiply-adds/s"](row) == "20.0"
    assert columns["GEMM rate, G multiply-adds/s"](row) == "40.0 (1024², 2 threads)"
    assert columns["rnnbench % of GEMM rate"](row) == "50.0%"
    assert columns["PyTorch % of GEMM rate"](row) == "25.0%"
    old = console_row(rnnbench_epoch_overhead_s=0.1)
    assert all(columns[name](old) == "–" for name in (
        "rnnbench G multiply-adds/s", "GEMM rate, G multiply-adds/s",
        "rnnbench % of GEMM rate", "PyTorch % of GEMM rate"))
