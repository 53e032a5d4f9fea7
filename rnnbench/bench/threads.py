"""Intra-op threads: set for Keras' backend and PyTorch alike, and read back for every row."""


def set_intra_op_threads(n):
    """Sets the threads one op may use, for Keras' backend and for PyTorch alike.

    Must run before the backend's first op (TensorFlow fixes it at start-up).
    """
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(n)
    from rnnbench.bench import torch_twins
    if torch_twins.available():
        torch_twins.import_torch().set_num_threads(n)


def intra_op_threads():
    """The backend's intra-op thread setting (0: its default, one per core)."""
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        return tf.config.threading.get_intra_op_parallelism_threads()
    if keras.backend.backend() == "torch":
        import torch
        return torch.get_num_threads()
    return 0
