"""plugin_utils/kernel.py: the modules, sysctls and sync daemons a director's kernel needs for the services."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.kernel import kernel_needs
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services, resolve_vrrp_instances
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import (
    GROUPS, HOSTVARS, instances, services)

SYSCTL = {'net.ipv4.vs.expire_nodest_conn': 1}


def needs(described, sysctl=None, sync_daemon=None, vrrp=None):
    resolved = resolve_services(described, HOSTVARS, GROUPS)
    vrrp = resolve_vrrp_instances(vrrp or instances(), HOSTVARS, GROUPS, 'lb1', default_interface='eth0')
    return kernel_needs(resolved, vrrp, SYSCTL if sysctl is None else sysctl, sync_daemon or {'enabled': False})


def test_ip_vs_then_each_scheduler_and_persistence_engine_once_with_the_first_service_that_needs_it():
    kernel = needs(services({'name': 'sip', 'vip': '192.0.2.101', 'port': 5060, 'protocol': 'UDP', 'lb_algo': 'sh',
                             'persistence_timeout': 60, 'persistence_engine': 'sip'},
                            {'name': 'dns', 'vip': '192.0.2.101', 'port': 53, 'protocol': 'UDP', 'lb_algo': 'sh'}))
    assert kernel['modules'] == ['ip_vs', 'ip_vs_wlc', 'ip_vs_sh', 'ip_vs_pe_sip']
    assert kernel['needed_by'] == {'ip_vs_wlc': 'lvs_director_virtual_services[0].lb_algo: wlc',
                                   'ip_vs_sh': 'lvs_director_virtual_services[1].lb_algo: sh'}


def test_nat_real_servers_need_forwarding_of_their_family_which_lvs_director_sysctl_overrides():
    assert needs(services())['sysctls'] == SYSCTL  # DR forwards nothing
    nat = services(lb_kind='NAT', real_servers=[{'address': '192.0.2.21'}, {'address': '2001:db8::21'}])
    assert needs(nat)['sysctls'] == {'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1, **SYSCTL}
    assert needs(nat, sysctl={'net.ipv4.ip_forward': 2})['sysctls'] == {'net.ipv4.ip_forward': 2,
                                                                        'net.ipv6.conf.all.forwarding': 1}


def test_the_sync_daemons_take_their_instances_interface_and_vrid_unless_they_set_them():
    two = instances(interface='eth1') + [{'name': 'VI_B', 'virtual_router_id': 52, 'vips': ['192.0.2.102']}]
    assert needs(services())['sync_daemon'] is None
    assert needs(services(), sync_daemon={'enabled': True}, vrrp=two)['sync_daemon'] == {'interface': 'eth1',
                                                                                         'syncid': 51}
    assert needs(services(), sync_daemon={'enabled': True, 'instance': 'VI_B'}, vrrp=two)['sync_daemon'] == {
        'interface': 'eth0', 'syncid': 52}
    assert needs(services(), sync_daemon={'enabled': True, 'interface': 'sync0', 'id': 7, 'instance': None},
                 vrrp=two)['sync_daemon'] == {'interface': 'sync0', 'syncid': 7}
