"""The rule that picks XLA for `jit_compile: auto` from a measurement."""

import pytest

from rnnbench.runs.training import xla_pays_off


@pytest.mark.parametrize("off,on,compile_s,samples,expected", [
    (100.0, 200.0, 1.0, 10_000, True),    # 2x faster, saves 50 s for 1 s of compile
    (100.0, 105.0, 0.0, 10_000, False),   # within the 1.1x noise margin
    (100.0, 200.0, 60.0, 10_000, False),  # saves 50 s but compiling costs 60 s
    (100.0, 50.0, 0.0, 10_000, False),    # slower
])
def test_xla_is_chosen_only_when_clearly_faster_and_worth_its_compile(
        off, on, compile_s, samples, expected):
    assert xla_pays_off(off, on, compile_s, samples) is expected
