"""plugin_utils/vrrp_checks.py, through check_cluster: instances, priorities, sync groups, the sync daemon."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    GROUPS, HOSTVARS, errors_of, instances, only_error, services)


@pytest.mark.parametrize('vrid', [0, 256])
def test_vrid_outside_range(vrid):
    assert only_error(vrrp=instances(virtual_router_id=vrid)).startswith(
        f'lvs_director_vrrp_instances[0].virtual_router_id: {vrid!r} is outside 1-255')


def test_vrid_reused():
    vrrp = instances() + [{'name': 'VI_B', 'virtual_router_id': 51, 'vips': ['192.0.2.102']}]
    assert only_error(vrrp=vrrp) == ('lvs_director_vrrp_instances[1].virtual_router_id: 51 is already '
                                     'used by VI_WEB; use a VRID unique on the segment (instance VI_B)')


def test_vip_in_two_instances():
    vrrp = instances() + [{'name': 'VI_B', 'virtual_router_id': 52, 'vips': ['192.0.2.100']}]
    assert only_error(vrrp=vrrp).startswith('lvs_director_vrrp_instances[1].vips: 192.0.2.100 is already '
                                            'held by instance VI_WEB')


def test_mixed_address_families_in_an_instance():
    errors = errors_of(vrrp=instances(vips=['192.0.2.100', '2001:db8::1'], version=3))
    assert errors == ['lvs_director_vrrp_instances[0].vips: mixes IPv4 and IPv6 addresses; '
                      'use one instance per address family (instance VI_WEB)']


def test_ipv6_without_vrrp3():
    svc = services(vip='2001:db8::100', real_servers=[{'address': '2001:db8::21'}])
    assert only_error(svc, instances(vips=['2001:db8::100'], version=2)) == (
        'lvs_director_vrrp_instances[0].version: IPv6 VIPs need VRRP version 3; set version: 3 (instance VI_WEB)')


@pytest.mark.parametrize('advert', [0.5, 1.5])
def test_vrrp2_fractional_advert_int(advert):
    assert only_error(vrrp=instances(advert_int=advert, version=2)).startswith(
        'lvs_director_vrrp_instances[0].advert_int: VRRPv2 needs a whole number of seconds')


@pytest.mark.parametrize('advert', [0, 41])
def test_vrrp3_advert_int_outside_range(advert):
    assert only_error(vrrp=instances(advert_int=advert, version=3)).startswith(
        'lvs_director_vrrp_instances[0].advert_int: VRRPv3 allows 0.01-40.95 seconds')


def test_vrrp3_fractional_advert_int_is_fine():
    assert errors_of(vrrp=instances(advert_int=0.5, version=3)) == []


def test_auth_with_vrrp_v3():
    assert only_error(vrrp=instances(auth_pass='secret', version=3)).startswith(
        'lvs_director_vrrp_instances[0].auth_pass: VRRPv3 has no authentication')


@pytest.mark.parametrize('changes', [{'preempt': False}, {'preempt_delay': 10}])
def test_forced_master_without_preemption(changes):
    assert only_error(vrrp=instances(state='MASTER', **changes)).startswith(
        'lvs_director_vrrp_instances[0].state: nopreempt/preempt_delay need every director in state BACKUP')


def test_forced_backup_without_preemption_is_fine():
    assert errors_of(vrrp=instances(state='BACKUP', preempt=False)) == []


def test_preferred_director_outside_the_group():
    assert only_error(vrrp=instances(preferred_director='rs1')) == (
        "lvs_director_vrrp_instances[0].preferred_director: 'rs1' is not in group lvs_directors; "
        "name one of ['lb1', 'lb2'] (instance VI_WEB)")


@pytest.mark.parametrize('address, message', [
    ('lb2.example', "lvs_director_address of lb2 ('lb2.example') is not an IP address"),
    ('192.0.2.2', 'unicast peer 192.0.2.2 of lb2 equals the address of lb1'),
], ids=['not-an-address', 'equal-to-self'])
def test_a_unicast_peer_must_be_an_ip_address_other_than_this_directors(address, message):
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_address'] = address
    error = only_error(vrrp=instances(unicast=True), hostvars=hostvars)
    assert error.startswith(f'lvs_director_vrrp_instances[0].unicast: {message}')


def test_unicast_needs_two_directors():
    error = only_error(vrrp=instances(unicast=True), groups=dict(GROUPS, lvs_directors=['lb1']))
    assert error.startswith('lvs_director_vrrp_instances[0].unicast: unicast needs at least two')


@pytest.mark.parametrize('priority', [0, 255, 300])
def test_priority_outside_range(priority):
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_priority'] = priority
    assert only_error(hostvars=hostvars).startswith(f'lvs_director_priority of lb2: {priority} is outside 1-254')


def test_derived_priority_outside_range_for_a_long_group():
    directors = [f'lb{number}' for number in range(1, 27)]
    hostvars = {host: {'ansible_host': f'192.0.2.{number}'} for number, host in enumerate(directors, 50)}
    hostvars.update({'rs1': HOSTVARS['rs1'], 'rs2': HOSTVARS['rs2']})
    error = only_error(hostvars=hostvars, groups=dict(GROUPS, lvs_directors=directors))
    assert error.startswith('lvs_director_priority of lb26: 0 is outside 1-254')


def test_equal_priorities():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_priority'] = 250
    assert only_error(hostvars=hostvars).startswith('lvs_director_priority of lb2: 250 equals the priority of lb1')


def test_priority_not_an_integer():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_priority'] = 'high'
    assert only_error(hostvars=hostvars).startswith("lvs_director_priority of lb2: 'high' is not an integer")


GATEWAY = {'name': 'VI_GW', 'virtual_router_id': 52, 'vips': ['192.0.2.254'], 'interface': 'eth1'}


def test_a_sync_group_of_the_vip_and_the_gateway_instance_has_no_error():
    assert errors_of(vrrp=[*instances(), GATEWAY],
                     sync_groups=[{'name': 'VG_NAT', 'instances': ['VI_WEB', 'VI_GW']}]) == []


@pytest.mark.parametrize('groups, expected', [
    ([{'name': 'VG_NAT', 'instances': ['VI_WEB']}],
     'lvs_director_vrrp_sync_groups[0].instances: a sync group needs at least two instances (keepalived refuses a '
     'group of one); add one or remove the group (sync group VG_NAT)'),
    ([{'name': 'VG_NAT', 'instances': ['VI_WEB', 'VI_GW', 'VI_WEB']}],
     'lvs_director_vrrp_sync_groups[0].instances[2]: VI_WEB is listed twice; list it once (sync group VG_NAT)'),
    ([{'name': 'VG_NAT', 'instances': ['VI_WEB', 'VI_GWY']}],
     "lvs_director_vrrp_sync_groups[0].instances[1]: 'VI_GWY' is not an instance of lvs_director_vrrp_instances; "
     "name one of ['VI_WEB', 'VI_GW'] (sync group VG_NAT)"),
    ([{'name': 'VG_NAT', 'instances': ['VI_WEB', 'VI_GW']}, {'name': 'VG_NAT', 'instances': ['VI_GW', 'VI_WEB']}],
     None),
    ([{'name': 'VG NAT', 'instances': ['VI_WEB', 'VI_GW']}],
     "lvs_director_vrrp_sync_groups[0].name: 'VG NAT' is not a keepalived name; use 1-64 letters, "
     "digits, '_', '.', ':' or '-', not starting with '.', ':' or '-'"),
    ([{'name': 'VG_NAT', 'instances': 'VI_WEB'}],
     "lvs_director_vrrp_sync_groups[0].instances: must be a list, got 'VI_WEB'; fix it"),
])
def test_sync_group_errors_name_the_member(groups, expected):
    errors = errors_of(vrrp=[*instances(), GATEWAY], sync_groups=groups)
    if expected is None:
        assert errors == [
            "lvs_director_vrrp_sync_groups[1].name: VG_NAT is already the name of lvs_director_vrrp_sync_groups[0]; "
            "give each sync group its own name (sync group VG_NAT)",
            "lvs_director_vrrp_sync_groups[1].instances[0]: VI_GW is already in lvs_director_vrrp_sync_groups[0]; "
            "an instance joins one sync group at most (sync group VG_NAT)",
            "lvs_director_vrrp_sync_groups[1].instances[1]: VI_WEB is already in lvs_director_vrrp_sync_groups[0]; "
            "an instance joins one sync group at most (sync group VG_NAT)"]
    else:
        assert errors == [expected]


def test_a_sync_group_cannot_join_instances_that_prefer_different_directors():
    assert only_error(vrrp=[*instances(), dict(GATEWAY, preferred_director='lb2')],
                      sync_groups=[{'name': 'VG_NAT', 'instances': ['VI_WEB', 'VI_GW']}]) == (
        "lvs_director_vrrp_sync_groups[0].instances: its instances prefer different directors (VI_WEB: none; "
        "VI_GW: lb2), but a sync group moves them together; give them the same preferred_director "
        "(sync group VG_NAT)")


def test_sync_daemon_unknown_instance():
    assert only_error(sync_daemon={'enabled': True, 'instance': 'VI_X'}).startswith(
        "lvs_director_sync_daemon.instance: 'VI_X' is not an instance of lvs_director_vrrp_instances")


PROXY = {'name': 'chk_proxy', 'script': '/usr/bin/pgrep -x haproxy'}


def test_a_tracked_script_has_no_error():
    assert errors_of(vrrp=instances(track_scripts=['chk_proxy']), vrrp_scripts=[dict(PROXY, weight=-20)]) == []


@pytest.mark.parametrize('tracked, scripts, expected', [
    (['chk_proxi'], [PROXY], [
        "lvs_director_vrrp_instances[0].track_scripts[0]: 'chk_proxi' is not a script of lvs_director_vrrp_scripts; "
        "name one of ['chk_proxy'] (instance VI_WEB)",
        'lvs_director_vrrp_scripts[0].name: no instance tracks chk_proxy; add it to the track_scripts of an '
        'instance or remove it (vrrp script chk_proxy)']),
    (['chk_proxy', 'chk_proxy'], [PROXY], [
        'lvs_director_vrrp_instances[0].track_scripts[1]: chk_proxy is listed twice; list it once (instance VI_WEB)']),
    (['chk_proxy'], [PROXY, dict(PROXY, script='/bin/true')], [
        'lvs_director_vrrp_scripts[1].name: chk_proxy is already the name of lvs_director_vrrp_scripts[0]; give each '
        'vrrp script its own name (vrrp script chk_proxy)']),
    (['chk_proxy'], [dict(PROXY, interval=0, timeout=3601, weight=254, rise=0, fall=101)], [
        f'lvs_director_vrrp_scripts[0].{key}: {value} is outside {span}; fix it (vrrp script chk_proxy)'
        for key, value, span in (('interval', 0, '1-3600 seconds'), ('timeout', 3601, '1-3600 seconds'),
                                 ('weight', 254, '-253-253'), ('rise', 0, '1-100'), ('fall', 101, '1-100'))]),
    ([], [PROXY], [
        'lvs_director_vrrp_scripts[0].name: no instance tracks chk_proxy; add it to the track_scripts of an '
        'instance or remove it (vrrp script chk_proxy)']),
])
def test_vrrp_script_errors_name_the_script_or_the_tracking_instance(tracked, scripts, expected):
    assert errors_of(vrrp=instances(track_scripts=tracked), vrrp_scripts=scripts) == expected


def test_a_script_tracked_by_an_instance_with_another_error_is_still_tracked():
    """The entry's own error is the one to fix: the script is not reported as unused, nor its name as unknown."""
    assert errors_of(vrrp=instances(track_scripts=['chk_proxy'], vips='192.0.2.100'), vrrp_scripts=[PROXY])[0] == (
        "lvs_director_vrrp_instances[0].vips: must be a list, got '192.0.2.100'; fix it")
    assert errors_of(vrrp=instances(track_scripts=['chk_proxy']), vrrp_scripts=[dict(PROXY, weight='x')]) == [
        "lvs_director_vrrp_scripts[0].weight: must be an integer, got 'x'; fix it"]


def test_a_vrrp_script_is_a_script_with_an_absolute_path():
    assert errors_of(vrrp=instances(track_scripts=['chk_proxy']),
                     vrrp_scripts=[dict(PROXY, script={'command': '/bin/pgrep haproxy', 'user': 'nobody'})]) == [
        "lvs_director_vrrp_scripts[0].script.user: 'nobody' is not one of root, keepalived_script; fix it"]
    assert errors_of(vrrp=instances(track_scripts=['chk_proxy']), vrrp_scripts=[dict(PROXY, script='pgrep x')]) == [
        "lvs_director_vrrp_scripts[0].script: 'pgrep x' does not start with an absolute path; give the script's full "
        "path, then its arguments"]
