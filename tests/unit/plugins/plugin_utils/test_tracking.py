"""tracking: which services each VRRP instance tracks, and their weight, on resolved cluster descriptions."""

import pytest
from ansible_collections.lvs.cluster.plugins.plugin_utils import tracking
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services, resolve_vrrp_instances

HOSTVARS = {"lb1": {}, "lb2": {}, "lb3": {"lvs_director_priority": 200}, "web1": {"ansible_host": "192.0.2.21"}}
GROUPS = {"lvs_directors": ["lb1", "lb2", "lb3"], "lvs_realservers": ["web1"]}
SERVICES = [
    {"vip": "192.0.2.100", "port": 80},
    {"vip": "192.0.2.100", "port": 53, "protocol": "UDP", "alpha": True},
    {"vip": "2001:DB8::100", "port": 443},
    {"fwmark": 7, "fwmark_vips": ["192.0.2.101"]},
    {"vip": "192.0.2.200", "port": 80},
]
INSTANCES = [
    {"name": "VI_web", "virtual_router_id": 51, "vips": ["192.0.2.100", "2001:db8::100"]},
    {"name": "VI_mark", "virtual_router_id": 52, "vips": ["192.0.2.101"], "preferred_director": "lb2"},
    {"name": "VI_none", "virtual_router_id": 53, "vips": ["192.0.2.150"]},
]


def resolved(host="lb1"):
    services = resolve_services(SERVICES, HOSTVARS, GROUPS)
    instances = resolve_vrrp_instances(INSTANCES, HOSTVARS, GROUPS, host, default_interface="eth0")
    return tracking.vrrp_service_tracking(instances, services)


def test_each_instance_tracks_the_services_on_its_vips():
    result = resolved()
    assert result["instances"]["VI_web"]["files"] == [
        "vs_192.0.2.100_tcp_80", "vs_192.0.2.100_udp_53", "vs_2001_db8__100_tcp_443"]
    assert result["instances"]["VI_mark"]["files"] == ["vs_FWM_7"]
    assert result["instances"]["VI_none"]["files"] == []
    # 192.0.2.200 is on no instance: nothing tracks it.
    assert [entry["name"] for entry in result["files"]] == [
        "vs_192.0.2.100_tcp_80", "vs_192.0.2.100_udp_53", "vs_2001_db8__100_tcp_443", "vs_FWM_7"]


def test_an_alpha_service_starts_without_its_quorum():
    init = {entry["name"]: entry["init"] for entry in resolved()["files"]}
    assert init["vs_192.0.2.100_udp_53"] == 1 and init["vs_192.0.2.100_tcp_80"] == 0


@pytest.mark.parametrize("host", ["lb1", "lb2", "lb3"])
def test_the_weight_is_the_priority_spread_plus_one_on_every_director(host):
    # VI_web: 250, 240, 200 (lb3's own priority); VI_mark, preferred lb2: 250, 240, 230.
    instances = resolved(host)["instances"]
    assert instances["VI_web"]["weight"] == 51
    assert instances["VI_mark"]["weight"] == 21


def test_one_lost_service_puts_the_first_director_below_every_other():
    instances = resolve_vrrp_instances(INSTANCES[:1], HOSTVARS, GROUPS, "lb1", default_interface="eth0")
    weight = tracking.tracking_weight(instances[0]["priorities"])
    assert max(instances[0]["priorities"]) - weight < min(instances[0]["priorities"])
