"""`bench`: random sequences of a chosen shape, for timing models (no signal)."""

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.config.schema import SchemaError
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits, seed_param


@DATASETS.register("bench")
class BenchData(Dataset):
    """Random token ids or floats with random targets: throughput only, nothing to learn.

    `size` samples go to train; val and test get a tenth each.
    """

    tasks = ("regress",)
    description = "random sequences for throughput benchmarks (nothing to learn)"
    params = {
        "tokens": Param(bool, False, "token ids (Embedding input) instead of floats"),
        "vocab_size": Param(int, 10000, "number of token ids", min=2),
        "seq_len": Param(int, 200, "time steps per sequence", min=1),
        "features": Param(int, 1, "float features per step", min=1),
        "size": Param(int, 1280, "training samples", min=1),
        "data_seed": seed_param("the random data", default=0),
    }

    def check_params(self, params):
        """`vocab_size` is read only for token ids, `features` only for floats."""
        unread = "features" if params["tokens"] else "vocab_size"
        if params[unread] != self.params[unread].default:
            raise SchemaError(
                f"data.{unread}", f"Expected `data.{unread}` to be left out with "
                f"`data.tokens: {str(params['tokens']).lower()}`: it is read only for "
                f"{'floats' if params['tokens'] else 'token ids'}. "
                f"Received: {params[unread]!r}")

    def spec(self, params):
        if params["tokens"]:
            return DataSpec((params["seq_len"],), "int32", vocab_size=params["vocab_size"])
        return DataSpec((params["seq_len"], params["features"]))

    def load(self, params, split, scale, seed):
        rng = np.random.default_rng(params["data_seed"])
        parts = [self._part(params, rng, n) for n in
                 (params["size"], max(1, params["size"] // 10), max(1, params["size"] // 10))]
        return Splits(*parts, spec=self.spec(params), baseline_name="predict 0.5",
                      baseline_predict=lambda x: np.full((len(x), 1), 0.5, np.float32),
                      preprocessing=self.preprocessing(params))

    def preprocessing(self, params):
        """Shapes only: random data has nothing fitted."""
        if params["tokens"]:
            inputs = {"kind": "arrays", "shape": [params["seq_len"]], "dtype": "int32",
                      "vocab_size": params["vocab_size"]}
        else:
            inputs = {"kind": "arrays", "shape": [params["seq_len"], params["features"]],
                      "dtype": "float32"}
        return {"inputs": inputs, "outputs": {"kind": "values", "columns": ["target"]}}

    def new_inputs(self, params, preprocessing, source):
        """Sequences from an `.npz` (`x`, shaped like the run's inputs)."""
        from rnnbench.data import reading
        return reading.array_inputs(source, preprocessing)

    @staticmethod
    def _part(params, rng, n):
        if params["tokens"]:
            x = rng.integers(1, params["vocab_size"], (n, params["seq_len"]), dtype=np.int32)
        else:
            x = rng.normal(size=(n, params["seq_len"], params["features"])).astype(np.float32)
        return Split(x, rng.random((n, 1), dtype=np.float32))
