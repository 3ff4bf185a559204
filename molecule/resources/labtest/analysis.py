# SPDX-License-Identifier: GPL-3.0-or-later
"""Read the fault run's logs and turn a time window into figures.

A run directory holds:

- results.jsonl: one line per client request (loadgen.py);
- events.jsonl:  {"t": epoch, "case": "...", "label": "..."} for every injected
  fault and every observed reaction (VIP moved, real server left the table, ...);
- figures.json:  the figures of every case, written by the scenario's tests.

Shared by the scenario's tests (they assert on failures) and by report.py.
"""
from __future__ import annotations

import collections
import json
from pathlib import Path

# An answer slower than this needed a retransmission (TCP's first one is after 1 s).
SLOW_MS = 900


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
    """Client view of the requests started in [start, end).

    outage_s is the longest time without a successful answer: the largest gap
    between the completions of consecutive successful requests (the last one
    before the window included). It is about the request interval when all is
    well, and covers a failover from the last answer before it to the first
    answer after it, retransmitted SYNs included.
    """
    inside = [r for r in results if start <= r["t"] < end]
    failed = [r for r in inside if not r["ok"]]
    done = sorted(r["t"] + r["ms"] / 1000 for r in results if r["ok"] and r["t"] < end)
    before = [c for c in done if c < start]
    answers = before[-1:] + [c for c in done if c >= start]
    gaps = [b - a for a, b in zip(answers, answers[1:])]
    return {
        "requests": len(inside),
        "failed": len(failed),
        "errors": dict(collections.Counter(r.get("error", "?") for r in failed)),
        "servers": dict(sorted(collections.Counter(r["server"] for r in inside if r["ok"]).items())),
        "slow": sum(1 for r in inside if r["ok"] and r["ms"] > SLOW_MS),
        "outage_s": round(max(gaps), 3) if gaps else None,
        "first_failure": failed[0]["t"] if failed else None,
        "last_failure": failed[-1]["t"] if failed else None,
    }


def all_ok_since(results: list[dict], since: float) -> bool:
    """True when every request started since `since` succeeded (and there were some)."""
    recent = [r for r in results if r["t"] >= since]
    return bool(recent) and all(r["ok"] for r in recent)
