# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark (not a test): what planned switchovers lose under client load, per scheduler.

    sudo make bench-switchover
    python tools/bench/switchover.py [--switchovers N] [--docs DIR | --no-docs]

Boots the lab of `make bench-converge` (namespace lvsbench) and converges the
examples/inventory cluster on dir1, dir2, rs1, rs2 with the connection sync
daemon. While the lab namespace sends one request every 50 ms to the VIP, it
runs N switchovers (playbooks/switchover.yml: every VIP off dir1, then back, so
2N VIP moves) with the web service on each scheduler in turn:

- rr, sloppy_tcp=0: a connection a director does not know is reset;
- mh with mh-port, sloppy_tcp=1: both directors hash a connection to the same
  real server, so the new MASTER forwards a packet it has no entry for.

Each move's failed requests are those that started between the start of its
switchover.yml run and the start of the next one. Prints the table and writes
the generated block of DIR/operations.md. Exit 0 when every run succeeded,
whatever it lost; 1 when a run failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import statistics
import sys
import time
import tomllib
from pathlib import Path

from converge import (LOAD_INTERVAL, LOGS, PREPARE, ROOT, SITE, SMALL_HOSTS, SMALL_INVENTORY, TOPOLOGY, Ansible,
                      BenchError, Lab, client_load, machine, markdown_table, run_on_lab, services_of, snapshot,
                      terminate, text_table)

SWITCHOVER = Path("playbooks") / "switchover.yml"
BEGIN = "<!-- bench-switchover begin (tools/bench/switchover.py) -->"
END = "<!-- bench-switchover end -->"
SYSCTL = {"net.ipv4.vs.conn_reuse_mode": 3, "net.ipv4.vs.expire_nodest_conn": 1,
          "net.ipv4.vs.expire_quiescent_template": 1}
SCHEDULERS = {
    "rr": ({"lb_algo": "rr"}, 0),
    "mh, mh-port, sloppy_tcp": ({"lb_algo": "mh", "scheduler_flags": ["mh-port"]}, 1),
}
HEADERS = ["scheduler", "switchovers", "VIP moves", "requests", "failed", "moves with a loss",
           "failed per move, median / max", "errors"]


def cluster_vars(inventory: Path, service: dict, sloppy_tcp: int) -> dict:
    """examples/inventory's cluster with the web service on a scheduler, and the sync daemon."""
    services = [dict(item, **service) for item in services_of(inventory)]
    return {"lvs_director_virtual_services": services, "lvs_director_sync_daemon": {"enabled": True},
            "lvs_director_sysctl": SYSCTL | {"net.ipv4.vs.sloppy_tcp": sloppy_tcp}}


def move_stats(results: Path, starts: list[float], end: float) -> list[dict]:
    """Failed requests and their errors per move: from a run's start to the next one's."""
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    moves = []
    for begin, until in zip(starts, starts[1:] + [end]):
        window = [line for line in lines if begin <= line["t"] < until]
        errors: dict[str, int] = {}
        for line in window:
            if not line["ok"]:
                errors[line.get("error", "?")] = errors.get(line.get("error", "?"), 0) + 1
        moves.append({"requests": len(window), "failed": sum(errors.values()), "errors": errors})
    return moves


def switchovers(ansible: Ansible, lab: Lab, tree: Path, inventories: list[Path], variables: dict, count: int,
                name: str, tmp: Path) -> list[dict]:
    """count switchovers off dir1 and back under load; the stats of each VIP move."""
    starts = []
    with client_load(lab, f"switchover-{name.split(',')[0]}", tmp, 3600) as results:
        for index in range(1, count + 1):
            for back in (False, True):
                starts.append(time.time())
                ansible.play(f"{name}: switchover {index} {'back to' if back else 'off'} dir1", tree / SWITCHOVER,
                             inventories, variables | {"lvs_switchover_from": "dir1", "lvs_switchover_back": back})
        end = time.time()
    moves = move_stats(results, starts, end)
    expected = (end - starts[0]) / LOAD_INTERVAL
    if sum(move["requests"] for move in moves) < expected / 2:
        raise BenchError(f"{name}: failed requests not measured: {sum(m['requests'] for m in moves)} requests "
                         f"for about {expected:.0f} sent")
    return moves


def row(name: str, moves: list[dict]) -> list[str]:
    failed = [move["failed"] for move in moves]
    errors: dict[str, int] = {}
    for move in moves:
        for kind, count in move["errors"].items():
            errors[kind] = errors.get(kind, 0) + count
    return [name, str(len(moves) // 2), str(len(moves)), str(sum(move["requests"] for move in moves)),
            str(sum(failed)), str(sum(1 for f in failed if f)), f"{statistics.median(failed):g} / {max(failed)}",
            ", ".join(f"{kind} {count}" for kind, count in sorted(errors.items())) or "none"]


def markdown_block(rows: list[list[str]], info: dict) -> str:
    m = info["machine"]
    return "\n".join([
        BEGIN,
        f"Measured {info['date']} by `sudo make bench-switchover` ([tools/bench/switchover.py]"
        f"(../tools/bench/switchover.py)) on commit {info['commit']}: {m['nproc']} CPUs, guests User-Mode "
        f"Linux {m['guest_kernel']}, one request every {LOAD_INTERVAL * 1000:.0f} ms from the lab "
        "namespace, connection sync daemon on; a move's requests are those that started from the start of its "
        "switchover.yml run to the start of the next.",
        "",
        markdown_table(HEADERS, rows),
        END,
    ])


def write_docs(docs: Path, block: str) -> None:
    page = docs / "operations.md"
    text = page.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise BenchError(f"{page} lacks the bench-switchover markers; not overwriting it")
    page.write_text(text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):], encoding="utf-8")
    print(f"wrote {page}")


def bench(args, lab: Lab, tmp: Path, rows: list[list[str]], info: dict) -> None:
    tree = snapshot(tmp, info)
    ansible = Ansible(tmp, lab.netns, forks=len(tomllib.loads(TOPOLOGY.read_text(encoding="utf-8"))["guests"]),
                      collections=tree.parents[2])
    lab_inventory = lab.boot()
    info["machine"] = machine(lab)
    inventories = [ansible.inventory("small", lab_inventory, SMALL_HOSTS), tree / SMALL_INVENTORY]
    ports = sorted({service["port"] for service in services_of(tree / SMALL_INVENTORY)})
    ansible.play("prepare", PREPARE, inventories, {"bench_listen_ports": ports})
    for name, (service, sloppy_tcp) in SCHEDULERS.items():
        variables = cluster_vars(tree / SMALL_INVENTORY, service, sloppy_tcp)
        ansible.play(f"{name}: converge", tree / SITE, inventories, variables)
        # switchover.yml reads the cluster description too: the same extra vars.
        moves = switchovers(ansible, lab, tree, inventories, variables, args.switchovers, name, tmp)
        info.setdefault("moves", {})[name] = moves
        rows.append(row(name, moves))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switchovers", type=int, default=10, help="switchovers (off dir1 and back) per scheduler")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--docs", type=Path, default=ROOT / "docs", help="where operations.md is (docs)")
    output.add_argument("--no-docs", action="store_true", help="print the figures only")
    args = parser.parse_args()
    if args.switchovers < 1:
        parser.error("--switchovers must be >= 1")
    if os.geteuid() != 0:
        parser.error("run as root: the lab needs network namespaces (sudo make bench-switchover)")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, terminate)
    # The converge bench's log directory: its Ansible runner writes there.
    LOGS.mkdir(parents=True, exist_ok=True)
    info = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    rows: list[list[str]] = []
    if not run_on_lab("bench-switchover", lambda lab, tmp: bench(args, lab, tmp, rows, info)):
        return 1
    print()
    print(text_table(HEADERS, rows))
    (LOGS / "switchover.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    if not args.no_docs:
        write_docs(args.docs, markdown_block(rows, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
