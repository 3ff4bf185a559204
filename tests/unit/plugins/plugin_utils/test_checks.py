"""plugin_utils/checks.py: check_cluster on whole descriptions (each concern has the test module of its own), and
check_realserver, the real-server role's check of its own variables."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_realserver
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import REALSERVER_SPEC
from ansible_collections.lvs.cluster.tests.hostile_values import put
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    errors_of, instances, realserver_options, services, wrong_types)


def test_a_consistent_cluster_has_no_error():
    svc = services({'name': 'dns', 'vip': '192.0.2.101', 'port': 53, 'protocol': 'UDP', 'ops': True,
                    'health_check': {'type': 'DNS_CHECK'}},
                   {'name': 'mark', 'fwmark': 5, 'health_check': {'type': 'TCP_CHECK', 'connect_port': 80}},
                   health_check={'type': 'HTTP_GET', 'url': [{'path': '/', 'status_code': [200, '300-302'],
                                                              'digest': 'a' * 32}]},
                   lb_algo='sh', scheduler_flags=['sh-port'], persistence_timeout=60,
                   persistence_granularity='255.255.255.0', sorry_server={'address': '192.0.2.50'})
    assert errors_of(svc, instances(unicast=True, auth_pass='12345678', version=2),
                     sync_daemon={'enabled': True, 'instance': 'VI_WEB'}) == []


def test_empty_description_is_an_error():
    assert errors_of([], []) == [
        'lvs_director_vrrp_instances: empty: no director would hold a VIP (a misspelt variable name?); describe at '
        'least one instance',
        'lvs_director_virtual_services: empty: the directors would balance nothing (a misspelt variable name?); '
        'describe at least one service, or remove the cluster with lvs_director_state: absent']


# ------------------------------------------------------------------ check_realserver

def realserver_type_cases():
    for path, kind, value in wrong_types(REALSERVER_SPEC):
        yield pytest.param(path, kind, value, id=f'{path}={value!r}')


def test_the_real_server_roles_variables_pass():
    assert check_realserver(realserver_options(), services(), 'lvs_realservers') == []


@pytest.mark.parametrize('path, kind, value', list(realserver_type_cases()))
def test_a_real_server_variable_of_another_type_is_refused_with_its_path(path, kind, value):
    options = realserver_options()
    where = put(options, path, value)
    assert any(error.startswith(f'{where}: must be ')
               for error in check_realserver(options)), check_realserver(options)


@pytest.mark.parametrize('name, value', [('lvs_realserver_address', 'rs1.example'),
                                         ('lvs_realserver_address6', '2001:db8::1%eth0'),
                                         ('lvs_realserver_nat_gateway', 'director')])
def test_an_address_of_the_real_server_role_must_be_an_ip_address(name, value):
    assert check_realserver(dict(realserver_options(), **{name: value})) == [
        f"{name}: {value!r} is not an IP address (no prefix length, no zone index); fix it"]


def test_an_empty_string_is_unset_and_text_is_taken_as_ansible_takes_it():
    options = dict(realserver_options(), lvs_realserver_address6='', lvs_realserver_nat_gateway='',
                   lvs_realserver_tun_rp_filter='0', lvs_realserver_verify_ports='yes')
    assert check_realserver(options) == []


def test_the_services_a_real_server_reads_are_checked_before_it_resolves_them():
    """Issue 25: a real-server entry written as a list raised ValueError in resolve_services."""
    assert check_realserver(realserver_options(), services(real_servers=[['rs1', 'rs2', 'rs3']]), ['web']) == [
        "lvs_director_realserver_group: must be a string, got a list; fix it",
        "lvs_director_virtual_services[0].real_servers[0]: must be an inventory host or an address (a string) or a "
        "dict with keys address, health_check, host, notify_down, notify_up, port, weight; got a list"]


@pytest.mark.parametrize('port, expected', [
    (9710, []), (0, ['lvs_director_metrics_port: 0 is outside 1-65535; fix it']),
    (65536, ['lvs_director_metrics_port: 65536 is outside 1-65535; fix it']),
    ('70000', ['lvs_director_metrics_port: 70000 is outside 1-65535; fix it']),
    ('port', ["lvs_director_metrics_port: must be an integer, got 'port'; fix it"]),
])
def test_the_metrics_port_is_one_a_service_can_bind(port, expected):
    """An INI inventory gives the port as text: it is checked as the integer ansible-core makes of it."""
    assert errors_of(variables={'lvs_director_metrics': True, 'lvs_director_metrics_port': port}) == expected
