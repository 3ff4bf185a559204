"""Bounded waiting for the lab to reach a state."""

from __future__ import annotations

import time


def wait_until(condition, timeout: float, what: str, interval: float = 0.5):
    """Poll condition() until it returns a true value, at most timeout seconds; return that value.
    Fails naming `what` when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            assert value, f"not within {timeout} s: {what}"
            return value
        time.sleep(interval)


def seconds_until(condition, timeout: float, what: str, interval: float = 0.1) -> float:
    """wait_until, returning how long it took."""
    start = time.monotonic()
    wait_until(condition, timeout, what, interval)
    return time.monotonic() - start
