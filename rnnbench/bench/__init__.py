"""The benchmark: its workloads, timing against Keras and the PyTorch twins."""
