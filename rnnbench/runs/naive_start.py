"""`train.start_at_naive`: a forecast starts as its naive forecast and keeps it unless beaten.

With a level-robust target (difference, seasonal_difference, log_return,
window_last) the model's output 0 is the naive forecast, so a zero output layer
makes the untrained model exactly persistence (or the seasonal naive forecast).
That start is a candidate for the best weights like any epoch ("epoch 0"), and
the best trained epoch replaces it only if its per-window loss (squared error,
or absolute error under `train.loss: mae`) on validation is lower by a
one-sided paired t-test at `ALPHA`.

Why: near a random walk (a monthly stock price) validation holds a few dozen
windows, and the epoch with the best validation loss out of dozens is often a
fit to noise that loses to persistence on the test part (measured on real
series: docs/forecasting.md, "On real series"). The best epoch was itself
picked on validation, so the test's nominal level is optimistic; 1 % rather
than 5 % leaves room for that.
"""

import math

import numpy as np

ALPHA = 0.01
TEST = "one-sided paired t-test of per-window {error} on validation"
ERRORS = {"mse": "squared error", "mae": "absolute error"}


def start_value(model, validation_data, monitor):
    """The monitor's value (a `val_` metric) for the untrained model: epoch 0's."""
    if isinstance(validation_data, tuple):
        found = model.evaluate(*validation_data, verbose=0, return_dict=True)
    else:
        found = model.evaluate(validation_data, verbose=0, return_dict=True)
    return found[monitor[len("val_"):]]


def paired_test(start_errors, trained_errors):
    """`(p, windows)`: one-sided p that the trained errors are lower than the start's."""
    from scipy import stats
    gain = np.asarray(start_errors) - np.asarray(trained_errors)
    if len(gain) < 2:
        return 1.0, len(gain)
    if not np.any(gain != gain[0]):  # no spread: the t statistic is undefined
        return (0.0 if gain[0] > 0 else 1.0), len(gain)
    p = float(stats.ttest_1samp(gain, 0.0, alternative="greater").pvalue)
    return (1.0 if math.isnan(p) else p), len(gain)


def choose(start_errors, trained_errors, loss="mse"):
    """`{"kept_start", "p", "windows", "alpha", "test"}`: whether the naive start stays.

    Args:
        start_errors, trained_errors: each validation window's loss (`loss`:
            "mse" for squared errors, "mae" for absolute ones).
    """
    p, windows = paired_test(start_errors, trained_errors)
    return {"kept_start": not p < ALPHA, "p": p, "windows": windows, "alpha": ALPHA,
            "test": TEST.format(error=ERRORS[loss])}
