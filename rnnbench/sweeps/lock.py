"""One owner per sweep folder: `sweep.lock`, held while a tuner or chief runs.

The lock is `fcntl.flock` on `SWEEP_DIR/sweep.lock`: the kernel drops it when
the holder dies however it dies (SIGKILL, OOM), so a lock left behind by a
dead process is simply free again on this host. The file also records who
holds it (pid, host, since when, a heartbeat), for the message a second
owner gets, and because flock is not reliable on every shared filesystem
(some NFS setups, SMB, FUSE): a holder on another host whose heartbeat is
recent is respected even when flock lets us in.
"""

import datetime
import fcntl
import json
import logging
import os
import socket
import threading
import time
from pathlib import Path

from rnnbench.errors import UserError

LOCK_NAME = "sweep.lock"
# `FD:PATH` of a lock this process held before it re-executed itself (`hand_over`).
HANDOVER_ENV = "RNNBENCH_SWEEP_LOCK_FD"
HEARTBEAT_S = 30
# A holder on another host is taken as alive while its heartbeat is this fresh.
STALE_AFTER_S = 4 * HEARTBEAT_S
log = logging.getLogger("rnnbench")


def now_iso():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


class SweepLock:
    """The exclusive lock on one sweep folder; `with SweepLock(dir):` owns it."""

    def __init__(self, sweep_dir, command=None):
        self.path = Path(sweep_dir) / LOCK_NAME
        self.command = command
        self._fd = None
        self._stop = threading.Event()
        self._mutex = threading.Lock()  # the heartbeat never writes to a closed fd
        self._holder = None

    def __enter__(self):
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()

    def acquire(self):
        """Takes the lock or raises `UserError` naming the holder."""
        fd = self._inherited()
        if fd is not None:  # ours already, from before `hand_over`
            self._hold(fd, since=read_holder(fd).get("since"))
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_holder(fd)
            os.close(fd)
            raise UserError(self.held_message(holder)) from None
        previous = read_holder(fd)
        if previous and alive_elsewhere(previous):
            os.close(fd)
            raise UserError(self.held_message(previous))
        if previous:
            log.warning(f"taking over the lock of {self.path.parent}: its holder "
                        f"({describe(previous)}) is gone")
        self._hold(fd)

    def _hold(self, fd, since=None):
        self._fd = fd
        self._stop.clear()
        self._holder = {"pid": os.getpid(), "host": socket.gethostname(),
                        "since": since or now_iso(), "heartbeat": time.time(),
                        "command": self.command}
        self._write()
        threading.Thread(target=self._beat, daemon=True, name="sweep-lock").start()

    def hand_over(self):
        """Keeps the lock held across an `os.execv` of this process.

        The open file (and so the flock) is inherited by the new program,
        which takes it back in `acquire`; the lock is never free in between.
        """
        self._stop.set()
        os.set_inheritable(self._fd, True)
        os.environ[HANDOVER_ENV] = f"{self._fd}:{self.path}"

    def _inherited(self):
        """The lock's fd if this process inherited it across an exec, else None."""
        value = os.environ.pop(HANDOVER_ENV, None)
        if not value:
            return None
        fd_text, _, path = value.partition(":")
        try:
            fd = int(fd_text)
            same = os.path.samestat(os.fstat(fd), os.stat(self.path))
        except (ValueError, OSError):
            return None
        if path != str(self.path) or not same:
            return None
        os.set_inheritable(fd, False)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by this open file already
        return fd

    def release(self):
        """Empties the holder record and drops the lock (the file stays: see `acquire`)."""
        if self._fd is None:
            return
        self._stop.set()
        with self._mutex:
            # Emptied, not deleted: a process that opened the old file would
            # otherwise lock an unlinked inode while a third creates a new one.
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    def _write(self):
        data = json.dumps(self._holder).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_S):
            with self._mutex:
                if self._fd is None:
                    return
                self._holder["heartbeat"] = time.time()
                self._write()

    def held_message(self, holder):
        return (f"Sweep folder {self.path.parent} is in use by another process "
                f"({describe(holder)}); a sweep folder has one owner at a time, so this "
                f"one did not start. Wait for it to end or stop it (its trials resume "
                f"with --resume); if that process is gone, run again: a lock whose "
                f"holder died is taken over. Lock file: {self.path}")


def read_holder(fd):
    """The holder record in the lock file, `{}` if empty or unreadable."""
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def alive_elsewhere(holder):
    """A holder on another host with a fresh heartbeat (flock may not see it)."""
    if holder.get("host") in (None, socket.gethostname()):
        return False  # same host: flock is authoritative
    beat = holder.get("heartbeat")
    return isinstance(beat, (int, float)) and time.time() - beat < STALE_AFTER_S


def describe(holder):
    if not holder:
        return "holder unknown: its lock file is empty"
    parts = [f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}",
             f"since {holder.get('since', '?')}"]
    if holder.get("command"):
        parts.append(f"running `{holder['command']}`")
    return ", ".join(parts)
