"""Faults leave truthful state: killed processes read as `died`, full or read-only
disks end in exit 1 with one paragraph and a manifest that says what happened."""

import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import TINY_SWEEP_BASE, read_json, write_yaml

from rnnbench.runs import folders

LONG_RUN = {**TINY_SWEEP_BASE, "name": "faults_long",
            "data": {**TINY_SWEEP_BASE["data"], "train_size": 512},
            "train": {"epochs": 500, "batch_size": 16}}
# A model.keras of ~200 KB: it cannot fit in the last 100 KB of a disk, a manifest can.
WIDE_RUN = {**TINY_SWEEP_BASE, "name": "faults_wide",
            "model": {"layers": [{"cell": "lstm", "units": 64}]}}


@contextlib.contextmanager
def tmpfs(path, size, read_only=False):
    """A tmpfs of `size` mounted at `path`; CI runs as root, so failing to mount fails."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.fail(f"could not mount a tmpfs (tests run as root): {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def manifest_of(**facts):
    return {"status": "running", "pid": os.getpid(), "host": {"hostname": "here"},
            "heartbeat_at": folders.now_iso(), **facts}


def ago(seconds):
    return (datetime.datetime.now().astimezone()
            - datetime.timedelta(seconds=seconds)).isoformat(timespec="seconds")


def gone_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    return proc.pid


def one_paragraph(err):
    return len([p for p in err.split("\n\n") if p.strip()]) == 1


# ------------------------------------------------------------------ died


def test_a_running_manifest_whose_process_is_gone_on_this_host_died():
    assert folders.run_status(manifest_of(), hostname="here") == "running"
    assert folders.run_status(manifest_of(pid=gone_pid()), hostname="here") == "died"


def test_a_running_manifest_of_another_host_died_when_its_heartbeat_is_stale():
    fresh = manifest_of(pid=gone_pid(), heartbeat_at=ago(folders.HEARTBEAT_S))
    stale = manifest_of(heartbeat_at=ago(folders.STALE_AFTER_S + 5))
    assert folders.run_status(fresh, hostname="elsewhere") == "running"
    assert folders.run_status(stale, hostname="elsewhere") == "died"


def test_ended_and_pre_heartbeat_manifests_keep_their_status():
    assert folders.run_status(manifest_of(status="completed", pid=gone_pid()),
                              hostname="here") == "completed"
    old = {"status": "running", "host": {"hostname": "here"}}  # written before pids
    assert folders.run_status(old, hostname="here") == "running"


def test_results_show_died_for_a_stale_run_of_another_host(tmp_path):
    from rnnbench.reports import results_table
    for run_id, beat in (("20261201-100000-aaaa", ago(3600)),
                         ("20261201-100001-bbbb", folders.now_iso())):
        run_dir = tmp_path / "exp" / run_id
        run_dir.mkdir(parents=True)
        folders.write_json_atomic(run_dir / "manifest.json", manifest_of(
            experiment="exp", heartbeat_at=beat, host={"hostname": "another-host"}))
    frame = results_table.table(tmp_path)
    assert list(frame["status"]) == ["died", "running"]


def test_the_heartbeat_rewrites_the_manifest_until_finish(tmp_path):
    path = tmp_path / "manifest.json"
    live = folders.LiveManifest(path, {"status": "running"}, interval=0.05)
    first = path.stat().st_ino  # every atomic write is a new inode
    deadline = time.monotonic() + 10
    while path.stat().st_ino == first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_ino != first, "no heartbeat within 10 s"
    live.finish({"status": "completed"})
    assert not live.thread.is_alive()
    after = path.stat().st_ino
    time.sleep(0.3)
    assert path.stat().st_ino == after
    assert read_json(path)["status"] == "completed"
    assert read_json(path)["pid"] == os.getpid()


def ended(proc, timeout=60):
    """`(stdout, stderr)` of a process told to stop; its stderr if it does not stop."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"still running {timeout} s after the signal:\n{proc.communicate()[1]}")


def start_run(tmp_path, raw):
    write_yaml(tmp_path / "exp.yaml", raw)
    return subprocess.Popen([sys.executable, "-m", "rnnbench", "run", "exp.yaml",
                             "--results-dir", "out"], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_first_epoch(tmp_path, proc, name):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = [p for p in (tmp_path / "out").glob(f"{name}/*/history.csv")
                 if p.stat().st_size]
        if found:
            return found[0].parent
        if proc.poll() is not None:
            pytest.fail(f"the run ended early: {proc.communicate()[1]}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail("timed out after 120 s waiting for the first epoch")


@pytest.mark.slow
def test_a_run_killed_with_sigkill_shows_as_died(tmp_path):
    from rnnbench.reports import results_table
    proc = start_run(tmp_path, LONG_RUN)
    run_dir = wait_for_first_epoch(tmp_path, proc, "faults_long")
    manifest = read_json(run_dir / "manifest.json")
    assert manifest["pid"] == proc.pid and manifest["heartbeat_at"]
    assert folders.read_run(run_dir).status == "running"
    proc.kill()
    ended(proc)
    assert read_json(run_dir / "manifest.json")["status"] == "running"  # as it was left
    assert folders.read_run(run_dir).status == "died"
    assert list(results_table.table(tmp_path / "out")["status"]) == ["died"]


@pytest.mark.slow
def test_sigterm_during_run_is_handled_as_ctrl_c_with_exit_143(tmp_path):
    proc = start_run(tmp_path, LONG_RUN)
    run_dir = wait_for_first_epoch(tmp_path, proc, "faults_long")
    proc.send_signal(signal.SIGTERM)
    _, err = ended(proc)
    assert proc.returncode == 143, err
    assert read_json(run_dir / "manifest.json")["status"] == "interrupted"
    assert "Traceback" not in err and one_paragraph(err), err
    message = " ".join(err.split())
    assert "terminated (SIGTERM), stopped run faults_long" in message
    assert f"out/faults_long/{run_dir.name}" in message and "rnnbench run exp.yaml" in message


SWALLOWING_CELL = """
import os, signal, time
from user_cells import ScaledTanhCell

class SwallowingCell(ScaledTanhCell):
    \"\"\"Stopped while it builds inside a bare `except:`, as TensorFlow's DType.max is.\"\"\"

    def build(self, input_shape):
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # rnnbench's handler raises here
            time.sleep(5)
        except:  # noqa: E722  (the library's own words)
            raise TypeError("Cannot find maximum value of <dtype: 'int32'>.")
        super().build(input_shape)
"""


@pytest.mark.slow
def test_a_sigterm_a_library_turns_into_its_own_error_still_interrupts(tmp_path):
    """A worker stopped inside TensorFlow's `DType.max` recorded its trial `failed`
    (`TypeError: Cannot find maximum value of <dtype: 'int32'>`) and ran on."""
    (tmp_path / "swallowing.py").write_text(SWALLOWING_CELL)
    write_yaml(tmp_path / "exp.yaml", {
        **TINY_SWEEP_BASE, "name": "swallowed",
        "model": {"layers": [{"cell": "swallowing:SwallowingCell", "units": 4}]}})
    tests = Path(__file__).resolve().parents[1] / "models"  # user_cells
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(tests)])}
    done = subprocess.run([sys.executable, "-m", "rnnbench", "run", "exp.yaml",
                           "--results-dir", "out"], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 143, done.stderr[-3000:]
    (run_dir,) = (tmp_path / "out" / "swallowed").iterdir()
    manifest = read_json(run_dir / "manifest.json")
    assert manifest["status"] == "interrupted", manifest.get("error")
    assert "SIGTERM" in manifest["error"] and "Traceback" not in done.stderr


class SignalInFinalizer:
    """A finalizer that receives SIGTERM: Python prints `Exception ignored in ...` and
    drops the handler's exception, as it does when a signal lands in TensorFlow's."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler runs, and raises, before this ends


def interrupted_in_second_epoch(tmp_path, make_experiment, then_raise=None):
    """Trains with a SIGTERM made in a finalizer at the second epoch's start (and then
    `then_raise`, a library's own error), as the CLI does; the run folder."""
    import keras

    from rnnbench.console import stop_on_signals
    from rnnbench.errors import Interrupted, Terminated
    from rnnbench.runs import training

    class SignalInSecondEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                SignalInFinalizer()  # made and finalized at once
                if then_raise is not None:
                    raise then_raise

    exp = make_experiment(epochs=50)
    with stop_on_signals(Terminated), pytest.raises(Interrupted):
        training.run(exp, results_dir=tmp_path, verbose=0,
                     extra_callbacks=[SignalInSecondEpoch()])
    (run_dir,) = (tmp_path / exp.name).iterdir()
    manifest = read_json(run_dir / "manifest.json")
    assert manifest["status"] == "interrupted" and "SIGTERM" in manifest["error"]
    return run_dir


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the point
def test_a_sigterm_a_finalizer_swallows_still_stops_training(tmp_path, make_experiment):
    """A sweep worker whose SIGTERM was eaten this way trained on until the chief's
    grace ran out and SIGKILLed it, leaving its trial `running` (CI, stop 46)."""
    run_dir = interrupted_in_second_epoch(tmp_path, make_experiment)
    history = (run_dir / "history.csv")
    assert len(history.read_text().splitlines()) == 1 + 1  # the header, the first epoch


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the point
def test_a_sigterm_a_library_turns_into_an_unchained_error_still_interrupts(
        tmp_path, make_experiment):
    """A signal in TensorFlow's C code became `ValueError: An unusually high number of
    tf.data.Iterator.get_next() calls` with no link to it: the sweep's trial read
    `failed`, and the worker went on to the next trial (a fresh clone, stop 47)."""
    interrupted_in_second_epoch(tmp_path, make_experiment,
                                ValueError("An unusually high number of get_next() calls"))


@pytest.mark.slow
def test_a_sigterm_just_after_the_manifest_says_running_is_recorded(tmp_path, monkeypatch,
                                                                   make_experiment):
    """A sweep's worker stopped right after its trial's manifest said `running` (before
    the run's `try`) ended with the manifest left `running`."""
    from rnnbench.console import stop_on_signals
    from rnnbench.errors import Interrupted, Terminated
    from rnnbench.runs import training
    real = training.start_manifest

    def then_a_sigterm(exp, run_dir):
        manifest = real(exp, run_dir)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.5)  # without the hold, the handler raises here
        return manifest

    monkeypatch.setattr(training, "start_manifest", then_a_sigterm)
    exp = make_experiment(epochs=50)
    with stop_on_signals(Terminated), pytest.raises(Interrupted):
        training.run(exp, results_dir=tmp_path, verbose=0)
    (run_dir,) = (tmp_path / exp.name).iterdir()
    assert read_json(run_dir / "manifest.json")["status"] == "interrupted"


# ------------------------------------------------------------------ disks


def run_cli(tmp_path, raw, results, capfd, monkeypatch):
    """`rnnbench run exp.yaml` through main() in this process, with all it wrote.

    Not a fresh process (it paid TensorFlow's import): the disk checks and their
    message are tested; capfd catches a traceback written anywhere, and an
    uncaught exception fails the test.
    """
    from rnnbench.cli import main
    write_yaml(tmp_path / "exp.yaml", raw)
    monkeypatch.chdir(tmp_path)
    capfd.readouterr()
    code = main(["run", "exp.yaml", "--results-dir", str(results)])
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(["rnnbench", "run", "exp.yaml"], code, out, err)


def test_a_read_only_results_dir_is_exit_1_with_one_paragraph(tmp_path, capfd, monkeypatch):
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as root:
        done = run_cli(tmp_path, WIDE_RUN, root, capfd, monkeypatch)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and one_paragraph(done.stderr)
        message = " ".join(done.stderr.split())
        assert "Read-only file system" in message and str(root / "faults_wide") in message
        assert not any(root.iterdir())


def test_a_read_only_run_folder_is_refused_before_anything_is_written(tmp_path):
    from rnnbench.config import experiment as config_lib
    from rnnbench.errors import RunFailed
    from rnnbench.runs import training
    exp = config_lib.validate(WIDE_RUN, source="<test>")
    mount = tmp_path / "disk"
    with tmpfs(mount, "1m") as root:
        (root / "trial").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
        with pytest.raises(RunFailed, match="cannot write into the run folder .*trial: "
                                            "Read-only file system"):
            training.run(exp, run_dir=root / "trial", verbose=0)
        assert not any((root / "trial").iterdir())


def test_too_little_free_space_is_refused_before_training(tmp_path, capfd, monkeypatch):
    with tmpfs(tmp_path / "small", "64k") as root:
        done = run_cli(tmp_path, WIDE_RUN, root, capfd, monkeypatch)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and one_paragraph(done.stderr)
        message = " ".join(done.stderr.split())
        assert "MiB are free on the disk of" in message and str(root) in message
        (run_dir,) = (root / "faults_wide").iterdir()
        manifest = read_json(run_dir / "manifest.json")
        assert manifest["status"] == "failed" and "MiB are free" in manifest["error"]
        assert not (run_dir / "model.keras").exists()
        assert not (run_dir / "history.csv").exists()  # nothing was trained


FILLING_RUN = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import keras
    from rnnbench.config import experiment as config_lib
    from rnnbench.errors import RunFailed
    from rnnbench.runs import training

    root, leave = Path(sys.argv[1]), int(sys.argv[2])

    class FillTheDisk(keras.callbacks.Callback):
        # After the free-space check: the disk fills up while the run trains.
        def on_train_begin(self, logs=None):
            with open(root / "ballast", "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(bytes(4096))
                except OSError:
                    pass
            os.truncate(root / "ballast", max(0, (root / "ballast").stat().st_size - leave))

    exp = config_lib.validate(json.loads(sys.argv[3]), source="<test>")
    try:
        training.run(exp, results_dir=root / "results", verbose=0,
                     extra_callbacks=[FillTheDisk()])
    except RunFailed as e:
        print(e)
""").replace("import os, sys", "import json, os, sys")


def fill_during_run(tmp_path, leave):
    """Runs WIDE_RUN on an 8 MB disk that fills during training, `leave` bytes free."""
    done = subprocess.run([sys.executable, "-c", FILLING_RUN, str(tmp_path), str(leave),
                           json.dumps(WIDE_RUN)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "results" / "faults_wide").iterdir()
    return " ".join(done.stdout.split()), run_dir


@pytest.mark.slow
def test_a_disk_that_fills_during_training_marks_the_run_failed(tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as root:
        message, run_dir = fill_during_run(root, leave=100 * 1024)
        assert "No space left on device" in message and str(run_dir) in message
        assert "is marked `failed`" in message
        manifest = read_json(run_dir / "manifest.json")
        assert manifest["status"] == "failed" and "No space left" in manifest["error"]
        assert not (run_dir / "model.keras").exists()  # half-written, removed


@pytest.mark.slow
def test_a_full_disk_that_refuses_the_failure_manifest_says_so_and_reads_died(tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as root:
        message, run_dir = fill_during_run(root, leave=0)
        assert "No space left on device" in message
        assert "could not be marked `failed` either" in message
        assert read_json(run_dir / "manifest.json")["status"] == "running"
        assert folders.read_run(run_dir).status == "died"  # its process has ended
