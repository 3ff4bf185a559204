"""plugin_utils/serving.py: what one real server serves and holds, and what its host shows (ss, ip route)."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services
from ansible_collections.lvs.cluster.plugins.plugin_utils.serving import (
    closed_ports, ip_version, listening, realserver_plan, routes_via)
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import GROUPS, HOSTVARS, services

# rs2 is reached at its lvs_realserver_address 192.0.2.22 (its ansible_host is another address).
OWN_RS2 = ['192.0.2.22', '2001:db8::22']


def plan(described, host='rs2', own=None, vips=(), tun_vips=()):
    resolved = resolve_services(described, HOSTVARS, GROUPS)
    return realserver_plan(resolved, host, OWN_RS2 if own is None else own, list(vips), list(tun_vips))


def served(described, **kwargs):
    return [(service['name'], service['index'], service['ports']) for service in plan(described, **kwargs)['served']]


def test_a_host_serves_a_service_that_names_it_or_one_of_its_addresses_or_takes_it_from_the_group():
    described = services({'name': 'by-name', 'vip': '192.0.2.101', 'port': 81, 'real_servers': ['rs2']},
                         {'name': 'by-address', 'vip': '192.0.2.101', 'port': 82, 'real_servers': ['192.0.2.22']},
                         {'name': 'not-mine', 'vip': '192.0.2.101', 'port': 83, 'real_servers': ['rs1']},
                         {'name': 'v6', 'vip': '2001:db8::100', 'port': 84, 'real_servers': [{'address': '2001:db8::22'}]})
    assert served(described) == [('web', 0, [80]), ('by-name', 1, [81]), ('by-address', 2, [82]), ('v6', 4, [84])]


def test_a_host_serves_a_service_whose_sorry_server_it_is():
    described = services(real_servers=['rs1'], sorry_server={'address': '192.0.2.22', 'port': 8080})
    assert served(described) == [('web', 0, [8080])]


def test_a_host_listed_twice_on_other_ports_serves_each_port_once():
    described = services(lb_kind='NAT', real_servers=[{'host': 'rs2', 'port': 8080}, {'address': '192.0.2.22', 'port': 8080},
                                                      {'host': 'rs2', 'port': 8081}])
    assert served(described) == [('web', 0, [8080, 8081])]


def test_dr_vips_go_on_lo_tun_vips_on_tunl0_and_nat_or_unlisted_services_give_none():
    described = services({'name': 'tun', 'vip': '192.0.2.101', 'port': 80, 'lb_kind': 'TUN'},
                         {'name': 'nat', 'vip': '192.0.2.102', 'port': 80, 'lb_kind': 'NAT'},
                         {'name': 'mark', 'fwmark': 3, 'fwmark_vips': ['192.0.2.103', '2001:db8::103']})
    assert plan(described) == {'served': plan(described)['served'], 'errors': [], 'vips': [
        {'dev': 'lo', 'address': '192.0.2.100', 'source': 'lvs_director_virtual_services[0] (web).vip'},
        {'dev': 'tunl0', 'address': '192.0.2.101', 'source': 'lvs_director_virtual_services[1] (tun).vip'},
        {'dev': 'lo', 'address': '192.0.2.103', 'source': 'lvs_director_virtual_services[3] (mark).fwmark_vips[0]'},
        {'dev': 'lo', 'address': '2001:db8::103', 'source': 'lvs_director_virtual_services[3] (mark).fwmark_vips[1]'}]}
    assert plan(described, host='rs3', own=['192.0.2.99'])['vips'] == []


def test_a_fwmark_service_without_fwmark_vips_needs_the_explicit_lists():
    described = services({'name': 'mark', 'fwmark': 3})
    assert plan(described)['errors'] == [
        'lvs_realserver_vips: this host serves the fwmark service(s) mark, which have no VIP; set their fwmark_vips, '
        'or list the VIPs in lvs_realserver_vips (DR) or lvs_realserver_tun_vips (TUN)']
    assert plan(described, vips=['192.0.2.110'], tun_vips=['192.0.2.111']) == {
        'served': plan(described)['served'], 'errors': [], 'vips': [
            {'dev': 'lo', 'address': '192.0.2.110', 'source': 'lvs_realserver_vips[0]'},
            {'dev': 'tunl0', 'address': '192.0.2.111', 'source': 'lvs_realserver_tun_vips[0]'}]}


# ss -H -l -n -t -u, as iproute2 6.1 writes it.
SS = '''\
udp   UNCONN 0      0          127.0.0.1:53        0.0.0.0:*
udp   UNCONN 0      0      0.0.0.0%lo:5353      0.0.0.0:*
tcp   LISTEN 0      4096     192.0.2.100:443       0.0.0.0:*
tcp   LISTEN 0      4096               *:80              *:*
tcp   LISTEN 0      4096   [2001:db8::100]:8443        [::]:*
tcp   LISTEN 0      4096   [fe80::1%eth0]:22          [::]:*
'''


def test_the_listening_sockets_without_their_scope():
    assert listening(SS) == {'udp 127.0.0.1:53', 'udp 0.0.0.0:5353', 'tcp 192.0.2.100:443', 'tcp *:80',
                             'tcp [2001:db8::100]:8443', 'tcp [fe80::1]:22'}


def test_a_port_counts_when_it_listens_on_the_vip_or_on_every_address():
    described = services({'name': 'tls', 'vip': '192.0.2.100', 'port': 443},
                         {'name': 'dns', 'vip': '192.0.2.100', 'port': 53, 'protocol': 'UDP'},
                         {'name': 'mdns', 'vip': '192.0.2.100', 'port': 5353, 'protocol': 'UDP'},
                         {'name': 'v6', 'vip': '2001:db8::100', 'port': 8443},
                         {'name': 'sctp', 'vip': '192.0.2.100', 'port': 9, 'protocol': 'SCTP'},
                         {'name': 'all', 'vip': '192.0.2.100', 'port': 0, 'persistence_timeout': 60})
    assert closed_ports(plan(described)['served'], SS) == ['dns (UDP 53)']


@pytest.mark.parametrize('output, gateway, via', [
    ('default via 192.0.2.1 dev eth0 proto static\n', '192.0.2.1', True),
    ('default via 192.0.2.11 dev eth0\n', '192.0.2.1', False),
    ('default proto static metric 1024\n\tnexthop via 192.0.2.1 dev eth0 weight 1\n', '192.0.2.1', True),
    ('default via 2001:db8::1 dev eth0 metric 1024 pref medium\n', '2001:DB8:0::1', True),
    ('', '192.0.2.1', False),
])
def test_the_default_route_goes_via_the_gateway(output, gateway, via):
    assert routes_via(output, gateway) is via


def test_the_family_of_an_address():
    assert (ip_version('192.0.2.1'), ip_version('2001:db8::1'), ip_version('director')) == (4, 6, None)
