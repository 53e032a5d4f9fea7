"""One vocabulary for experiments, `--set` and sweeps: a Bidirectional layer is
`bidirectional: concat|sum|mul|ave|false` (Keras' `merge_mode` is not a key),
and `model.depth` exists in a sweep's space only."""

import pytest

from helpers import TINY_SWEEP_BASE
from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError

BASE = {**TINY_SWEEP_BASE, "name": "tiny"}


def with_layer(**keys):
    return {**BASE, "model": {"layers": [{"cell": "gru", "units": 4, **keys}]}}


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", False])
def test_bidirectional_takes_the_merge_mode_or_false(mode):
    exp = config_lib.validate(with_layer(bidirectional=mode), source="<test>")
    assert exp.model.layers[0].bidirectional == mode


@pytest.mark.parametrize("keys", [{"merge_mode": "sum"},
                                  {"bidirectional": True, "merge_mode": "sum"}])
def test_merge_mode_is_refused_with_the_bidirectional_spelling(keys):
    with pytest.raises(UserError, match=r"<test>: Expected `model.layers\[0\].merge_mode` "
                                        r"to be left out.*Write `bidirectional: sum`"):
        config_lib.validate(with_layer(**keys), source="<test>")


def test_merge_mode_is_refused_for_a_user_cell_whose_signature_is_not_read_too():
    # A user cell is looked up only after this check: no import of a missing module.
    with pytest.raises(UserError, match="merge_mode"):
        config_lib.validate({**with_layer(merge_mode="sum"), "model": {"layers": [
            {"cell": "no_such_package.cells:Cell", "units": 4, "merge_mode": "sum"}]}},
            source="<test>")


def test_model_depth_in_an_experiment_says_it_is_sweep_only():
    raw = {**BASE, "model": {**BASE["model"], "depth": 2}}
    with pytest.raises(UserError) as info:
        config_lib.validate(raw, source="<test>")
    message = str(info.value)
    assert "`model.depth` to be left out" in message
    assert "sweep's `space` only" in message and "`model.layers`" in message
