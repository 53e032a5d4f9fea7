"""The C allocator's mode during a benchmark: fixed, so no row depends on the rows before it.

glibc's malloc serves a block above its mmap threshold (128 KiB at start) with
fresh pages from the system, and hands memory above its trim threshold back;
both thresholds rise when the process frees a larger block. A process that
has once freed a large block thus serves later tensors from pages it already
has, and one that has not maps and faults in fresh pages for each. Measured on
this project's 2-core AMD EPYC VM, each mode in fresh processes, interleaved
(`python benchmarks/allocator_state.py --rounds 3`, 2026-12-07): the PyTorch
twin of workload B's LSTM trained 1.71x [1.39-2.04] faster with the thresholds
fixed than in a fresh process (a second fresh process: 0.93x [0.75-1.15]), and
after training workload A first, as fast in one round of three (0.86-2.08x);
rnnbench's TensorFlow model did not move (0.95x [0.94-1.13]). So PyTorch's
speed on one row depended on which rows ran before it. Fixed at the largest
values glibc's own rule reaches, every row times both frameworks in the
state a long-running process can settle in, whatever ran before.
"""

import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
# glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit, the highest its dynamic rule goes;
# the rule sets the trim threshold to twice the mmap threshold.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD


def _glibc():
    """The C library when it is glibc (it has `mallopt`), else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None
    return libc


def fix_thresholds():
    """Fixes glibc malloc's mmap and trim thresholds at their dynamic maxima.

    Idempotent; affects the whole process from the next allocation on.

    Returns:
        The row fields `malloc_mmap_threshold` and `malloc_trim_threshold`
        (bytes), or `{"malloc_mmap_threshold": None}` where the C library is
        not glibc (left as it is).
    """
    libc = _glibc()
    if libc is None:
        return {"malloc_mmap_threshold": None}
    for option, value in ((M_MMAP_THRESHOLD, MMAP_THRESHOLD),
                          (M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        if libc.mallopt(option, value) != 1:
            raise OSError(f"glibc mallopt({option}, {value}) failed")
    return {"malloc_mmap_threshold": MMAP_THRESHOLD, "malloc_trim_threshold": TRIM_THRESHOLD}
