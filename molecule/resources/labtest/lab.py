"""The lab a scenario runs on (LVSLAB_* in the environment select it) and its client side."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAB = ROOT / "lab" / "lvslab"
LAB_NETNS = os.environ.get("LVSLAB_NETNS", "lvslab")


def lab(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """lab/lvslab with this session's environment; fails the test when it fails."""
    result = subprocess.run([LAB, *args], capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"lvslab {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def client(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run a command on the client side of the lab (inside its network namespace)."""
    return subprocess.run(["ip", "netns", "exec", LAB_NETNS, *argv],
                          capture_output=True, text=True, timeout=timeout, check=False)


def in_lab_netns(function, *args):
    """Run function(*args) in a thread that joined the lab's network namespace (sockets stay there)."""
    box: dict = {}

    def target():
        try:
            with open(f"/run/netns/{LAB_NETNS}", "rb") as netns:
                os.setns(netns.fileno(), os.CLONE_NEWNET)
            box["value"] = function(*args)
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if "error" in box:
        raise box["error"]
    return box.get("value")
