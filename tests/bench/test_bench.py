"""`rnnbench bench`: the hand-written twin is the same model; timings are sane."""

import pytest
from helpers import gpu_visible, rnnbench_process

from rnnbench.bench import allocator, benchmark
from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.models import builders, saving
from rnnbench.runs import timing


@pytest.mark.parametrize("workload", sorted(benchmark.WORKLOADS))
@pytest.mark.parametrize("cell", sorted(benchmark.CELLS))
def test_built_and_hand_written_models_are_the_same(workload, cell):
    w = benchmark.WORKLOADS[workload]
    exp = benchmark.experiment(w, cell)
    spec = config_lib.data_spec(exp)
    ours = builders.build_model(exp, spec=spec, compile=False)
    theirs = benchmark.keras_model(w, cell, spec)
    assert ours.count_params() == theirs.count_params()
    # A stand-in kernel (fused_lstm, an unrolled SimpleRNN) is timed against the
    # Keras layer it subclasses.
    kinds = lambda m: [saving.SAVED_AS.get(type(layer), type(layer)) for layer in m.layers]
    assert kinds(ours) == kinds(theirs)
    assert ours.output_shape == theirs.output_shape


def assert_rates_agree_with_ratios(row, ours, theirs, suffix=""):
    """Each rate is batch / median step, so their quotient lies within the per-round ratios.

    (If `b_i >= m * a_i` for every round, the medians keep it.) A ratio the
    wrong way round, or rates and ratios from different steps, break it.
    """
    quotient = row[f"{ours}_samples_per_s"] / row[f"{theirs}_samples_per_s"]
    assert row[f"ratio{suffix}_min"] - 0.002 <= quotient <= row[f"ratio{suffix}_max"] + 0.002


def test_paired_ratios_pair_rounds_and_read_above_one_when_ours_is_faster():
    from types import SimpleNamespace as Round
    ours = [Round(step_s=0.1, samples_per_s=100.0)] * 3
    theirs = [Round(step_s=s, samples_per_s=100.0 / r) for s, r in
              ((0.3, 3.0), (0.1, 1.0), (0.2, 2.0))]
    got = benchmark._paired_ratios(ours, theirs, "_x")
    assert (got["ratio_x"], got["ratio_x_min"], got["ratio_x_max"]) == (2.0, 1.0, 3.0)
    assert (got["ratio_epoch_x"], got["ratio_epoch_x_min"], got["ratio_epoch_x_max"]) == \
           (2.0, 1.0, 3.0)


@pytest.mark.slow
def test_bench_one_reports_throughput_ratio_and_pipeline_rate():
    row = benchmark.bench_one(benchmark.WORKLOADS["B"], "gru", steps=3, rounds=3)
    assert_rates_agree_with_ratios(row, "rnnbench", "keras")
    assert row["params"] == builders.build_model(
        benchmark.experiment(benchmark.WORKLOADS["B"], "gru")).count_params()
    assert row["latency_ms"] > 0 and row["pipeline_samples_per_s"] > 0
    # Against the machine: the model's count, times its rate, over the probe's.
    from rnnbench.bench import multiply_adds
    per_sample = multiply_adds.training(builders.build_model(
        benchmark.experiment(benchmark.WORKLOADS["B"], "gru"), compile=False))
    assert row["multiply_adds_per_sample"] == per_sample
    assert row["rnnbench_multiply_adds_per_s"] == pytest.approx(
        per_sample * row["rnnbench_samples_per_s"], abs=1)
    assert row["rnnbench_gemm_fraction"] == pytest.approx(
        row["rnnbench_multiply_adds_per_s"] / row["gemm_multiply_adds_per_s"], abs=1e-4)
    assert row["gemm_intra_op_threads"] == row["intra_op_threads"]
    assert "of this machine's GEMM rate" in benchmark.format_row(row)


@pytest.mark.slow
def test_control_model_measures_the_noise_floor():
    row = benchmark.bench_one(benchmark.WORKLOADS["B"], "simple_rnn", steps=3, rounds=3,
                          vs_keras=False, control=True)
    assert_rates_agree_with_ratios(row, "control", "keras", "_control")
    assert_rates_agree_with_ratios(row, "rnnbench", "keras")
    for key in ("ratio_step", "ratio_step_control"):
        assert {key, f"{key}_low", f"{key}_high"} <= row.keys()
    text = benchmark.format_row(row)
    assert f"control {row['ratio_control']:.3f}" in text and "step-interleaved" in text
    # Each ratio is judged by its control, whichever way this machine's load went.
    assert set(row["checks"]) == {"ratio", "ratio_step"}
    assert row["checks"]["ratio_step"]["control"] == row["ratio_step_control"]
    assert row["valid"] is (row["checks"]["ratio"]["valid"] and row["checks"]["ratio_step"]["valid"])


@pytest.mark.slow
def test_interleaved_steps_pair_every_model_with_the_reference():
    import keras
    w = benchmark.WORKLOADS["B"]
    exp = benchmark.experiment(w, "simple_rnn")
    spec = config_lib.data_spec(exp)
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params, size=3 * w.batch_size),
                                         {}, None, 0)
    models = {"keras": benchmark.keras_model(w, "simple_rnn", spec),
              "other": benchmark.keras_model(w, "simple_rnn", spec)}
    for model in models.values():
        model.compile(optimizer="adam", loss="mse")
    before = keras.ops.convert_to_numpy(models["other"].layers[-1].kernel).copy()
    ratios = benchmark.interleaved_step_ratios(models, splits.train.x, splits.train.y,
                                           w.batch_size, steps=5)
    assert list(ratios) == ["other"] and len(ratios["other"]) == 5
    assert all(r > 0 for r in ratios["other"])
    # Real training steps ran: the weights moved.
    assert (keras.ops.convert_to_numpy(models["other"].layers[-1].kernel) != before).any()


def test_input_pipeline_yields_every_sample_once_in_shuffled_batches():
    import numpy as np
    x = np.arange(10 * 3, dtype="float32").reshape(10, 3, 1)
    y = np.arange(10, dtype="float32")
    batches = list(benchmark.input_pipeline(x, y, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    xs = np.concatenate([b[0] for b in batches])
    ys = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(xs[:, 0, 0], ys * 3)  # x and y stay paired
    assert sorted(ys) == list(range(10)) and list(ys) != list(range(10))


def test_bootstrap_interval_brackets_the_median():
    ratios = [0.9, 1.0, 1.1, 1.0, 0.95, 1.05, 1.0]
    got = benchmark._interval("r", ratios)
    assert got["r"] == 1.0 and got["r_low"] <= 1.0 <= got["r_high"]
    assert got == benchmark._interval("r", ratios)  # fixed seed


def test_timing_counts_the_steps_between_callbacks():
    # steps_per_execution=2: Keras calls back after steps 0, 2 and 4.
    steps = timing.timing_from_ends([(0, 10.0), (2, 10.2), (4, 10.5)], batch_size=10,
                                    wall_s=1.0)
    assert steps.samples_per_s == pytest.approx(4 * 10 / 0.5)
    assert steps.step_s == pytest.approx((0.1 + 0.15) / 2)
    assert steps.wall_s == 1.0
    with pytest.raises(ValueError, match="at least 2"):
        timing.timing_from_ends([(0, 1.0)], 10, 1.0)


def test_unknown_cell_is_a_user_error(capsys):
    assert main(["bench", "--cells", "lstm,lstn"]) == 2
    assert "Expected `--cells` from" in capsys.readouterr().err


# PyTorch keeps two bias vectors per gate (input and recurrent) where Keras
# keeps one, except GRU with reset_after=True, which has both in Keras too.
EXTRA_TORCH_BIAS = {"lstm": 4, "simple_rnn": 1, "gru": 0, "bilstm": 8, "textbook_lstm": 0,
                    "fused_lstm": 4, "fused_bilstm": 8}


@pytest.mark.slow  # imports PyTorch (~3 s)
@pytest.mark.parametrize("workload", sorted(benchmark.WORKLOADS))
@pytest.mark.parametrize("cell", sorted(benchmark.CELLS))
def test_torch_twin_is_the_same_model(workload, cell):
    torch = pytest.importorskip("torch", reason="the PyTorch twins need the `bench` extra")
    from rnnbench.bench import torch_twins
    w = benchmark.WORKLOADS[workload]
    spec = config_lib.data_spec(benchmark.experiment(w, cell))
    ours = benchmark.keras_model(w, cell, spec)
    twin = torch_twins.model(w, *benchmark.CELLS[cell], spec)
    extra = EXTRA_TORCH_BIAS[cell] * sum(w.units)
    assert torch_twins.count_params(twin) == ours.count_params() + extra
    x = torch.zeros((3, *spec.input_shape),
                    dtype=torch.long if spec.vocab_size else torch.float32)
    assert tuple(twin(x).shape) == (3, 1)


@pytest.mark.slow
def test_bench_one_times_the_torch_twin_interleaved():
    pytest.importorskip("torch", reason="the PyTorch twins need the `bench` extra")
    row = benchmark.bench_one(benchmark.WORKLOADS["B"], "lstm", steps=3, rounds=2, vs_keras=False,
                          vs_torch=True)
    assert row["torch_latency_ms"] > 0
    assert_rates_agree_with_ratios(row, "rnnbench", "torch", "_torch")
    # "cpu", or the GPU's name on a GPU machine
    assert row["backend"] == "tensorflow" and (row["device"] == "cpu") != gpu_visible()


def test_no_cudnn_sets_use_cudnn_false_on_lstm_and_gru_layers():
    for cell in ("lstm", "gru", "bilstm"):
        exp = benchmark.experiment(benchmark.WORKLOADS["A"], cell, use_cudnn=False)
        model = builders.build_model(exp, compile=False)
        layers = [getattr(l, "forward_layer", l) for l in builders.recurrent_layers(model)]
        assert layers and all(layer.use_cudnn is False for layer in layers)
    exp = benchmark.experiment(benchmark.WORKLOADS["A"], "simple_rnn", use_cudnn=False)
    assert builders.build_model(exp, compile=False)  # SimpleRNN has no cuDNN kernel


@pytest.mark.slow
def test_bench_json_is_written_row_by_row(tmp_path):
    out = tmp_path / "rows.json"
    assert main(["bench", "--workload", "B", "--cells", "simple_rnn", "--steps", "3",
                 "--rounds", "1", "--torch", "no", "--json", str(out)]) == 0
    import json
    rows = json.loads(out.read_text())
    assert [r["cell"] for r in rows] == ["simple_rnn"] and "ratio_torch" not in rows[0]
    assert rows[0]["checks"] == {} and rows[0]["valid"] is None  # no ratio, nothing to vouch
    assert rows[0]["gemm_multiply_adds_per_s"] > 0 and rows[0]["multiply_adds_per_sample"] > 0
    assert 0 < rows[0]["rnnbench_gemm_fraction"] and "torch_gemm_fraction" not in rows[0]


@pytest.mark.slow
def test_steps_per_execution_and_threads_are_applied_and_timed_right(tmp_path):
    import json
    out = tmp_path / "rows.json"
    # A fresh process: TensorFlow fixes its thread pools when it starts.
    rnnbench_process("bench", "--workload", "B", "--cells", "gru", "--steps", "8",
                     "--rounds", "1", "--steps-per-execution", "4", "--intra-op", "1",
                     "--torch", "no", "--json", str(out), check=True)
    row = json.loads(out.read_text())[0]
    assert row["steps_per_execution"] == 4 and row["intra_op_threads"] == 1
    assert row["gemm_intra_op_threads"] == 1  # the probe ran at the row's threads
    assert row["rnnbench_samples_per_s"] > 0
    # glibc's thresholds fixed before the row's first tensor (tests/bench/test_allocator.py)
    assert row["malloc_mmap_threshold"] == allocator.fix_thresholds()["malloc_mmap_threshold"]


def test_steps_per_execution_reaches_keras_compile():
    exp = benchmark.experiment(benchmark.WORKLOADS["B"], "gru", steps_per_execution=3)
    model = builders.build_model(exp)
    assert model.steps_per_execution == 3


def test_bench_rejects_too_few_steps_for_steps_per_execution(capsys):
    assert main(["bench", "--steps", "4", "--steps-per-execution", "4"]) == 2
    assert "--steps at least twice" in " ".join(capsys.readouterr().err.split())


# ------------------------------------------- a ratio only when its control vouches for it

def recorded_row(torch_control_steps):
    """A bench row made from recorded epoch timings (step seconds per round), as `bench_one`
    makes it: rnnbench against PyTorch, and a second PyTorch twin against the first."""
    from types import SimpleNamespace as Round
    rounds = lambda steps: [Round(step_s=s, samples_per_s=32 / s, wall_s=s) for s in steps]
    torch = rounds([0.040, 0.041, 0.039, 0.040])
    row = {"workload": "A", "cell": "lstm", "rnnbench_samples_per_s": 1300.0,
           "torch_samples_per_s": 800.0, "rnnbench_first_epoch_extra_s": 1.0,
           "latency_ms": 2.0, "pipeline_samples_per_s": 9000.0}
    row.update(benchmark._paired_ratios(rounds([0.016, 0.017, 0.016, 0.015]), torch, "_torch"))
    row.update(benchmark._paired_ratios(rounds(torch_control_steps), torch, "_torch_control"))
    return row


def test_a_torch_control_outside_its_band_makes_the_row_not_valid():
    # The loaded machine: the second twin's threads collapsed in some rounds.
    row = recorded_row([0.0305, 0.0101, 0.0075, 0.0098])
    assert row["ratio_torch"] > 2 and row["ratio_torch_control"] > 3
    row.update(benchmark.control_checks(row))
    assert row["valid"] is False
    check = row["checks"]["ratio_torch"]
    assert check["valid"] is False and check["control"] == row["ratio_torch_control"]
    assert "outside its noise band 0.90-1.10" in check["reason"]
    assert "run `rnnbench bench` alone" in check["reason"]
    text = benchmark.format_row(row)
    assert "ratio not valid (PyTorch control" in text
    assert f"{row['ratio_torch']:.3f}" not in text  # no speed-up printed
    assert "run `rnnbench bench` alone" in text


def test_a_torch_control_inside_its_band_vouches_for_the_ratio():
    row = recorded_row([0.041, 0.040, 0.040, 0.042])
    row.update(benchmark.control_checks(row))
    assert row["valid"] is True and row["checks"]["ratio_torch"]["valid"] is True
    text = benchmark.format_row(row)
    assert f"ratio {row['ratio_torch']:.3f}" in text and "not valid" not in text


def test_without_a_control_the_ratio_is_unchecked_not_valid():
    row = recorded_row([0.04] * 4)
    for key in [k for k in row if k.startswith(("ratio_torch_control", "ratio_epoch_torch_control"))]:
        del row[key]
    row.update(benchmark.control_checks(row))
    assert row["valid"] is None and row["checks"]["ratio_torch"]["valid"] is None
    assert "--torch-control" in row["checks"]["ratio_torch"]["reason"]
    assert "unchecked" in benchmark.format_row(row)


def test_each_keras_ratio_is_judged_by_its_own_control():
    row = {"ratio": 1.2, "ratio_min": 1.1, "ratio_max": 1.3,
           "ratio_control": 1.25, "ratio_control_min": 1.2, "ratio_control_max": 1.3,
           **benchmark._interval("ratio_step", [1.01, 0.99, 1.0, 1.02]),
           **benchmark._interval("ratio_step_control", [1.0, 1.01, 0.99, 1.0])}
    got = benchmark.control_checks(row)
    assert got["checks"]["ratio"]["valid"] is False  # epoch rounds drifted
    assert got["checks"]["ratio_step"]["valid"] is True  # interleaved steps did not
    assert got["valid"] is False and "ratio_torch" not in got["checks"]
    assert benchmark.control_checks({"ratio_step": 1.0})["valid"] is None
    assert benchmark.control_checks({})["valid"] is None
