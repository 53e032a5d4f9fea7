"""TensorBoard over a sweep folder, read through its own HTTP API on 127.0.0.1.

A 2-trial sweep runs in the test; TensorBoard then loads it synchronously
(`--load_fast=false --reload_interval=0 --reload_task=blocking`) so every
request sees all of it. Only 127.0.0.1 is ever contacted, proxies are
bypassed, and every request has a timeout.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
import yaml

from rnnbench.errors import UserError

TINY = {
    "description": "tiny",
    "data": {"name": "adding", "seq_len": 8, "train_size": 48, "val_size": 16,
             "test_size": 16},
    "model": {"layers": [{"cell": "lstm", "units": 4}]},
    "train": {"epochs": 2, "batch_size": 16},
}
SPACE = {
    "model.layers[0].units": {"int": [2, 8]},
    "model.layers[0].cell": {"choice": ["simple_rnn", "gru"]},
    "model.layers[0].bidirectional": {"boolean": True},
    "model.layers[0].merge_mode": {"choice": ["concat", "sum"]},
}
ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
# Nothing here may talk to anything but this machine's loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(url, path, body=None, timeout=30):
    assert urlparse(url).hostname == "127.0.0.1", url
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    req = urllib.request.Request(url.rstrip("/") + path, data=data, headers=headers)
    with _OPENER.open(req, timeout=timeout) as response:
        assert response.status == 200
        return json.loads(response.read())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_json(path):
    return json.loads(Path(path).read_text())


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A finished 2-trial sweep: `(sweep_dir, leaderboard, {trial_id: active values})`."""
    import keras_tuner as kt

    from rnnbench.sweeps import tuning
    root = tmp_path_factory.mktemp("board")
    (root / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    (root / "two.yaml").write_text(yaml.safe_dump({
        "experiment": str(root / "tiny.yaml"),
        "tuner": {"algorithm": "random", "max_trials": 2, "seed": 5},
        "space": SPACE}))
    sweep_dir = Path(tuning.tune(str(root / "two.yaml"), str(root / "results")))
    board = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
    assert sorted(board["trial_id"]) == ["0", "1"]
    assert (board["status"] == "COMPLETED").all()
    values = {}
    for path in sorted((sweep_dir / "tuner").glob("trial_*/trial.json")):
        state = read_json(path)
        hp = kt.HyperParameters.from_config(state["hyperparameters"])
        values[state["trial_id"]] = {k: v for k, v in hp.values.items()
                                     if k in SPACE and hp.is_active(k)}
    return sweep_dir, board, values


@pytest.fixture(scope="module")
def server(sweep):
    """TensorBoard in this process over the sweep folder, fully loaded; its URL."""
    from tensorboard import program
    sweep_dir, _, _ = sweep
    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(sweep_dir), "--host", "127.0.0.1",
                          "--port", "0", "--load_fast=false", "--reload_interval=0",
                          "--reload_task=blocking"])
    url = board.launch()
    assert urlparse(url).hostname == "127.0.0.1"
    return url


def test_plugins_listing_includes_scalars_and_hparams(server):
    listing = request(server, "/data/plugins_listing")
    assert listing["scalars"]["enabled"] is True
    assert listing["hparams"]["enabled"] is True


def test_runs_include_every_trials_train_and_validation_runs(server, sweep):
    runs = set(request(server, "/data/runs"))
    assert "hparams" in runs  # the sweep's experiment summary
    for trial_id in ("0", "1"):
        assert {f"trials/{trial_id}/tb/train", f"trials/{trial_id}/tb/validation",
                f"trials/{trial_id}/hparams"} <= runs


def test_scalar_tags_include_epoch_loss_per_trial(server):
    tags = request(server, "/data/plugin/scalars/tags")
    for trial_id in ("0", "1"):
        assert "epoch_loss" in tags[f"trials/{trial_id}/tb/validation"]
        assert "epoch_loss" in tags[f"trials/{trial_id}/tb/train"]
        assert "val_loss" in tags[f"trials/{trial_id}/hparams"]


def test_hparams_experiment_lists_every_swept_parameter_and_the_metrics(server, sweep):
    sweep_dir, _, _ = sweep
    experiment = request(server, "/data/plugin/hparams/experiment", {"experimentName": ""})
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert set(infos) == set(SPACE)
    units = infos["model.layers[0].units"]["domainInterval"]
    assert (units["minValue"], units["maxValue"]) == (2, 8)
    assert sorted(infos["model.layers[0].cell"]["domainDiscrete"]) == ["gru", "simple_rnn"]
    assert sorted(infos["model.layers[0].merge_mode"]["domainDiscrete"]) == ["concat", "sum"]
    assert sorted(infos["model.layers[0].bidirectional"]["domainDiscrete"]) == [False, True]
    metrics = read_json(sweep_dir / "trials" / "0" / "metrics.json")
    declared = {m["name"]["tag"] for m in experiment["metricInfos"]}
    assert declared == {k for k, v in metrics.items()
                        if k.startswith(("val_", "test_")) and isinstance(v, (int, float))}
    assert {"val_loss", "test_loss"} <= declared


def test_session_groups_hold_each_trials_values_and_metrics(server, sweep):
    sweep_dir, _, values = sweep
    body = {"experimentName": "", "allowedStatuses": ALL_STATUSES, "colParams": [],
            "aggregationType": "AGGREGATION_AVG", "startIndex": 0, "sliceSize": 100}
    groups = request(server, "/data/plugin/hparams/session_groups", body)["sessionGroups"]
    assert sorted(g["name"] for g in groups) == ["0", "1"]  # one group per trial
    # Seed 5 samples one bidirectional trial (merge_mode active) and one not.
    assert sorted("model.layers[0].merge_mode" in v for v in values.values()) == [False, True]
    for group in groups:
        trial_id = group["name"]
        expected = values[trial_id]
        assert set(group["hparams"]) == set(expected)  # active values only
        for key, value in expected.items():
            got = group["hparams"][key]
            if isinstance(value, bool) or isinstance(value, str):
                assert got == value, (trial_id, key)
            else:
                assert float(got) == float(value), (trial_id, key)
        metrics = read_json(sweep_dir / "trials" / trial_id / "metrics.json")
        shown = {m["name"]["tag"]: m["value"] for m in group["metricValues"]}
        assert {"val_loss", "test_loss", "val_mse", "test_mse"} <= set(shown)
        for tag, value in shown.items():
            assert value == pytest.approx(metrics[tag], rel=1e-6), (trial_id, tag)
        assert [s["name"] for s in group["sessions"]] == [f"trials/{trial_id}/hparams"]


def test_board_start_serves_on_localhost(sweep):
    from rnnbench.reports import board
    sweep_dir, _, _ = sweep
    port = free_port()
    url = board.start(str(sweep_dir), port=port)
    assert url == f"http://127.0.0.1:{port}/"
    assert "scalars" in request(url, "/data/plugins_listing")


def test_board_on_a_missing_folder_is_a_user_error(tmp_path, capsys):
    from rnnbench.cli import main
    from rnnbench.reports import board
    missing = tmp_path / "nothing-here"
    with pytest.raises(UserError, match="does not exist"):
        board.start(str(missing), port=free_port())
    assert main(["board", "--logdir", str(missing)]) == 2
    assert "No results to show" in capsys.readouterr().err


def _listening_addresses(port):
    """Local addresses (hex, as /proc/net/tcp* write them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_rnnbench_board_binds_127_0_0_1_by_default(sweep, tmp_path):
    from rnnbench.cli import make_parser
    assert make_parser().parse_args(["board"]).host == "127.0.0.1"

    sweep_dir, _, _ = sweep
    port = free_port()
    log = tmp_path / "board.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnnbench", "board", "--logdir", str(sweep_dir),
             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "TensorBoard on" not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "rnnbench board printed no URL in 90 s"
            time.sleep(0.1)
        assert f"TensorBoard on http://127.0.0.1:{port}/" in log.read_text()
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
        assert "scalars" in request(f"http://127.0.0.1:{port}/", "/data/plugins_listing")
        proc.send_signal(signal.SIGINT)  # Ctrl-C stops it cleanly
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
