"""Processes the lab starts, recorded by pid and kernel start time.

A record is {"pid": N, "start": T}; the start time guards against a reused
pid, so the lab never signals a process it did not start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from .util import STOP_TIMEOUT, LabError


def proc_stat(pid: int | str) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 is field 3)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def start_time(pid: int) -> int | None:
    """Kernel start time of a live process."""
    fields = proc_stat(pid)
    return int(fields[19]) if fields and fields[0] != "Z" else None


def alive(rec: dict | None) -> bool:
    return bool(rec) and start_time(rec["pid"]) == rec["start"]


def group_members(rec: dict) -> list[int]:
    """Live processes of the recorded process group born no earlier than its leader."""
    members = []
    for entry in Path("/proc").iterdir():
        fields = proc_stat(entry.name) if entry.name.isdigit() else None
        if (fields and fields[0] != "Z" and int(fields[2]) == rec["pid"]
                and int(fields[19]) >= rec["start"]):
            members.append(int(entry.name))
    return members


def stop(find, sig: int = signal.SIGTERM, what: str = "processes") -> None:
    """Signal the pids `find()` returns with `sig`, wait (bounded), then SIGKILL."""
    for signum in (sig, signal.SIGKILL):
        pids = find()
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        deadline = time.monotonic() + STOP_TIMEOUT
        while find() and time.monotonic() < deadline:
            time.sleep(0.1)
    if find():
        raise LabError(f"{what} survived SIGKILL")


def stop_group(rec: dict | None, sig: int = signal.SIGTERM) -> None:
    """Stop a recorded process group (a guest's UML processes, the repository)."""
    if rec:
        stop(lambda: group_members(rec), sig, f"process group {rec['pid']}")


def spawn(cmd: list[str], logfile: Path, env: dict | None = None) -> dict:
    """Start a detached process in its own session; return its record."""
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, env=env,
                                stderr=subprocess.STDOUT, start_new_session=True)
    start = None
    for _ in range(50):
        start = start_time(proc.pid)
        if start is not None:
            break
        time.sleep(0.01)
    return {"pid": proc.pid, "start": start}
