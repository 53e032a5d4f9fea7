"""Threads for the numpy and pyarrow work on a large file: pool size, ordered map, buffers.

numpy's loops, pyarrow's parser and hashlib release the GIL, so blocks of one
large array (or pieces of one file) run on every core from plain threads.
"""

import os
import threading

import numpy as np


def worker_count():
    """Threads in a pool: one per core, at most 8."""
    return max(1, min(os.cpu_count() or 1, 8))


def in_threads(fn, items):
    """`fn` of each item, in order, computed by `worker_count()` threads.

    Each block's result (hence a sum combined in order afterwards) is the same
    bits as in one thread.
    """
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(worker_count()) as pool:
        yield from pool.map(fn, items)


_SCRATCH = threading.local()


def scratch(shape, dtype):
    """An uninitialised array of `shape` from this thread's reusable buffer.

    Block-wise passes over a large array reuse one buffer per thread rather
    than allocating a fresh block each time, whose pages the kernel would
    fault in and zero again for every block.
    """
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = getattr(_SCRATCH, "buffer", None)
    if buffer is None or buffer.nbytes < size:
        buffer = _SCRATCH.buffer = np.empty(size, np.uint8)
    return buffer[:size].view(dtype).reshape(shape)
