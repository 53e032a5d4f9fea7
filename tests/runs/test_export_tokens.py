"""Export of a classifier over a file dataset's word or character tokens.

A file dataset records its tokens as `kind: tokens` (ids from 2 in vocabulary
order, lower-cased where `lowercase`, punctuation stripped at word level); the
SavedModel rebuilds that tokenizer as a `TextVectorization`, so it serves raw
strings. An untrained model suffices: the ids, not the weights, are checked.
"""

import json
import os
import re
import socket
import string

import numpy as np
import pytest

from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.data.base import PREPROCESSING_FORMAT, PREPROCESSING_VERSION

LENGTH = 6
RAW = {"name": "tokens_tiny", "seed": 1,
       "data": {"name": "sentiment", "task": "classify", "max_tokens": 12,
                "seq_len": LENGTH},
       "model": {"layers": [{"cell": "gru", "units": 3}], "embedding": {"dim": 2}},
       "train": {"epochs": 1, "batch_size": 4}}
# Non-ASCII capitals and spaces: Keras' `lower` and split are ASCII's, Python's Unicode's.
TEXTS = ["The cat, SAT on a mat!", "dog ran", "", "cat cat cat cat cat cat cat cat",
         "CAFÉ RÉSUMÉ film", "cat\xa0film\u3000dog\u2003ran", "ΟΔΟΣ Über café"]


def tokens_of(text, level, lowercase):
    """The file datasets' tokenizer, as their docs state it."""
    text = text.lower() if lowercase else text
    if level == "char":
        return list(text)
    return re.sub("[" + re.escape(string.punctuation) + "]", "", text).split()


@pytest.mark.parametrize("level,lowercase,vocabulary", [
    ("word", True, ["cat", "the", "sat", "on", "café", "film", "dog", "ran", "οδος", "über"]),
    ("word", False, ["cat", "The", "SAT", "dog", "on", "CAFÉ", "film", "ran", "ΟΔΟΣ", "y"]),
    ("char", True, list("cat ods!né")),
])
@pytest.mark.slow
def test_saved_model_tokenizes_raw_text_as_the_file_dataset(tmp_path, level, lowercase,
                                                            vocabulary):
    import tensorflow as tf

    from rnnbench.models import builders
    exp = config_lib.validate(json.loads(json.dumps(RAW)), source="<test>")
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(config_lib.to_yaml(exp))
    (run / "manifest.json").write_text(json.dumps({
        "status": "completed", "pid": os.getpid(), "host": {"hostname": socket.gethostname()}}))
    record = {"format": PREPROCESSING_FORMAT, "version": PREPROCESSING_VERSION,
              "inputs": {"kind": "tokens", "level": level, "lowercase": lowercase,
                         "strip_punctuation": level == "word", "vocabulary": vocabulary,
                         "max_length": LENGTH, "padding_id": 0, "oov_id": 1},
              "outputs": {"kind": "classes", "label_names": ["neg", "neu", "pos"]}}
    (run / "preprocessing.json").write_text(json.dumps(record))
    model = builders.build_model(exp, compile=False)
    model.save(run / "model.keras")

    assert main(["export", str(run), "--out", str(tmp_path / "sm")]) == 0
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    got = served(inputs=tf.constant(TEXTS))
    table = {token: i + 2 for i, token in enumerate(vocabulary)}
    ids = np.zeros((len(TEXTS), LENGTH), np.int32)
    for row, text in enumerate(TEXTS):
        found = [table.get(t, 1) for t in tokens_of(text, level, lowercase)][:LENGTH]
        ids[row, :len(found)] = found
    np.testing.assert_allclose(got["probabilities"].numpy(), model.predict(ids, verbose=0),
                               atol=1e-6)
