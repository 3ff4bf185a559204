"""Real servers: VIP on lo as /32, ARP suppression live and persistent."""
import json

import pytest

from conftest import VIP, hosts_of

testinfra_hosts = hosts_of("lvs_realservers")


def test_vip_on_loopback_as_host_route(host):
    addrs = json.loads(host.check_output("ip -j -4 addr show dev lo"))
    prefixes = [a["prefixlen"] for link in addrs for a in link["addr_info"] if a["local"] == VIP]
    assert prefixes == [32]


def test_vip_not_on_the_service_interface(host):
    addrs = json.loads(host.check_output("ip -j -4 addr show"))
    devices = [link["ifname"] for link in addrs for a in link["addr_info"] if a["local"] == VIP]
    assert devices == ["lo"]


@pytest.mark.parametrize("key,value", [
    ("net.ipv4.conf.all.arp_ignore", 1),
    ("net.ipv4.conf.all.arp_announce", 2),
    ("net.ipv4.conf.lo.arp_ignore", 1),
    ("net.ipv4.conf.lo.arp_announce", 2),
])
def test_arp_sysctls_live_and_persistent(host, key, value):
    assert host.sysctl(key) == value
    assert host.run(f"grep -rqE '^{key} *= *{value}$' /etc/sysctl.d/").rc == 0
