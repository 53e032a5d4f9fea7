"""`data.corpus` acts even when `data.path` names a file: they must agree."""

import pytest

from rnnbench.cli import main

BASE = ["show", "jsb_lstm"]


def test_a_path_to_another_corpus_file_is_refused(jsb_file, capsys):
    code = main([*BASE, "--set", f"data.path={jsb_file}", "--set", "data.corpus=nottingham"])
    assert code == 2
    assert "Expected `data.corpus` to be the corpus of `data.path` (JSB_Chorales.mat): " \
           "'jsb_chorales'" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("path_of", [lambda f: f, lambda f: f.parent])
def test_a_matching_file_or_a_folder_is_accepted(jsb_file, path_of, capsys):
    assert main([*BASE, "--set", f"data.path={path_of(jsb_file)}"]) == 0
