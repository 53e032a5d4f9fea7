"""Bad input of every category ends in exit 2, one bounded paragraph, no traceback."""

import json
import textwrap

import pytest
import yaml
from helpers import TINY_SWEEP_BASE, write_yaml

from rnnbench.cli import MAX_MESSAGE, main
from rnnbench.config import yaml_text

# Paragraph wrapping adds a newline per 100 characters, plus the truncation note.
MAX_OUTPUT = MAX_MESSAGE + MAX_MESSAGE // 50 + 100

TINY = ("name: tiny\ndata: {name: adding, seq_len: 8, train_size: 48, val_size: 16, "
        "test_size: 16}\nmodel: {layers: [{cell: lstm, units: 4}]}\n")


def alias_bomb(levels=9, width=9):
    """A "billion laughs" list: `width ** levels` strings from a few hundred bytes."""
    parts = ["&a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        parts.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


def fails_cleanly(capsys, argv, expected):
    """Runs the CLI in-process; asserts exit 2, the expected words, a bounded paragraph."""
    code = main(argv)
    out, err = capsys.readouterr()
    message = " ".join(err.split())
    assert code == 2, err
    assert "Traceback" not in err and message.startswith("rnnbench: error:"), err[:500]
    assert all(word in message for word in expected), message[:500]
    assert len(err) <= MAX_OUTPUT and len(out) <= MAX_OUTPUT
    return message


# ------------------------------------------------------------ decoding and parsing

PARSING = {
    "not utf-8": (TINY.encode() + "description: caf\u00e9\n".encode("latin-1"),
                  ["tiny.yaml", "line 4", "UTF-8", "b'\\xe9'"]),
    "utf-16": (TINY.encode("utf-16"), ["UTF-8"]),
    "duplicate top-level key": (TINY + "name: other\n", ["line 4", "'name' again",
                                                        "first at line 1"]),
    "duplicate nested key": (TINY.replace("units: 4", "units: 4, units: 8"),
                             ["line 3", "'units' again"]),
    "duplicate key in a list's mapping": (
        TINY.replace("model: {layers: [{cell: lstm, units: 4}]}",
                     "model:\n  layers:\n  - cell: lstm\n    units: 4\n    cell: gru"),
        ["line 7", "'cell' again"]),
    "deep flow nesting": (TINY + "description: " + "[" * 900 + "]" * 900 + "\n",
                          ["line 4", "at most 50 levels"]),
    "deep block nesting": (TINY + "extra:\n" + "".join(" " * i + f"k{i}:\n"
                                                        for i in range(1, 300)) + " " * 300
                           + "1\n", ["at most 50 levels"]),
    "alias bomb in description": (TINY + f"description: {alias_bomb()}\n",
                                  ["line 4", "aliases", "at most 100,000 characters"]),
    "alias bomb in a layer option": (
        TINY.replace("units: 4}", f"units: 4, bomb: {alias_bomb()}}}"), ["aliases"]),
    "aliases of a long string": (
        TINY + "x: &s " + "a" * 5000 + "\ndescription: [" + ", ".join(["*s"] * 100)
        + "]\n", ["aliases"]),
    "recursive alias": (TINY + "description: &r [*r]\n", ["tiny.yaml"]),
    "too big": (TINY + "description: " + "x" * (yaml_text.MAX_BYTES + 10) + "\n",
                ["at most 1,000,000 bytes"]),
    "syntax error": (TINY + "data: [unclosed\n", ["is not valid YAML"]),
    "a list, not a mapping": ("- 1\n- 2\n", ["to hold a mapping"]),
}


@pytest.mark.parametrize("content, expected", PARSING.values(), ids=PARSING.keys())
def test_bad_files_fail_cleanly(tmp_path, capsys, content, expected):
    path = tmp_path / "tiny.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    fails_cleanly(capsys, ["show", str(path)], expected)


def test_an_alias_bomb_fails_fast_and_small(tmp_path):
    """Through a real process: the 9**9-string bomb is refused, not expanded."""
    from helpers import rnnbench_process
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY + f"description: {alias_bomb()}\n")
    result = rnnbench_process("show", str(path), timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "aliases" in result.stderr and len(result.stderr) <= MAX_OUTPUT


def test_merge_keys_and_small_aliases_still_load():
    data = yaml_text.load(textwrap.dedent("""\
        base: &b {units: 4, dropout: 0.1}
        layer: {<<: *b, units: 8}
        again: *b
        """))
    assert data["layer"] == {"units": 8, "dropout": 0.1}
    assert data["again"] == {"units": 4, "dropout": 0.1}


def test_a_huge_message_is_bounded(tmp_path, capsys):
    """A description of 500 KB quoted in an error is cut, with a note."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY + "description: [" + "x" * 500_000 + "]\n")
    message = fails_cleanly(capsys, ["show", str(path)], ["`description`"])
    assert "more characters left out" in message


# ------------------------------------------------------------ values

VALUES = {
    "nan learning rate": (["train.optimizer.learning_rate=.nan"],
                          ["`train.optimizer.learning_rate`", "finite", "nan"]),
    "1e400 learning rate": (["train.optimizer.learning_rate=1e400"],
                            ["`train.optimizer.learning_rate`", "finite", "'1e400'"]),
    "inf clipnorm": (["train.optimizer.clipnorm=.inf"], ["`train.optimizer.clipnorm`"]),
    "huge integer as a float": (["train.optimizer.learning_rate=" + "9" * 400],
                                ["`train.optimizer.learning_rate`", "finite"]),
    "'nan' string": (["train.optimizer.learning_rate=nan"], ["finite"]),
    "nan dropout": (["model.layers[0].dropout=.nan"], ["`model.layers[0].dropout`"]),
    "-inf split": (["data.split.val=-.inf"], ["`data.split.val`", "finite"]),
    "nan in a Keras option": (["model.layers[0].recurrent_dropout=.nan"],
                              ["`model.layers[0].recurrent_dropout`", "finite"]),
    "nan in an optimizer option": (["train.optimizer.weight_decay=[.nan]"],
                                   ["`train.optimizer.weight_decay[0]`"]),
    "seed above 2**32-1": (["seed=4294967296"], ["`seed`", "<= 4294967295"]),
    "negative seed": (["seed=-1"], ["`seed`", ">= 0"]),
}


@pytest.mark.parametrize("sets, expected", VALUES.values(), ids=VALUES.keys())
def test_bad_values_fail_cleanly(capsys, sets, expected):
    argv = ["show", "adding_lstm"]
    for item in sets:
        argv += ["--set", item]
    fails_cleanly(capsys, argv, expected)


def test_run_refuses_a_seed_out_of_range_before_making_a_folder(tmp_path, capsys):
    fails_cleanly(capsys, ["run", "adding_lstm", "--seed", str(2**32),
                           "--results-dir", str(tmp_path)], ["`seed`", "--set seed"])
    assert not any(tmp_path.iterdir())


def test_a_seed_at_the_top_of_the_range_is_accepted(capsys):
    assert main(["show", "adding_lstm", "--set", f"seed={2**32 - 1}"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["seed"] == 2**32 - 1


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_model_too_big_for_memory_is_refused_before_building(tmp_path, capsys, command):
    argv = [command, "adding_lstm", "--set", "model.layers[0].units=1000000000"]
    if command == "run":
        argv += ["--results-dir", str(tmp_path)]
    message = fails_cleanly(capsys, argv, ["`model.layers[0].units` = 1000000000",
                                           "parameters", "EB as float32"])
    assert "fit in memory" in message
    assert not any(tmp_path.iterdir())


# ------------------------------------------------------------ cells resolved late

CELL_MODULES = {
    "module raises": ("raise RuntimeError('no licence server')\n",
                      "check", ["RuntimeError", "no licence server"]),
    "syntax error": ("def broken(:\n", "check", ["SyntaxError"]),
    "constructor raises": (textwrap.dedent("""\
        import keras

        class Cell(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                raise ZeroDivisionError("units / 0")
        """), "check", ["`model.layers[0]`", "ZeroDivisionError", "units / 0"]),
}


@pytest.mark.parametrize("source, command, expected", CELL_MODULES.values(),
                         ids=CELL_MODULES.keys())
def test_cell_modules_that_raise_fail_cleanly(tmp_path, capsys, monkeypatch, request,
                                              source, command, expected):
    module = f"user_cell_{request.node.callspec.id.replace(' ', '_')}"
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    fails_cleanly(capsys, [command, "adding_lstm", "--set",
                           f"model.layers[0].cell={module}:Cell"], [module] + expected)


# ------------------------------------------------------------ names

BAD_NAMES = {"traversal": "../escaped", "deep traversal": "../../x", "absolute": "/tmp/x",
             "empty": "", "unicode": "r\u00e9sultats", "unicode slash": "a\u2215b",
             "leading dot": ".hidden", "leading dash": "-rf", "too long": "x" * 101,
             "a space": "my run"}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_names_are_refused_in_experiments_sweeps_and_studies(tmp_path, capsys, name):
    results = tmp_path / "results"
    experiment = write_yaml(tmp_path / "tiny_exp.yaml", {**TINY_SWEEP_BASE, "name": name})
    good = write_yaml(tmp_path / "good.yaml", TINY_SWEEP_BASE)
    sweep = write_yaml(tmp_path / "sweep.yaml", {
        "name": name, "experiment": str(good),
        "space": {"model.layers[0].units": {"choice": [4, 8]}}})
    study = write_yaml(tmp_path / "study.yaml", {
        "name": name, "experiment": str(good), "grid": {"model.layers[0].cell": ["lstm"]}})
    expected = ["`name`", "ASCII letters"]
    for argv in (["run", str(experiment)], ["run", str(good), "--set", f"name={json.dumps(name)}"],
                 ["tune", str(sweep)], ["study", str(study)]):
        message = fails_cleanly(capsys, argv + ["--results-dir", str(results)], expected)
        if "--set" in argv:
            assert "came from --set name=" in message
    assert not results.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["tiny_exp.yaml", "good.yaml", "sweep.yaml", "study.yaml"])


# ------------------------------------------------------------ results root

@pytest.mark.parametrize("layout", ["a file", "under a file"])
def test_a_results_dir_that_is_no_folder_is_refused(tmp_path, capsys, layout):
    (tmp_path / "taken").write_text("not a folder")
    target = tmp_path / "taken" if layout == "a file" else tmp_path / "taken" / "results"
    fails_cleanly(capsys, ["run", "adding_lstm", "--results-dir", str(target)],
                  ["`--results-dir`", "file", str(tmp_path / "taken")])
    fails_cleanly(capsys, ["results", "--results-dir", str(target)], ["`--results-dir`"])
