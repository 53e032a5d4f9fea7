"""`data.name: package.module:ClassName`: a user's own Dataset class (issue 23).

The class's module is generated in `tmp_path` and put on the path, as a
user's module on PYTHONPATH would be; its `params` are validated like every
built-in dataset's, and each kind of bad import path is a clean exit 2.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from helpers import read_json, rnnbench_process
from rnnbench.cli import main
from rnnbench.config import experiment as config_lib

MODULE = "user_waves"
OWN_DATA_PAGE = Path(__file__).resolve().parents[2] / "docs" / "own-data.md"

SOURCE = '''
"""A user's own datasets, named in configs as `user_waves:Waves`."""
import numpy as np

from rnnbench.data.base import Dataset, DataSpec, Param, Split, Splits


class Waves(Dataset):
    """Sines (class 0) or square waves (class 1), with noise."""

    tasks = ("classify",)
    params = {"steps": Param(int, 8, "time steps", min=2),
              "size": Param(int, 32, "samples in each part", min=4),
              "noise": Param(float, 0.1, "noise std", min=0.0)}
    description = "sines or square waves"

    def spec(self, params):
        return DataSpec(input_shape=(params["steps"], 1), num_classes=2)

    def load(self, params, split, scale, seed):
        params = self.with_defaults(params)
        rng = np.random.default_rng(seed)
        t = np.linspace(0, 2 * np.pi, params["steps"])

        def part():
            y = rng.integers(0, 2, size=params["size"]).astype("int32")
            x = np.where(y[:, None] == 1, np.sign(np.sin(t)), np.sin(t))[..., None]
            x = x + params["noise"] * rng.normal(size=x.shape)
            return Split(x.astype("float32"), y)

        return Splits(part(), part(), part(), spec=self.spec(params),
                      baseline_name="predict 0.5",
                      baseline_predict=lambda x: np.full((len(x), 1), 0.5, "float32"))


class Listed(Waves):
    """Reads a file named by `data.path`: resolved like a file dataset's."""

    params = {**Waves.params, "path": Param(str, "", "a file")}
    path_params = ("path",)


class NoTasks(Waves):
    tasks = ()


class UnknownTask(Waves):
    tasks = ("clasify",)


class PlainParams(Waves):
    params = {"steps": 8}


class NeedsArguments(Waves):
    def __init__(self, where):
        self.where = where


class Shadowing(Waves):
    params = {**Waves.params, "scale": Param(str, "", "a param `data:` itself takes")}


class FailingCheck(Waves):
    def check_params(self, params):
        raise ValueError("steps must be even")


class FailingSpec(Waves):
    def spec(self, params):
        return {"input_shape": (params["steps"], 1)}


class RefusingLoad(Waves):
    def load(self, params, split, scale, seed):
        from rnnbench.errors import UserError
        raise UserError("Could not read waves.csv: no such file.")


class NotADataset:
    tasks = ("classify",)


not_a_class = 3
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """`user_waves` (and `user_broken`, which raises on import) on this process's path."""
    (tmp_path / f"{MODULE}.py").write_text(SOURCE)
    (tmp_path / "user_broken.py").write_text("raise RuntimeError('the module is broken')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in (MODULE, "user_broken"):  # each test imports its own copy
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


def experiment(name=f"{MODULE}:Waves", **data):
    return {"name": "waves", "seed": 1, "data": {"name": name, **data},
            "model": {"layers": [{"cell": "gru", "units": 4}]},
            "train": {"epochs": 1, "batch_size": 16}}


def write(directory, raw, stem="waves"):
    path = directory / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_user_class_is_validated_like_a_registered_dataset(user_module):
    exp = config_lib.validate(experiment(steps=5), source="<test>")
    assert exp.data.name == f"{MODULE}:Waves" and exp.data.task == "classify"
    assert dict(exp.data.params) == {"steps": 5, "size": 32, "noise": 0.1}
    assert config_lib.data_spec(exp).input_shape == (5, 1)
    assert type(config_lib.dataset_of(exp)).__name__ == "Waves"
    # The config a run writes keeps the import path, and validates again from it.
    again = config_lib.validate(yaml.safe_load(config_lib.to_yaml(exp)), source="<again>")
    assert again == exp


def test_a_user_class_path_param_is_read_against_the_yaml(user_module):
    data_dir = user_module / "data"
    data_dir.mkdir()
    path = write(data_dir, experiment(f"{MODULE}:Listed", path="prices.csv"))
    exp = config_lib.load_experiment(str(path))
    assert exp.data.params["path"] == str(data_dir / "prices.csv")


BAD = {
    "unknown key": (experiment(stepz=5), r"Unknown key `data.stepz` for dataset "
                                         r"'user_waves:Waves'.*did you mean 'steps'"),
    "wrong type": (experiment(steps="many"), r"Expected `data.steps` to be an integer"),
    "out of bounds": (experiment(steps=1), r"Expected `data.steps` to be >= 2"),
    "no such module": (experiment("user_no_such_module:Waves"),
                       r"Could not import module 'user_no_such_module'.*`data.name`.*"
                       r"PYTHONPATH.*registered dataset name \(one of \['adding'"),
    "module raises": (experiment("user_broken:Waves"),
                      r"Importing module 'user_broken'.*`data.name`.*RuntimeError: "
                      "the module is broken"),
    "no such attribute": (experiment(f"{MODULE}:Wave"),
                          r"has no attribute 'Wave'.*`data.name` takes a registered"),
    "malformed": (experiment(f":{MODULE}"), r"import path of the form "
                                            r"`package.module:ClassName` \(`data.name`\)"),
    "not a class": (experiment(f"{MODULE}:not_a_class"),
                    r"Expected `data.name` to name a subclass of rnnbench.data.base.Dataset. "
                    r"Received: 'user_waves:not_a_class', which is not a class but 3"),
    "not a Dataset": (experiment(f"{MODULE}:NotADataset"),
                      r"Expected `data.name` to name a subclass of rnnbench.data.base.Dataset"
                      r".*which is the class user_waves.NotADataset"),
    "task not offered": (experiment(task="forecast"),
                         r"Expected `data.task` to be one of \['classify'\] for dataset "
                         r"'user_waves:Waves' \(`data.name`\). Received: 'forecast'"),
    "no tasks": (experiment(f"{MODULE}:NoTasks"),
                 r"`data.name` names \('user_waves:NoTasks'\) to declare `tasks`.*"
                 r"Received: \(\)"),
    "unknown task": (experiment(f"{MODULE}:UnknownTask"),
                     r"to declare `tasks`.*Received: \('clasify',\)"),
    "params not Param": (experiment(f"{MODULE}:PlainParams"),
                         r"Expected the `params` of the dataset `data.name` names.*"
                         r"rnnbench.data.base.Param. Received: \{'steps': 8\}"),
    "dots for the colon": (experiment(f"{MODULE}.Waves"),
                           r"Expected `data.name` to be one of \['adding'.*Received: "
                           r"'user_waves.Waves' \(did you mean 'user_waves:Waves'\?\)\. A "
                           r"dataset class of your own is named by its import path"),
    "param shadows a data key": (experiment(f"{MODULE}:Shadowing"),
                                 r"to leave out the keys of `data:` itself.*Received: "
                                 r"\['scale'\]"),
    "check_params raises": (experiment(f"{MODULE}:FailingCheck"),
                            r"\('user_waves:FailingCheck'\) failed in `check_params\(\)`: "
                            r"ValueError: steps must be even"),
    "spec returns no DataSpec": (experiment(f"{MODULE}:FailingSpec"),
                                 r"Expected `spec\(\)` of the dataset .* to return a "
                                 r"rnnbench.data.base.DataSpec"),
    "constructor takes arguments": (experiment(f"{MODULE}:NeedsArguments"),
                                    r"Could not create the dataset `data.name` names "
                                    r"\('user_waves:NeedsArguments'\) without arguments"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_user_dataset_exits_2_with_one_paragraph(case, user_module, capsys):
    raw, pattern = BAD[case]
    path = write(user_module, raw)
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "\n\n" not in err.strip()
    message = " ".join(err.split())
    assert re.search(pattern, message), message


def test_a_bad_name_from_set_says_so(user_module, capsys):
    path = write(user_module, experiment())
    assert main(["show", str(path), "--set", "data.name=user_waves:NotADataset"]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "(the value came from --set data.name='user_waves:NotADataset')" in message


def test_a_bad_user_dataset_writes_no_run_folder(user_module, capsys):
    path = write(user_module, experiment(f"{MODULE}:NotADataset"))
    results = user_module / "results"
    assert main(["run", str(path), "--results-dir", str(results)]) == 2
    assert "`data.name`" in capsys.readouterr().err
    assert not results.exists()


def test_a_user_dataset_that_refuses_its_data_writes_no_run_folder(user_module, capsys):
    # Its `load` runs before the run folder is made, as a file dataset's does.
    path = write(user_module, experiment(f"{MODULE}:RefusingLoad"))
    results = user_module / "results"
    assert main(["run", str(path), "--results-dir", str(results)]) == 2
    err = capsys.readouterr().err
    assert "Could not read waves.csv: no such file." in err and "Traceback" not in err
    assert not results.exists()


def test_check_builds_the_model_of_a_user_dataset_and_names_its_module(user_module, capsys):
    path = write(user_module, experiment(steps=5))
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"imports Python code: {MODULE} (data.name)")
    assert f"config OK ({MODULE}:Waves, task classify)" in out
    # The data side, loaded as a run loads it.
    assert "samples per split: train 32, val 32, test 32" in out
    assert "input shape per sample: (5, 1) (float32)" in out


def _environment(directory):
    paths = [str(directory)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def test_show_of_a_user_dataset_imports_no_tensorflow(user_module):
    path = write(user_module, experiment())
    code = textwrap.dedent(f"""
        import sys
        from rnnbench.cli import main
        code = main(["show", {str(path)!r}])
        heavy = [m for m in ("tensorflow", "keras", "pandas") if m in sys.modules]
        assert not heavy, heavy
        assert {MODULE!r} in sys.modules
        sys.exit(code)
        """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=_environment(user_module), timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"name: '{MODULE}:Waves'" in result.stdout


@pytest.mark.slow
def test_a_user_dataset_runs_and_reproduces_from_its_run_folder(user_module):
    path = write(user_module, experiment(steps=5))
    env, results = _environment(user_module), user_module / "results"
    run = rnnbench_process("run", str(path), "--results-dir", str(results), env=env,
                           cwd=user_module)
    assert run.returncode == 0, run.stderr
    (run_dir,) = (results / "waves").iterdir()
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["data"]["name"] == \
        f"{MODULE}:Waves"
    metrics = read_json(run_dir / "metrics.json")
    assert "test_accuracy" in metrics and "baseline_test_accuracy" in metrics
    again = rnnbench_process("reproduce", str(run_dir), env=env, cwd=user_module)
    assert again.returncode == 0, again.stderr
    assert "reproduced" in again.stdout + again.stderr
    # Without the module on the path, reproduce says where the import path came from.
    lost = rnnbench_process("reproduce", str(run_dir), cwd=user_module.parent)
    assert lost.returncode == 2
    assert "config.yaml" in lost.stderr and f"Could not import module '{MODULE}'" in \
        " ".join(lost.stderr.split())


@pytest.mark.slow
def test_a_sweep_over_a_user_dataset_tunes_its_params(user_module):
    write(user_module, experiment())
    (user_module / "sweep.yaml").write_text(json.dumps({
        "name": "waves_sweep", "experiment": "waves.yaml",
        "tuner": {"algorithm": "random", "max_trials": 2, "seed": 3},
        "space": {"data.steps": {"choice": [4, 6]}}}))
    results = user_module / "out"
    tune = rnnbench_process("tune", str(user_module / "sweep.yaml"), "--results-dir",
                            str(results), env=_environment(user_module), cwd=user_module)
    assert tune.returncode == 0, tune.stderr
    configs = [yaml.safe_load(p.read_text()) for p in results.rglob("trials/*/config.yaml")]
    assert len(configs) == 2
    assert {c["data"]["name"] for c in configs} == {f"{MODULE}:Waves"}
    assert {c["data"]["steps"] for c in configs} <= {4, 6}


def test_the_documented_example_class_checks_as_the_page_shows(tmp_path, monkeypatch, capsys):
    """docs/own-data.md's `Dataset` class, config and data command, run as written."""
    page = OWN_DATA_PAGE.read_text()
    section = page.split("## A format of your own")[1].split("\n## ")[0]
    code, config = (re.search(rf"```{kind}\n(.*?)```", section, re.S).group(1)
                    for kind in ("python", "yaml"))
    make_readings = re.search(r'python -c "(.*?)"', section).group(1)
    shown = re.search(r"```\n(imports Python code.*?)```", section, re.S).group(1)
    (tmp_path / "mydata").mkdir()
    (tmp_path / "mydata" / "__init__.py").write_text("")
    (tmp_path / "mydata" / "meters.py").write_text(code)
    (tmp_path / "meters.yaml").write_text(config)
    monkeypatch.chdir(tmp_path)
    exec(make_readings, {})  # writes readings.txt, as the page's command does
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("mydata", "mydata.meters"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert main(["check", "meters.yaml"]) == 0
    out = capsys.readouterr().out.splitlines()
    for line in shown.splitlines():
        assert line == "..." or line in out, line
