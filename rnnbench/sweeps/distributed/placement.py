"""Where each worker runs: its id, GPU and threads, and the command that starts it."""

import dataclasses
import os
import shutil
import socket
import subprocess
import sys

from rnnbench.errors import UserError
from rnnbench.sweeps.distributed import addresses, auth


def parse_gpus(text):
    """The GPU indices of `--gpus 0,1,...` or `all` (via nvidia-smi, no TensorFlow)."""
    if text is None:
        return None
    if text == "all":
        smi = shutil.which("nvidia-smi")
        found = []
        if smi:
            out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
            found = [str(i) for i, line in enumerate(out.stdout.splitlines())
                     if line.startswith("GPU ")]
        if not found:
            raise UserError("`--gpus all` found no GPU (nvidia-smi -L lists none). "
                            "Name them (--gpus 0,1) or leave --gpus out on a CPU machine.")
        return found
    gpus = [g.strip() for g in text.split(",")]
    if not all(g.isdigit() for g in gpus) or len(set(gpus)) != len(gpus):
        raise UserError(f"Expected `--gpus` to be `all` or distinct GPU indices like "
                        f"0,1,2,3. Received: {text!r}")
    return gpus


def cpu_threads(workers):
    """Intra-op threads per worker when `workers` share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // workers)


@dataclasses.dataclass
class Placement:
    """Where one worker runs: its id, GPU (or none) and intra-op threads."""

    tuner_id: str
    gpu: str = None
    threads: int = None

    def env(self):
        if self.gpu is None:
            return {}
        # Memory growth: a worker takes what it uses, not the whole GPU.
        return {"CUDA_VISIBLE_DEVICES": self.gpu, "TF_FORCE_GPU_ALLOW_GROWTH": "true"}

    def args(self):
        return ["--threads", str(self.threads)] if self.threads else []


def placements(ids, gpus=None, threads=None):
    """One placement per id; with `gpus`, one per GPU (ids `ID-gpuK`)."""
    if gpus:
        return [Placement(f"{ids[0]}-gpu{g}", g, threads) for g in gpus]
    return [Placement(tid, None, threads) for tid in ids]


def default_worker_id():
    """`HOST-PID`: distinct for cloned hosts and containers that share a hostname.

    A worker restarted by hand gets its trial back only under the same id, so
    pass `--id` where workers are restarted (local supervision does).
    """
    return f"{socket.gethostname()}-{os.getpid()}"


def worker_command(placement, address, sweep_dir, token_file=None):
    """`(argv, env)` of a worker process.

    Its instance tag is fixed here, so the supervisor's restart of a dead
    worker is not refused as a duplicate of itself.
    """
    argv = [sys.executable, "-m", "rnnbench", "worker", "--oracle", address,
            "--sweep-dir", str(sweep_dir), "--id", placement.tuner_id, *placement.args()]
    if token_file is not None:
        argv += ["--token-file", str(token_file)]
    host, port = addresses.parse_address(address, "--oracle")
    env = {**os.environ, **addresses.oracle_env(host, port, placement.tuner_id),
           **placement.env(),
           auth.INSTANCE_ENV: f"{socket.gethostname()} pid {os.getpid()} slot "
                              f"{placement.tuner_id}"}
    return argv, env
