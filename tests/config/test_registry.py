"""`Registry.resolve`: the one way a config's name becomes a class (issue 23)."""

import pytest

from rnnbench.config.registry import CELLS, DATASETS, TASKS, Registry, is_import_path
from rnnbench.errors import UserError


def test_is_import_path_takes_strings_with_a_colon_only():
    assert is_import_path("pkg.mod:Class")
    assert not is_import_path("lstm") and not is_import_path(None) and not is_import_path(3)


def test_a_registered_name_resolves_as_get_does():
    assert DATASETS.resolve("adding") is DATASETS.get("adding")
    assert CELLS.resolve("mgu") is CELLS.get("mgu")


def test_an_import_path_resolves_to_the_class_and_a_dataset_must_subclass_dataset():
    from rnnbench.data.random_sequences import BenchData
    assert DATASETS.resolve("rnnbench.data.random_sequences:BenchData") is BenchData
    with pytest.raises(UserError, match=r"Expected `data.name` to name a subclass of "
                                        r"rnnbench.data.base.Dataset. Received: "
                                        r"'collections:OrderedDict', which is the class "
                                        r"collections.OrderedDict"):
        DATASETS.resolve("collections:OrderedDict", where="data.name")


def test_a_registry_without_user_classes_takes_no_import_path():
    with pytest.raises(UserError, match=r"Expected `data.task` to be one of \[.*\]. "
                                        r"Received: 'collections:OrderedDict'$"):
        TASKS.resolve("collections:OrderedDict", where="data.task")


def test_an_unknown_name_says_how_to_name_ones_own_class():
    with pytest.raises(UserError) as e:
        CELLS.get("mypkg.cells.MyCell", where="model.layers[0].cell")
    assert "(did you mean 'mypkg.cells:MyCell'?)" in str(e.value)
    assert str(e.value).endswith("A cell class of your own is named by its import path, "
                                 "`package.module:ClassName`, with the package on PYTHONPATH")
    plain = Registry("thing", providers=[])
    assert "import path" not in plain.unknown_message("x.y")
