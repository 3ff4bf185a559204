"""Read the fault run's logs and turn a time window into figures.

A run directory holds:

- results.jsonl: one line per client request (tools/faults/loadgen.py);
- events.jsonl:  {"t": epoch, "case": "...", "label": "..."} for every injected
  fault and every observed reaction (VIP moved, real server left the table, ...);
- figures.json:  the figures of every case, written by the scenario's tests.

Shared by the scenario's tests (they assert on failures) and by report.py.
"""
from __future__ import annotations

import collections
import json
from pathlib import Path


def read_jsonl(path: Path) -> list[dict]:
    """Every complete JSON line of a file that may still be written to."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the last line of a file being appended to
    return rows


def read_results(path: Path) -> list[dict]:
    return sorted(read_jsonl(path), key=lambda r: r["t"])


def window_stats(results: list[dict], start: float, end: float) -> dict:
    """Client view of [start, end): requests, failures, which servers answered, outage.

    The outage runs from the last success before the first failure to the first
    success after the last failure (request start times), 0 without failures.
    """
    inside = [r for r in results if start <= r["t"] < end]
    failed = [r for r in inside if not r["ok"]]
    stats = {
        "requests": len(inside),
        "failed": len(failed),
        "errors": dict(collections.Counter(r.get("error", "?") for r in failed)),
        "servers": dict(sorted(collections.Counter(r["server"] for r in inside if r["ok"]).items())),
        "outage_s": 0.0,
        "first_failure": None,
        "last_failure": None,
    }
    if failed:
        first, last = failed[0]["t"], failed[-1]["t"]
        before = [r["t"] for r in results if r["ok"] and r["t"] < first]
        after = [r["t"] for r in results if r["ok"] and r["t"] > last]
        stats.update(first_failure=first, last_failure=last)
        if before and after:
            stats["outage_s"] = round(after[0] - before[-1], 3)
        else:
            stats["outage_s"] = None  # no success on one side: unbounded within the run
    return stats


def all_ok_since(results: list[dict], since: float) -> bool:
    """True when every request started since `since` succeeded (and there were some)."""
    recent = [r for r in results if r["t"] >= since]
    return bool(recent) and all(r["ok"] for r in recent)
