"""The parameter estimate made before building agrees with the built model."""

import pytest

from rnnbench.errors import UserError
from rnnbench.models import builders, size


@pytest.mark.parametrize("kwargs", [
    {"cells": ("lstm",)}, {"cells": ("gru", "simple_rnn"), "head": (8,)},
    {"cells": ("lstm",), "bidirectional": True, "task": "classify"},
    {"cells": ("mgu", "peephole_lstm"), "task": "language_model", "tokens": True},
], ids=["lstm", "gru-simple-head", "bilstm-classify", "custom-cells-tokens"])
def test_the_estimate_is_a_close_lower_bound(make_experiment, kwargs):
    exp = make_experiment(units=16, **kwargs)
    estimate = sum(size.estimate_parameters(exp).values())
    built = builders.build_model(exp, compile=False).count_params()
    assert 0.9 * built <= estimate <= built


def test_check_fits_names_the_biggest_key(make_experiment):
    exp = make_experiment(cells=("lstm", "simple_rnn"), units=16)
    size.check_fits(exp, memory=10**9)  # fits
    with pytest.raises(UserError, match=r"mostly from `model.layers\[0\].units` = 16"):
        size.check_fits(exp, memory=1000)
