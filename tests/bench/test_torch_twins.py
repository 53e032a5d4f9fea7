"""The PyTorch twins run beside TensorFlow, in its floating-point mode, with a control."""

import subprocess
import sys

import pytest
from helpers import proc_cpuinfo, read_json, rnnbench_process

from rnnbench.bench import benchmark
from rnnbench.cli import main

def require_torch():
    return pytest.importorskip("torch", reason="the PyTorch twins need the `bench` extra")


@pytest.mark.slow  # a fresh Python imports TensorFlow and torch and takes a training step
def test_torch_after_tensorflow_trains_without_loading_triton():
    # A CUDA build of torch installs Triton; `torch.optim` then loads it, and
    # Triton loaded after TensorFlow died with a segmentation fault (exit 139).
    require_torch()
    code = ("import tensorflow\n"
            "from rnnbench.bench import torch_twins\n"
            "torch = torch_twins.import_torch()\n"
            "layer = torch.nn.LSTM(3, 4, batch_first=True)\n"
            "optimizer = torch.optim.Adam(layer.parameters())\n"
            "layer(torch.ones(2, 5, 3))[0].sum().backward()\n"
            "optimizer.step()\n"
            "import sys\n"
            "print('triton loaded:', sys.modules.get('triton') is not None)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "triton loaded: False"


def test_torch_flushes_denormals_like_tensorflow():
    torch = require_torch()
    from rnnbench.bench import torch_twins
    torch = torch_twins.import_torch()
    assert benchmark.tf_flushes_denormals() is True  # TensorFlow's own CPU mode
    assert torch_twins.flushes_denormals(torch) is True
    torch.set_flush_denormal(False)  # the main thread's share of the op keeps denormals
    try:
        assert torch_twins.flushes_denormals(torch) is False
    finally:
        torch.set_flush_denormal(True)


def test_machine_mode_names_the_cpu():
    mode = benchmark.machine_mode()
    models, flags = proc_cpuinfo()
    assert mode["cpu_model"] in models
    assert set(mode["cpu_flags"]) == {f for f in flags
                                      if f in ("avx2", "fma", "avx512f") or f.startswith("amx")}
    assert mode["cpu_count"] >= 1 and mode["tf_flush_denormal"] is True


def test_torch_control_contradicting_torch_no_is_a_user_error(capsys):
    assert main(["bench", "--torch", "no", "--torch-control"]) == 2
    assert "Expected `--torch-control` without `--torch no`" in capsys.readouterr().err


def test_row_text_shows_the_torch_control():
    row = {"workload": "B", "cell": "lstm", "rnnbench_samples_per_s": 100.0,
           "torch_samples_per_s": 50.0, "ratio_torch": 2.0, "ratio_torch_min": 1.9,
           "ratio_torch_max": 2.1, "ratio_torch_control": 1.01,
           "ratio_torch_control_min": 0.95, "ratio_torch_control_max": 1.08,
           "rnnbench_first_epoch_extra_s": 1.0, "latency_ms": 2.0,
           "pipeline_samples_per_s": 1000.0}
    assert "torch control 1.010 [0.95-1.08]" in benchmark.format_row(row)


@pytest.mark.slow
def test_bench_with_torch_and_its_control_in_a_fresh_process(tmp_path):
    # The command, shortened: before the fix it died with exit 139
    # wherever torch came with Triton (the default wheel on PyPI).
    require_torch()
    out = tmp_path / "rows.json"
    done = rnnbench_process("bench", "--workload", "B", "--cells", "lstm", "--torch", "yes",
                            "--torch-control", "--rounds", "2", "--steps", "3",
                            "--json", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    row = read_json(out)[0]
    for name in ("torch", "torch_control"):
        assert row[f"{name}_samples_per_s"] > 0
    quotient = row["torch_control_samples_per_s"] / row["torch_samples_per_s"]
    assert row["ratio_torch_control_min"] - 0.002 <= quotient <= \
        row["ratio_torch_control_max"] + 0.002
    assert row["tf_flush_denormal"] is True and row["torch_flush_denormal"] is True
    assert row["cpu_model"] and row["torch_threads"] >= 1 and row["cpu_count"] >= 1
    assert f"torch control {row['ratio_torch_control']:.3f}" in done.stdout
