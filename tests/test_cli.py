"""The command line: fast commands stay TensorFlow-free, user errors exit 2."""

import json
import subprocess
import sys

import pytest
import yaml
from helpers import experiment_dict, layer_class

from rnnbench.config import experiment as config_lib


def rnnbench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rnnbench", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


# What each fast command may import beyond the standard library and rnnbench:
# YAML to read configs, NumPy for the dataset catalogue's defaults. Never
# TensorFlow, Keras, pandas or a dataset package (their import alone costs seconds).
FAST_COMMANDS = {
    ("--help",): set(),
    ("--version",): set(),
    ("list",): {"yaml", "numpy"},  # the dataset catalogue, for availability marks
    ("list", "--datasets"): {"yaml", "numpy"},
    ("show", "adding_lstm"): {"yaml", "numpy"},
}

_IMPORTS = """
import contextlib, io, json, sys
before = set(sys.modules)
from rnnbench.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main({argv!r})
    except SystemExit as e:
        code = e.code
new = set(sys.modules) - before
# cython_runtime is made by any Cython extension (libyaml's loader), not a package.
NOT_PACKAGES = {{'rnnbench', 'cython_runtime'}}
print(json.dumps([code, sorted({{m.split('.')[0] for m in new if not m.startswith('_')}}
                                - set(sys.stdlib_module_names) - NOT_PACKAGES)]))
"""


def third_party_imports(argv):
    """`(exit code, third-party top-level modules)` that `main(argv)` imports."""
    result = subprocess.run([sys.executable, "-c", _IMPORTS.format(argv=list(argv))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return tuple(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("argv", sorted(FAST_COMMANDS))
def test_fast_commands_import_only_what_they_need(argv):
    code, imported = third_party_imports(argv)
    assert code in (0, None)
    assert set(imported) <= FAST_COMMANDS[argv], f"`rnnbench {' '.join(argv)}` imported {imported}"


def test_version_prints_the_package_version(capsys):
    from rnnbench import __version__
    from rnnbench.cli import main
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"rnnbench {__version__}\n"


def test_the_import_check_sees_a_heavy_import(tmp_path):
    # The check above must be able to fail: `results` reads run folders with pandas.
    # (`check`, which imports TensorFlow, showed the same for 15 s of the fast lane.)
    assert "pandas" in third_party_imports(["results", "--results-dir", str(tmp_path)])[1]


def test_list_shows_experiments_with_descriptions():
    out = rnnbench("list").stdout
    assert "adding_lstm" in out and "adding/regress lstm" in out
    assert "sweeps" in out


def test_list_marks_what_needs_a_missing_extra_without_loading_or_importing_it():
    code = ("import sys\nsys.modules['sktime'] = None  # as if the extra were not installed\n"
            "from rnnbench.cli import main\nmain(['list'])\n"
            "assert 'tensorflow' not in sys.modules and 'pandas' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()
             if line.startswith("  ")}
    assert "needs sktime" in lines["gunpoint_lstm"]
    assert "pip install -e '.[datasets]'" in lines["gunpoint_lstm"]
    assert "needs sktime" in lines["gunpoint_arch"]  # a sweep of it
    assert "needs" not in lines["adding_lstm"] and "needs" not in lines["sunspots_arch"]


def test_show_prints_yaml_with_overrides_applied():
    result = rnnbench("show", "adding_lstm", "--set", "model.layers[0].units=7")
    shown = yaml.safe_load(result.stdout)
    assert shown["model"]["layers"][0]["units"] == 7
    assert shown["name"] == "adding_lstm"


@pytest.mark.parametrize("setup, args, expected", [
    (None, ["show", "adding_lstn"], "Did you mean 'adding_lstm'"),
    (None, ["show", "adding_lstm", "--set", "model.layers[0].cell=lstn"],
     "Expected `model.layers[0].cell` to be one of"),
    (None, ["show", "adding_lstm", "--set", "units"], "Expected `--set` to be of the form"),
    ("data: [unclosed", ["show", "bad.yaml"], "is not valid YAML"),
    (None, ["check", "adding_lstm", "--set", "model.layers[0].foo=1"],
     "Unknown key `model.layers[0].foo` for cell 'lstm'"),
    (None, ["run", "adding_lstm", "--set", "model.layers[0].unitz=64"],
     "Unknown key `model.layers[0].unitz` for cell 'lstm'"),
    (None, ["run", "adding_lstm", "--set", "train.optimizer.name=adamm"],
     "Expected `train.optimizer.name` to be one of"),
])
def test_user_errors_exit_2_with_one_paragraph_and_no_traceback(tmp_path, setup, args, expected):
    if setup:
        (tmp_path / "bad.yaml").write_text(setup)
    if args[0] == "run":
        args = [*args, "--results-dir", str(tmp_path / "results")]
    result = rnnbench(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert "rnnbench: error:" in message and expected in message


def test_show_rejects_a_layer_key_keras_would_reject_without_importing_it():
    code, imported = third_party_imports(["show", "adding_lstm", "--set",
                                          "model.layers[0].unitz=64"])
    assert code == 2
    assert set(imported) <= FAST_COMMANDS[("show", "adding_lstm")]
    result = rnnbench("show", "adding_lstm", "--set", "model.layers[0].unitz=64")
    message = " ".join(result.stderr.split())
    assert "Unknown key `model.layers[0].unitz`" in message
    assert "(did you mean 'units'?)" in message and "'recurrent_dropout'" in message


def test_check_reports_summary_parameters_and_cudnn(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    raw = experiment_dict(cells=("lstm", "gru", "simple_rnn"))
    raw["model"]["layers"][1]["reset_after"] = False
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(raw))
    # conftest's `toy` dataset only exists in this process: call main() here.
    import contextlib
    import io

    from rnnbench.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["check", str(path)]) == 0
    text = out.getvalue()
    assert "parameters:" in text and "Total params" in text
    assert "Param #" in text  # redirected output (80 columns) keeps the last column
    # A small LSTM on a CPU gets BlockLSTM (`FusedLSTM`, lstm_kernel: auto), on a GPU
    # Keras' LSTM; both are keras.layers.LSTM, so cuDNN-eligible on a GPU.
    exp = config_lib.load_experiment(path)
    assert f"rnn_0 ({layer_class(exp, 0)}): eligible" in text
    assert "lstm_kernel" in text
    assert "rnn_1 (GRU): NOT eligible: reset_after must be True" in text
    assert (f"rnn_2 ({layer_class(exp, 2)}): NOT eligible: SimpleRNNCell has no cuDNN "
            "kernel") in text
    assert "jit_compile:" in text


def test_python_dash_m_and_console_script_agree():
    module = rnnbench("list")
    script = subprocess.run(["rnnbench", "list"], capture_output=True, text=True)
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout


def test_the_signal_behind_an_error_is_found_in_a_chain_that_loops():
    """An interrupt re-raised while handling the error that swallowed it makes a loop
    (`runs/training.py` does so); walking the chain must still end."""
    import signal as signals

    from rnnbench.errors import Terminated, in_chain
    swallowed, wrapper = TypeError("a library's own words"), KeyboardInterrupt()
    swallowed.__context__, wrapper.__context__ = wrapper, swallowed
    assert in_chain(swallowed, Terminated) is None
    assert in_chain(swallowed, KeyboardInterrupt) is wrapper
    stop = Terminated(signals.SIGTERM)
    swallowed.__context__, stop.__context__ = stop, swallowed
    assert in_chain(swallowed, Terminated) is stop


@pytest.mark.parametrize("surfaced", [ValueError("An unusually high number of calls"),
                                      OSError(5, "Input/output error")])
def test_a_signal_a_library_turned_into_its_own_error_exits_as_terminated(capsys, surfaced):
    """A SIGTERM landing in C code (a chief building its leaderboard with pandas) may
    surface as the library's own error, unchained to `Terminated`: exit 143, one
    paragraph, no traceback."""
    import argparse
    import signal as signals

    from rnnbench import errors
    from rnnbench.cli import run_command

    def handler(args):
        errors.signal_raised(signals.SIGTERM)  # what console.stop_on_signals records
        raise surfaced

    args = argparse.Namespace(handler=handler, command="tune", argv=["tune", "x"])
    assert run_command(args) == 143
    err = capsys.readouterr().err
    assert "terminated (SIGTERM), stopped `rnnbench tune`" in err
    assert type(surfaced).__name__ in err and "Traceback" not in err


def test_a_library_error_with_no_signal_keeps_its_traceback():
    import argparse

    from rnnbench.cli import run_command

    def handler(args):
        raise ValueError("a real bug")

    with pytest.raises(ValueError, match="a real bug"):
        run_command(argparse.Namespace(handler=handler, command="run", argv=["run"]))
