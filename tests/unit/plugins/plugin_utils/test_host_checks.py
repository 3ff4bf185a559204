"""plugin_utils/host_checks.py, through check_cluster: interfaces and addresses per the facts, unknown variables."""

from __future__ import annotations

import copy

from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    HOSTVARS, errors_of, facts, instances, only_error, with_facts)


def test_vips_placed_as_host_routes_are_not_own_addresses():
    """A live cluster: the MASTER has the VIP /32 on eth0, real servers on lo; the check still passes."""
    hostvars = with_facts(lb1=facts({'eth0': [('192.0.2.2', 24), ('192.0.2.100', 32)], 'lo': [('127.0.0.1', 8)]}),
                          rs1=facts({'eth0': [('192.0.2.21', 24)], 'lo': [('127.0.0.1', 8), ('192.0.2.100', 32)]}))
    assert errors_of(hostvars=hostvars) == []


def test_vip_that_a_host_owns_per_its_facts():
    hostvars = with_facts(rs1=facts({'eth0': [('192.0.2.21', 24), ('192.0.2.101', 24)], 'lo': [('::1', 128)]}))
    assert only_error(hostvars=hostvars) == (
        'lvs_director_vrrp_instances[0].vips: 192.0.2.101 is an address of rs1 (eth0/24, per its facts); a VIP must '
        'be an address that no host owns (instance VI_WEB)')


def test_interfaces_are_checked_against_each_directors_facts():
    hostvars = with_facts(lb1=facts({'eth0': [], 'lo': []}), lb2=facts({'ens3': [], 'lo': []}, default='ens3'))
    assert errors_of(hostvars=hostvars) == []  # each director's default route interface
    assert errors_of(vrrp=instances(interface='eth0'), hostvars=hostvars) == [
        "lvs_director_vrrp_instances[0].interface: lb2 has no interface 'eth0' (per its facts it has ens3, lo); "
        "fix the name (instance VI_WEB)"]
    assert errors_of(hostvars=hostvars, interfaces={'lb1': 'eth1'}) == [
        "lvs_director_interface: lb1 has no interface 'eth1' (per its facts it has eth0, lo); fix the name "
        "(instance VI_WEB)"]


def test_tracked_interfaces_must_exist_on_every_director():
    hostvars = with_facts(lb1=facts({'eth0': [], 'uplink': []}), lb2=facts({'eth0': [], 'lo': []}))
    assert errors_of(vrrp=instances(track_interfaces=['uplink']), hostvars=hostvars) == [
        "lvs_director_vrrp_instances[0].track_interfaces[0]: lb2 has no interface 'uplink' (per its facts it has "
        "eth0, lo); fix the name (instance VI_WEB)"]


def test_an_empty_tracked_interface_is_reported_once():
    assert errors_of(vrrp=instances(track_interfaces=[''])) == [
        'lvs_director_vrrp_instances[0].track_interfaces[0]: empty; name the interface (instance VI_WEB)']


def test_a_director_without_facts_is_skipped_but_an_empty_interface_is_not():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_interface'] = ''
    assert errors_of(vrrp=instances(interface=None), hostvars=hostvars) == [
        'lvs_director_interface of lb2: empty, so lb2 has no interface for the VRRP adverts and VIPs; set it '
        '(instance VI_WEB)']


def test_unknown_variable_is_named_with_a_suggestion():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['rs1']['lvs_director_virtual_service'] = []
    assert only_error(hostvars=hostvars) == ('lvs_director_virtual_service: unknown variable (set for rs1); did you '
                                             'mean lvs_director_virtual_services?')
