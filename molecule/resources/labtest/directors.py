"""What the directors show: who holds which address, their kernel IPVS table (read with
the parser of lvs.cluster.ipvsadm_info), and keepalived's VRRP state changes.
`guests` is any object with check(name, command) -> stdout (guests.py)."""

from __future__ import annotations

import json
import time

from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm

# The kernel folds its per-CPU IPVS counters into the totals that ipvsadm --stats shows every
# 2 s (the rate estimator's timer): a read sooner after the traffic misses some of it.
STATS_SETTLE = 2.5


def addresses(guests, name: str) -> set[str]:
    """Every address on every interface of a guest."""
    return {a.get("local") for link in json.loads(guests.check(name, "ip -j address show"))
            for a in link.get("addr_info", [])}


def holders(guests, directors: list[str], *vips: str) -> list[list[str]]:
    """For each of vips (IPv4 or IPv6), the directors that have it on an interface."""
    listed = {name: addresses(guests, name) for name in directors}
    return [[name for name, held in listed.items() if vip in held] for vip in vips]


def ipvs_table(guests, name: str, stats: bool = False, settle: float = STATS_SETTLE) -> dict:
    """A director's kernel IPVS table as lvs.cluster.ipvsadm_info returns it; with stats, read `settle` seconds
    later (0: the caller waited)."""
    def listing(args):
        return guests.check(name, " ".join(["LC_ALL=C", "ipvsadm", *args]))

    if stats:
        time.sleep(settle)
    return ipvsadm.build_info(listing(ipvsadm.LIST_ARGS), stats_text=listing(ipvsadm.STATS_ARGS) if stats else None)


def real_servers(table: dict, vip: str, port: int) -> dict[str, int] | None:
    """{address: weight} of one virtual service of a table, None when the table lacks the service."""
    for service in table["services"]:
        if service.get("address") == vip and service.get("port") == port:
            return {rs["address"]: rs["weight"] for rs in service["real_servers"]}
    return None


def journal_cursor(guests, name: str) -> str:
    """The cursor of keepalived's last journal entry on a guest: vrrp_transitions() reads on from it.
    A cursor, not a time: a guest's clock may differ from the host's (docs/lab.md)."""
    last = guests.check(name, "journalctl -u keepalived -n 1 -o json --no-pager").strip()
    return json.loads(last)["__CURSOR"]


def journal_since(guests, name: str, cursor: str) -> str:
    return guests.check(name, f"journalctl -u keepalived -o cat --no-pager --after-cursor '{cursor}'")


def vrrp_transitions(guests, name: str, cursor: str) -> list[str]:
    """The states of every VRRP state change keepalived logged after `cursor`, in order."""
    return [line.split("Entering ", 1)[1].split(" STATE", 1)[0]
            for line in journal_since(guests, name, cursor).splitlines() if "Entering " in line and " STATE" in line]


def vrrp_priority(guests, name: str) -> int:
    """The first priority the role rendered into a director's keepalived.conf."""
    return int(guests.check(name, "awk '$1 == \"priority\" {print $2; exit}' /etc/keepalived/keepalived.conf"))
