"""The machine facts a run's numbers can depend on: the CPU and oneDNN's setting.

With op determinism on, the same seed, code, CPU and thread count give the
same metrics to the last bit, run after run; another CPU (oneDNN picks its
kernels per CPU) or oneDNN off moves them (BENCHMARKS.md, "References across
machines"), so a manifest records both and `rnnbench reproduce` warns when
they changed. The thread count is in the manifest's `threads`.
"""

import os
import platform

# The extensions that decide which oneDNN / Eigen kernels run.
KERNEL_FLAGS = ("avx2", "fma", "avx512f")


def cpu():
    """The CPU model and the vector and matrix extensions the kernels use.

    Returns:
        `cpu_model` ("model name" of /proc/cpuinfo, else `platform.processor()`)
        and `cpu_flags` (AVX2, FMA, AVX-512 and AMX flags it has, sorted).
    """
    fallback = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            first_cpu = f.read().split("\n\n")[0]
    except OSError:  # not Linux
        return {"cpu_model": fallback, "cpu_flags": []}
    info = {key.strip(): value.strip() for key, value in
            (line.split(":", 1) for line in first_cpu.splitlines() if ":" in line)}
    flags = sorted(flag for flag in info.get("flags", "").split()
                   if flag in KERNEL_FLAGS or flag.startswith("amx"))
    return {"cpu_model": info.get("model name", fallback), "cpu_flags": flags}


def onednn_setting():
    """`TF_ENABLE_ONEDNN_OPTS` as this process sees it; None when unset (TensorFlow's default)."""
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS")
