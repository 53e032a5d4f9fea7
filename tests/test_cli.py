"""The command line: fast commands stay TensorFlow-free, user errors exit 2."""

import subprocess
import sys
import time

import pytest
import yaml
from conftest import experiment_dict


def rnnbench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rnnbench", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["show", "adding_lstm"]])
def test_fast_commands_do_not_import_tensorflow(argv):
    code = ("import sys\nfrom rnnbench.cli import main\n"
            "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
            "assert 'keras' not in sys.modules, 'keras was imported'\n" % argv)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["show", "adding_lstm"]])
def test_fast_commands_answer_in_under_a_second(argv):
    best = min(_timed(argv) for _ in range(3))
    assert best < 1.0, f"`rnnbench {' '.join(argv)}` took {best:.2f} s"


def _timed(argv):
    start = time.perf_counter()
    result = rnnbench(*argv)
    assert result.returncode == 0, result.stderr
    return time.perf_counter() - start


def test_list_shows_experiments_with_descriptions():
    out = rnnbench("list").stdout
    assert "adding_lstm" in out and "adding/regress lstm" in out
    assert "sweeps" in out


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
     "Could not build `model.layers[0]`"),
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


def test_check_reports_summary_parameters_and_cudnn(tmp_path):
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
    assert "rnn_0 (LSTM): eligible" in text
    assert "rnn_1 (GRU): NOT eligible: reset_after must be True" in text
    assert "rnn_2 (SimpleRNN): NOT eligible: SimpleRNNCell has no cuDNN kernel" in text
    assert "jit_compile:" in text


def test_python_dash_m_and_console_script_agree():
    module = rnnbench("list")
    script = subprocess.run(["rnnbench", "list"], capture_output=True, text=True)
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout
