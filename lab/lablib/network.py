"""The lab's network namespace: a bridge with the client's addresses and one tap per guest."""

from __future__ import annotations

from pathlib import Path

from .topology import Topology
from .util import run


def netns_exists(topo: Topology) -> bool:
    return Path("/run/netns", topo.netns).exists()


def link_exists(topo: Topology, name: str) -> bool:
    return run(["ip", "-n", topo.netns, "link", "show", name], check=False, capture=True).returncode == 0


def ensure(topo: Topology) -> None:
    ip = ["ip", "-n", topo.netns]
    if not netns_exists(topo):
        run(["ip", "netns", "add", topo.netns])
    run([*ip, "link", "set", "lo", "up"])
    if not link_exists(topo, topo.bridge):
        run([*ip, "link", "add", topo.bridge, "type", "bridge", "mcast_snooping", "0"])
        run([*ip, "addr", "add", str(topo.ipv4), "dev", topo.bridge])
        run([*ip, "addr", "add", str(topo.ipv6), "dev", topo.bridge, "nodad"])
    run([*ip, "link", "set", topo.bridge, "up"])
    for g in topo.guests.values():
        if not link_exists(topo, g.tap):
            run([*ip, "tuntap", "add", g.tap, "mode", "tap"])
        run([*ip, "link", "set", g.tap, "master", topo.bridge, "up"])


def remove(topo: Topology) -> None:
    for g in topo.guests.values():
        if link_exists(topo, g.tap):
            run(["ip", "-n", topo.netns, "link", "del", g.tap])
    if link_exists(topo, topo.bridge):
        run(["ip", "-n", topo.netns, "link", "del", topo.bridge])
    run(["ip", "netns", "del", topo.netns])


def offloads_off(topo: Topology, name: str) -> None:
    """Offloads off on the host side of a guest's tap.

    Left on, host-to-guest TCP stalls (Ansible tasks take ~50 s instead of ~2 s).
    UML re-enables them each time it attaches the tap, so this runs once the
    guest is up.
    """
    run(topo.ns("ethtool", "-K", topo.guests[name].tap,
                "tso", "off", "gso", "off", "gro", "off", "tx", "off"), capture=True)


def port_open(topo: Topology, host, port: int) -> bool:
    return run(topo.ns("nc", "-z", "-w", "2", host, port), check=False, capture=True,
               timeout=10).returncode == 0


def set_link(topo: Topology, name: str, up: bool) -> None:
    """A guest's bridge port forwards (3) or is disabled (0); the tap itself stays up."""
    run(topo.ns("bridge", "link", "set", "dev", topo.guests[name].tap, "state", "3" if up else "0"))
