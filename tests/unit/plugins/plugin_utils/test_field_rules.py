"""plugin_utils/field_rules.py: every string of the cluster description meets its field rule.

The spec test walks model.SPEC: an option that takes a string and has no kind in field_rules.KINDS fails it,
so a new option cannot skip the rule (a raw option with keys takes a string only where KINDS gives it a kind).
The hostile-value tests put a newline, '}', '"', '#' and '!' into every option of KINDS, one at a time, through
check_cluster on a description that sets every option (tests/hostile_values.py), and expect an error naming the
option's path wherever its kind refuses the character.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_cluster, check_realserver
from ansible_collections.lvs.cluster.plugins.plugin_utils.field_rules import KINDS, STRING_FORMS
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import NOTIFY_HOOKS, QUORUM_HOOKS, REALSERVER_SPEC, SPEC
from ansible_collections.lvs.cluster.tests.hostile_values import (
    ALLOWED, EXPLOIT, HOST_PATHS, HOSTILE, NAMES, full, hostile, put)
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    GROUPS, HOSTVARS, check_description, errors_of, instances, only_error, options, realserver_options, services)


def string_options(spec):
    """The path of every option of spec that takes a string: str without choices, a list of them, raw without
    keys, a free-form dict; [] for a list index. A raw option with keys takes a string only where KINDS gives it
    a kind: keyed_raw_options."""
    for path, option in options(spec):
        kind, keyed = option['type'], bool(option.get('options'))
        if (kind == 'str' and 'choices' not in option) or (kind in ('raw', 'dict') and not keyed):
            yield path
        if kind == 'list' and option.get('elements') in ('str', 'raw'):
            yield f'{path}[]'


def keyed_raw_options(spec):
    """The path of every raw option with keys: a dict of them, or also a string (a script, a real server)."""
    for path, option in options(spec):
        if option['type'] == 'raw' and option.get('options'):
            yield path
        if option['type'] == 'list' and option.get('elements') == 'raw' and option.get('options'):
            yield f'{path}[]'


def named(errors, path):
    return [error for error in errors if error.startswith(f'{path}: ')]


def test_every_string_option_of_the_specs_has_a_kind():
    strings = set(string_options(SPEC)) | set(string_options(REALSERVER_SPEC))
    missing = sorted(strings - set(KINDS))
    assert not missing, f'options without a field rule in field_rules.KINDS: {missing}'
    string_forms = set(KINDS) - strings
    assert string_forms <= set(keyed_raw_options(SPEC)), 'KINDS names options that SPEC lacks'
    assert {KINDS[path] for path in string_forms} <= set(STRING_FORMS), 'a string form without its words'
    assert set(KINDS.values()) <= set(fields.KINDS) | {'sysctl'}


def test_a_new_string_option_is_found():
    spec = copy.deepcopy(SPEC)
    spec['lvs_director_vrrp_instances']['options']['notify_deleted'] = {'type': 'raw', 'options': {'command': {'type': 'str'}}}
    spec['lvs_director_sync_daemon']['options']['port'] = {'type': 'str'}
    assert set(string_options(spec)) - set(KINDS) == {'lvs_director_vrrp_instances[].notify_deleted.command',
                                                      'lvs_director_sync_daemon.port'}


def test_a_raw_option_with_keys_and_no_kind_takes_a_dict_only():
    errors = errors_of(services(health_check='TCP_CHECK'))
    assert errors[0] == "lvs_director_virtual_services[0].health_check: must be a dict, got 'TCP_CHECK'; fix it"


def test_the_full_description_is_valid():
    assert check_description(full()) == []


def option_cases():
    for path, kind in sorted(KINDS.items()):
        if kind != 'sysctl' and path not in HOST_PATHS and path.startswith('lvs_director_'):
            for char in HOSTILE:
                yield pytest.param(path, kind, char, id=f'{path}-{char!r}')


@pytest.mark.parametrize('path, kind, char', list(option_cases()))
def test_a_hostile_character_in_an_option(path, kind, char):
    description = full()
    value = hostile(kind, char)
    where = put(description, path, value)
    every = check_description(description)
    assert all(error.isprintable() for error in every), 'a message holds a raw control character'
    errors = named(every, where)
    if char not in ALLOWED.get(kind, ''):
        assert errors, f'{where} = {value!r} passed'
        if kind == 'auth_pass':
            assert not any(value in error for error in errors)
    elif path not in NAMES:
        assert errors == []


@pytest.mark.parametrize('char', HOSTILE, ids=repr)
@pytest.mark.parametrize('path', sorted(path for path in KINDS if path.startswith('lvs_realserver_')))
def test_a_hostile_character_in_an_option_of_the_real_server_role(path, char):
    options = realserver_options()
    where = put(options, path, hostile(KINDS[path], char))
    assert named(check_realserver(options), where)


@pytest.mark.parametrize('char', HOSTILE, ids=repr)
@pytest.mark.parametrize('variable', sorted(HOST_PATHS))
def test_a_hostile_character_in_a_host_variable(variable, char):
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb1'][variable] = hostile(KINDS[variable], char)
    errors = named(check_description(full(), hostvars), HOST_PATHS[variable])
    assert errors and all(repr(hostvars['lb1'][variable]) in error for error in errors), errors


@pytest.mark.parametrize('char', HOSTILE, ids=repr)
def test_a_hostile_character_in_a_sysctl(char):
    description = full()
    key, value = f'net.ipv4{char}x', f'1{char}'
    description['lvs_director_sysctl'] = {key: 1, 'net.ipv4.ip_forward': value}
    errors = check_description(description)
    key_path = f'lvs_director_sysctl.{key}' if key.isprintable() else f'lvs_director_sysctl[{key!r}]'
    assert named(errors, key_path), errors
    assert bool(named(errors, 'lvs_director_sysctl.net.ipv4.ip_forward')) == (char == '\n')


@pytest.mark.parametrize('key', ['net.//.//.//.etc.cron/d.lvs-pwn', 'net..ipv4', 'net.ipv4.conf.*.rp_filter'])
def test_sysctl_keys_that_leave_proc_sys_or_are_no_key(key):
    description = full()
    description['lvs_director_sysctl'] = {key: 1}
    assert named(check_description(description), f'lvs_director_sysctl.{key}')


@pytest.mark.parametrize('where', ['health_check', 'real_servers[0].health_check'])
def test_the_url_path_of_the_issue_is_refused_alone(where):
    web = [{'name': 'web', 'vip': '192.0.2.100', 'port': 80, 'real_servers': ['rs1']}]
    check = {'type': 'HTTP_GET', 'url': [{'path': EXPLOIT}]}
    if where == 'health_check':
        web[0]['health_check'] = check
    else:
        web[0]['real_servers'] = [{'host': 'rs1', 'health_check': check}]
    vrrp = [{'name': 'VI_WEB', 'virtual_router_id': 51, 'vips': ['192.0.2.100']}]
    errors = check_cluster(web, vrrp, HOSTVARS, GROUPS)
    assert len(errors) == 1 and errors[0].startswith(
        f"lvs_director_virtual_services[0].{where}.url[0].path: '/\\n}}\\n}}"), errors
    assert errors[0].endswith('%-encode blanks and other characters outside RFC 3986 and leave out any #fragment')


def test_the_router_id_of_the_issue_is_refused():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_router_id'] = 'lb1\n    vrrp_strict'
    assert named(check_description(full(), hostvars), 'lvs_director_router_id of lb2')


def test_a_router_id_from_a_role_parameter_or_the_inventory_name():
    """preflight.yml passes this director's own value; without one, the short inventory name is rendered."""
    description = full()
    errors = check_cluster(description['lvs_director_virtual_services'], description['lvs_director_vrrp_instances'],
                           HOSTVARS, GROUPS, router_ids={'lb1': 'lb 1'})
    assert named(errors, 'lvs_director_router_id of lb1')
    hostvars = dict(HOSTVARS, **{'lb{2}.example.org': {}})
    groups = dict(GROUPS, lvs_directors=['lb1', 'lb{2}.example.org'])
    errors = check_cluster(description['lvs_director_virtual_services'], description['lvs_director_vrrp_instances'],
                           hostvars, groups)
    assert named(errors, 'lvs_director_router_id of lb{2}.example.org')


# ------------------------------------------------ the rule of each kind, one option at a time

def test_invalid_vip_of_a_service():
    assert only_error(services(vip='192.0.2.300')).startswith(
        "lvs_director_virtual_services[0].vip: '192.0.2.300' is not an IP address")


def test_invalid_vip_of_an_instance():
    error = only_error(services(vip='192.0.2.101'), instances(vips=['192.0.2.100/24', '192.0.2.101']))
    assert error.startswith("lvs_director_vrrp_instances[0].vips[0]: '192.0.2.100/24' is not an IP address")


def test_invalid_sorry_server():
    assert only_error(services(sorry_server={'address': 'nope'})).startswith(
        "lvs_director_virtual_services[0].sorry_server.address: 'nope' is not an IP address")


NOT_ABSOLUTE = "does not start with an absolute path; give the script's full path, then its arguments"


@pytest.mark.parametrize('hook', NOTIFY_HOOKS)
def test_notify_hooks_need_an_absolute_path(hook):
    assert errors_of(vrrp=instances(**{hook: '/usr/local/sbin/on-change --quiet'})) == []
    assert only_error(vrrp=instances(**{hook: 'on-change'})) == (
        f"lvs_director_vrrp_instances[0].{hook}: 'on-change' {NOT_ABSOLUTE}")
    assert only_error(vrrp=instances(**{hook: {'command': 'on-change', 'user': 'root'}})) == (
        f"lvs_director_vrrp_instances[0].{hook}.command: 'on-change' {NOT_ABSOLUTE}")


@pytest.mark.parametrize('hook', QUORUM_HOOKS)
def test_quorum_hooks_need_an_absolute_path(hook):
    assert errors_of(services(**{hook: '/usr/local/sbin/quorum-changed web'})) == []
    assert only_error(services(**{hook: 'quorum-changed'})) == (
        f"lvs_director_virtual_services[0].{hook}: 'quorum-changed' {NOT_ABSOLUTE}")


def test_real_server_notify_hooks_need_an_absolute_path():
    assert errors_of(services(notify_up='rs-hook', real_servers=[{'host': 'rs1', 'notify_down': '/x "y"'}])) == [
        f"lvs_director_virtual_services[0].notify_up: 'rs-hook' {NOT_ABSOLUTE}",
        "lvs_director_virtual_services[0].real_servers[0].notify_down: '/x \"y\"' holds a '\"' or '\\', which "
        "would end or escape keepalived's double quotes; remove it"]


@pytest.mark.parametrize('status, where', [(99, ''), (600, ''), ('200-', ''), ('ok', ''), ('٢٠٠', ''),
                                           ([200, 700], '[1]')])
def test_bad_status_code(status, where):
    error = only_error(services(health_check={'type': 'HTTP_GET', 'url': [{'path': '/', 'status_code': status}]}))
    assert error.startswith(f'lvs_director_virtual_services[0].health_check.url[0].status_code{where}: ')


@pytest.mark.parametrize('digest', ['abc', 'g' * 32, 'a' * 33])
def test_bad_digest(digest):
    error = errors_of(services(health_check={'type': 'HTTP_GET', 'url': [{'path': '/', 'digest': digest}]}))[0]
    assert error.startswith('lvs_director_virtual_services[0].health_check.url[0].digest:')


def test_auth_pass_too_long():
    assert only_error(vrrp=instances(auth_pass='123456789', version=2)) == (
        'lvs_director_vrrp_instances[0].auth_pass: keepalived uses at most 8 characters (bytes); shorten it')
    assert only_error(vrrp=instances(auth_pass='ünïcödé', version=2)).endswith('at most 8 characters (bytes); shorten it')
