"""The built-in cells and tuners, registered as import paths (no TensorFlow import).

Built-in recurrent layers and custom cells are resolved on first use; the
builder uses a `keras.layers.RNN` subclass as the layer itself (so LSTM/GRU
keep their cuDNN path) and wraps anything else in `keras.layers.RNN(cell)`.
Datasets and tasks register themselves where they are defined (`rnnbench.data`).
"""

from rnnbench.config.registry import CELLS, TUNERS

CELLS.register("simple_rnn", "keras.layers:SimpleRNN")
CELLS.register("lstm", "keras.layers:LSTM")
CELLS.register("gru", "keras.layers:GRU")
CELLS.register("fused_lstm", "rnnbench.models.fused:FusedLSTM")
CELLS.register("textbook_lstm", "rnnbench.models.cells:TextbookLSTMCell")
CELLS.register("peephole_lstm", "rnnbench.models.cells:PeepholeLSTMCell")
CELLS.register("mgu", "rnnbench.models.cells:MGUCell")

TUNERS.register("random", "keras_tuner.oracles:RandomSearchOracle")
TUNERS.register("grid", "keras_tuner.oracles:GridSearchOracle")
TUNERS.register("bayesian", "keras_tuner.oracles:BayesianOptimizationOracle")
TUNERS.register("hyperband", "keras_tuner.oracles:HyperbandOracle")
