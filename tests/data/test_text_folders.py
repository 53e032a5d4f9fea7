"""Texts in a folder with a subfolder per class, as Keras' `text_dataset_from_directory`
reads them (`reviews/pos/*.txt`, `reviews/neg/*.txt`): `new`, `check`, loading and
`predict` take the folder as labelled documents. Nothing trains."""

import numpy as np
import pytest
import yaml
from helpers import untrained_run

import rnnbench
from rnnbench.cli import main
from rnnbench.config import experiment as config_lib
from rnnbench.data import cache
from rnnbench.errors import UserError

WORDS = {"pos": ["great", "good", "love", "fine"], "neg": ["bad", "awful", "hate", "poor"]}


def labelled_folder(root, per_class=30, seed=0):
    rng = np.random.default_rng(seed)
    for label, words in WORDS.items():
        (root / label / "more").mkdir(parents=True)
        for i in range(per_class):
            folder = root / label / ("more" if i % 3 == 0 else "")  # found recursively
            (folder / f"{i}.txt").write_text(" ".join(rng.choice(words + ["the"], 12)))
    return root


def text_experiment(path, **data):
    return config_lib.validate({
        "name": "folder", "seed": 1,
        "data": {"name": "file_text", "path": str(path), "seq_len": 8, **data},
        "model": {"layers": [{"cell": "gru", "units": 4}]},
        "train": {"epochs": 1, "batch_size": 8}}, source="<test>")


def test_a_labelled_folder_loads_one_sample_per_file_labelled_by_its_subfolder(tmp_path):
    root = labelled_folder(tmp_path / "reviews")
    (root / "pos" / "empty.txt").write_text("")  # an empty document is an empty text
    splits = cache.load(text_experiment(root))
    assert splits.info["class_names"] == ["neg", "pos"]
    assert sum(splits.info["sizes"].values()) == 61
    assert len(splits.info["files"]) == 61  # every document is in the manifest's record
    counts = splits.info["class_counts"]
    assert sum(c[1] for c in counts.values()) == 31  # pos: 30 and the empty one


def test_new_writes_a_text_classifier_for_a_labelled_folder(tmp_path, capsys, monkeypatch):
    labelled_folder(tmp_path / "reviews")
    # An empty document is an empty text to `new` as to a run (it refused the folder).
    (tmp_path / "reviews" / "pos" / "empty.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    assert main(["new", "reviews", "--data", "reviews"]) == 0
    out = capsys.readouterr().out
    assert "classes (subfolders): {'neg': 30, 'pos': 31}" in out
    assert "chosen: classify each .txt file by its subfolder" in out
    data = yaml.safe_load((tmp_path / "experiments" / "reviews.yaml").read_text())["data"]
    assert (data["name"], data["task"], data["path"]) == ("file_text", "classify",
                                                          "../reviews")
    assert main(["check", "reviews"]) == 0
    assert "classes: ['neg', 'pos']" in capsys.readouterr().out
    assert main(["new", "lm", "--data", "reviews", "--task", "language_model"]) == 0


def test_a_folder_without_class_subfolders_is_refused_for_file_text(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "a.txt").write_text("some text")
    with pytest.raises(UserError, match="a folder with a subfolder per class holding .txt"):
        cache.load(text_experiment(tmp_path / "flat"))


def test_a_text_column_for_a_folder_is_refused(tmp_path):
    root = labelled_folder(tmp_path / "reviews")
    with pytest.raises(UserError, match=r"Expected no `data.text_column` for the folder"):
        cache.load(text_experiment(root, text_column="review"))


def test_a_number_per_text_is_refused_for_a_folder_whose_labels_are_its_subfolders(tmp_path):
    root = labelled_folder(tmp_path / "reviews")
    with pytest.raises(UserError, match=r"Expected `data.target: classes` for the folder .*"
                                        r"its labels are its subfolders' names"):
        text_experiment(root, target="values", task="regress")


def test_predict_on_folders_labels_rows_by_file(tmp_path):
    root = labelled_folder(tmp_path / "reviews")
    untrained_run(tmp_path / "run", {"name": "file_text", "path": str(root), "seq_len": 8},
                  "gru")
    run = rnnbench.load_run(tmp_path / "run")
    table = run.predict(root)
    assert len(table) == 60 and table["sample"].iloc[0] == "neg/1.txt"  # sorted paths
    assert table["sample"].iloc[-1] == "pos/more/9.txt"
    assert all(text == (root / name).read_text()
               for name, text in zip(table["sample"], table["text"]))
    test = run.predict()  # the test split: its files, texts and subfolders
    assert all(text == (root / name).read_text() and name.split("/")[0] == label
               for name, text, label in zip(test["sample"], test["text"], test["actual"]))
    flat = run.predict(root / "pos")  # one subfolder, no classes: documents, no labels
    assert len(flat) == 30 and flat["sample"].iloc[0] == "1.txt"
    (root / "pos" / "more" / "empty.txt").write_text("")  # an empty text is predicted
    assert run.predict(root / "pos")["sample"].tolist() == sorted(
        flat["sample"].tolist() + ["more/empty.txt"])
    same = run.predict([(root / "pos" / "1.txt").read_text()])
    np.testing.assert_allclose(same.filter(like="probability").to_numpy(),
                               flat.filter(like="probability").to_numpy()[:1], rtol=1e-6)
