"""`rnnbench bench` fixes glibc malloc's thresholds, so no row depends on the rows before it."""

import json
import subprocess
import sys

import pytest

from rnnbench.bench import allocator

# In a fresh process (the thresholds at glibc's start): the bytes glibc serves by
# mmap (mallinfo2's hblkhd) before and after a malloc, around the fix.
PROBE = """
import ctypes, json, sys
from rnnbench.bench import allocator

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
MIB = 1 << 20

def mapped_by(size):
    before = libc.mallinfo2().hblkhd
    block = libc.malloc(size)
    grew = libc.mallinfo2().hblkhd - before
    return block, grew

first, first_grew = mapped_by(16 * MIB)
libc.free(ctypes.c_void_p(first))  # glibc's own rule now lifts its threshold to 16 MiB
if sys.argv[1] == "fix":
    allocator.fix_thresholds()
_, then_grew = mapped_by(24 * MIB)
print(json.dumps({"first": first_grew, "then": then_grew}))
"""


def mapped(step):
    done = subprocess.run([sys.executable, "-c", PROBE, step], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_after_the_fix_a_large_block_comes_from_the_heap_not_fresh_pages():
    if allocator.fix_thresholds()["malloc_mmap_threshold"] is None:
        pytest.skip("the C library is not glibc: its allocator is left as it is")
    # Without the fix, glibc maps a block above its (risen) threshold afresh ...
    unfixed = mapped("none")
    assert unfixed["first"] >= 16 << 20 and unfixed["then"] >= 24 << 20
    # ... with it, a block up to the fixed threshold is served from the heap.
    fixed = mapped("fix")
    assert fixed["first"] >= 16 << 20 and fixed["then"] == 0


def test_the_fix_is_idempotent_and_reports_its_values():
    fields = allocator.fix_thresholds()
    if fields["malloc_mmap_threshold"] is None:
        pytest.skip("the C library is not glibc")
    assert allocator.fix_thresholds() == fields == {
        "malloc_mmap_threshold": allocator.MMAP_THRESHOLD,
        "malloc_trim_threshold": allocator.TRIM_THRESHOLD}
