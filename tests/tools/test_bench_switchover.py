"""tools/bench/switchover.py's figures, on load generator lines of a real fault scenario run (faults run 12 of
2026-12-07: the requests around the first cut, which timed out, and a reset of a later case)."""

from __future__ import annotations

from pathlib import Path

import switchover

ROOT = Path(__file__).resolve().parents[2]

RESULTS = Path(__file__).parent / "fixtures" / "loadgen.jsonl"
T0 = 1796658691.8


def test_each_move_counts_the_requests_started_before_the_next_one():
    moves = switchover.move_stats(RESULTS, [T0, T0 + 0.9, T0 + 1.9], T0 + 90)
    assert moves == [
        {"requests": 4, "failed": 4, "errors": {"timeout": 4}},
        {"requests": 5, "failed": 0, "errors": {}},
        {"requests": 6, "failed": 1, "errors": {"reset": 1}},
    ]


def test_the_row_sums_the_moves_and_names_the_errors():
    moves = switchover.move_stats(RESULTS, [T0, T0 + 0.9, T0 + 1.9, T0 + 2.5], T0 + 90)
    assert switchover.row("rr", moves) == ["rr", "2", "4", "15", "5", "2", "0.5 / 4", "reset 1, timeout 4"]


def test_the_cluster_keeps_the_examples_services_with_the_scheduler_and_sloppy_tcp():
    variables = switchover.cluster_vars(ROOT / "examples" / "inventory", {"lb_algo": "mh", "scheduler_flags": ["mh-port"]}, 1)
    (web,) = variables["lvs_director_virtual_services"]
    assert (web["name"], web["lb_algo"], web["scheduler_flags"]) == ("web", "mh", ["mh-port"])
    assert variables["lvs_director_sysctl"]["net.ipv4.vs.sloppy_tcp"] == 1
    assert variables["lvs_director_sync_daemon"] == {"enabled": True}
