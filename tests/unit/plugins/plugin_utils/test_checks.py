"""plugin_utils/checks.py: check_cluster on whole descriptions (each concern has the test module of its own)."""

from __future__ import annotations

from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import errors_of, instances, services


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
