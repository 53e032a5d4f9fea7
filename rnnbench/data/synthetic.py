"""Generated long-memory benchmarks: the adding problem and copying memory.

Both are drawn with numpy from `data_seed` alone. The `seed` argument of
`load` (the model seed) is ignored on purpose: changing the model seed must
not change the data, so runs with different model seeds are comparable. The
datasets take no `split` or `scale` (the validator rejects them): part sizes
come from the `train_size` / `val_size` / `test_size` params, and the values
are already in a fixed, small range.
"""

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits, seed_param

_PARTS = ("train", "val", "test")


def _size_params(train=10000, val=1000, test=1000):
    return {
        "train_size": Param(int, train, "number of training sequences", min=1),
        "val_size": Param(int, val, "number of validation sequences", min=1),
        "test_size": Param(int, test, "number of test sequences", min=1),
        "data_seed": seed_param("the generated data (independent of the model seed)"),
    }


class _GeneratedDataset(Dataset):
    """Shared `load` for generated data: one independent stream per part."""

    baseline_name = ""
    reference = ""

    def generate(self, params, n, rng):
        """Returns `(x, y)` with `n` samples drawn from `rng`."""
        raise NotImplementedError

    def baseline_predict(self, params, x):
        raise NotImplementedError

    def preprocessing(self, params):
        """The `preprocessing.json` record: nothing is fitted, only shapes and names."""
        raise NotImplementedError

    def new_inputs(self, params, preprocessing, source):
        """Sequences from an `.npz` (`x`, shaped like the run's inputs; `y` optional)."""
        from rnnbench.data import reading
        return reading.array_inputs(source, preprocessing)

    def load(self, params, split=None, scale=None, seed=None):
        """Returns `Splits`; `split`, `scale` and `seed` are ignored (see module doc)."""
        params = self.with_defaults(params)
        parts = {}
        for index, part in enumerate(_PARTS):
            # A stream per part keeps val/test fixed when train_size changes.
            rng = np.random.default_rng([params["data_seed"], index])
            parts[part] = Split(*self.generate(params, params[f"{part}_size"], rng))
        return Splits(
            **parts,
            spec=self.spec(params),
            baseline_name=self.baseline_name,
            baseline_predict=lambda x: self.baseline_predict(params, x),
            inverse_transform=None,
            preprocessing=self.preprocessing(params),
            info={
                "source": "generated",
                "reference": self.reference,
                "data_seed": params["data_seed"],
                "sizes": {part: len(parts[part]) for part in _PARTS},
            },
        )


@DATASETS.register("adding")
class AddingProblem(_GeneratedDataset):
    """The adding problem: sum the two marked values of a long sequence.

    Each sample is a `(seq_len, 2)` float32 sequence. Channel 0 holds values
    drawn uniformly from [0, 1); channel 1 is zero except for exactly two
    1.0 markers, one at a uniform position in the first half
    (`[0, seq_len // 2)`) and one in the second half
    (`[seq_len // 2, seq_len)`). The target, shape `(1,)`, is the sum of the
    two marked values. Always predicting 1 has an expected MSE of 1/6.
    """

    tasks = ("regress",)
    params = {
        "seq_len": Param(int, 200, "sequence length T (one marker in each half)", min=2),
        **_size_params(),
    }
    description = "Adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015)."
    baseline_name = "predict 1"
    reference = (
        "Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015; "
        "Arjovsky, Shah & Bengio 2016"
    )

    def spec(self, params):
        params = self.with_defaults(params)
        return DataSpec(input_shape=(params["seq_len"], 2), output_dim=1)

    def generate(self, params, n, rng):
        length = params["seq_len"]
        half = length // 2
        values = rng.random((n, length)).astype(np.float32)
        first = rng.integers(0, half, size=n)
        second = rng.integers(half, length, size=n)
        rows = np.arange(n)
        markers = np.zeros((n, length), np.float32)
        markers[rows, first] = 1.0
        markers[rows, second] = 1.0
        x = np.stack([values, markers], axis=-1)
        # Summed in float32 so the target is exactly the sum of the inputs.
        y = (values[rows, first] + values[rows, second])[:, None]
        return x, y

    def baseline_predict(self, params, x):
        return np.ones((len(x), 1), np.float32)

    def preprocessing(self, params):
        return {"inputs": {"kind": "arrays", "shape": [params["seq_len"], 2],
                           "dtype": "float32", "columns": ["value", "marker"]},
                "outputs": {"kind": "values", "columns": ["sum"]}}


@DATASETS.register("copy_memory")
class CopyMemory(_GeneratedDataset):
    """The copying memory problem of Arjovsky, Shah & Bengio (2016).

    With `T = delay` and `L = length`, each sample has `T + 2L` steps of
    int32 token ids:

    - inputs: `L` symbols drawn uniformly from {1..8}, then `T - 1` blanks
      (0), then the delimiter 9 (at index `T + L - 1`), then `L` blanks.
    - targets: blanks for the first `T + L` steps, then the `L` symbols.

    The memoryless baseline (blank, then uniform over {1..8}) has a
    cross-entropy of `L * log(8) / (T + 2L)` per step.
    """

    tasks = ("sequence_label",)
    params = {
        "delay": Param(int, 100, "delay T between the symbols and the recall", min=1),
        "length": Param(int, 10, "number of symbols to copy", min=1),
        **_size_params(),
    }
    description = "Copying memory problem (Arjovsky, Shah & Bengio 2016)."
    baseline_name = "memoryless"
    reference = "Arjovsky, Shah & Bengio 2016, Unitary Evolution RNNs"
    num_symbols = 8
    delimiter = 9
    vocab_size = 10

    @staticmethod
    def steps(params):
        return params["delay"] + 2 * params["length"]

    def spec(self, params):
        params = self.with_defaults(params)
        return DataSpec(
            input_shape=(self.steps(params),),
            input_dtype="int32",
            vocab_size=self.vocab_size,
            mask=None,
            num_classes=self.vocab_size,
        )

    def generate(self, params, n, rng):
        delay, length = params["delay"], params["length"]
        symbols = rng.integers(1, self.num_symbols + 1, size=(n, length), dtype=np.int32)
        x = np.zeros((n, self.steps(params)), np.int32)
        x[:, :length] = symbols
        x[:, delay + length - 1] = self.delimiter
        y = np.zeros_like(x)
        y[:, delay + length:] = symbols
        return x, y

    def preprocessing(self, params):
        vocabulary = ["blank", *map(str, range(1, self.num_symbols + 1)), "delimiter"]
        return {"inputs": {"kind": "arrays", "shape": [self.steps(params)], "dtype": "int32",
                           "vocab_size": self.vocab_size, "vocabulary": vocabulary},
                "outputs": {"kind": "tokens", "vocabulary": vocabulary}}

    def baseline_predict(self, params, x):
        params = self.with_defaults(params)
        recall = params["delay"] + params["length"]
        # Exact zeros/ones: the metric code clips probabilities before log.
        probs = np.zeros((len(x), self.steps(params), self.vocab_size), np.float32)
        probs[:, :recall, 0] = 1.0
        probs[:, recall:, 1:self.num_symbols + 1] = 1.0 / self.num_symbols
        return probs
