"""`tune --serve` and `rnnbench worker` across real network boundaries.

The chief serves in one Linux network namespace and workers run in others,
all joined by a bridge in a namespace of its own, over addresses this module
assigns (10.213.0.0/24) and nowhere else: nothing touches the host's own
network. The sweep folder is on the shared filesystem (tmp_path). Every wait
is bounded and the namespaces are deleted even when a test fails.
Needs root and `ip` (iproute2); CI runs as root.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TINY_SWEEP_BASE, read_json, wait_for, write_yaml

CAN_MAKE_HOSTS = os.geteuid() == 0 and shutil.which("ip") is not None
pytestmark = [
    pytest.mark.slow,
    # A developer without root may skip them; CI (root, iproute2 installed by
    # .ci/run) must run them, so there a missing capability fails instead.
    pytest.mark.skipif(not CAN_MAKE_HOSTS and not os.environ.get("CI"),
                       reason="network namespaces need root and iproute2 (`ip`)"),
]


@pytest.fixture(autouse=True)
def _can_make_hosts():
    if not CAN_MAKE_HOSTS:
        pytest.fail("CI must run the network-namespace tests: needs root and `ip`")

TAG = f"rb{os.getpid() % 100000}"
SUBNET = "10.213.0"
HOSTS = {"chief": 1, "w1": 2, "w2": 3}
PORT = 18000
ORACLE = f"{SUBNET}.{HOSTS['chief']}:{PORT}"
SPACE = {"model.layers[0].units": {"int": [2, 8]},
         "model.layers[0].cell": {"choice": ["simple_rnn", "gru", "lstm"]}}
# A few seconds a trial: long enough to be caught (and killed) in the middle of one.
SLOW = {**TINY_SWEEP_BASE, "name": "slow_tiny",
        "data": {**TINY_SWEEP_BASE["data"], "train_size": 192},
        "train": {"epochs": 8, "batch_size": 16}}
ORACLE_TIMEOUT = "10"


def ns(name):
    return f"{TAG}{name}"


def sh(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def delete_namespaces():
    """Deletes this module's namespaces (their links go with them)."""
    for name in [*HOSTS, "br"]:
        subprocess.run(["ip", "netns", "delete", ns(name)], capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def network():
    """A bridge namespace and one namespace per host, each with its 10.213.0.x address."""
    delete_namespaces()
    try:
        sh("netns", "add", ns("br"))
        sh("-n", ns("br"), "link", "add", "br0", "type", "bridge")
        sh("-n", ns("br"), "link", "set", "br0", "up")
        for name, octet in HOSTS.items():
            sh("netns", "add", ns(name))
            inside, outside = f"{TAG}{octet}a", f"{TAG}{octet}b"
            sh("link", "add", inside, "netns", ns(name), "type", "veth",
               "peer", "name", outside, "netns", ns("br"))
            sh("-n", ns("br"), "link", "set", outside, "master", "br0", "up")
            sh("-n", ns(name), "addr", "add", f"{SUBNET}.{octet}/24", "dev", inside)
            sh("-n", ns(name), "link", "set", inside, "up")
            sh("-n", ns(name), "link", "set", "lo", "up")
        yield
    finally:
        delete_namespaces()
    leftover = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                              timeout=30).stdout
    assert TAG not in leftover


class Hosts:
    """Starts `rnnbench` processes inside the namespaces; kills what is left at the end."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.procs = []

    def start(self, host, *args, log):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2]),
                                                           os.environ.get("PYTHONPATH")]))}
        with open(self.tmp / log, "a") as out:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", ns(host), sys.executable, "-m", "rnnbench", *args],
                cwd=self.tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.procs.append(proc)
        return proc

    def worker(self, host, tuner_id, sweep_dir, log=None):
        return self.start(host, "worker", "--oracle", ORACLE, "--sweep-dir", str(sweep_dir),
                          "--id", tuner_id, "--oracle-timeout", ORACLE_TIMEOUT,
                          log=log or f"{tuner_id}.log")

    def log(self, name):
        return (self.tmp / name).read_text()

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


@pytest.fixture
def hosts(network, tmp_path):
    h = Hosts(tmp_path)
    try:
        yield h
    finally:
        h.stop_all()




def wait_exit(proc, timeout, what):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} still running after {timeout} s")


def sweep_file(tmp_path, name, max_trials):
    base = write_yaml(tmp_path / "slow_tiny.yaml", SLOW)
    return write_yaml(tmp_path / f"{name}.yaml", {
        "experiment": str(base), "space": SPACE,
        "tuner": {"algorithm": "random", "max_trials": max_trials, "seed": 1}})


def start_chief(hosts, sweep, *extra, log="chief.log"):
    return hosts.start("chief", "tune", str(sweep), "--serve", ORACLE,
                       "--results-dir", str(hosts.tmp / "results"), *extra, log=log)


def the_sweep_dir(tmp_path, name):
    dirs = wait_for(lambda: [d for d in (tmp_path / "results" / "sweeps" / name).glob("*")
                             if (d / "tuner" / "oracle.json").is_file()], 120,
                    "the chief to make the sweep folder")
    assert len(dirs) == 1
    return dirs[0]


def status(run_dir):
    try:
        return read_json(Path(run_dir) / "manifest.json").get("status")
    except (OSError, ValueError):
        return None


def running(sweep_dir, tuner_id):
    """The trial `tuner_id` is in the middle of, per the oracle and its run folder."""
    try:
        ongoing = read_json(sweep_dir / "tuner" / "oracle.json")["ongoing_trials"]
    except (OSError, ValueError, KeyError):
        return None
    trial_id = ongoing.get(tuner_id)
    if trial_id and status(sweep_dir / "trials" / trial_id) == "running":
        return trial_id
    return None


def check_done_once(sweep_dir, n):
    """n trials, each completed once: leaderboard rows = trial folders = oracle trials."""
    import pandas as pd
    ids = [str(i) for i in range(n)]
    board = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    assert sorted(board["trial_id"]) == ids
    assert (board["status"] == "COMPLETED").all()
    folders = sorted(p.name for p in (sweep_dir / "trials").iterdir()
                     if ".interrupted-" not in p.name)
    assert folders == ids
    for trial_id in ids:
        assert status(sweep_dir / "trials" / trial_id) == "completed"
        state = read_json(sweep_dir / "tuner" / f"trial_{trial_id}" / "trial.json")
        assert state["status"] == "COMPLETED"


def worker_of(sweep_dir, trial_id):
    return read_json(sweep_dir / "trials" / trial_id / "manifest.json")["worker"]["id"]


def test_killed_worker_restarted_with_its_id_gets_its_trial_back(hosts, tmp_path):
    sweep = sweep_file(tmp_path, "across", 6)
    chief = start_chief(hosts, sweep)
    sweep_dir = the_sweep_dir(tmp_path, "across")
    # The folder exists a moment before the chief prints how to start workers.
    wait_for(lambda: "start each worker with" in hosts.log("chief.log"), 60,
             "the chief to print the worker command")
    assert f"rnnbench worker --oracle {ORACLE} --sweep-dir {sweep_dir}" in hosts.log(
        "chief.log")
    w1 = hosts.worker("w1", "w1", sweep_dir)
    hosts.worker("w2", "w2", sweep_dir)
    killed = wait_for(lambda: running(sweep_dir, "w1"), 150, "w1 to be in a trial")
    os.killpg(w1.pid, signal.SIGKILL)
    w1.wait(timeout=30)
    hosts.worker("w1", "w1", sweep_dir)
    assert wait_exit(chief, 240, "the chief") == 0, hosts.log("chief.log")[-3000:]

    check_done_once(sweep_dir, 6)
    # Keras Tuner handed the killed trial back to the same id: re-run by w1.
    assert worker_of(sweep_dir, killed) == "w1"
    assert status(sweep_dir / "trials" / f"{killed}.interrupted-1") == "running"
    assert {worker_of(sweep_dir, str(i)) for i in range(6)} == {"w1", "w2"}
    manifest = read_json(sweep_dir / "trials" / "0" / "manifest.json")
    assert manifest["worker"]["oracle"] == ORACLE


def test_worker_that_never_comes_back_its_trial_goes_to_another(hosts, tmp_path):
    sweep = sweep_file(tmp_path, "lost", 4)
    chief = start_chief(hosts, sweep, "--worker-timeout", "8")
    sweep_dir = the_sweep_dir(tmp_path, "lost")
    w1 = hosts.worker("w1", "w1", sweep_dir)
    hosts.worker("w2", "w2", sweep_dir)
    lost = wait_for(lambda: running(sweep_dir, "w1"), 150, "w1 to be in a trial")
    os.killpg(w1.pid, signal.SIGKILL)
    assert wait_exit(chief, 240, "the chief") == 0, hosts.log("chief.log")[-3000:]

    check_done_once(sweep_dir, 4)
    assert worker_of(sweep_dir, lost) == "w2"
    assert "worker w1 silent for" in hosts.log("chief.log")
    assert f"trial {lost} goes to the next worker" in hosts.log("chief.log")


def test_killed_chief_workers_exit_and_resume_loses_nothing(hosts, tmp_path):
    sweep = sweep_file(tmp_path, "chiefkill", 5)
    chief = start_chief(hosts, sweep)
    sweep_dir = the_sweep_dir(tmp_path, "chiefkill")
    workers = [hosts.worker(h, h, sweep_dir) for h in ("w1", "w2")]

    def some_done_and_one_running():
        done = [p.parent.name for p in (sweep_dir / "trials").glob("*/manifest.json")
                if status(p.parent) == "completed"]
        return done if done and running(sweep_dir, "w1") else None
    wait_for(some_done_and_one_running, 150, "a completed trial and one in progress")
    os.killpg(chief.pid, signal.SIGKILL)
    chief.wait(timeout=30)
    # Keras Tuner's client alone would wait an hour; ours gives up after the timeout.
    for proc in workers:
        assert wait_exit(proc, float(ORACLE_TIMEOUT) + 60, "a worker of a dead chief") != 0
    assert "has not answered for 10 s" in hosts.log("w1.log")
    before = {p.parent.name: p.read_text()
              for p in (sweep_dir / "trials").glob("*/manifest.json")
              if status(p.parent) == "completed"}

    chief = start_chief(hosts, sweep, "--resume", sweep_dir.name, log="chief2.log")
    wait_for(lambda: "start each worker with" in hosts.log("chief2.log"), 120,
             "the resumed chief to serve")
    for h in ("w1", "w2"):
        hosts.worker(h, h, sweep_dir, log=f"{h}-again.log")
    assert wait_exit(chief, 240, "the resumed chief") == 0, hosts.log("chief2.log")[-3000:]

    check_done_once(sweep_dir, 5)
    for trial_id, manifest in before.items():  # completed trials were not run again
        assert (sweep_dir / "trials" / trial_id / "manifest.json").read_text() == manifest
        assert not (sweep_dir / "trials" / f"{trial_id}.interrupted-1").exists()


def test_worker_pointed_at_a_wrong_address_exits_2_naming_it(hosts, tmp_path):
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    (sweep_dir / "sweep.yaml").write_text("{}\n")
    (sweep_dir / "oracle-token").write_text("a-token\n")  # as a chief writes it
    wrong = f"{SUBNET}.99:{PORT}"  # in the subnet, but no host has it
    proc = hosts.start("w1", "worker", "--oracle", wrong, "--sweep-dir", str(sweep_dir),
                       "--oracle-timeout", "3", log="wrong.log")
    assert wait_exit(proc, 90, "a worker with a wrong address") == 2
    log = hosts.log("wrong.log")
    assert f"Could not reach the oracle at {wrong} within 3 s" in log
    assert "Traceback" not in log
