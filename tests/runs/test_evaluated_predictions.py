"""The end-of-run pictures reuse the predictions `evaluate` made, and only those."""

import keras
import numpy as np

from rnnbench.runs.training import EvaluatedPredictions, predict_splits


def test_the_evaluated_inputs_are_answered_from_memory_and_others_are_predicted():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x, other = np.ones((4, 3), "float32"), np.ones((4, 3), "float32")
    known = EvaluatedPredictions()
    remembered = np.full((4, 2), 7.0, "float32")  # not what the model would say
    known.remember([x], [remembered])
    assert known(model, [x], 256)[0] is remembered
    # An equal array that is another object, or a mix, is predicted by the model.
    np.testing.assert_array_equal(known(model, [other], 256)[0],
                                  predict_splits(model, [other], 256)[0])
    assert not np.array_equal(known(model, [x, other], 256)[0], remembered)
