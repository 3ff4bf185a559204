"""plugin_utils/service_checks.py, through check_cluster: services, their real servers and health checks."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    GROUPS, HOSTVARS, errors_of, instances, only_error, services)


def test_invalid_real_server_address():
    error = only_error(services(real_servers=[{'address': '192.0.2.999'}]))
    assert error.startswith("lvs_director_virtual_services[0].real_servers[0].address: '192.0.2.999' is not an IP "
                            "address")
    assert only_error(services(real_servers=['192.0.2.999'])) == (
        "lvs_director_virtual_services[0].real_servers[0]: '192.0.2.999' is neither an inventory host nor an IP "
        "address; fix it (service web)")


def test_real_server_host_without_an_ip_address():
    error = only_error(services(real_servers=['rs3']))
    assert 'real_servers[0]' in error and 'set lvs_realserver_address or ansible_host of rs3' in error


def test_real_server_host_not_in_inventory():
    errors = errors_of(services(real_servers=[{'host': 'ghost'}]))
    assert any(e.startswith('lvs_director_virtual_services[0].real_servers[0].host: ghost is not an '
                            'inventory host') for e in errors)


def test_a_host_without_an_address_of_the_vips_family_names_the_variable():
    ipv4_only = dict(HOSTVARS, rs1={'ansible_host': '192.0.2.21'})
    svc = services(vip='2001:db8::100', real_servers=['rs1'])
    assert only_error(svc, instances(vips=['2001:db8::100'], version=3), hostvars=ipv4_only) == (
        'lvs_director_virtual_services[0].real_servers[0]: host rs1 has no IPv6 address for this IPv6 VIP; '
        'set lvs_realserver_address6 of rs1 (service web)')


def test_real_server_of_another_family():
    assert only_error(services(real_servers=[{'address': '2001:db8::21'}])).startswith(
        "lvs_director_virtual_services[0].real_servers[0]: real server 2001:db8::21 is not of the VIP's")


def test_duplicate_real_servers():
    error = only_error(services({'name': 'web2', 'vip': '192.0.2.101', 'port': 80,
                                 'real_servers': ['rs1', {'address': '192.0.2.21'}]}))
    assert error == ('lvs_director_virtual_services[1].real_servers[1]: real server 192.0.2.21:80 is listed twice; '
                     'remove one (service web2)')


@pytest.mark.parametrize('lb_kind', ['DR', 'TUN'])
def test_dr_tun_real_server_port_differs(lb_kind):
    error = only_error(services(lb_kind=lb_kind, real_servers=[{'host': 'rs1', 'port': 8080}]))
    assert error.startswith(f'lvs_director_virtual_services[0].real_servers[0].port: {lb_kind} cannot '
                            f'translate ports: real server 192.0.2.21:8080 must use the service port 80')


def test_nat_may_translate_ports():
    assert errors_of(services(lb_kind='NAT', real_servers=[{'host': 'rs1', 'port': 8080}])) == []


@pytest.mark.parametrize('weight, ok', [(0, True), (65535, True), (65536, False), (-1, False)])
def test_weight_range(weight, ok):
    assert (errors_of(services(real_servers=[{'host': 'rs1', 'weight': weight}])) == []) == ok


def test_service_without_real_servers():
    assert only_error(groups=dict(GROUPS, lvs_realservers=[])).startswith(
        'lvs_director_virtual_services[0].real_servers: the service has no real servers')


def test_sorry_server_port_differs_in_dr():
    assert only_error(services(sorry_server={'address': '192.0.2.50', 'port': 8080})).startswith(
        'lvs_director_virtual_services[0].sorry_server.port: DR cannot translate ports')


@pytest.mark.parametrize('granularity', ['255.0.255.0', '24', 'garbage'])
def test_invalid_persistence_granularity(granularity):
    error = only_error(services(persistence_timeout=60, persistence_granularity=granularity))
    assert error.startswith('lvs_director_virtual_services[0].persistence_granularity:')


def test_ipv6_persistence_granularity_is_a_prefix_length():
    vrrp = instances(vips=['2001:db8::100'], version=3)
    svc = services(vip='2001:db8::100', persistence_timeout=60, persistence_granularity=64,
                   real_servers=[{'address': '2001:db8::21'}])
    assert errors_of(svc, vrrp) == []
    svc[0]['persistence_granularity'] = '255.255.255.0'
    assert only_error(svc, vrrp).startswith('lvs_director_virtual_services[0].persistence_granularity:')


def test_granularity_without_persistence():
    assert only_error(services(persistence_granularity='255.255.255.0')).startswith(
        'lvs_director_virtual_services[0].persistence_granularity: only applies with persistence_timeout')


def test_port_zero_needs_persistence():
    assert only_error(services(port=0, health_check={'type': 'none'})).startswith(
        'lvs_director_virtual_services[0].port: port 0 (all ports) needs persistence_timeout')


def test_duplicate_virtual_services():
    error = only_error(services({'name': 'web-again', 'vip': '192.0.2.100', 'port': 80}))
    assert error == ('lvs_director_virtual_services[1]: duplicates lvs_director_virtual_services[0] '
                     '(same vip, port and protocol); remove one (service web-again)')


def test_same_vip_and_port_with_another_protocol_is_not_a_duplicate():
    assert errors_of(services({'name': 'web-udp', 'vip': '192.0.2.100', 'port': 80, 'protocol': 'UDP'})) == []


def test_duplicate_fwmark_services():
    mark = {'fwmark': 5, 'health_check': {'type': 'none'}}
    error = only_error([dict(mark, name='a'), dict(mark, name='b')])
    assert error.startswith('lvs_director_virtual_services[1]: duplicates lvs_director_virtual_services[0] '
                            '(same fwmark)')


def test_vip_and_fwmark_both_set():
    errors = errors_of(services(fwmark=3))
    assert 'lvs_director_virtual_services[0]: set exactly one of vip and fwmark (service web)' in errors


def test_neither_vip_nor_fwmark():
    assert 'lvs_director_virtual_services[0]: set exactly one of vip and fwmark (service web)' in errors_of(
        [{'name': 'web', 'port': 80}])


def test_fwmark_vips_must_be_addresses_held_by_an_instance_of_a_fwmark_service():
    mark = {'name': 'mark', 'fwmark': 1, 'health_check': {'connect_port': 80}}
    assert errors_of(services(dict(mark, fwmark_vips=['192.0.2.101']))) == []
    assert errors_of(services(dict(mark, fwmark_vips=['192.0.2.199', 'web']))) == [
        "lvs_director_virtual_services[1].fwmark_vips[1]: 'web' is not an IP address (no prefix length, no zone "
        "index); fix it",
        "lvs_director_virtual_services[1].fwmark_vips[0]: 192.0.2.199 is not held by any VRRP instance, so no "
        "director would receive its traffic; add it to the vips of an lvs_director_vrrp_instances entry "
        "(service mark)"]
    assert only_error(services(fwmark_vips=['192.0.2.101'])) == (
        'lvs_director_virtual_services[0].fwmark_vips: only a fwmark service has fwmark_vips; remove it (service web)')


def test_protocol_with_fwmark():
    svc = [{'name': 'mark', 'fwmark': 3, 'protocol': 'TCP', 'health_check': {'type': 'none'}}]
    assert only_error(svc) == ('lvs_director_virtual_services[0].protocol: a fwmark service has no protocol; '
                               'remove protocol (service mark)')


def test_fwmark_tcp_check_needs_connect_port():
    errors = errors_of([{'name': 'mark', 'fwmark': 3}])
    assert errors[0].startswith('lvs_director_virtual_services[0].real_servers[0].health_check.connect_port:')
    assert len(errors) == 2  # one per real server


def test_ops_with_tcp():
    assert only_error(services(ops=True)).startswith(
        'lvs_director_virtual_services[0].ops: one-packet scheduling needs protocol UDP')


@pytest.mark.parametrize('algo, flag', [('rr', 'sh-port'), ('sh', 'mh-fallback'), ('sh', 'flag-1')])
def test_scheduler_flag_of_another_scheduler(algo, flag):
    assert only_error(services(lb_algo=algo, scheduler_flags=[flag])).startswith(
        f'lvs_director_virtual_services[0].scheduler_flags: {flag}')


def test_service_vip_not_held_by_any_instance():
    assert only_error(services(vip='192.0.2.199')) == (
        'lvs_director_virtual_services[0].vip: 192.0.2.199 is not held by any VRRP instance, so no director '
        'would receive its traffic; add it to the vips of an lvs_director_vrrp_instances entry (service web)')


@pytest.mark.parametrize('kind', ['HTTP_GET', 'SSL_GET'])
def test_http_without_url(kind):
    errors = errors_of(services(health_check={'type': kind}))
    assert [error.split(':', maxsplit=1)[0] for error in errors] == [
        f'lvs_director_virtual_services[0].real_servers[{number}].health_check.url' for number in (0, 1)]
    assert f'{kind} needs at least one url with a path (keepalived 2.2.7 crashes without one)' in errors[0]


def test_misc_check_without_path():
    assert errors_of(services(health_check={'type': 'MISC_CHECK'}))[0].startswith(
        'lvs_director_virtual_services[0].real_servers[0].health_check.misc_path:')


def test_nat_needs_forwarding():
    svc = services(lb_kind='NAT')
    assert errors_of(svc, sysctl={'net.ipv4.ip_forward': 1}) == []
    assert only_error(svc, sysctl={'net.ipv4.ip_forward': '0'}).startswith(
        'lvs_director_sysctl.net.ipv4.ip_forward: set to 0, but lvs_director_virtual_services[0] uses lb_kind NAT')
