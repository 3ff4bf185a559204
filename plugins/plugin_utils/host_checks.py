# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks against the inventory and the hosts' facts: interfaces that must exist on every director, addresses
that a VIP must not be, and lvs_director_* variables that the role does not know."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import show
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import (
    DEFAULT_INTERFACE_FALLBACK, SPEC, ip, norm_address)
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import hostvar


def _facts(hostvars, host):
    """The gathered facts of host, or None when they are missing (the check then skips the host)."""
    facts = hostvar(hostvars, host, 'ansible_facts')
    return facts if isinstance(facts, Mapping) and isinstance(facts.get('interfaces'), (list, tuple)) else None


def _own_addresses(facts):
    """{address: 'interface/prefix'} of every address with a network prefix; a /32 or /128 can be a VIP
    (keepalived and lvs_realserver place VIPs so), so it does not count as the host's own."""
    owned = {}
    for name in facts['interfaces']:
        info = facts.get(str(name)) or facts.get(str(name).replace('-', '_').replace('.', '_')) or {}
        if not isinstance(info, Mapping):
            continue
        entries = [info.get('ipv4')] + list(info.get('ipv4_secondaries') or []) + list(info.get('ipv6') or [])
        for entry in entries:
            address = ip(entry.get('address')) if isinstance(entry, Mapping) else None
            if address is not None and str(entry.get('prefix')) != str(address.max_prefixlen):
                owned.setdefault(str(address), f"{name}/{entry.get('prefix')}")
    return owned


def _default_interface(context, host, facts):
    """lvs_director_interface of a director, as the role would compute it, and where it comes from."""
    given = context['interfaces']
    if host in given:
        return given[host], 'lvs_director_interface'
    if host in context['hostvars'] and 'lvs_director_interface' in context['hostvars'][host]:
        return hostvar(context['hostvars'], host, 'lvs_director_interface'), f"lvs_director_interface of {host}"
    route = (facts or {}).get('default_ipv4') or {}
    return route.get('interface') or DEFAULT_INTERFACE_FALLBACK, 'lvs_director_interface (the default route interface)'


def check_interfaces(instances, sync_daemon, context, errors):
    reported = set()
    wanted = [(f"lvs_director_vrrp_instances[{number}].interface", instance.get('interface'),
               f"instance {instance['name']}") for number, instance in instances]
    if sync_daemon and sync_daemon.get('enabled') and sync_daemon.get('interface'):
        wanted.append(('lvs_director_sync_daemon.interface', sync_daemon['interface'], None))
    tracked = []
    for number, instance in instances:
        for index, interface in enumerate(instance.get('track_interfaces') or []):
            path = f"lvs_director_vrrp_instances[{number}].track_interfaces[{index}]"
            about = f"instance {instance['name']}"
            if interface in (None, ''):
                errors.add(path, 'empty; name the interface', about)
            elif fields.interface(interface) is None:
                tracked.append((path, interface, about))
    for host in context['directors']:
        facts = _facts(context['hostvars'], host)
        default, source = _default_interface(context, host, facts)
        checked = [(source, default, about) if interface in (None, '') else (path, interface, about)
                   for path, interface, about in wanted] + tracked
        for path, interface, about in checked:
            if interface in (None, ''):
                errors.add(path, f"empty, so {host} has no interface for the VRRP adverts and VIPs; set it", about)
            elif (facts is not None and interface not in facts['interfaces'] and (host, interface) not in reported
                  and fields.interface(interface) is None):
                reported.add((host, interface))
                errors.add(path, f"{host} has no interface {show(interface)} (per its facts it has "
                                 f"{', '.join(str(name) for name in facts['interfaces'])}); fix the name", about)


def check_addresses(context, services, errors):
    """No host's own address (inventory or facts) may be a VIP; no director may be a real server."""
    hostvars, vips, paths = context['hostvars'], context['vips'], context['vip_paths']
    real_servers = {}
    for number, service in services:
        for real_server in service['real_servers']:
            real_servers.setdefault(norm_address(real_server['address']), (number, service['name']))
    for host in context['directors']:
        for variable in ('lvs_director_address', 'ansible_host'):
            value = hostvar(hostvars, host, variable)
            address = norm_address(str(value)) if value is not None else None
            if address in vips:
                errors.add(paths[address], f"{address} is {variable} of director {host}; a VIP must be an "
                                           f"address that no host owns", vips[address])
            elif address in real_servers:
                number, name = real_servers[address]
                errors.add(f"lvs_director_virtual_services[{number}].real_servers",
                           f"{address} is {variable} of director {host} (its unicast/VRRP address); a director "
                           f"cannot be a real server", f"service {name}")
    hosts = list(dict.fromkeys(context['directors'] + context['default_members']
                               + [rs['host'] for service in dict(services).values() for rs in service['real_servers']
                                  if rs['host'] is not None]))
    for host in hosts:
        facts = _facts(hostvars, host)
        if facts is None:
            continue
        for address, where in _own_addresses(facts).items():
            if address in vips:
                errors.add(paths[address], f"{address} is an address of {host} ({where}, per its facts); a VIP "
                                           f"must be an address that no host owns", vips[address])


def check_unknown_variables(context, errors):
    unknown = {}
    for host in context['directors'] + context['default_members']:
        if host in context['hostvars']:
            for name in context['hostvars'][host]:
                if str(name).startswith('lvs_director_') and name not in SPEC:
                    unknown.setdefault(name, []).append(host)
    for name, hosts in sorted(unknown.items()):
        close = difflib.get_close_matches(name, list(SPEC), n=1)
        hint = f"did you mean {close[0]}?" if close else 'see docs/data-model.md for the variables'
        errors.add(name, f"unknown variable (set for {', '.join(hosts)}); {hint}")
