"""Run folders stay under the results root, and their files follow the umask."""

import os
import stat

import pytest
from helpers import TINY_SWEEP_BASE

from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.runs import folders


@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_follow_the_umask(tmp_path, umask):
    folders.write_text_atomic(tmp_path / "config.yaml", "a: 1\n")
    folders.write_json_atomic(tmp_path / "metrics.json", {"loss": 1.0})
    assert mode(tmp_path / "config.yaml") == 0o666 & ~umask
    assert mode(tmp_path / "metrics.json") == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "metrics.json"]


@pytest.mark.slow
def test_every_file_of_a_run_follows_the_umask(tmp_path, umask):
    import rnnbench
    exp = config_lib.validate({**TINY_SWEEP_BASE, "name": "modes"}, source="<test>")
    run_dir = rnnbench.run(exp, results_dir=tmp_path, verbose=0).run_dir
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"config.yaml", "manifest.json", "metrics.json", "history.csv",
            "model.keras"} <= names
    assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o666 & ~umask)
                                                     for p in files}


@pytest.mark.parametrize("name", ["../x", "/abs", "", "a/b", "\u00e9t\u00e9", ".."])
def test_new_run_dir_refuses_names_that_are_not_slugs(tmp_path, name):
    with pytest.raises(UserError, match="Expected `name`"):
        folders.new_run_dir(tmp_path / "results", name)
    assert not any(tmp_path.iterdir())


def test_new_run_dir_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "exp").write_text("")
    with pytest.raises(UserError, match="Could not make the folder .*Not a directory"):
        folders.new_run_dir(tmp_path, "exp")


def test_inside_refuses_paths_out_of_the_root(tmp_path):
    assert folders.inside(tmp_path, tmp_path / "a" / "b") == tmp_path / "a" / "b"
    for path in (tmp_path / ".." / "x", tmp_path / "a" / ".." / ".." / "x", "/etc/x"):
        with pytest.raises(UserError, match="under the results root"):
            folders.inside(tmp_path, path)


@pytest.mark.parametrize("label, expected", [
    ("lstm-seed1", "lstm-seed1"), ("description=../../x-seed1", "description=.._.._x-seed1"),
    ("cell=pkg.mod:Cell-seed2", "cell=pkg.mod_Cell-seed2"), ("../../x", "_.._x"),
    ("..", "_"), ("\u00e9", "_"), ("", "_"),
])
def test_folder_name_makes_a_study_label_one_safe_component(label, expected):
    assert folders.folder_name(label) == expected
