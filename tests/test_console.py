"""The console: quiet by default, everything with --verbose, one paragraph on Ctrl-C."""

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import default_sigint, wait_for, write_yaml
from rnnbench import console

# A run long enough to be interrupted mid-training (each epoch well under a second).
LONG_RUN = {
    "name": "console_long", "seed": 1,
    "data": {"name": "adding", "seq_len": 20, "train_size": 512},
    "model": {"layers": [{"cell": "simple_rnn", "units": 8}]},
    "train": {"epochs": 500, "batch_size": 64},
}
TINY_SWEEP = {
    "name": "console_sweep",
    "experiment": "console_tiny.yaml",
    "tuner": {"algorithm": "random", "max_trials": 2, "objective": "val_loss"},
    "space": {"model.layers[0].units": {"int": [4, 8], "step": 4}},
}
SHOWN = ("rnnbench:", "Epoch ", "\x1b")  # rnnbench's lines and Keras' progress bar


def start(args, cwd, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "rnnbench", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint, **kwargs)


def test_a_crash_in_quiet_mode_still_shows_where_python_was():
    # A native abort ends the process before the filter forwards its last lines: one
    # Ctrl-C of a suite's sweep died of SIGABRT with nothing at all on stderr.
    code = textwrap.dedent("""
        import os
        from rnnbench import console
        def crash_here():
            os.abort()
        with console.session(False):
            os.write(2, b"I0000 00:00:1796149174.034320   20428 port.cc:153] oneDNN on\\n")
            crash_here()
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == -signal.SIGABRT
    assert "Fatal Python error: Aborted" in done.stderr
    assert "in crash_here" in done.stderr and "port.cc" not in done.stderr


def test_native_log_lines_are_dropped_and_everything_else_passes():
    code = textwrap.dedent("""
        import os, sys
        from rnnbench import console
        with console.session(False):
            os.write(2, b"I0000 00:00:1796149174.034320   20428 port.cc:153] oneDNN on\\n")
            os.write(2, b"WARNING: All log messages before absl::InitializeLog() is "
                        b"called are written to STDERR\\n")
            os.write(2, b"E0000 00:00:1796149175.623594   19052 cuda_platform.cc:52] cuInit\\n")
            print("Traceback (most recent call last): kept", file=sys.stderr)
            os.write(2, b"F0000 00:00:1796149175.623594   19052 x.cc:1] fatal kept\\n")
        print("after the session", file=sys.stderr)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "Traceback (most recent call last): kept",
        "F0000 00:00:1796149175.623594   19052 x.cc:1] fatal kept",
        "after the session"]


def test_verbose_lets_every_line_through(monkeypatch):
    monkeypatch.delenv(console.VERBOSE_ENV, raising=False)
    code = textwrap.dedent("""
        import os, warnings
        from rnnbench import console
        with console.session(True):
            os.write(2, b"I0000 00:00:1796149174.034320   20428 port.cc:153] oneDNN on\\n")
            warnings.warn("a library warning")
            assert os.environ[console.VERBOSE_ENV] == "1"  # for worker processes
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "port.cc:153] oneDNN on" in result.stderr
    assert "a library warning" in result.stderr



def test_a_session_gives_the_callers_logging_back(caplog, monkeypatch):
    # The CLI run in-process (a notebook, a test) must not keep rnnbench's
    # records from the caller's handlers afterwards.
    monkeypatch.delenv(console.VERBOSE_ENV, raising=False)
    logger = logging.getLogger("rnnbench")
    before = (list(logger.handlers), logger.level, logger.propagate,
              logging.getLogger("tensorflow").level)
    for verbose in (False, True):
        with console.session(verbose):
            assert logger.propagate is False
        assert (list(logger.handlers), logger.level, logger.propagate,
                logging.getLogger("tensorflow").level) == before
        assert console.VERBOSE_ENV not in os.environ
    with caplog.at_level("WARNING", logger="rnnbench"):
        logging.getLogger("rnnbench.sweeps").warning("seen by the caller")
    assert "seen by the caller" in caplog.text

@pytest.mark.slow
def test_a_tiny_sweep_writes_nothing_to_stderr_that_is_not_rnnbench(tmp_path):
    write_yaml(tmp_path / "console_tiny.yaml",
          {**LONG_RUN, "name": "console_tiny", "train": {"epochs": 2, "batch_size": 64},
           "data": {**LONG_RUN["data"], "train_size": 128}})
    write_yaml(tmp_path / "sweep.yaml", TINY_SWEEP)
    proc = start(["tune", "sweep.yaml", "--results-dir", "out"], tmp_path,
                 env={k: v for k, v in os.environ.items() if k != console.VERBOSE_ENV})
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    strangers = [line for line in err.splitlines()
                 if line.strip() and not line.startswith(SHOWN)]
    assert not strangers, "\n".join(strangers)
    assert "rnnbench: sweep" in out and "rnnbench: trial 1 completed" in out
    assert "run folder:" not in out  # a trial's own run lines are held back...
    verbose = start(["tune", "sweep.yaml", "--results-dir", "out", "--verbose"], tmp_path)
    out, _ = verbose.communicate(timeout=300)
    assert verbose.returncode == 0 and "run folder:" in out  # ...unless asked for


@pytest.mark.slow
def test_ctrl_c_during_run_keeps_the_folder_and_says_so_in_one_paragraph(tmp_path):
    write_yaml(tmp_path / "long.yaml", LONG_RUN)
    proc = start(["run", "long.yaml", "--results-dir", "out", "--epochs", "400"], tmp_path)
    wait_for(lambda: any(p.stat().st_size for p in
                         (tmp_path / "out").glob("console_long/*/history.csv")),
             120, "the first epoch")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    (run_dir,) = (tmp_path / "out" / "console_long").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["error"] == "KeyboardInterrupt: terminated by Ctrl-C (SIGINT)"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    message = " ".join(err.split())
    assert "interrupted run console_long" in message
    assert f"out/console_long/{run_dir.name}" in message  # as the user named it
    # The re-run keeps every flag the user gave.
    assert "rnnbench run long.yaml --results-dir out --epochs 400" in message
    assert len([p for p in err.split("\n\n") if p.strip()]) == 1
    # Output into a pipe gets one line per epoch, no progress bar's escapes.
    assert "Epoch 1/400\n" in out and "\x08" not in out and "\x1b[" not in out


@pytest.mark.parametrize("argv, usage", [
    (["run", "sine_lstm", "--bogus"], "usage: rnnbench run"),
    (["results", "--sort"], "usage: rnnbench results"),
    (["show", "sine_lstm", "--epochs", "3"], "usage: rnnbench show"),
])
def test_a_bad_flag_after_a_subcommand_prints_that_subcommands_usage(argv, usage, capsys):
    from rnnbench.cli import main
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage) and "COMMAND" not in err


@pytest.mark.slow
def test_ctrl_c_during_tune_names_the_sweep_folder_and_the_resume_command(tmp_path):
    write_yaml(tmp_path / "console_tiny.yaml", {**LONG_RUN, "name": "console_tiny"})
    write_yaml(tmp_path / "sweep.yaml", TINY_SWEEP)
    proc = start(["tune", "sweep.yaml", "--results-dir", "out"], tmp_path)
    pattern = "sweeps/console_sweep/*/trials/*/history.csv"
    wait_for(lambda: any(p.stat().st_size for p in (tmp_path / "out").glob(pattern)),
             120, "the first epoch of the first trial")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    (sweep_dir,) = (tmp_path / "out" / "sweeps" / "console_sweep").iterdir()
    message = " ".join(err.split())
    command = f"rnnbench tune sweep.yaml --resume {sweep_dir.name} --results-dir out"
    assert command in message and f"out/sweeps/console_sweep/{sweep_dir.name}" in message
    (trial,) = [p.parent for p in (tmp_path / "out").glob(pattern)]
    status = json.loads((trial / "manifest.json").read_text())["status"]
    assert status == "interrupted"


@pytest.mark.slow
def test_sigterm_during_tune_is_ctrl_c_with_exit_143_and_a_killed_sweep_reads_died(tmp_path):
    from rnnbench.reports import results_table
    write_yaml(tmp_path / "console_tiny.yaml", {**LONG_RUN, "name": "console_tiny"})
    write_yaml(tmp_path / "sweep.yaml", TINY_SWEEP)
    pattern = "sweeps/console_sweep/*/trials/*/history.csv"
    for stop in (signal.SIGTERM, signal.SIGKILL):
        proc = start(["tune", "sweep.yaml", "--results-dir", "out"], tmp_path)
        wait_for(lambda: any(p.stat().st_size for p in (tmp_path / "out").glob(pattern)
                             if "running" in (p.parent / "manifest.json").read_text()),
                 120, "the first epoch of a trial")
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
        if stop == signal.SIGTERM:
            assert proc.returncode == 143, err
            message = " ".join(err.split())
            assert "Traceback" not in err and "rnnbench: terminated (SIGTERM), stopped sweep" \
                in message and "--resume" in message
    statuses = sorted(results_table.table(tmp_path / "out")["status"])
    assert statuses == ["died", "interrupted"]


def test_stop_on_signals_raises_at_every_sigterm_and_restores_the_handler():
    from rnnbench.errors import Terminated
    before = signal.getsignal(signal.SIGTERM)
    with console.stop_on_signals(Terminated):
        for _ in range(2):  # a second kill works too, as a second Ctrl-C does
            with pytest.raises(Terminated, match=r"terminated \(SIGTERM\)") as caught:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)  # the handler runs before this ends
            assert caught.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before
