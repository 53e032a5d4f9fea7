"""The 1-NN Euclidean classifier on a UCR/UEA problem's own train/test split.

It is the archive's standard reference (the "ED" column the UCR archive
publishes): every test series takes the label of its nearest training
series under the Euclidean distance, over the archive's full training part
(rnnbench's validation slice included) and the raw, archive-normalized
values. Multivariate series use the distance over all channels together
(the UEA archive's "dependent" form); series of different lengths are
end-padded with 0.0, as the dataset pads them for the models. NumPy only.
"""

import numpy as np

from rnnbench.config.registry import DATASETS
from rnnbench.data import ucr
from rnnbench.data.preprocessing import encode_labels
from rnnbench.errors import UserError


def nearest_labels(train_x, train_y, test_x, chunk=64):
    """The label of each test series' nearest training series (first one on a tie)."""
    train = train_x.reshape(len(train_x), -1)
    test = test_x.reshape(len(test_x), -1)
    out = np.empty(len(test), dtype=train_y.dtype)
    for start in range(0, len(test), chunk):
        block = test[start:start + chunk]
        distances = ((block[:, None, :] - train[None, :, :]) ** 2).sum(-1)
        out[start:start + chunk] = train_y[distances.argmin(axis=1)]
    return out


def has_one_nn(dataset_name):
    return isinstance(DATASETS.resolve(dataset_name)(), ucr.UCRDataset)


def one_nn_euclidean(dataset_name):
    """Scores 1-NN Euclidean on the archive split of a registered UCR/UEA dataset.

    Returns:
        A dict: `accuracy`, `error`, the `train` and `test` sizes, and
        `published_error` (the archive's figure, None where not recorded).

    Raises:
        UserError: the dataset is not a UCR/UEA archive problem.
    """
    dataset = DATASETS.resolve(dataset_name, where="data.name")()
    if not isinstance(dataset, ucr.UCRDataset):
        ucr_names = sorted(n for n in DATASETS.names() if has_one_nn(n))
        raise UserError(f"Expected a UCR/UEA archive dataset for the 1-NN baseline, one "
                        f"of {ucr_names}. Received: {dataset_name!r}, which has no "
                        "archive train/test split to score it on.")
    _, parts = ucr.archive(dataset.problem, dataset_name)
    (train_series, train_labels), (test_series, test_labels) = parts["train"], parts["test"]
    _, (train_y, test_y) = encode_labels(train_labels, test_labels)
    length = max(len(s) for s in train_series + test_series)
    train_x = ucr.pad_end(train_series, length, dataset.channels, 0.0)
    test_x = ucr.pad_end(test_series, length, dataset.channels, 0.0)
    accuracy = float(np.mean(nearest_labels(train_x, train_y, test_x) == test_y))
    return {"accuracy": accuracy, "error": 1.0 - accuracy, "train": len(train_y),
            "test": len(test_y), "published_error": dataset.one_nn_euclidean_error}
