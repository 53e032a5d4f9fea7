"""Only workers talk to the oracle (issue 29): a token on every RPC, unique worker ids,
and handlers that answer a bad request with a gRPC error instead of hanging the chief."""

import os
import re
import stat
import time

import pytest

from helpers import TINY_SWEEP_BASE, free_port, read_json, wait_for, write_yaml
from rnnbench.errors import UserError
from rnnbench.sweeps.distributed import auth


@pytest.fixture
def served(tmp_path):
    """A chief's oracle served on 127.0.0.1 (no workers): `(server, sweep_dir, token)`."""
    from rnnbench.sweeps import tuning
    from rnnbench.sweeps.distributed import chief
    base = write_yaml(tmp_path / "tiny.yaml", {**TINY_SWEEP_BASE, "name": "tiny"})
    sweep_file = write_yaml(tmp_path / "auth.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 2, "seed": 1}})
    sweep, base_raw, sweep_dir = tuning.open_sweep(str(sweep_file), str(tmp_path / "out"))
    server = chief.chief_server(sweep, base_raw, sweep_dir, "127.0.0.1", free_port(), 120.0)
    try:
        yield server, sweep_dir, auth.token_path(sweep_dir).read_text().strip()
    finally:
        server.stop()


def call(channel, method, timeout=10, **fields):
    """One RPC; returns the reply, or the `grpc.StatusCode` it was refused with."""
    import grpc

    from rnnbench.sweeps import kt_compat
    request = getattr(kt_compat.service(), f"{method}Request")(**fields)
    try:
        return getattr(kt_compat.oracle_stub(channel), method)(request, timeout=timeout)
    except grpc.RpcError as e:
        return e.code()


def lock_is_free(oracle):
    from rnnbench.sweeps import kt_compat
    with kt_compat.oracle_lock(oracle, timeout=10):
        return True


@pytest.mark.parametrize("method,fields", [
    ("CreateTrial", {"tuner_id": "rogue"}),
    ("UpdateTrial", {"trial_id": "0", "step": 1}),
    ("GetTrial", {"trial_id": "0"}),
    ("GetSpace", {}),
    ("GetBestTrials", {"num_trials": 1}),
])
@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_call_without_the_token_is_refused(served, method, fields, token):
    import grpc
    server, _, _ = served
    channel = (grpc.insecure_channel(server.address) if token is None
               else auth.channel(server.address, token))
    try:
        assert call(channel, method, **fields) == grpc.StatusCode.UNAUTHENTICATED
    finally:
        channel.close()
    assert server.oracle.trials == {}  # the rogue CreateTrial made no trial
    assert lock_is_free(server.oracle)


def test_bad_requests_with_the_token_get_grpc_errors_and_leave_the_oracle_usable(served):
    """An UpdateTrial for an unknown trial raised KeyError under Keras Tuner's lock and
    kept it: every later call, and the chief, waited forever."""
    import grpc

    from rnnbench.sweeps import kt_compat
    server, _, token = served
    channel = auth.channel(server.address, token, "w0")
    try:
        code = grpc.StatusCode
        assert call(channel, "UpdateTrial", trial_id="no-such-trial") == code.NOT_FOUND
        assert call(channel, "CreateTrial", tuner_id="") == code.INVALID_ARGUMENT
        assert call(channel, "GetTrial", trial_id="nope") == code.NOT_FOUND
        trial = call(channel, "CreateTrial", tuner_id="w0").trial
        assert trial.trial_id == "0"
        assert call(channel, "UpdateTrial", trial_id="0", step=-1) == code.INVALID_ARGUMENT
        running = kt_compat.Trial.from_proto(trial)
        assert call(channel, "EndTrial", trial=running.to_proto()) == code.INVALID_ARGUMENT
        # Another thread (the chief's loop, in give_up_lost) can take the lock:
        assert lock_is_free(server.oracle)
        assert call(channel, "GetTrial", trial_id="0").trial.trial_id == "0"
    finally:
        channel.close()


@pytest.mark.slow  # waits out a heartbeat (2 s)
def test_a_second_worker_claiming_a_live_id_is_refused_naming_the_first(served):
    import grpc

    from rnnbench.sweeps.distributed import worker
    server, _, token = served
    first = auth.channel(server.address, token, "w", "hostA pid 1")
    second = auth.channel(server.address, token, "w", "hostB pid 2")
    try:
        worker.register(first, server.address, "w", 10)
        assert call(second, "GetTrial", trial_id="") == grpc.StatusCode.ALREADY_EXISTS
        with pytest.raises(UserError, match=r"--id w, but hostA pid 1 holds it"):
            worker.register(second, server.address, "w", 10, live_s=0)
        # The same instance again (the supervisor's restart of a dead worker) is not.
        worker.register(first, server.address, "w", 10)
    finally:
        first.close()
        second.close()


def test_an_id_frees_once_its_worker_is_silent():
    gate = auth.make_gate("t", live_s=0.2)
    assert gate.claim("w", "a") is None
    assert gate.claim("w", "b") == "a"
    time.sleep(0.3)  # a's process died: no call for longer than live_s
    assert gate.claim("w", "b") is None
    assert gate.claim("other", "a") is None


def test_a_worker_with_a_wrong_token_exits_2(served):
    from rnnbench.sweeps.distributed import worker
    server, _, _ = served
    channel = auth.channel(server.address, "wrong", "w")
    try:
        with pytest.raises(UserError, match="refused this worker's token"):
            worker.register(channel, server.address, "w", 10)
    finally:
        channel.close()


def test_the_token_file_is_private_and_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.TOKEN_ENV, raising=False)
    token = auth.chief_token(tmp_path)
    path = auth.token_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token) >= 32 and auth.worker_token(tmp_path) == token
    assert auth.chief_token(tmp_path) != token  # a new chief, a new token
    monkeypatch.setenv(auth.TOKEN_ENV, "from-env")
    assert auth.chief_token(tmp_path) == "from-env"
    assert auth.worker_token(tmp_path / "elsewhere") == "from-env"
    assert [p.name for p in tmp_path.iterdir()] == [auth.TOKEN_FILE]  # no temp left


@pytest.mark.parametrize("content", [None, ""])
def test_a_worker_without_a_token_exits_2_naming_where_it_looked(tmp_path, monkeypatch,
                                                                  content):
    monkeypatch.delenv(auth.TOKEN_ENV, raising=False)
    if content is not None:
        auth.token_path(tmp_path).write_text(content)
    with pytest.raises(UserError, match=re.escape(str(auth.token_path(tmp_path)))):
        auth.worker_token(tmp_path)


@pytest.mark.slow
def test_rogue_calls_during_a_sweep_are_refused_and_the_sweep_finishes(tmp_path):
    """A client without the token is refused; one with it and an unknown trial id gets
    NOT_FOUND; the workers' sweep ends with every trial completed."""
    import grpc

    from sweeps.tuning_helpers import start_cli, stop_group
    base = write_yaml(tmp_path / "tiny.yaml", {**TINY_SWEEP_BASE, "name": "tiny",
                                               "train": {"epochs": 4, "batch_size": 16}})
    sweep = write_yaml(tmp_path / "rogue.yaml", {
        "experiment": str(base), "space": {"model.layers[0].units": {"int": [2, 8]}},
        "tuner": {"algorithm": "random", "max_trials": 3, "seed": 1}})
    log = tmp_path / "chief.log"
    proc = start_cli(["tune", str(sweep), "--workers", "1", "--results-dir",
                      str(tmp_path / "results")], log, tmp_path)
    try:
        address = wait_for(lambda: (re.findall(r"oracle on (127\.0\.0\.1:\d+)",
                                               log.read_text()) or [None])[0],
                           120, "the chief to serve", proc=proc)
        (sweep_dir,) = (tmp_path / "results" / "sweeps" / "rogue").glob("*")
        assert auth.TOKEN_ENV not in log.read_text()
        plain = grpc.insecure_channel(address)
        token = auth.token_path(sweep_dir).read_text().strip()
        assert token not in log.read_text()
        with_token = auth.channel(address, token)
        try:
            for method, fields in [("UpdateTrial", {"trial_id": "0", "step": 1}),
                                   ("CreateTrial", {"tuner_id": "rogue"})]:
                assert call(plain, method, **fields) == grpc.StatusCode.UNAUTHENTICATED
            assert call(with_token, "UpdateTrial", trial_id="no-such-trial",
                        step=1) == grpc.StatusCode.NOT_FOUND
        finally:
            plain.close()
            with_token.close()
        assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]
    finally:
        stop_group(proc)
    states = [read_json(sweep_dir / "tuner" / f"trial_{i}" / "trial.json")["status"]
              for i in range(3)]
    assert states == ["COMPLETED"] * 3
    assert os.path.isfile(sweep_dir / "leaderboard.csv")
