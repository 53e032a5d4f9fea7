"""Distributed sweeps without a network: addresses, placement, reuse of complete runs.

The runs across network namespaces are in test_distributed_netns.py.
"""

import json
import os
import socket

import pytest
import yaml

from helpers import TINY_SWEEP_BASE, experiment_dict, read_json, rnnbench_process, write_yaml
from rnnbench import cli
from rnnbench.config import experiment as config_lib
from rnnbench.errors import UserError
from rnnbench.sweeps.distributed import addresses, placement, worker


@pytest.mark.parametrize("text", ["10.0.0.1", "host:", ":80", "h:0", "h:70000", "h:http"])
def test_bad_addresses_are_refused(text):
    with pytest.raises(UserError, match="Expected `--serve` to be HOST:PORT"):
        addresses.parse_address(text, "--serve")


def test_addresses_parse():
    assert addresses.parse_address("10.1.2.3:8000", "x") == ("10.1.2.3", 8000)
    assert addresses.parse_address("[::1]:9", "x") == ("::1", 9)


@pytest.mark.parametrize("host", ["0.0.0.0", "8.8.8.8", "::"])
def test_public_and_wildcard_addresses_need_allow_public(host):
    with pytest.raises(UserError, match="--allow-public"):
        addresses.check_private(host, allow_public=False)
    addresses.check_private(host, allow_public=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.213.0.1", "192.168.1.5", "172.16.0.2"])
def test_private_addresses_are_served(host):
    addresses.check_private(host, allow_public=False)


def test_cli_refuses_a_public_serve_address_before_anything(tmp_path, capsys):
    code = cli.main(["tune", "no_such_sweep", "--serve", "0.0.0.0:8000",
                     "--results-dir", str(tmp_path)])
    assert code == 2
    assert "Refusing to serve the oracle on 0.0.0.0" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_cli_refuses_serve_with_local_workers(capsys):
    assert cli.main(["tune", "x", "--serve", "10.0.0.1:8000", "--workers", "2"]) == 2
    assert "`--serve` runs the chief only" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["0,0", "a", "1,-2", ""])
def test_bad_gpu_lists_are_refused(text):
    with pytest.raises(UserError, match="Expected `--gpus`"):
        placement.parse_gpus(text)


def test_one_worker_per_gpu_with_its_device_and_memory_growth(tmp_path):
    specs = [placement.worker_command(p, "127.0.0.1:9", tmp_path)
             for p in placement.placements(["tuner"], ["0", "2"])]
    ids = [argv[argv.index("--id") + 1] for argv, _ in specs]
    assert ids == ["tuner-gpu0", "tuner-gpu2"]
    assert [env["CUDA_VISIBLE_DEVICES"] for _, env in specs] == ["0", "2"]
    assert {env["TF_FORCE_GPU_ALLOW_GROWTH"] for _, env in specs} == {"true"}
    assert [env["KERASTUNER_TUNER_ID"] for _, env in specs] == ids


def test_cpu_workers_share_the_cores(tmp_path):
    assert placement.cpu_threads(1) == os.cpu_count()
    assert placement.cpu_threads(10 * os.cpu_count()) == 1
    argv, env = placement.worker_command(
        placement.placements(["tuner0"], None, 3)[0], "127.0.0.1:9", tmp_path)
    assert argv[argv.index("--threads") + 1] == "3"
    assert "CUDA_VISIBLE_DEVICES" not in env or env["CUDA_VISIBLE_DEVICES"] == os.environ.get(
        "CUDA_VISIBLE_DEVICES")


def test_default_worker_id_is_the_host_and_pid():
    # Cloned hosts and containers share a hostname; their workers must not share an id.
    assert placement.default_worker_id() == f"{socket.gethostname()}-{os.getpid()}"


def write_run(run_dir, exp, status="completed", metrics=None):
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(config_lib.to_yaml(exp))
    (run_dir / "manifest.json").write_text(json.dumps({"status": status}))
    (run_dir / "metrics.json").write_text(json.dumps(metrics or {"val_loss": 0.5}))


def test_a_complete_run_folder_is_reported_not_rerun(tmp_path):
    exp = config_lib.validate(experiment_dict(), source="<test>")
    write_run(tmp_path / "done", exp)
    assert worker.complete_metrics(tmp_path / "done", exp) == {"val_loss": 0.5}


def test_an_unfinished_or_different_run_folder_is_rerun(tmp_path):
    exp = config_lib.validate(experiment_dict(), source="<test>")
    other = config_lib.validate(experiment_dict(units=5), source="<test>")
    write_run(tmp_path / "running", exp, status="running")
    write_run(tmp_path / "other", other)
    assert worker.complete_metrics(tmp_path / "running", exp) is None
    assert worker.complete_metrics(tmp_path / "other", exp) is None
    assert worker.complete_metrics(tmp_path / "missing", exp) is None


@pytest.mark.slow
def test_gpu_assignment_is_recorded_in_each_trial_manifest(tmp_path):
    """No GPU here: TensorFlow runs on the CPU, the assignment is still recorded."""
    base = write_yaml(tmp_path / "tiny.yaml", {**TINY_SWEEP_BASE, "name": "tiny"})
    sweep = write_yaml(tmp_path / "gpus.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 3, "seed": 1}})
    result = rnnbench_process("tune", str(sweep), "--gpus", "3,5", "--results-dir",
                              str(tmp_path / "results"), cwd=tmp_path,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    (sweep_dir,) = (tmp_path / "results" / "sweeps" / "gpus").glob("*")
    records = [read_json(sweep_dir / "trials" / str(i) / "manifest.json")["worker"]
               for i in range(3)]
    assert {(r["id"], r["cuda_visible_devices"]) for r in records} <= {
        ("tuner-gpu3", "3"), ("tuner-gpu5", "5")}
    assert all(r["gpu_memory_growth"] and r["intra_op_threads"] is None for r in records)
    assert yaml.safe_load((sweep_dir / "sweep.yaml").read_text())["name"] == "gpus"


@pytest.mark.slow
def test_failing_trials_stop_a_distributed_sweep_with_exit_1(tmp_path):
    """Keras Tuner's consecutive-failure stop reaches the chief and its workers at once."""
    base = write_yaml(tmp_path / "boom.yaml", {
        **TINY_SWEEP_BASE, "name": "boom",
        "train": {**TINY_SWEEP_BASE["train"], "optimizer": {"name": "sgd"}}})
    sweep = write_yaml(tmp_path / "boom_sweep.yaml", {
        "experiment": str(base),
        "space": {"train.optimizer.learning_rate": {"float": [1.0e29, 1.0e30]}},
        "tuner": {"algorithm": "random", "max_trials": 8, "seed": 1,
                  "max_consecutive_failed_trials": 2}})
    # Well under the 120 s --worker-timeout: the stop must not wait for it.
    result = rnnbench_process("tune", str(sweep), "--workers", "2", "--results-dir",
                              str(tmp_path / "results"), cwd=tmp_path, timeout=100,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 1, result.stderr[-3000:]
    assert "rnnbench: run failed: sweep stopped" in result.stderr
    assert "consecutive failures" in result.stderr


# ------------------------------------------- `tune --worker-dir` (Keras Tuner's variables)

def test_worker_dir_without_the_oracle_variables_exits_2_naming_them(tmp_path, capsys,
                                                                    monkeypatch):
    for name in (addresses.ORACLE_IP, addresses.ORACLE_PORT):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["tune", "--worker-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "KERASTUNER_ORACLE_IP" in err and "rnnbench worker --oracle" in err


def test_worker_dir_that_is_no_sweep_folder_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(addresses.ORACLE_IP, "127.0.0.1")
    monkeypatch.setenv(addresses.ORACLE_PORT, "9")
    assert cli.main(["tune", "--worker-dir", str(tmp_path)]) == 2
    assert "Expected `--sweep-dir` to be a sweep folder" in capsys.readouterr().err


@pytest.mark.slow
def test_a_worker_dir_worker_runs_the_sweep_of_a_serving_chief(tmp_path):
    """The older form: a worker told the oracle by KERASTUNER_* variables."""
    import subprocess
    import sys

    from helpers import free_port, wait_for
    base = write_yaml(tmp_path / "tiny.yaml", {**TINY_SWEEP_BASE, "name": "tiny"})
    sweep = write_yaml(tmp_path / "envs.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 2, "seed": 1}})
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = tmp_path / "chief.log"
    with open(log, "w") as out:
        chief = subprocess.Popen(
            [sys.executable, "-m", "rnnbench", "tune", str(sweep), "--serve",
             f"127.0.0.1:{port}", "--results-dir", str(tmp_path / "results")],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        root = tmp_path / "results" / "sweeps" / "envs"
        wait_for(lambda: any(root.glob("*/tuner/chief.json")), 120, "the chief's state",
                 proc=chief)
        (sweep_dir,) = root.glob("*")
        worker = rnnbench_process(
            "tune", "--worker-dir", str(sweep_dir), cwd=tmp_path,
            env={**env, addresses.ORACLE_IP: "127.0.0.1", addresses.ORACLE_PORT: str(port),
                 addresses.TUNER_ID: "envworker"})
        assert worker.returncode == 0, worker.stderr[-3000:]
        assert chief.wait(timeout=120) == 0, log.read_text()[-3000:]
    finally:
        if chief.poll() is None:
            chief.kill()
            chief.wait(timeout=30)
    states = [read_json(sweep_dir / "tuner" / f"trial_{i}" / "trial.json")["status"]
              for i in range(2)]
    assert states == ["COMPLETED", "COMPLETED"]
    assert {read_json(sweep_dir / "trials" / str(i) / "manifest.json")["worker"]["id"]
            for i in range(2)} == {"envworker"}
