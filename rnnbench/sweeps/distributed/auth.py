"""Who may talk to the oracle: a token on every RPC, and one live worker per id.

The chief takes its token from `RNNBENCH_ORACLE_TOKEN` or makes a random
one, and writes it to `<sweep folder>/oracle-token` (mode 0600: only its
owner can read it). Every RPC carries it as gRPC metadata; the server's
`Gate` refuses a call without it (`UNAUTHENTICATED`) before any handler or
the oracle's lock is reached. A worker's calls also carry its id and an
instance tag (host, pid); a second instance claiming an id another one used
within `LIVE_S` seconds is refused (`ALREADY_EXISTS`) naming that one.
"""

import hmac
import os
import secrets
import socket
import threading
import time
from pathlib import Path

from rnnbench.errors import UserError

TOKEN_ENV = "RNNBENCH_ORACLE_TOKEN"
# Set by the local supervisor: a worker it restarts keeps its slot's instance,
# so the restart is not refused as a duplicate of the process that just died.
INSTANCE_ENV = "RNNBENCH_WORKER_INSTANCE"
TOKEN_FILE = "oracle-token"
TOKEN_KEY = "rnnbench-token"
WORKER_KEY = "rnnbench-worker"
INSTANCE_KEY = "rnnbench-instance"
# An id is live while its worker was heard from this recently (it pings every
# heartbeat.HEARTBEAT_S = 2 s, also while it trains). Not imported from there:
# this module stays free of Keras Tuner.
LIVE_S = 10.0


def token_path(sweep_dir):
    return Path(sweep_dir) / TOKEN_FILE


def chief_token(sweep_dir):
    """The chief's token (from `RNNBENCH_ORACLE_TOKEN`, else new), written 0600 to the folder."""
    token = os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(32)
    path = token_path(sweep_dir)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return token


def worker_token(sweep_dir, token_file=None):
    """The token a worker sends: `RNNBENCH_ORACLE_TOKEN`, else `token_file`, else the
    sweep folder's `oracle-token`."""
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    path = Path(token_file) if token_file else token_path(sweep_dir)
    try:
        token = path.read_text().strip()
    except OSError as e:
        token, why = "", e.strerror
    else:
        why = "it is empty"
    if not token:
        raise UserError(
            f"Expected the oracle's token in `{TOKEN_ENV}` or in {path} (which the chief "
            f"writes when it starts). Received: neither ({path}: {why}). Start the chief "
            f"first, or pass `--token-file` / set {TOKEN_ENV} to the chief's token.")
    return token


def instance_tag():
    """`host pid N`: names this worker process to the chief (and to a duplicate)."""
    return os.environ.get(INSTANCE_ENV) or f"{socket.gethostname()} pid {os.getpid()}"


def metadata(token, worker_id=None, instance=None):
    pairs = [(TOKEN_KEY, token)]
    if worker_id:
        pairs += [(WORKER_KEY, worker_id), (INSTANCE_KEY, instance or instance_tag())]
    return tuple(pairs)


def channel(address, token, worker_id=None, instance=None):
    """A gRPC channel to `address` whose every call carries the token (and the id)."""
    import grpc

    pairs = metadata(token, worker_id, instance)

    class Details(grpc.ClientCallDetails):
        def __init__(self, base):
            self.method = base.method
            self.timeout = base.timeout
            self.metadata = tuple(base.metadata or ()) + pairs
            self.credentials = base.credentials
            self.wait_for_ready = base.wait_for_ready
            self.compression = base.compression

    class AddMetadata(grpc.UnaryUnaryClientInterceptor):
        def intercept_unary_unary(self, continuation, details, request):
            return continuation(Details(details), request)

    return grpc.intercept_channel(grpc.insecure_channel(address), AddMetadata())


def make_gate(token, live_s=LIVE_S):
    """The server interceptor that checks the token and the worker ids."""
    import grpc

    def refusal(code, text):
        def abort(request, context):
            context.abort(code, text)
        return grpc.unary_unary_rpc_method_handler(abort)

    class Gate(grpc.ServerInterceptor):
        def __init__(self):
            self.workers = {}  # worker id -> (instance, last heard, monotonic)
            self.lock = threading.Lock()  # calls arrive on several server threads

        def intercept_service(self, continuation, details):
            given = dict(details.invocation_metadata or ())
            sent = str(given.get(TOKEN_KEY, ""))
            if not hmac.compare_digest(sent.encode(), token.encode()):
                return refusal(grpc.StatusCode.UNAUTHENTICATED,
                               "the oracle's token is missing or wrong")
            worker_id, instance = given.get(WORKER_KEY), given.get(INSTANCE_KEY)
            if worker_id:
                other = self.claim(worker_id, instance or "?")
                if other is not None:
                    return refusal(grpc.StatusCode.ALREADY_EXISTS,
                                   f"worker id {worker_id!r} is in use by a live worker "
                                   f"({other})")
            return continuation(details)

        def claim(self, worker_id, instance):
            """None if `instance` may use `worker_id` now; else the live holder's tag."""
            now = time.monotonic()
            with self.lock:
                holder, heard = self.workers.get(worker_id, (None, 0.0))
                if holder not in (None, instance) and now - heard <= live_s:
                    return holder
                self.workers[worker_id] = (instance, now)
            return None

    return Gate()
