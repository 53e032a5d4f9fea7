"""Models: config -> keras.Model builders, custom cells, fused kernels, cuDNN."""
