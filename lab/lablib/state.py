"""The state of one running lab: recorded pids, images, the lock that serialises commands."""

from __future__ import annotations

import contextlib
import fcntl
import json
from pathlib import Path

from .util import log


class State:
    def __init__(self, directory: Path):
        self.dir = directory
        self.path = directory / "state.json"
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.data.setdefault("guests", {})

    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2))
        tmp.replace(self.path)


@contextlib.contextmanager
def lock(directory: Path):
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{directory}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another lvslab holding {directory}.lock")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
