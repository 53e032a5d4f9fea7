"""Models saved by an earlier release still load after the package was reorganized.

`tests/fixtures/legacy_cells.keras` was written by rnnbench 0.1.0 at commit
8611305 (the flat-module layout, `rnnbench.cells` / `rnnbench.fused`) with
`tests/fixtures/make_legacy_cells.py`: one layer of every custom cell rnnbench
ships, with the predictions it made saved beside it.
"""

from pathlib import Path

import keras
import numpy as np

from rnnbench.models import cells, fused  # noqa: F401  (registers the custom classes)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_model_saved_by_the_flat_layout_release_loads_and_predicts_the_same():
    model = keras.saving.load_model(FIXTURES / "legacy_cells.keras")
    io = np.load(FIXTURES / "legacy_cells_io.npz")
    np.testing.assert_allclose(model.predict(io["x"], verbose=0), io["y"], rtol=1e-5,
                               atol=1e-7)
    found = {type(getattr(layer, "forward_layer", layer)).__name__ for layer in model.layers}
    assert "FusedLSTM" in found
    inner = {type(layer.cell).__name__ for layer in model.layers if hasattr(layer, "cell")}
    assert {"TextbookLSTMCell", "PeepholeLSTMCell", "MGUCell"} <= inner
