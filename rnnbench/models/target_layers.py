"""The `data.target_transform` of a forecast, as two Keras layers around the model.

`TargetInputs` turns the input window into the level-free view the recurrent
layers read; `TargetRestore` maps the head's output back to the units of the
inputs. The math is `rnnbench.data.targets`, run with `keras.ops`, so the model
file carries the transform: metrics, `rnnbench predict` and exports need no
inverse of their own.
"""

import keras
from keras import ops

from rnnbench.data import targets


def transform_of(exp, spec):
    """`(kind, horizon, season, n_targets)` of a forecast with a target transform, else None."""
    params = dict(exp.data.params)
    kind = params.get("target_transform", "none")
    if kind in ("none", None):
        return None
    horizon = int(params.get("horizon", 1))
    return kind, horizon, int(params.get("season", 1)), max(spec.output_dim // horizon, 1)


@keras.saving.register_keras_serializable("rnnbench")
class TargetInputs(keras.layers.Layer):
    """The input window as the transform `kind` presents it to the model."""

    def __init__(self, kind, season=1, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.season = kind, int(season)

    def call(self, x):
        return targets.transform_inputs(x, self.kind, self.season, ops)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "season": self.season}


@keras.saving.register_keras_serializable("rnnbench")
class TargetRestore(keras.layers.Layer):
    """The head's transformed forecast, back in the units of the model's inputs."""

    def __init__(self, kind, horizon=1, season=1, n_targets=1, **kwargs):
        super().__init__(**kwargs)
        self.kind, self.horizon = kind, int(horizon)
        self.season, self.n_targets = int(season), int(n_targets)

    def call(self, inputs):
        out, x = inputs
        x = ops.cast(x, out.dtype)
        return targets.inverse_targets(out, x, self.kind, self.horizon, self.season,
                                       self.n_targets, ops)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "horizon": self.horizon,
                "season": self.season, "n_targets": self.n_targets}
