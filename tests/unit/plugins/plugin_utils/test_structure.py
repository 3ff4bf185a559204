"""plugin_utils/structure.py: types, unknown and required keys and choices, before any other check."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_cluster
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    errors_of, instances, only_error, services)


@pytest.mark.parametrize('garbage', [True, 'web', 3, {'name': 'web'}, [None], [[]], [{'real_servers': [3]}],
                                     [{'health_check': []}], [{'vip': ['x'], 'port': {}}], [{1: 2}]])
def test_garbage_gives_messages_never_exceptions(garbage):
    for errors in (errors_of(garbage), errors_of(vrrp=garbage), errors_of(sync_daemon=garbage),
                   check_cluster(garbage, garbage, garbage, garbage, garbage, garbage, garbage, garbage, garbage)):
        assert errors and all(isinstance(error, str) for error in errors)


@pytest.mark.parametrize('script, expected', [
    ({'command': '/bin/true', 'user': 'root'}, None),
    ({'command': '/bin/true', 'user': 'keepalived_script'}, None),
    ({'command': '/bin/true'}, None),
    ({'command': '/bin/true', 'user': 'nobody'},
     "lvs_director_vrrp_instances[0].notify.user: 'nobody' is not one of root, keepalived_script; fix it"),
    ({'user': 'root'}, 'lvs_director_vrrp_instances[0].notify.command: required; set it'),
    ({'command': '/bin/true', 'as': 'root'},
     'lvs_director_vrrp_instances[0].notify.as: unknown key; known keys: command, user'),
    (['/bin/true'], "lvs_director_vrrp_instances[0].notify: must be a command (a string) or a dict with keys "
                    "command, user; got a list"),
])
def test_a_script_is_a_command_or_a_command_and_its_user(script, expected):
    errors = errors_of(vrrp=instances(notify=script))
    # A wrong structure leaves the instance out of the later checks: its VIPs are then held by none.
    assert errors[:1] == ([] if expected is None else [expected])


def test_vrid_not_an_integer_skips_the_instance():
    errors = errors_of(vrrp=instances(virtual_router_id='x'))
    assert errors[0] == "lvs_director_vrrp_instances[0].virtual_router_id: must be an integer, got 'x'; fix it"
    assert errors[1].startswith('lvs_director_virtual_services[0].vip: 192.0.2.100 is not held')


def test_unknown_health_check_type():
    error = errors_of(services(real_servers=[{'host': 'rs1', 'health_check': {'type': 'PING'}}]))
    assert error == ["lvs_director_virtual_services[0].real_servers[0].health_check.type: 'PING' is not one of "
                     "TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK, none; fix it"]


def test_unknown_scheduler():
    assert only_error(services(lb_algo='weighted')).startswith(
        "lvs_director_virtual_services[0].lb_algo: 'weighted' is not one of rr, wrr,")


def test_http_url_without_path():
    error = errors_of(services(health_check={'type': 'HTTP_GET', 'url': [{'status_code': 200}]}))[0]
    assert error == 'lvs_director_virtual_services[0].health_check.url[0].path: required; set it'
