"""A process that imported rnnbench can fork and exec while gRPC is busy.

gRPC 1.80 and later can abort a forked child before its exec when fork
support is on (grpc/grpc#43055): a test's `preexec_fn` child of a pytest
worker whose earlier tests served an oracle died with SIGABRT that way.
`import rnnbench` turns gRPC's fork support off before gRPC is imported.
"""

import os
import subprocess
import sys
import textwrap

import pytest

FORKS = 1000  # without the setting about 1% of them abort here (grpcio 1.85.3)

BUSY_GRPC_THEN_FORK = textwrap.dedent(f"""
    import os, subprocess, threading
    from concurrent import futures
    # fork, not vfork or posix_spawn, so gRPC's fork handlers run in the child
    # (as under `preexec_fn`, without Python code between fork and exec)
    subprocess._USE_VFORK = False
    subprocess._USE_POSIX_SPAWN = False
    import rnnbench  # before gRPC, as every rnnbench process imports it
    import grpc
    server = grpc.server(futures.ThreadPoolExecutor(8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "svc", {{"M": grpc.unary_unary_rpc_method_handler(lambda r, c: r)}}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    call = grpc.insecure_channel(f"127.0.0.1:{{port}}").unary_unary("/svc/M")
    stop = threading.Event()
    def busy():
        while not stop.is_set():
            call(b"x", timeout=10)
    threads = [threading.Thread(target=busy, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    codes = [subprocess.run(["true"]).returncode for _ in range({FORKS})]
    stop.set()
    for thread in threads:
        thread.join()
    server.stop(None)
    print(sum(code != 0 for code in codes), flush=True)
    # gRPC's threads can hold interpreter shutdown forever; the count is out
    os._exit(0)
""")


@pytest.mark.slow
def test_children_forked_while_grpc_is_busy_all_reach_exec():
    env = {k: v for k, v in os.environ.items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
    done = subprocess.run([sys.executable, "-c", BUSY_GRPC_THEN_FORK], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-1] == "0", done.stderr[-3000:]


def test_the_users_own_setting_is_kept():
    env = {**os.environ, "GRPC_ENABLE_FORK_SUPPORT": "true"}
    done = subprocess.run(
        [sys.executable, "-c", "import os, rnnbench; print(os.environ['GRPC_ENABLE_FORK_SUPPORT'])"],
        env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "true", done.stderr
