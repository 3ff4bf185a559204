"""Messages, commands and signal handling shared by every part of the lab."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

STOP_TIMEOUT = 10


class Interrupted(Exception):
    """A SIGINT/SIGTERM/SIGHUP arrived."""


class LabError(Exception):
    """A failure with a message for the user."""


# Signals are deferred inside critical sections, so a pid is never lost
# between starting a process and recording it.
_critical = 0
_pending: int | None = None


def _on_signal(signum, _frame):
    global _pending
    if _critical:
        _pending = signum
        return
    raise Interrupted(signal.Signals(signum).name)


def handle_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)


@contextlib.contextmanager
def critical():
    global _critical, _pending
    _critical += 1
    try:
        yield
    finally:
        _critical -= 1
        if not _critical and _pending:
            signum, _pending = _pending, None
            raise Interrupted(signal.Signals(signum).name)


def log(msg: str) -> None:
    print(f"[lvslab] {msg}", flush=True)


@contextlib.contextmanager
def step(title: str):
    log(f"{title} ...")
    start = time.monotonic()
    yield
    log(f"{title}: done in {time.monotonic() - start:.1f}s")


def run(cmd, *, check=True, capture=False, timeout=None, **kw) -> subprocess.CompletedProcess:
    """Run a command; on interruption stop the child by its pid before re-raising."""
    if not shutil.which(str(cmd[0])):
        raise LabError(f"{cmd[0]} not found; see docs/lab.md for the packages the lab needs")
    # The commands read nothing: an ssh probe stopped at its timeout would otherwise leave
    # the caller's stdin non-blocking, and ansible-playbook refuses to start on that.
    try:
        proc = subprocess.Popen(
            cmd, stdin=kw.pop("stdin", subprocess.DEVNULL),
            stdout=subprocess.PIPE if capture else kw.pop("stdout", None),
            stderr=subprocess.PIPE if capture else kw.pop("stderr", None),
            text=True, **kw)
    except OSError as exc:
        raise LabError(f"cannot run {shlex.join(map(str, cmd))}: {exc.strerror}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    if check and proc.returncode:
        detail = f": {err.strip()}" if err else ""
        raise LabError(f"command failed ({proc.returncode}): {shlex.join(map(str, cmd))}{detail}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def safe_rmtree(path: Path) -> None:
    """Remove a tree, refusing to descend into anything mounted below it."""
    if not path.exists():
        return
    real = os.path.realpath(path)
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mnt = line.split()[4]
        if mnt == real or mnt.startswith(real + "/"):
            raise LabError(f"{mnt} is mounted inside {path}; unmount it first")
    shutil.rmtree(path)
