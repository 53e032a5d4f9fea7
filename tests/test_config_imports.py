"""`show` and `check` say which Python modules a config imports (issue 29 part 6):
a `package.module:Class` cell runs that module's code."""

import pytest

from helpers import experiment_dict, write_experiment
from rnnbench import cli


@pytest.mark.parametrize("command", ["show", "check"])
@pytest.mark.parametrize("cell,module", [
    ("rnnbench.models.cells:MGUCell", "rnnbench.models.cells"),
    ("mgu", None),
])
def test_show_and_check_name_the_modules_a_config_imports(tmp_path, capsys, command, cell,
                                                           module):
    raw = experiment_dict()
    raw["model"]["layers"][0]["cell"] = cell
    path = write_experiment(raw, tmp_path)
    assert cli.main([command, str(path)]) == 0
    out = capsys.readouterr().out
    if module is None:
        assert "imports Python code" not in out
    else:
        assert f"imports Python code: {module} (model.layers[0].cell)" in out
        assert "trust configs and run folders" in out
