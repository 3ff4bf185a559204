"""plugin_utils/ecmp_checks.py, through check_cluster: lvs_director_mode ecmp."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import errors_of, instances, services

BGP = {'asn': 64501, 'peers': [{'address': '192.0.2.1', 'asn': 64500}]}
MH = services(lb_algo='mh', inhibit_on_failure=True)


def test_an_ecmp_cluster_needs_no_vrrp_instance():
    assert errors_of(MH, [], mode='ecmp', bgp=BGP) == []


def test_in_vrrp_mode_the_bgp_facts_are_not_needed():
    assert errors_of(mode='vrrp', bgp={'asn': None, 'peers': []}) == []


@pytest.mark.parametrize('bgp, expected', [
    ({'peers': BGP['peers']}, ["lvs_director_bgp.asn: lvs_director_mode ecmp needs the directors' AS number; set it"]),
    ({'asn': 0, 'peers': BGP['peers']}, ['lvs_director_bgp.asn: 0 is outside 1-4294967294; fix it']),
    ({'asn': 64501}, ['lvs_director_bgp.peers: lvs_director_mode ecmp needs at least one upstream router to announce '
                      'the VIPs to; add it with its address and asn']),
    ({'asn': 64501, 'peers': [{'address': '2001:db8::1', 'asn': 4294967295}]}, [
        "lvs_director_bgp.peers[0].address: 2001:db8::1 is not IPv4; the directors peer over IPv4: give the router's "
        "IPv4 address",
        'lvs_director_bgp.peers[0].asn: 4294967295 is outside 1-4294967294; fix it']),
    (dict(BGP, bfd_interval=5, bfd_multiplier=0), [
        'lvs_director_bgp.bfd_interval: 5 is outside 10-10000 ms; fix it',
        'lvs_director_bgp.bfd_multiplier: 0 is outside 1-255; fix it']),
    (dict(BGP, peers=[{'address': '192.0.2.1'}]), ['lvs_director_bgp.peers[0].asn: required; set it']),
])
def test_the_bgp_facts_are_checked_by_their_path(bgp, expected):
    assert errors_of(MH, [], mode='ecmp', bgp=bgp) == expected


@pytest.mark.parametrize('algo', ['rr', 'wlc'])
def test_a_scheduler_that_may_send_a_flow_elsewhere_is_refused(algo):
    assert errors_of(services(lb_algo=algo, inhibit_on_failure=True), [], mode='ecmp', bgp=BGP) == [
        f"lvs_director_virtual_services[0].lb_algo: '{algo}' may send a flow's later packets, which another director "
        f"can receive, to another real server; use mh or sh (service web)"]


def test_a_real_server_that_would_lose_its_place_in_the_table_is_refused():
    """IPVS's mh and sh fill their table from the real servers in list order (ip_vs_mh_populate), and keepalived
    removes a failed real server and adds it back last: after a failure the directors' tables would differ."""
    assert errors_of(services(lb_algo='mh'), [], mode='ecmp', bgp=BGP) == [
        "lvs_director_virtual_services[0].inhibit_on_failure: mh builds its table from the real servers in the order "
        "they joined, and keepalived adds a recovered one last: directors would send the same flow to different real "
        "servers. Set inhibit_on_failure: true (a failed real server keeps its place, at weight 0) (service web)"]


def test_nat_and_ipv6_vips_are_refused():
    svc = services(lb_algo='sh', lb_kind='NAT', vip='2001:db8::100', real_servers=[{'address': '2001:db8::21'}],
                   inhibit_on_failure=True)
    assert errors_of(svc, [], mode='ecmp', bgp=BGP) == [
        'lvs_director_virtual_services[0].lb_kind: NAT needs the replies back through the director that forwarded the '
        'request, which ECMP does not keep; use DR or TUN (service web)',
        'lvs_director_virtual_services[0].vip: 2001:db8::100: lvs_director_mode ecmp announces IPv4 VIPs only '
        '(service web)']


def test_a_vip_both_announced_and_in_a_vrrp_instance_is_refused():
    assert errors_of(MH, instances(), mode='ecmp', bgp=BGP) == [
        'lvs_director_vrrp_instances[0].vips[0]: 192.0.2.100 is the VIP of lvs_director_virtual_services[0], which '
        'lvs_director_mode ecmp announces by BGP from every director; remove it from the instance']


def test_a_mode_of_another_name_is_refused():
    """The rest is checked as in the default mode, vrrp."""
    assert errors_of(MH, instances(), mode='anycast', bgp=BGP) == [
        "lvs_director_mode: 'anycast' is not one of vrrp, ecmp; fix it"]
