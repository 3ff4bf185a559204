"""Unit tests of the cluster model (plugins/plugin_utils), called as plain Python functions."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ansible_collections.lvs.cluster.plugins.plugin_utils import model
from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_cluster
from ansible_collections.lvs.cluster.plugins.plugin_utils.live import ipvs_diff
from ansible_collections.lvs.cluster.plugins.plugin_utils.reports import vip_holders
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services, resolve_vrrp_instances

ROLE = Path(__file__).resolve().parents[2] / 'roles' / 'lvs_director'

HOSTVARS = {
    'lb1': {'ansible_host': '192.0.2.2'},
    'lb2': {'ansible_host': '192.0.2.3', 'lvs_director_address': '192.0.2.13'},
    'rs1': {'ansible_host': '192.0.2.21'},
    'rs2': {'ansible_host': '10.9.9.9', 'lvs_realserver_address': '192.0.2.22'},
    'rs3': {},
}
GROUPS = {'all': list(HOSTVARS), 'lvs_directors': ['lb1', 'lb2'], 'lvs_realservers': ['rs1', 'rs2']}


def instances(**changes):
    instance = {'name': 'VI_WEB', 'virtual_router_id': 51, 'vips': ['192.0.2.100', '192.0.2.101']}
    instance.update(changes)
    return [instance]


def services(*extra, **changes):
    service = {'name': 'web', 'vip': '192.0.2.100', 'port': 80}
    service.update(changes)
    return [service, *extra]


def errors_of(svcs=None, vrrp=None, hostvars=None, groups=None, **kwargs):
    return check_cluster(services() if svcs is None else svcs, instances() if vrrp is None else vrrp,
                         HOSTVARS if hostvars is None else hostvars, GROUPS if groups is None else groups, **kwargs)


def only_error(*args, **kwargs):
    errors = errors_of(*args, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


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


def test_realserver_role_selection_expression():
    """lvs_realserver selects by rs.host == inventory_hostname or rs.address == its address."""
    resolved = resolve_services(services(real_servers=['rs1', '192.0.2.22']), HOSTVARS, GROUPS)
    mine = [svc['vip'] for svc in resolved for rs in svc['real_servers']
            if rs['host'] == 'rs2' or rs['address'] == HOSTVARS['rs2']['lvs_realserver_address']]
    assert mine == ['192.0.2.100']


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


def test_a_host_without_an_address_of_the_vips_family_names_the_variable():
    ipv4_only = dict(HOSTVARS, rs1={'ansible_host': '192.0.2.21'})
    svc = services(vip='2001:db8::100', real_servers=['rs1'])
    assert only_error(svc, instances(vips=['2001:db8::100'], version=3), hostvars=ipv4_only) == (
        'lvs_director_virtual_services[0].real_servers[0]: host rs1 has no IPv6 address for this IPv6 VIP; '
        'set lvs_realserver_address6 of rs1 (service web)')


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


def test_preferred_director_outside_the_group():
    assert only_error(vrrp=instances(preferred_director='rs1')) == (
        "lvs_director_vrrp_instances[0].preferred_director: 'rs1' is not in group lvs_directors; "
        "name one of ['lb1', 'lb2'] (instance VI_WEB)")


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


# ------------------------------------------------------------------ check_cluster

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


def test_invalid_vip_of_a_service():
    assert only_error(services(vip='192.0.2.300')).startswith(
        "lvs_director_virtual_services[0].vip: '192.0.2.300' is not an IP address")


def test_invalid_vip_of_an_instance():
    error = only_error(services(vip='192.0.2.101'), instances(vips=['192.0.2.100/24', '192.0.2.101']))
    assert error.startswith("lvs_director_vrrp_instances[0].vips[0]: '192.0.2.100/24' is not an IP address")


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


def test_invalid_sorry_server():
    assert only_error(services(sorry_server={'address': 'nope'})).startswith(
        "lvs_director_virtual_services[0].sorry_server.address: 'nope' is not an IP address")


def test_sorry_server_port_differs_in_dr():
    assert only_error(services(sorry_server={'address': '192.0.2.50', 'port': 8080})).startswith(
        'lvs_director_virtual_services[0].sorry_server.port: DR cannot translate ports')


def test_invalid_unicast_address():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_address'] = 'lb2.example'
    error = only_error(vrrp=instances(unicast=True), hostvars=hostvars)
    assert error.startswith("lvs_director_vrrp_instances[0].unicast: lvs_director_address of lb2 "
                            "('lb2.example') is not an IP address")


def test_unicast_peer_equal_to_self():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_address'] = '192.0.2.2'
    error = only_error(vrrp=instances(unicast=True), hostvars=hostvars)
    assert error.startswith('lvs_director_vrrp_instances[0].unicast: unicast peer 192.0.2.2 of lb2 '
                            'equals the address of lb1')


def test_unicast_needs_two_directors():
    error = only_error(vrrp=instances(unicast=True), groups=dict(GROUPS, lvs_directors=['lb1']))
    assert error.startswith('lvs_director_vrrp_instances[0].unicast: unicast needs at least two')


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


def test_duplicate_real_servers():
    error = only_error(services({'name': 'web2', 'vip': '192.0.2.101', 'port': 80,
                                 'real_servers': ['rs1', {'address': '192.0.2.21'}]}))
    assert error == ('lvs_director_virtual_services[1].real_servers[1]: real server 192.0.2.21:80 is listed twice; '
                     'remove one (service web2)')


@pytest.mark.parametrize('vrid', [0, 256])
def test_vrid_outside_range(vrid):
    assert only_error(vrrp=instances(virtual_router_id=vrid)).startswith(
        f'lvs_director_vrrp_instances[0].virtual_router_id: {vrid!r} is outside 1-255')


def test_vrid_not_an_integer_skips_the_instance():
    errors = errors_of(vrrp=instances(virtual_router_id='x'))
    assert errors[0] == "lvs_director_vrrp_instances[0].virtual_router_id: must be an integer, got 'x'; fix it"
    assert errors[1].startswith('lvs_director_virtual_services[0].vip: 192.0.2.100 is not held')


def test_vrid_reused():
    vrrp = instances() + [{'name': 'VI_B', 'virtual_router_id': 51, 'vips': ['192.0.2.102']}]
    assert only_error(vrrp=vrrp) == ('lvs_director_vrrp_instances[1].virtual_router_id: 51 is already '
                                     'used by VI_WEB; use a VRID unique on the segment (instance VI_B)')


def test_vip_in_two_instances():
    vrrp = instances() + [{'name': 'VI_B', 'virtual_router_id': 52, 'vips': ['192.0.2.100']}]
    assert only_error(vrrp=vrrp).startswith('lvs_director_vrrp_instances[1].vips: 192.0.2.100 is already '
                                            'held by instance VI_WEB')


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


def test_auth_pass_too_long():
    assert only_error(vrrp=instances(auth_pass='123456789', version=2)) == (
        'lvs_director_vrrp_instances[0].auth_pass: keepalived uses at most 8 characters (bytes); shorten it')
    assert only_error(vrrp=instances(auth_pass='ünïcödé', version=2)).endswith('at most 8 characters (bytes); shorten it')


def test_auth_with_vrrp_v3():
    assert only_error(vrrp=instances(auth_pass='secret', version=3)).startswith(
        'lvs_director_vrrp_instances[0].auth_pass: VRRPv3 has no authentication')


@pytest.mark.parametrize('changes', [{'preempt': False}, {'preempt_delay': 10}])
def test_forced_master_without_preemption(changes):
    assert only_error(vrrp=instances(state='MASTER', **changes)).startswith(
        'lvs_director_vrrp_instances[0].state: nopreempt/preempt_delay need every director in state BACKUP')


def test_forced_backup_without_preemption_is_fine():
    assert errors_of(vrrp=instances(state='BACKUP', preempt=False)) == []


@pytest.mark.parametrize('lb_kind', ['DR', 'TUN'])
def test_dr_tun_real_server_port_differs(lb_kind):
    error = only_error(services(lb_kind=lb_kind, real_servers=[{'host': 'rs1', 'port': 8080}]))
    assert error.startswith(f'lvs_director_virtual_services[0].real_servers[0].port: {lb_kind} cannot '
                            f'translate ports: real server 192.0.2.21:8080 must use the service port 80')


def test_nat_may_translate_ports():
    assert errors_of(services(lb_kind='NAT', real_servers=[{'host': 'rs1', 'port': 8080}])) == []


def test_vip_and_fwmark_both_set():
    errors = errors_of(services(fwmark=3))
    assert 'lvs_director_virtual_services[0]: set exactly one of vip and fwmark (service web)' in errors


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


def test_neither_vip_nor_fwmark():
    assert 'lvs_director_virtual_services[0]: set exactly one of vip and fwmark (service web)' in errors_of(
        [{'name': 'web', 'port': 80}])


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


def test_unknown_scheduler():
    assert only_error(services(lb_algo='weighted')).startswith(
        "lvs_director_virtual_services[0].lb_algo: 'weighted' is not one of rr, wrr,")


@pytest.mark.parametrize('advert', [0.5, 1.5])
def test_vrrp2_fractional_advert_int(advert):
    assert only_error(vrrp=instances(advert_int=advert, version=2)).startswith(
        'lvs_director_vrrp_instances[0].advert_int: VRRPv2 needs a whole number of seconds')


@pytest.mark.parametrize('advert', [0, 41])
def test_vrrp3_advert_int_outside_range(advert):
    assert only_error(vrrp=instances(advert_int=advert, version=3)).startswith(
        'lvs_director_vrrp_instances[0].advert_int: VRRPv3 allows 0.01-40.95 seconds')


@pytest.mark.parametrize('version, advert', [(3, 0.5), (2, 1)])
def test_advert_int_default_follows_the_version(version, advert):
    resolved = resolve_vrrp_instances(instances(version=version), HOSTVARS, GROUPS, 'lb1')[0]
    assert resolved['advert_int'] == advert
    assert errors_of(vrrp=instances(version=version)) == []


def test_vrrp3_fractional_advert_int_is_fine():
    assert errors_of(vrrp=instances(advert_int=0.5, version=3)) == []


def test_mixed_address_families_in_an_instance():
    errors = errors_of(vrrp=instances(vips=['192.0.2.100', '2001:db8::1'], version=3))
    assert errors == ['lvs_director_vrrp_instances[0].vips: mixes IPv4 and IPv6 addresses; '
                      'use one instance per address family (instance VI_WEB)']


def test_ipv6_without_vrrp3():
    svc = services(vip='2001:db8::100', real_servers=[{'address': '2001:db8::21'}])
    assert only_error(svc, instances(vips=['2001:db8::100'], version=2)) == (
        'lvs_director_vrrp_instances[0].version: IPv6 VIPs need VRRP version 3; set version: 3 (instance VI_WEB)')


def test_real_server_of_another_family():
    assert only_error(services(real_servers=[{'address': '2001:db8::21'}])).startswith(
        "lvs_director_virtual_services[0].real_servers[0]: real server 2001:db8::21 is not of the VIP's")


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


def test_http_url_without_path():
    error = errors_of(services(health_check={'type': 'HTTP_GET', 'url': [{'status_code': 200}]}))[0]
    assert error == 'lvs_director_virtual_services[0].health_check.url[0].path: required; set it'


@pytest.mark.parametrize('status, where', [(99, ''), (600, ''), ('200-', ''), ('ok', ''), ('٢٠٠', ''),
                                           ([200, 700], '[1]')])
def test_bad_status_code(status, where):
    error = only_error(services(health_check={'type': 'HTTP_GET', 'url': [{'path': '/', 'status_code': status}]}))
    assert error.startswith(f'lvs_director_virtual_services[0].health_check.url[0].status_code{where}: ')


@pytest.mark.parametrize('digest', ['abc', 'g' * 32, 'a' * 33])
def test_bad_digest(digest):
    error = errors_of(services(health_check={'type': 'HTTP_GET', 'url': [{'path': '/', 'digest': digest}]}))[0]
    assert error.startswith('lvs_director_virtual_services[0].health_check.url[0].digest:')


def test_unknown_health_check_type():
    error = errors_of(services(real_servers=[{'host': 'rs1', 'health_check': {'type': 'PING'}}]))
    assert error == ["lvs_director_virtual_services[0].real_servers[0].health_check.type: 'PING' is not one of "
                     "TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK, none; fix it"]


def test_misc_check_without_path():
    assert errors_of(services(health_check={'type': 'MISC_CHECK'}))[0].startswith(
        'lvs_director_virtual_services[0].real_servers[0].health_check.misc_path:')


def test_port_zero_needs_persistence():
    assert only_error(services(port=0, health_check={'type': 'none'})).startswith(
        'lvs_director_virtual_services[0].port: port 0 (all ports) needs persistence_timeout')


def test_service_without_real_servers():
    assert only_error(groups=dict(GROUPS, lvs_realservers=[])).startswith(
        'lvs_director_virtual_services[0].real_servers: the service has no real servers')


def test_sync_daemon_unknown_instance():
    assert only_error(sync_daemon={'enabled': True, 'instance': 'VI_X'}).startswith(
        "lvs_director_sync_daemon.instance: 'VI_X' is not an instance of lvs_director_vrrp_instances")


# ----------------------------------------------------------------------- ipvs_diff

def resolved(*extra, **changes):
    return resolve_services(services(*extra, **changes), HOSTVARS, GROUPS)


def table_entry(address='192.0.2.100', port=80, protocol='tcp', real_servers=None, **changes):
    entry = {'protocol': protocol, 'address': address, 'port': port, 'fwmark': None, 'family': 'ipv4',
             'scheduler': 'wlc', 'scheduler_flags': [], 'persistent': False, 'persistence_timeout': None,
             'persistence_mask': None, 'persistence_engine': None, 'one_packet': False,
             'real_servers': real_servers if real_servers is not None else [
                 kernel_rs('192.0.2.21'), kernel_rs('192.0.2.22')]}
    entry.update(changes)
    return entry


def kernel_rs(address, port=80, forward='route', weight=1):
    return {'address': address, 'port': port, 'forward': forward, 'weight': weight,
            'active_connections': 0, 'inactive_connections': 0}


def test_diff_matching_table():
    diff = ipvs_diff(resolved(), {'services': [table_entry()]})
    assert diff == {'ok': True, 'errors': [], 'down': [], 'report': 'IPVS table matches the configuration'}


def test_diff_missing_service():
    diff = ipvs_diff(resolved(), {'services': []})
    assert not diff['ok'] and diff['errors'] == ['service web: not in the IPVS table']
    assert "- web: expected ('tcp', '192.0.2.100', 80), actual: missing" in diff['report']


@pytest.mark.parametrize('changes, attribute', [
    ({'scheduler': 'rr'}, 'scheduler'),
    ({'persistent': True, 'persistence_timeout': 300}, 'persistent'),
    ({'scheduler_flags': ['flag-1']}, 'scheduler_flags'),
])
def test_diff_service_attributes(changes, attribute):
    diff = ipvs_diff(resolved(), {'services': [table_entry(**changes)]})
    assert not diff['ok'] and diff['errors'][0].startswith(f'service web: {attribute} is')
    assert f'~ web: {attribute}: expected' in diff['report']


def test_diff_persistence_timeout_and_mask():
    expected = resolved(persistence_timeout=300, persistence_granularity='255.255.255.0')
    good = table_entry(persistent=True, persistence_timeout=300, persistence_mask='255.255.255.0')
    assert ipvs_diff(expected, {'services': [good]})['ok']
    bad = dict(good, persistence_timeout=360, persistence_mask=None)
    assert ipvs_diff(expected, {'services': [bad]})['errors'] == [
        'service web: persistence_timeout is 360, expected 300',
        "service web: persistence_mask is '255.255.255.255', expected '255.255.255.0'"]


def test_diff_weight_and_forward():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21', weight=3), kernel_rs('192.0.2.22', forward='masq')])
    diff = ipvs_diff(resolved(), {'services': [table]})
    assert diff['errors'] == ['service web: real server 192.0.2.21:80 weight is 3, expected 1',
                              "service web: real server 192.0.2.22:80 forward is 'masq', expected 'route'"]
    assert "~ web: real server 192.0.2.21:80: weight: expected 1, actual 3" in diff['report']


def test_diff_down_real_server_is_reported_not_failed():
    diff = ipvs_diff(resolved(), {'services': [table_entry(real_servers=[kernel_rs('192.0.2.21')])]})
    assert diff['ok'] and diff['down'] == ['service web: real server 192.0.2.22:80 is down (health check failing)']


def test_diff_all_real_servers_down_fails():
    diff = ipvs_diff(resolved(), {'services': [table_entry(real_servers=[])]})
    assert not diff['ok'] and diff['errors'] == ['service web: none of its 2 real servers is up']
    assert len(diff['down']) == 2


def test_diff_inhibited_real_server_counts_as_down():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21'), kernel_rs('192.0.2.22', weight=0)])
    diff = ipvs_diff(resolved(inhibit_on_failure=True), {'services': [table]})
    assert diff['ok'] and len(diff['down']) == 1


def test_diff_real_server_without_check_must_be_present():
    diff = ipvs_diff(resolved(health_check={'type': 'none'}),
                     {'services': [table_entry(real_servers=[kernel_rs('192.0.2.21')])]})
    assert diff['errors'] == ['service web: real server 192.0.2.22:80 (no health check) is not in the table']


def test_diff_unexpected_real_server():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21'), kernel_rs('192.0.2.22'), kernel_rs('192.0.2.99')])
    diff = ipvs_diff(resolved(), {'services': [table]})
    assert diff['errors'] == ['service web: unexpected real server 192.0.2.99:80 in the table']


def test_diff_sorry_server_is_not_unexpected():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21'), kernel_rs('192.0.2.50')])
    assert ipvs_diff(resolved(sorry_server={'address': '192.0.2.50'}), {'services': [table]})['ok']


def test_diff_fwmark_and_ipv6():
    expected = resolve_services([
        {'name': 'mark', 'fwmark': 7, 'real_servers': [{'address': '192.0.2.21', 'port': 80}], 'lb_algo': 'rr'},
        {'name': 'v6', 'vip': '2001:db8::100', 'port': 443, 'real_servers': [{'address': '2001:db8::21'}]},
    ], HOSTVARS, GROUPS)
    table = [
        table_entry(address=None, port=0, protocol='fwm', fwmark=7, scheduler='rr',
                    real_servers=[kernel_rs('192.0.2.21', port=80)]),
        table_entry(address='2001:0db8:0000::0100', port=443, family='ipv6',
                    real_servers=[kernel_rs('2001:db8:0::21', port=443)]),
    ]
    assert ipvs_diff(expected, {'services': table})['ok']


# -------------------------------------------------------------------- vip_holders

def test_vip_holders_counts_directors():
    lb1 = [{'ifname': 'eth0', 'addr_info': [{'family': 'inet', 'local': '192.0.2.2'},
                                            {'family': 'inet', 'local': '192.0.2.100'}]}]
    lb2 = '[{"ifname": "eth0", "addr_info": [{"family": "inet6", "local": "2001:db8:0::100"}]}]'
    holders = vip_holders(instances() + [{'vips': ['2001:db8::100']}], {'lb1': lb1, 'lb2': lb2})
    assert holders == {'192.0.2.100': ['lb1'], '192.0.2.101': [], '2001:db8::100': ['lb2']}


# ----------------------------------------------- defaults agree with the role's interface

def spec_defaults(options):
    """Defaults of the optional keys (required keys have none)."""
    return {key: value.get('default') for key, value in options.items() if not value.get('required')}


def optional(defaults, options):
    return {key: value for key, value in defaults.items() if not options[key].get('required')}


def test_filter_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    service = spec['lvs_director_virtual_services']['options']
    assert spec_defaults(service) == model.SERVICE_DEFAULTS
    assert spec_defaults(service['health_check']['options']) == model.HEALTH_CHECK_DEFAULTS
    url = service['health_check']['options']['url']['options']
    assert spec_defaults(url) == optional(model.URL_DEFAULTS, url)
    assert spec_defaults(service['real_servers']['options']) == model.REAL_SERVER_DEFAULTS
    vrrp = spec['lvs_director_vrrp_instances']['options']
    assert spec_defaults(vrrp) == optional(model.VRRP_INSTANCE_DEFAULTS, vrrp)


def test_role_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    assert sorted(defaults) == sorted(spec)
    for key, value in defaults.items():
        assert spec[key].get('default') == value, key


def test_diff_against_the_real_ipvsadm_parser():
    """ipvsadm -Ln text (format of ipvsadm 1.31) through lvs.cluster's parser, then ipvs_diff."""
    from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import build_info

    expected = resolve_services([
        {'name': 'web', 'vip': '192.0.2.100', 'port': 80, 'lb_algo': 'sh', 'scheduler_flags': ['sh-port'],
         'persistence_timeout': 300, 'persistence_granularity': '255.255.255.0'},
        {'name': 'dns', 'vip': '192.0.2.101', 'port': 53, 'protocol': 'UDP', 'lb_algo': 'rr', 'ops': True,
         'lb_kind': 'NAT', 'real_servers': [{'address': '192.0.2.21', 'port': 5353, 'weight': 2}]},
        {'name': 'mark', 'fwmark': 7, 'lb_algo': 'lc', 'real_servers': [{'address': '2001:db8::21'}]},
    ], HOSTVARS, GROUPS)
    text = (
        'IP Virtual Server version 1.2.1 (size=4096)\n'
        'Prot LocalAddress:Port Scheduler Flags\n'
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'
        'TCP  192.0.2.100:80 sh (sh-port) persistent 300 mask 255.255.255.0\n'
        '  -> 192.0.2.21:80                Route   1      0          0         \n'
        '  -> 192.0.2.22:80                Route   1      0          0         \n'
        'UDP  192.0.2.101:53 rr ops\n'
        '  -> 192.0.2.21:5353              Masq    2      0          0         \n'
        'FWM  7 IPv6 lc\n'
        '  -> [2001:db8::21]:0             Route   1      0          0         \n'
    )
    diff = ipvs_diff(expected, build_info(text))
    assert diff['errors'] == [] and diff['down'] == [], diff['report']
    broken = text.replace('sh (sh-port) persistent 300 mask 255.255.255.0', 'sh persistent 300').replace(
        'Masq    2', 'Route   2')
    assert ipvs_diff(expected, build_info(broken))['errors'] == [
        "service web: scheduler_flags is [], expected ['sh-port']",
        "service web: persistence_mask is '255.255.255.255', expected '255.255.255.0'",
        "service dns: real server 192.0.2.21:5353 forward is 'route', expected 'masq'",
    ]


def _bare(options):
    """An argument spec without its descriptions, as model.SPEC writes it."""
    bare = {}
    for key, option in options.items():
        option = {name: value for name, value in option.items() if name != 'description'}
        if 'options' in option:
            option['options'] = _bare(option['options'])
        if not option.get('required'):
            option.setdefault('default', None)
        bare[key] = option
    return bare


def test_model_spec_mirrors_the_argument_spec():
    """Types, defaults, choices, elements and nested keys: the checks type what the role documents."""
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    assert _bare(spec) == _bare(model.SPEC)


# ------------------------------------------------------- structure, facts, conflicts

@pytest.mark.parametrize('garbage', [True, 'web', 3, {'name': 'web'}, [None], [[]], [{'real_servers': [3]}],
                                     [{'health_check': []}], [{'vip': ['x'], 'port': {}}], [{1: 2}]])
def test_garbage_gives_messages_never_exceptions(garbage):
    for errors in (errors_of(garbage), errors_of(vrrp=garbage), errors_of(sync_daemon=garbage),
                   check_cluster(garbage, garbage, garbage, garbage, garbage, garbage, garbage, garbage, garbage)):
        assert errors and all(isinstance(error, str) for error in errors)


def test_null_means_the_default():
    service = resolve_services(services(lb_algo=None, health_check=None, scheduler_flags=None), HOSTVARS, GROUPS)[0]
    assert (service['lb_algo'], service['scheduler_flags'], service['health_check']) == ('wlc', [], {})
    assert errors_of(services(lb_algo=None)) == []


def facts(interfaces, default='eth0'):
    """ansible_facts as setup gathers them (subset network), for {name: [(address, prefix)]}."""
    gathered = {'interfaces': list(interfaces), 'default_ipv4': {'interface': default}}
    for name, addresses in interfaces.items():
        v4 = [{'address': a, 'prefix': str(p)} for a, p in addresses if ':' not in a]
        gathered[name] = {'ipv4': v4[0] if v4 else None, 'ipv4_secondaries': v4[1:],
                          'ipv6': [{'address': a, 'prefix': str(p)} for a, p in addresses if ':' in a]}
    return gathered


def with_facts(**by_host):
    hostvars = copy.deepcopy(HOSTVARS)
    for host, gathered in by_host.items():
        hostvars[host]['ansible_facts'] = gathered
    return hostvars


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


NOT_ABSOLUTE = "does not start with an absolute path; give the script's full path, then its arguments"


@pytest.mark.parametrize('hook', model.NOTIFY_HOOKS)
def test_notify_hooks_need_an_absolute_path(hook):
    assert errors_of(vrrp=instances(**{hook: '/usr/local/sbin/on-change --quiet'})) == []
    assert only_error(vrrp=instances(**{hook: 'on-change'})) == (
        f"lvs_director_vrrp_instances[0].{hook}: 'on-change' {NOT_ABSOLUTE}")
    assert only_error(vrrp=instances(**{hook: {'command': 'on-change', 'user': 'root'}})) == (
        f"lvs_director_vrrp_instances[0].{hook}.command: 'on-change' {NOT_ABSOLUTE}")


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


@pytest.mark.parametrize('hook', model.QUORUM_HOOKS)
def test_quorum_hooks_need_an_absolute_path(hook):
    assert errors_of(services(**{hook: '/usr/local/sbin/quorum-changed web'})) == []
    assert only_error(services(**{hook: 'quorum-changed'})) == (
        f"lvs_director_virtual_services[0].{hook}: 'quorum-changed' {NOT_ABSOLUTE}")


def test_a_real_server_hook_gets_the_real_server_as_its_last_argument():
    svc = services(vip='2001:db8::100', notify_up='/usr/local/sbin/rs-hook up',
                   notify_down={'command': '/usr/local/sbin/rs-hook down', 'user': 'root'},
                   real_servers=[{'address': '2001:DB8::21'}])
    assert resolve_services(svc, HOSTVARS, GROUPS)[0]['real_servers'][0]['hooks'] == {
        'notify_up': {'command': '/usr/local/sbin/rs-hook up [2001:db8::21]:80', 'user': None},
        'notify_down': {'command': '/usr/local/sbin/rs-hook down [2001:db8::21]:80', 'user': 'root'}}
    assert resolve_services(services(), HOSTVARS, GROUPS)[0]['real_servers'][0]['hooks'] == {}


def test_real_server_notify_hooks_need_an_absolute_path():
    assert errors_of(services(notify_up='rs-hook', real_servers=[{'host': 'rs1', 'notify_down': '/x "y"'}])) == [
        f"lvs_director_virtual_services[0].notify_up: 'rs-hook' {NOT_ABSOLUTE}",
        "lvs_director_virtual_services[0].real_servers[0].notify_down: '/x \"y\"' holds a '\"' or '\\', which "
        "would end or escape keepalived's double quotes; remove it"]


def test_a_director_without_facts_is_skipped_but_an_empty_interface_is_not():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['lb2']['lvs_director_interface'] = ''
    assert errors_of(vrrp=instances(interface=None), hostvars=hostvars) == [
        'lvs_director_interface of lb2: empty, so lb2 has no interface for the VRRP adverts and VIPs; set it '
        '(instance VI_WEB)']


def test_nat_needs_forwarding():
    svc = services(lb_kind='NAT')
    assert errors_of(svc, sysctl={'net.ipv4.ip_forward': 1}) == []
    assert only_error(svc, sysctl={'net.ipv4.ip_forward': '0'}).startswith(
        'lvs_director_sysctl.net.ipv4.ip_forward: set to 0, but lvs_director_virtual_services[0] uses lb_kind NAT')


def test_unknown_variable_is_named_with_a_suggestion():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars['rs1']['lvs_director_virtual_service'] = []
    assert only_error(hostvars=hostvars) == ('lvs_director_virtual_service: unknown variable (set for rs1); did you '
                                             'mean lvs_director_virtual_services?')


@pytest.mark.parametrize('weight, ok', [(0, True), (65535, True), (65536, False), (-1, False)])
def test_weight_range(weight, ok):
    assert (errors_of(services(real_servers=[{'host': 'rs1', 'weight': weight}])) == []) == ok


def test_empty_description_is_an_error():
    assert errors_of([], []) == [
        'lvs_director_vrrp_instances: empty: no director would hold a VIP (a misspelt variable name?); describe at '
        'least one instance',
        'lvs_director_virtual_services: empty: the directors would balance nothing (a misspelt variable name?); '
        'describe at least one service, or remove the cluster with lvs_director_state: absent']
