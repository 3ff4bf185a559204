"""The lab namespace as the upstream router of ECMP directors: BIRD with BGP and BFD.

A topology with a [router] table gets a BIRD daemon inside the lab's namespace.
It peers with the named guests over BGP (with BFD), accepts the host routes
(/32) they announce from the VIP prefixes, and installs them into the
namespace's kernel as ECMP routes; the namespace hashes each flow on its L4
ports (fib_multipath_hash_policy=1), so every new client connection may take
another director. The client, the router and the apt repository are one place:
the namespace side of the lab bridge.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .util import LabError

if TYPE_CHECKING:
    from .topology import Topology

# BIRD from Debian's bird2 package, unpacked and not installed: installed, it would run a BIRD service on the
# build host.
DEBIAN_TOOL = Path(__file__).resolve().parents[2] / "tools" / "debian-tool"


@dataclass(frozen=True)
class Router:
    asn: int
    peer_asn: int
    peers: tuple[str, ...]
    prefixes: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    bfd_interval_ms: int = 100
    bfd_multiplier: int = 3

    @classmethod
    def from_table(cls, table: dict, guests) -> "Router":
        try:
            router = cls(int(table["asn"]), int(table["peer_asn"]), tuple(table["peers"]),
                         tuple(ipaddress.ip_network(p) for p in table["prefixes"]),
                         int(table.get("bfd_interval_ms", 100)), int(table.get("bfd_multiplier", 3)))
        except (KeyError, TypeError, ValueError) as exc:
            raise LabError(f"[router]: {exc}; it needs asn, peer_asn, peers and prefixes") from exc
        if any(p.version != 4 for p in router.prefixes):
            raise LabError("[router] prefixes: the lab router peers over IPv4 and takes IPv4 prefixes only")
        for asn in (router.asn, router.peer_asn):
            if not 1 <= asn <= 4294967294:
                raise LabError(f"[router]: AS number {asn} is outside 1-4294967294")
        unknown = [name for name in router.peers if name not in guests]
        if unknown or not router.peers:
            raise LabError(f"[router] peers {unknown or '[]'}: name guests of the topology")
        return router


CONFIG = """# Written by lvslab from the topology's [router] table.
router id {router_id};
log stderr all;
protocol device {{ scan time 10; }}

# Equal routes from several directors become one multipath route in the kernel.
protocol kernel {{
    ipv4 {{ import none; export all; }};
    merge paths on;
}}

protocol bfd {{
    interface "{bridge}" {{
        min rx interval {interval} ms;
        min tx interval {interval} ms;
        multiplier {multiplier};
    }};
}}

template bgp director {{
    local {router_id} as {asn};
    bfd on;
    # A director that comes back is peered again within seconds, not after BIRD's default 60 s.
    error wait time 1, 10;
    ipv4 {{ import where net ~ [ {host_routes} ]; export none; }};
}}
"""
PEER = """
protocol bgp {name} from director {{
    neighbor {address} as {peer_asn};
}}
"""


def config(topo: Topology, router: Router) -> str:
    """bird.conf of the router: one BGP session with BFD per peer, ECMP into the kernel."""
    text = CONFIG.format(router_id=topo.ipv4.ip, bridge=topo.bridge, interval=router.bfd_interval_ms,
                         multiplier=router.bfd_multiplier, asn=router.asn,
                         host_routes=", ".join(f"{p}{{32,32}}" for p in router.prefixes))
    return text + "".join(PEER.format(name=name, address=topo.guests[name].address, peer_asn=router.peer_asn)
                          for name in router.peers)


def bird(program: str, *args) -> list[str]:
    """The argv of one of BIRD's programs (bird, birdc) with its arguments."""
    return [str(DEBIAN_TOOL), "bird2", f"usr/sbin/{program}", *(str(arg) for arg in args)]


def start_command(topo: Topology, conf, socket) -> list[str]:
    """BIRD in the foreground (its pid is the lab's record), inside the lab namespace."""
    return topo.ns(*bird("bird", "-f", "-c", conf, "-s", socket))
