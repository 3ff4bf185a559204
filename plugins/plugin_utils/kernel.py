# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a director's kernel needs for the services: the IPVS modules (and the first service that needs each), the
sysctls (IP forwarding for the families of the NAT real servers, then lvs_director_sysctl) and the sync daemons."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.model import SPEC, ip
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import merge

# sysctl that a NAT service needs on the directors, by address family: its replies come back through them.
FORWARDING = {4: 'net.ipv4.ip_forward', 6: 'net.ipv6.conf.all.forwarding'}


def kernel_modules(services):
    """ip_vs, the scheduler module of every lb_algo in use, the module of every persistence engine; once each."""
    modules = (['ip_vs'] + [f"ip_vs_{service['lb_algo']}" for service in services]
               + [f"ip_vs_pe_{service['persistence_engine']}" for service in services if service['persistence_engine']])
    return list(dict.fromkeys(modules))


def module_users(services):
    """{scheduler module: 'lvs_director_virtual_services[N].lb_algo: ALGO'} of the first service that needs it, for
    the message when a kernel lacks it."""
    users = {}
    for number, service in enumerate(services):
        users.setdefault(f"ip_vs_{service['lb_algo']}",
                         f"lvs_director_virtual_services[{number}].lb_algo: {service['lb_algo']}")
    return users


def forwarding_families(services):
    """The address families of the NAT real servers."""
    return {ip(real_server['address']).version for service in services if service['lb_kind'] == 'NAT'
            for real_server in service['real_servers'] if ip(real_server['address']) is not None}


def kernel_sysctls(services, sysctl):
    """IP forwarding for each family of the NAT real servers, unless lvs_director_sysctl (which wins) says otherwise."""
    families = forwarding_families(services)
    return {key: 1 for family, key in FORWARDING.items() if family in families} | dict(sysctl or {})


def sync_daemon(setting, instances):
    """{interface, syncid} of the sync daemons from lvs_director_sync_daemon, None when they are off: its instance
    (else the first) gives the interface and the VRID as sync id unless it sets them."""
    sync = merge(SPEC['lvs_director_sync_daemon']['default'], setting)
    if not sync['enabled']:
        return None
    instance = next((one for one in instances if one['name'] == sync['instance']), instances[0] if instances else {})
    return {'interface': sync['interface'] or instance.get('interface'),
            'syncid': sync['id'] if sync['id'] is not None else instance.get('virtual_router_id')}


def kernel_needs(services, instances, sysctl, sync_daemon_setting):
    """What lvs.cluster.ipvs_kernel sets on a director, from the resolved services and instances."""
    return {'modules': kernel_modules(services), 'needed_by': module_users(services),
            'sysctls': kernel_sysctls(services, sysctl), 'sync_daemon': sync_daemon(sync_daemon_setting, instances)}
