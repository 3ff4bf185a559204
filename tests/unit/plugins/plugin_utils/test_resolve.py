"""plugin_utils/resolve.py: defaults, real-server addresses, VRRP priorities and states, scripts."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils import model
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import (
    resolve_services, resolve_vrrp_instances, resolve_vrrp_scripts)
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    GROUPS, HOSTVARS, errors_of, instances, services)


# ---------------------------------------------------------------- resolve_services


def test_resolve_fills_every_default():
    service = resolve_services(services(), HOSTVARS, GROUPS)[0]
    for key, value in model.SERVICE_DEFAULTS.items():
        if key not in ('name', 'vip', 'port', 'health_check', 'real_servers'):
            assert service[key] == value, key
    assert service['name'] == 'web'


def test_resolve_default_real_servers_are_the_group_with_address_precedence():
    real_servers = resolve_services(services(), HOSTVARS, GROUPS)[0]['real_servers']
    assert [(rs['host'], rs['address'], rs['port'], rs['weight']) for rs in real_servers] == [
        ('rs1', '192.0.2.21', 80, 1),  # ansible_host
        ('rs2', '192.0.2.22', 80, 1),  # lvs_realserver_address wins over ansible_host
    ]
    assert real_servers[0]['health_check'] == model.HEALTH_CHECK_DEFAULTS


def test_resolve_host_without_address_uses_its_name():
    real_server = resolve_services(services(real_servers=[{'host': 'rs3'}]), HOSTVARS, GROUPS)[0]['real_servers'][0]
    assert (real_server['host'], real_server['address']) == ('rs3', 'rs3')


def test_resolve_missing_group_gives_no_real_servers():
    assert resolve_services(services(), HOSTVARS, {'all': []})[0]['real_servers'] == []
    assert resolve_services(services(), HOSTVARS, GROUPS, 'nosuchgroup')[0]['real_servers'] == []


def test_resolve_explicit_real_servers_and_string_forms():
    svc = services(real_servers=['rs1', '192.0.2.30', {'address': '192.0.2.31', 'port': 8080, 'weight': 4}])
    real_servers = resolve_services(svc, HOSTVARS, GROUPS)[0]['real_servers']
    assert [(rs['host'], rs['address'], rs['port'], rs['weight']) for rs in real_servers] == [
        ('rs1', '192.0.2.21', 80, 1), (None, '192.0.2.30', 80, 1), (None, '192.0.2.31', 8080, 4)]


def test_resolve_merges_health_checks():
    svc = services(health_check={'type': 'HTTP_GET', 'url': [{'path': '/'}], 'retry': 3},
                   real_servers=[{'host': 'rs1', 'health_check': {'connect_port': 8080, 'retry': 5}}, 'rs2'])
    first, second = resolve_services(svc, HOSTVARS, GROUPS)[0]['real_servers']
    assert first['health_check']['type'] == 'HTTP_GET'
    assert (first['health_check']['retry'], first['health_check']['connect_port']) == (5, 8080)
    assert first['health_check']['url'] == [{'path': '/', 'status_code': None, 'digest': None}]
    assert (second['health_check']['retry'], second['health_check']['connect_port']) == (3, None)


def test_resolve_does_not_modify_its_input():
    svc = services(health_check={'type': 'TCP_CHECK'})
    before = copy.deepcopy(svc)
    resolve_services(svc, HOSTVARS, GROUPS)
    assert svc == before


def test_resolve_fwmark_real_servers_default_to_port_0_and_default_names():
    resolved = resolve_services([{'fwmark': 10}, {'vip': '192.0.2.100', 'port': 53, 'protocol': 'UDP'}],
                                HOSTVARS, GROUPS)
    assert resolved[0]['name'] == 'fwmark-10' and resolved[0]['real_servers'][0]['port'] == 0
    assert resolved[1]['name'] == '192.0.2.100:53/UDP'


def test_null_means_the_default():
    service = resolve_services(services(lb_algo=None, health_check=None, scheduler_flags=None), HOSTVARS, GROUPS)[0]
    assert (service['lb_algo'], service['scheduler_flags'], service['health_check']) == ('wlc', [], {})
    assert errors_of(services(lb_algo=None)) == []


DUAL_STACK = {
    'rs1': {'ansible_host': '192.0.2.21', 'lvs_realserver_address6': '2001:db8::21'},
    # ansible_host IPv6, IPv4 from lvs_realserver_address
    'rs2': {'ansible_host': '2001:DB8::22', 'lvs_realserver_address': '192.0.2.22'},
    # no variable of either family: the facts of its default routes
    'rs3': {'ansible_host': 'rs3.example',
            'ansible_facts': {'default_ipv4': {'address': '192.0.2.23'}, 'default_ipv6': {'address': '2001:db8::23'}}},
}


def test_dual_stack_hosts_are_named_once_and_take_the_address_of_the_vips_family():
    both = [{'name': 'web4', 'vip': '192.0.2.100', 'port': 80, 'real_servers': ['rs1', 'rs2', 'rs3']},
            {'name': 'web6', 'vip': '2001:db8::100', 'port': 80, 'real_servers': ['rs1', 'rs2', {'host': 'rs3'}]},
            {'name': 'mark', 'fwmark': 1, 'real_servers': ['rs1']}]
    resolved = resolve_services(both, DUAL_STACK, {})
    assert [[rs['address'] for rs in service['real_servers']] for service in resolved] == [
        ['192.0.2.21', '192.0.2.22', '192.0.2.23'], ['2001:db8::21', '2001:db8::22', '2001:db8::23'],
        ['192.0.2.21']]  # fwmark: no family, the plain rule (lvs_realserver_address, else ansible_host)


# ---------------------------------------------------------- resolve_vrrp_instances


def test_vrrp_priority_and_state_follow_the_group_order():
    lb1 = resolve_vrrp_instances(instances(), HOSTVARS, GROUPS, 'lb1', default_interface='eth0')[0]
    lb2 = resolve_vrrp_instances(instances(), HOSTVARS, GROUPS, 'lb2', default_interface='eth0')[0]
    assert (lb1['priority'], lb1['state'], lb1['interface']) == (250, 'MASTER', 'eth0')
    assert (lb2['priority'], lb2['state']) == (240, 'BACKUP')
    assert lb1['unicast_peers'] == [] and lb1['unicast_src_ip'] is None


def test_active_active_each_instance_is_master_on_its_preferred_director():
    two = [*instances(), {'name': 'VI_B', 'virtual_router_id': 52, 'vips': ['192.0.2.102'], 'preferred_director': 'lb2'}]
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb1']['lvs_director_priority'] = 245  # applies to VI_WEB only
    by_host = {host: [(i['name'], i['priority'], i['state'])
                      for i in resolve_vrrp_instances(two, hostvars, GROUPS, host, default_interface='eth0')]
               for host in ('lb1', 'lb2')}
    assert by_host == {'lb1': [('VI_WEB', 245, 'MASTER'), ('VI_B', 240, 'BACKUP')],
                       'lb2': [('VI_WEB', 240, 'BACKUP'), ('VI_B', 250, 'MASTER')]}


def test_vrrp_explicit_priority_decides_the_master():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_priority'] = 254
    assert resolve_vrrp_instances(instances(), hostvars, GROUPS, 'lb1')[0]['state'] == 'BACKUP'
    lb2 = resolve_vrrp_instances(instances(), hostvars, GROUPS, 'lb2')[0]
    assert (lb2['priority'], lb2['state']) == (254, 'MASTER')


@pytest.mark.parametrize('changes', [{'preempt': False}, {'preempt_delay': 30}])
def test_vrrp_without_preemption_everyone_starts_backup(changes):
    for host in ('lb1', 'lb2'):
        assert resolve_vrrp_instances(instances(**changes), HOSTVARS, GROUPS, host)[0]['state'] == 'BACKUP'


def test_vrrp_unicast_peers_are_the_other_directors():
    lb1 = resolve_vrrp_instances(instances(unicast=True), HOSTVARS, GROUPS, 'lb1')[0]
    lb2 = resolve_vrrp_instances(instances(unicast=True), HOSTVARS, GROUPS, 'lb2')[0]
    assert (lb1['unicast_src_ip'], lb1['unicast_peers']) == ('192.0.2.2', ['192.0.2.13'])
    assert (lb2['unicast_src_ip'], lb2['unicast_peers']) == ('192.0.2.13', ['192.0.2.2'])


def test_vrrp_instance_interface_wins():
    assert resolve_vrrp_instances(instances(interface='eth1'), HOSTVARS, GROUPS, 'lb1', 'lvs_directors',
                                  'eth0')[0]['interface'] == 'eth1'


@pytest.mark.parametrize('version, advert', [(3, 0.5), (2, 1)])
def test_advert_int_default_follows_the_version(version, advert):
    resolved = resolve_vrrp_instances(instances(version=version), HOSTVARS, GROUPS, 'lb1')[0]
    assert resolved['advert_int'] == advert
    assert errors_of(vrrp=instances(version=version)) == []


# ------------------------------------------------------------------------ scripts


def test_a_script_resolves_to_its_command_and_user():
    instance = resolve_vrrp_instances(instances(notify='/bin/a', notify_fault={'command': '/bin/b', 'user': 'root'}),
                                      HOSTVARS, GROUPS, 'lb1')[0]
    assert instance['hooks'] == {'notify': {'command': '/bin/a', 'user': None},
                                 'notify_fault': {'command': '/bin/b', 'user': 'root'}}
    misc = {'type': 'MISC_CHECK', 'misc_path': {'command': '/bin/c x', 'user': 'root'}}
    check = resolve_services(services(health_check=misc), HOSTVARS, GROUPS)[0]['real_servers'][0]['health_check']
    assert check['misc_path'] == {'command': '/bin/c x', 'user': 'root'}


def test_real_servers_take_the_services_notify_hooks_unless_they_have_their_own():
    svc = services(notify_down='/usr/local/sbin/rs-hook down',
                   real_servers=['rs1', {'host': 'rs2', 'notify_down': '/usr/local/sbin/other', 'notify_up': '/bin/up'}])
    resolved = resolve_services(svc, HOSTVARS, GROUPS)[0]['real_servers']
    assert [(rs['notify_up'], rs['notify_down']) for rs in resolved] == [
        (None, '/usr/local/sbin/rs-hook down'), ('/bin/up', '/usr/local/sbin/other')]
    assert errors_of(svc) == []


def test_a_real_server_hook_gets_the_real_server_as_its_last_argument():
    svc = services(vip='2001:db8::100', notify_up='/usr/local/sbin/rs-hook up',
                   notify_down={'command': '/usr/local/sbin/rs-hook down', 'user': 'root'},
                   real_servers=[{'address': '2001:DB8::21'}])
    assert resolve_services(svc, HOSTVARS, GROUPS)[0]['real_servers'][0]['hooks'] == {
        'notify_up': {'command': '/usr/local/sbin/rs-hook up [2001:db8::21]:80', 'user': None},
        'notify_down': {'command': '/usr/local/sbin/rs-hook down [2001:db8::21]:80', 'user': 'root'}}
    assert resolve_services(services(), HOSTVARS, GROUPS)[0]['real_servers'][0]['hooks'] == {}


def test_ipv4_vips_carry_a_label_that_fits_an_interface_name_and_ipv6_vips_none():
    vips = ['192.0.2.100', '2001:db8::100', '192.0.2.101']
    short = resolve_vrrp_instances(instances(vips=vips), HOSTVARS, GROUPS, 'lb1', default_interface='eth0')[0]
    assert short['addresses'] == [{'address': '192.0.2.100', 'prefix': 32, 'label': 'eth0:51_1'},
                                  {'address': '2001:db8::100', 'prefix': 128, 'label': None},
                                  {'address': '192.0.2.101', 'prefix': 32, 'label': 'eth0:51_3'}]
    long = resolve_vrrp_instances(instances(interface='enp0s31f6.100'), HOSTVARS, GROUPS, 'lb1')[0]
    assert [vip['label'] for vip in long['addresses']] == [None, None]  # enp0s31f6.100:51_1 has 18 characters


def test_vrrp_scripts_take_the_defaults_and_their_script_resolves_to_command_and_user():
    given = [{'name': 'chk_a', 'script': '/bin/a'}, {'name': 'chk_b', 'script': {'command': '/bin/b', 'user': 'root'},
                                                     'interval': 5, 'weight': -20, 'fall': None}]
    assert resolve_vrrp_scripts(given) == [
        {'name': 'chk_a', 'script': {'command': '/bin/a', 'user': None}, 'interval': 1, 'timeout': None, 'weight': 0,
         'rise': 1, 'fall': 1},
        {'name': 'chk_b', 'script': {'command': '/bin/b', 'user': 'root'}, 'interval': 5, 'timeout': None,
         'weight': -20, 'rise': 1, 'fall': 1}]
    assert given[0] == {'name': 'chk_a', 'script': '/bin/a'}
