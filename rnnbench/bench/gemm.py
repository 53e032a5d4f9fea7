"""The machine's own GEMM rate: a quick float32 matmul probe, the limit a bench row is set against.

A training step of a recurrent model is mostly matrix products, so the rate
at which this process multiplies two large float32 matrices, with the same
backend and the same intra-op threads as the step, is about as fast as the
step's arithmetic can go here. `rnnbench bench` sets each row's achieved
multiply-add rate (`multiply_adds.training` times samples/s) against it.

The probe is a square product, not one shaped like the step's own small
GEMMs (`batch x (input + units)` by `4 * units` for an LSTM): the square
one measures the hardware, and a step whose GEMMs are too small to reach
it shows that as a low fraction, which is the point of measuring it.
"""

import statistics
import time

# Square sizes: big enough for the BLAS to run near its peak, small enough
# that the probe takes well under a second (1024: about 1e9 multiply-adds,
# 20-40 ms a product on 2 cores of a 2020s x86 CPU).
CPU_SIZE = 1024
GPU_SIZE = 4096


def default_size(device):
    """The probe's matrix size for a bench row's `device` ("cpu" or a GPU's name)."""
    return CPU_SIZE if device == "cpu" else GPU_SIZE


def probe(size=CPU_SIZE, seconds=0.3, min_repeats=3, max_repeats=50):
    """Times `size x size` float32 matmuls on Keras' backend, in this process's threads.

    Runs where the model runs: TensorFlow's `MatMul` inside a `tf.function`
    (the graph path, with oneDNN's rewrites, that a compiled train step
    takes) on the TensorFlow backend, `keras.ops.matmul` on others. Call it
    after `threads.set_intra_op_threads`, as the bench does: TensorFlow
    fixes its thread pools at its first op, so the probe runs at the thread
    count the row's models ran at.

    Args:
        size: the matrices' side; a product is `size**3` multiply-adds.
        seconds: time to spend on timed products (after one untimed warm-up).
        min_repeats: timed products at least, however long they take.
        max_repeats: timed products at most, however fast.

    Returns:
        A dict: `gemm_multiply_adds_per_s` (`size**3` over the median
        product's seconds), `gemm_size`, `gemm_repeats` and
        `gemm_intra_op_threads` (`threads.intra_op_threads()`: 0 is the
        backend's default, one per core).
    """
    import keras

    from rnnbench.bench.threads import intra_op_threads
    product = _product(keras.backend.backend(), size)
    product()  # tracing, the BLAS's first-call set-up
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats and (
            len(times) < min_repeats or time.perf_counter() - start < seconds):
        times.append(product())
    return {"gemm_multiply_adds_per_s": round(size ** 3 / statistics.median(times)),
            "gemm_size": size, "gemm_repeats": len(times),
            "gemm_intra_op_threads": intra_op_threads()}


def _product(backend, size):
    """A function that multiplies two fixed random matrices and returns its seconds."""
    import keras
    if backend == "tensorflow":
        import tensorflow as tf
        # Uniform in [-0.5, 0.5): no denormals, whose slow path would time something else.
        a = tf.random.stateless_uniform((size, size), seed=(0, 1)) - 0.5
        b = tf.random.stateless_uniform((size, size), seed=(2, 3)) - 0.5
        # Arguments, not captured constants: the graph cannot fold the product away.
        matmul = tf.function(tf.linalg.matmul)
        to_float = lambda c: float(c[0, 0])
    else:
        rng = keras.random.SeedGenerator(0)
        a = keras.random.uniform((size, size), -0.5, 0.5, seed=rng)
        b = keras.random.uniform((size, size), -0.5, 0.5, seed=rng)
        matmul = keras.ops.matmul
        to_float = lambda c: float(keras.ops.convert_to_numpy(c[0, 0]))

    def timed():
        start = time.perf_counter()
        to_float(matmul(a, b))  # reading an element waits for a GPU's asynchronous product
        return time.perf_counter() - start

    return timed
