"""LVS-DR end to end, from the client side of the lab."""
import collections
import json

from conftest import VIP, VIP_PORT, http_get_vip, ipvs_table, mac_of, vip_holders
from labtest.lab import client

REQUESTS = 20


def _vip_service(table):
    return next(s for s in table["services"] if s["address"] == VIP and s["port"] == VIP_PORT)


def test_requests_are_balanced_round_robin_and_bypass_the_director(master):
    before = _vip_service(ipvs_table(master, stats=True))["stats"]
    bodies = http_get_vip(REQUESTS)
    after = _vip_service(ipvs_table(master, stats=True))["stats"]

    assert "" not in bodies, f"unanswered requests: {bodies}"
    assert collections.Counter(bodies) == {"rs1": REQUESTS // 2, "rs2": REQUESTS // 2}
    # Fewer means another director forwarded some: name who holds the VIP now.
    assert after["connections"] - before["connections"] == REQUESTS, f"VIP holders now: {vip_holders()}"
    assert after["packets_in"] > before["packets_in"]
    # Direct Routing: replies go from the real servers to the client, never through the director.
    assert after["packets_out"] == 0


def test_client_resolves_the_vip_to_the_master_director(master):
    http_get_vip(1)
    neigh = client("ip", "-j", "neigh", "show", VIP)
    entries = json.loads(neigh.stdout)
    assert len(entries) == 1, neigh.stdout
    assert entries[0]["lladdr"] == mac_of(master, VIP)
