"""plugin_utils/structure.py: types, unknown and required keys and choices, before any other check."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_cluster
from ansible_collections.lvs.cluster.plugins.plugin_utils.field_rules import KINDS, STRING_FORMS
from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import show
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import SPEC
from ansible_collections.lvs.cluster.tests.hostile_values import full, put
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    HOSTVARS, check_description, errors_of, instances, only_error, services, typed_options, wrong_types)


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


# --------------------------------------------- a value of another type, anywhere: generated from the spec

IN_WORDS = {'str': 'a string', 'int': 'an integer', 'float': 'a number', 'bool': 'true or false', 'list': 'a list',
            'dict': 'a dict'}
# Variables that can differ per director: each director's own value is checked.
PER_DIRECTOR = ('lvs_director_address', 'lvs_director_priority', 'lvs_director_interface', 'lvs_director_router_id')
# The dicts that also take a string (a script, a real server), and what it holds.
STRING_FORM = {path: STRING_FORMS[KINDS[path]] for path, kind in typed_options(SPEC)
               if kind == 'dict' and KINDS.get(path) in STRING_FORMS}


def wrong_type_cases():
    for path, kind, value in wrong_types(SPEC, takes_text=STRING_FORM):
        yield pytest.param(path, kind, value, id=f'{path}={value!r}')


@pytest.mark.parametrize('path, kind, value', list(wrong_type_cases()))
def test_a_value_of_another_type_is_refused_with_its_path_and_the_type_expected(path, kind, value):
    """Every option and list element of the argument spec, at any depth, so an option added later is covered."""
    description, hostvars = full(), copy.deepcopy(HOSTVARS)
    if path in PER_DIRECTOR:
        hostvars['lb1'][path] = value
        where = f'{path} of lb1'
    else:
        where = put(description, path, value)
    if path in STRING_FORM:
        expected = f'{where}: must be {STRING_FORM[path]} (a string) or a dict with keys '
    elif path == 'lvs_director_priority':
        expected = f'{where}: {show(value)} is not an integer'
    else:
        expected = f'{where}: must be {IN_WORDS[kind]}, got {show(value)}; fix it'
    errors = check_description(description, hostvars)
    assert any(error.startswith(expected) for error in errors), errors


def test_the_issues_examples_are_refused_by_name():
    description = full()
    description['lvs_director_sync_daemon'] = True
    description['lvs_director_virtual_services'][0]['real_servers'] = [['rs1', 'rs2', 'rs3']]
    errors = check_description(description)
    assert 'lvs_director_sync_daemon: must be a dict, got true (a boolean); fix it' in errors
    assert ("lvs_director_virtual_services[0].real_servers[0]: must be an inventory host or an address (a string) "
            "or a dict with keys address, health_check, host, notify_down, notify_up, port, weight; got a list") in errors
