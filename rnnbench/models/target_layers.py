"""The `data.target_transform` of a forecast, as Keras layers around the model.

`target_inputs` turns the input window into the level-free view the recurrent
layers read; `target_restore` maps the head's output back to the units of the
inputs. The model file carries the transform, so metrics, `rnnbench predict`
and exports need no inverse of their own.

`difference`, `seasonal_difference` and `window_last` are built from Keras' own
layers (crops, pads, subtract, add: the same arithmetic as
`rnnbench.data.targets`), so their `model.keras` loads in a Python that never
imported rnnbench (issue 24). `log_return` and `window_standard` need a log or a
std that no core layer computes: they run `rnnbench.data.targets` in the
`TargetInputs` / `TargetRestore` layers below, which load once
`rnnbench.models.target_layers` is imported (`rnnbench.models.saving.load_model`
does it).
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


# The kinds built from Keras' own layers (plain `keras.saving.load_model` loads them).
CORE_KINDS = ("difference", "seasonal_difference", "window_last")


def target_inputs(x, kind, season, name="target_inputs"):
    """The input window `x` as the transform `kind` presents it to the model."""
    if kind not in CORE_KINDS:
        return TargetInputs(kind, season, name=name)(x)
    if kind == "window_last":  # x - x[:, -1:]
        window = x.shape[1]
        last = keras.layers.Cropping1D((window - 1, 0), name=f"{name}_last")(x)
        repeated = keras.layers.UpSampling1D(window, name=f"{name}_repeat")(last)
        return keras.layers.Subtract(name=name)([x, repeated])
    return _lagged_difference(x, 1 if kind == "difference" else season, name)


def target_restore(out, inputs, kind, horizon=1, season=1, n_targets=1,
                   name="target_restore"):
    """The head's transformed forecast `out`, back in the units of `inputs`."""
    if kind not in CORE_KINDS:
        return TargetRestore(kind, horizon, season, n_targets, name=name)([out, inputs])
    window = inputs.shape[1]
    if kind == "seasonal_difference":  # the value one season back from each step
        steps = [window - season + (h % season) for h in range(horizon)]
    else:  # the window's last value, for every step
        steps = [window - 1] * horizon
    offsets = [_targets_at(inputs, step, n_targets, f"{name}_at{h}")
               for h, step in enumerate(steps)]
    offset = (offsets[0] if horizon == 1 else
              keras.layers.Concatenate(name=f"{name}_offsets", dtype="float32")(offsets))
    return keras.layers.Add(name=name, dtype="float32")([out, offset])


def _lagged_difference(x, lag, name):
    """`x_t - x_{t-lag}` along the window, zero for the first `lag` steps (as numpy's)."""
    window = x.shape[1]
    if lag >= window:  # no step has a value `lag` back: all zeros
        return keras.layers.Subtract(name=name)([x, x])
    later = keras.layers.Cropping1D((lag, 0), name=f"{name}_later")(x)
    earlier = keras.layers.Cropping1D((0, lag), name=f"{name}_earlier")(x)
    change = keras.layers.Subtract(name=f"{name}_change")([later, earlier])
    return keras.layers.ZeroPadding1D((lag, 0), name=name)(change)


def _targets_at(inputs, step, n_targets, name):
    """`inputs[:, step, :n_targets]` as `(N, n_targets)`, from crops alone."""
    window, features = inputs.shape[1], inputs.shape[2]
    v = keras.layers.Cropping1D((step, window - step - 1), name=f"{name}_step",
                                dtype="float32")(inputs)
    if features > n_targets:  # crop the covariates after the targets
        v = keras.layers.Permute((2, 1), name=f"{name}_t", dtype="float32")(v)
        v = keras.layers.Cropping1D((0, features - n_targets), name=f"{name}_targets",
                                    dtype="float32")(v)
        v = keras.layers.Permute((2, 1), name=f"{name}_back", dtype="float32")(v)
    return keras.layers.Flatten(name=name, dtype="float32")(v)


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
