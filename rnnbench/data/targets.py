"""Level-robust forecast targets (`data.target_transform`) and the range check.

A forecast model that reads levels and predicts levels saturates when the test
part leaves the training part's range (a trending price, a growing series): a
min-max scaled LSTM cannot say "higher than anything seen". A target
transform makes the model read and predict something level-free instead: the
change from the window's last value (`difference`, `log_return`), the change
from one season back (`seasonal_difference`), or the window relative to its own
last value or its own mean and std (`window_last`, `window_standard`, as RevIN
does).

The transform is part of the model (`rnnbench.models.target_layers` wraps the
recurrent stack with these functions), so the model's inputs and outputs stay
in the dataset's (scaled) units: every metric, the naive baseline, `rnnbench
predict`, an export and the dashboard's pictures are in original units with
no inverse to forget, and training on the transformed target is the same loss
(a difference target: `(y - last) - out` is `y - (last + out)`). Each function
here takes the array namespace `xp` (numpy, or `keras.ops` inside the model),
so the tests check the very code the model runs.

Shapes: `x` is `(N, window, features)`, the first `n_targets` features are the
targets; forecasts are `(N, horizon * n_targets)`, step-major (all targets of
step 1, then step 2, ...).
"""

import numpy as np

from rnnbench.data.base import Param
from rnnbench.errors import UserError

TRANSFORMS = ("none", "difference", "seasonal_difference", "log_return",
              "window_last", "window_standard")

# The share of validation/test targets outside the training range above which a
# run warns (issue 31 part 4).
RANGE_WARNING_SHARE = 0.05

# A window whose std is below this (in the model's units) is left unscaled by
# `window_standard`: dividing by ~0 would blow its inputs up.
_MIN_STD = 1e-6


def target_param(default="none"):
    """The `data.target_transform` key of every forecast series."""
    return Param(str, default,
                 "what the model reads and predicts: none (levels); difference (change "
                 "from the last value); seasonal_difference (change from one `season` "
                 "back); log_return (log change; positive series, `scale: null`); "
                 "window_last / window_standard (the window relative to its last value / "
                 "its own mean and std). Metrics stay in original units",
                 choices=TRANSFORMS)


def transform_inputs(x, kind, season, xp=np):
    """The model's view of the input windows `x` under transform `kind`."""
    if kind in ("none", None):
        return x
    if kind == "difference":
        return _lagged_difference(x, 1, xp)
    if kind == "seasonal_difference":
        return _lagged_difference(x, season, xp)
    if kind == "log_return":
        return _lagged_difference(xp.log(x), 1, xp)
    if kind == "window_last":
        return x - x[:, -1:, :]
    if kind == "window_standard":
        mean, std = _window_moments(x, xp)
        return (x - mean) / std
    raise ValueError(f"unknown target transform {kind!r}")


def transform_targets(y, x, kind, horizon, season, n_targets, xp=np):
    """The targets `y` (in the model's units) as the model learns them under `kind`."""
    if kind in ("none", None):
        return y
    if kind == "log_return":
        return xp.log(y) - xp.log(anchor(x, kind, horizon, season, n_targets, xp)[0])
    offset, scale = anchor(x, kind, horizon, season, n_targets, xp)
    return (y - offset) / scale


def inverse_targets(out, x, kind, horizon, season, n_targets, xp=np):
    """Maps the model's transformed forecasts `out` back to the units of `x`."""
    if kind in ("none", None):
        return out
    if kind == "log_return":
        return anchor(x, kind, horizon, season, n_targets, xp)[0] * xp.exp(out)
    offset, scale = anchor(x, kind, horizon, season, n_targets, xp)
    return out * scale + offset


def anchor(x, kind, horizon, season, n_targets, xp=np):
    """`(offset, scale)`, each `(N, horizon * n_targets)`: what a forecast is relative to.

    The window's last value (difference, log_return, window_last), the value one
    season back from each step (seasonal_difference: the seasonal-naive
    forecast), or the window's mean and std (window_standard).
    """
    targets = x[:, :, :n_targets]
    window = x.shape[1]
    if kind == "seasonal_difference":
        steps = [window - season + (h % season) for h in range(horizon)]
        offset = xp.reshape(xp.take(targets, steps, axis=1), (-1, horizon * n_targets))
        return offset, 1.0
    if kind == "window_standard":
        mean, std = _window_moments(targets, xp)
        return _tile(mean[:, 0, :], horizon, xp), _tile(std[:, 0, :], horizon, xp)
    return _tile(targets[:, -1, :], horizon, xp), 1.0


def _tile(per_target, horizon, xp):
    """`(N, n_targets)` repeated for each forecast step: `(N, horizon * n_targets)`."""
    return xp.concatenate([per_target] * horizon, axis=1) if horizon > 1 else per_target


def _lagged_difference(x, lag, xp):
    """`x_t - x_{t-lag}` along the window, zero for the first `lag` steps."""
    return xp.concatenate([xp.zeros_like(x[:, :lag, :]), x[:, lag:, :] - x[:, :-lag, :]],
                          axis=1)


def _window_moments(x, xp):
    mean = xp.mean(x, axis=1, keepdims=True)
    std = xp.std(x, axis=1, keepdims=True)
    return mean, xp.where(std < _MIN_STD, xp.ones_like(std), std)


def check_transform(kind, values, scale):
    """Refuses a transform the (scaled) series cannot take, before anything is fitted.

    Args:
        kind: the `data.target_transform`.
        values: every value the model will read, in the model's units.
        scale: the config's `scale` (named in the remedy).
    """
    if kind != "log_return":
        return
    low = float(np.min(values))
    if low <= 0:
        why = (f" (`scale: {scale}` maps the training minimum to {0 if scale == 'minmax' else 'a negative value'})"
               if scale else "")
        raise UserError(
            f"Expected every value to be > 0 for `data.target_transform: log_return`. "
            f"Received: a minimum of {low:.6g}{why}. Set `scale: null`, or use "
            "`difference` for a series that can be zero or negative.")


def record(kind, horizon, season, n_targets):
    """The transform's entry in `preprocessing.json`'s "outputs" (informational: the
    saved model applies it, so its outputs are already in the scaled units)."""
    return {"kind": kind, "season": season, "horizon": horizon, "targets": n_targets,
            "applied_in": "model"}


# ------------------------------------------------------------------ range check

def range_facts(train_y, parts, n_targets=1):
    """The share of each part's targets outside the training targets' range.

    Args:
        train_y: the training targets, `(N, horizon * n_targets)`.
        parts: `{"val": y, "test": y}`.
        n_targets: targets per step (each is compared with its own range).

    Returns:
        `{"train_min", "train_max", "outside": {part: share}}` (min/max per
        target, in the units of `y`).
    """
    # In the arrays' own dtype, no float64 copy: a min or max is one of the values, so
    # comparing against it is exact in any float type.
    train_y = np.asarray(train_y)
    per_target = [train_y[:, j::n_targets] for j in range(n_targets)]
    lows = [v.min() for v in per_target]
    highs = [v.max() for v in per_target]
    outside = {}
    for part, y in parts.items():
        y = np.asarray(y)
        if not y.size:
            continue
        out = sum(int(np.count_nonzero((y[:, j::n_targets] < lows[j]) |
                                       (y[:, j::n_targets] > highs[j])))
                  for j in range(n_targets))
        outside[part] = round(out / y.size, 4)
    lows, highs = [float(v) for v in lows], [float(v) for v in highs]
    return {"train_min": lows if n_targets > 1 else lows[0],
            "train_max": highs if n_targets > 1 else highs[0], "outside": outside}


def range_warning(info, transform="none"):
    """The warning for a `target_range` fact above `RANGE_WARNING_SHARE`, else None."""
    facts = (info or {}).get("target_range")
    if not facts:
        return None
    over = {p: s for p, s in facts["outside"].items() if s > RANGE_WARNING_SHARE}
    if not over:
        return None
    shares = ", ".join(f"{s:.0%} of the {p} targets" for p, s in over.items())
    if transform not in ("none", None):
        return (f"{shares} lie outside the training part's range, where a model that "
                f"predicted levels would saturate; `data.target_transform: {transform}` "
                "is set, so this one reads and predicts changes (compare it with the "
                "baselines).")
    remedy = ("a level-robust target: `--set data.target_transform=difference` (or "
              "window_last / window_standard) keeps the model inside what it has seen")
    return (f"{shares} lie outside the training part's range; a model that predicts "
            f"levels saturates there. Remedy: {remedy}.")


UNSCALED_LIMIT = 50.0  # |inputs| (99th percentile) where tanh and sigmoid gates saturate


def unscaled_warning(splits, takes_scale, scale):
    """A warning when a dataset that takes `data.scale` runs without it on inputs far
    from 1 (prices, blood pressures), where recurrent layers saturate; else None."""
    if scale or not takes_scale:
        return None
    x = np.asarray(splits.train.x[:2000])
    if x.dtype.kind != "f" or not x.size:  # token ids are embedded, not fed as values
        return None
    values = np.abs(x[np.isfinite(x)])
    if splits.spec.mask_value is not None:
        values = values[values != abs(splits.spec.mask_value)]
    top = float(np.percentile(values, 99)) if values.size else 0.0
    if top <= UNSCALED_LIMIT:
        return None
    return (f"`data.scale` is not set and the training inputs reach {top:,.4g} (99th "
            "percentile of their size): recurrent layers (tanh, sigmoid gates) saturate "
            "on values far from 1, so training may stall. Remedy: `--set "
            "data.scale=standard` (fitted on the training part, undone in predictions).")

