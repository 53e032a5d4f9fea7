"""Registers every built-in cell, dataset, task and tuner, without importing TensorFlow.

Built-in recurrent layers and custom cells are registered as import paths and
resolved on first use; the builder uses a `keras.layers.RNN` subclass as the
layer itself (so LSTM/GRU keep their cuDNN path) and wraps anything else in
`keras.layers.RNN(cell)`.
"""

import rnnbench.data  # noqa: F401  (registers the datasets)
import rnnbench.tasks  # noqa: F401  (registers the tasks)
from rnnbench.registry import CELLS, TUNERS

CELLS.register("simple_rnn", "keras.layers:SimpleRNN")
CELLS.register("lstm", "keras.layers:LSTM")
CELLS.register("gru", "keras.layers:GRU")
CELLS.register("fused_lstm", "rnnbench.fused:FusedLSTM")
CELLS.register("textbook_lstm", "rnnbench.cells:TextbookLSTMCell")
CELLS.register("peephole_lstm", "rnnbench.cells:PeepholeLSTMCell")
CELLS.register("mgu", "rnnbench.cells:MGUCell")

TUNERS.register("random", "keras_tuner.oracles:RandomSearchOracle")
TUNERS.register("grid", "keras_tuner.oracles:GridSearchOracle")
TUNERS.register("bayesian", "keras_tuner.oracles:BayesianOptimizationOracle")
TUNERS.register("hyperband", "keras_tuner.oracles:HyperbandOracle")
