# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the VRRP side: instances (names, VRIDs, VIPs, versions, timers, unicast peers), the directors'
priorities, the scripts the instances track, the sync groups and the IPVS sync daemon."""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import check_not_empty, check_range, show
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import ip, is_int
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import (
    director_priority, host_address, hostvar, resolve_vrrp_scripts, vrrp_instance)

# What keepalived takes for a vrrp_script's numbers: interval and timeout in whole seconds.
SCRIPT_RANGES = {'interval': (1, 3600, ' seconds'), 'timeout': (1, 3600, ' seconds'), 'weight': (-253, 253, ''),
                 'rise': (1, 100, ''), 'fall': (1, 100, '')}


def _check_name(value, path, what, seen, errors, about):
    """A keepalived name (its form is a field rule), unique among seen ({name: path}); returns it as a string."""
    name = str(value)
    if name in seen:
        errors.add(f"{path}.name", f"{name} is already the name of {seen[name]}; give each {what} its own name",
                   about)
    seen.setdefault(name, path)
    return name


def _check_vrid(vrid, path, name, seen, errors, about):
    if not 1 <= vrid <= 255:
        errors.add(f"{path}.virtual_router_id", f"{vrid} is outside 1-255; fix it", about)
    elif vrid in seen:
        errors.add(f"{path}.virtual_router_id", f"{vrid} is already used by {seen[vrid]}; use a VRID "
                                                f"unique on the segment", about)
    seen.setdefault(vrid, name)


def _check_vips(instance, path, name, seen, errors, about):
    """Each VIP in one instance only, one family per instance; returns the families."""
    families = set()
    if not instance['vips']:
        errors.add(f"{path}.vips", 'an instance needs at least one VIP; add one', about)
    for vip in instance['vips']:
        address = ip(vip)
        if address is None:
            continue  # the field rule reported it
        families.add(address.version)
        if str(address) in seen['vips']:
            errors.add(f"{path}.vips", f"{address} is already held by {seen['vips'][str(address)]}; keep it in one "
                                       f"instance", about)
        seen['vips'].setdefault(str(address), f"instance {name}")
        seen['vip_paths'].setdefault(str(address), f"{path}.vips")
    if len(families) > 1:
        errors.add(f"{path}.vips", 'mixes IPv4 and IPv6 addresses; use one instance per address family', about)
    return families


def _check_version(instance, families, path, errors, about):
    """What the VRRP version allows: IPv6, the advert interval, authentication."""
    version = instance['version']
    if 6 in families and version != 3:
        errors.add(f"{path}.version", 'IPv6 VIPs need VRRP version 3; set version: 3', about)
    advert = instance['advert_int']
    if version == 2 and (not is_int(advert) or not 1 <= advert <= 255):
        errors.add(f"{path}.advert_int", f"VRRPv2 needs a whole number of seconds 1-255 (got {show(advert)}); "
                                         f"use an integer or set version: 3", about)
    elif version == 3 and not 0.01 <= advert <= 40.95:
        errors.add(f"{path}.advert_int", f"VRRPv3 allows 0.01-40.95 seconds (got {show(advert)}); fix it", about)
    if instance['auth_pass'] is not None and version == 3:
        errors.add(f"{path}.auth_pass", 'VRRPv3 has no authentication; remove auth_pass or use version 2', about)


def _check_preemption(instance, path, errors, about):
    check_range(instance['preempt_delay'], f"{path}.preempt_delay", 0, 1000, errors, about, ' seconds')
    if instance['state'] == 'MASTER' and (not instance['preempt'] or instance['preempt_delay']):
        errors.add(f"{path}.state", 'nopreempt/preempt_delay need every director in state BACKUP; remove state '
                                    'or set preempt: true and preempt_delay: 0', about)


def _check_instance(number, instance, seen, errors):
    """Check one VRRP instance; seen collects names, VRIDs and VIPs across instances. Returns its families."""
    path, about = f"lvs_director_vrrp_instances[{number}]", f"instance {instance['name']}"
    name = _check_name(instance['name'], path, 'instance', seen['names'], errors, about)
    _check_vrid(instance['virtual_router_id'], path, name, seen['vrids'], errors, about)
    families = _check_vips(instance, path, name, seen, errors, about)
    _check_version(instance, families, path, errors, about)
    _check_preemption(instance, path, errors, about)
    return families


def _check_unicast(path, families, context, errors, about):
    directors = context['directors']
    hostvars = context['hostvars']
    addresses = {}
    for host in directors:
        address = host_address(hostvars, host, 'lvs_director_address')
        if ip(address) is None:
            errors.add(f"{path}.unicast", f"lvs_director_address of {host} ({show(address)}) is not an IP address; "
                                          f"set lvs_director_address or ansible_host", about)
        elif families and ip(address).version not in families:
            errors.add(f"{path}.unicast", f"lvs_director_address of {host} ({address}) is not of the instance's "
                                          f"address family; set lvs_director_address", about)
        if address in addresses:
            errors.add(f"{path}.unicast", f"unicast peer {address} of {host} equals the address of "
                                          f"{addresses[address]} (a director would peer with itself); give each "
                                          f"director its own lvs_director_address", about)
        addresses[address] = host
    if len(directors) < 2:
        errors.add(f"{path}.unicast", f"unicast needs at least two directors in group {context['director_group']}; "
                                      f"add the peer or set unicast: false", about)


def _whole(value):
    """An integer, or its text (an INI inventory gives every value as text); a float or a boolean is not one."""
    return is_int(value) or (isinstance(value, str) and value.strip().lstrip('+-').isdigit())


def check_priorities(context, errors):
    owners = {}
    for host in context['directors']:
        value = hostvar(context['hostvars'], host, 'lvs_director_priority')
        if value not in (None, '') and not _whole(value):
            errors.add(f"lvs_director_priority of {host}", f"{show(value)} is not an integer; fix it")
            continue
        priority = director_priority(context['hostvars'], context['groups'], host, context['director_group'])
        if not 1 <= priority <= 254:
            errors.add(f"lvs_director_priority of {host}", f"{priority} is outside 1-254; set lvs_director_priority "
                                                           f"or shorten group {context['director_group']}")
        elif priority in owners:
            errors.add(f"lvs_director_priority of {host}", f"{priority} equals the priority of {owners[priority]} "
                                                           f"(equal priorities never preempt); give each director "
                                                           f"its own")
        owners.setdefault(priority, host)


def check_sync_groups(groups, instances, errors):
    """Each group names two or more instances (keepalived refuses one), each instance joins one group
    at most, and a group's instances prefer one director: they move together."""
    names, member_of = {}, {}
    for number, group in groups:
        path, about = f"lvs_director_vrrp_sync_groups[{number}]", f"sync group {group['name']}"
        _check_name(group['name'], path, 'sync group', names, errors, about)
        if len(group['instances']) < 2:
            errors.add(f"{path}.instances", 'a sync group needs at least two instances (keepalived refuses a '
                                            'group of one); add one or remove the group', about)
        preferred = {}  # {preferred director: members}
        for index, member in enumerate(group['instances']):
            if member not in instances:
                errors.add(f"{path}.instances[{index}]", f"{show(member)} is not an instance of "
                                                         f"lvs_director_vrrp_instances; name one of "
                                                         f"{list(instances)}", about)
                continue
            if member_of.get(member) == path:
                errors.add(f"{path}.instances[{index}]", f"{member} is listed twice; list it once", about)
            elif member in member_of:
                errors.add(f"{path}.instances[{index}]", f"{member} is already in {member_of[member]}; an instance "
                                                         f"joins one sync group at most", about)
            member_of.setdefault(member, path)
            preferred.setdefault(instances[member].get('preferred_director') or 'none', []).append(member)
        if len(preferred) > 1:
            listed = '; '.join(f"{', '.join(names)}: {director}" for director, names in preferred.items())
            errors.add(f"{path}.instances", f"its instances prefer different directors ({listed}), but a sync "
                                            f"group moves them together; give them the same preferred_director",
                       about)


def _check_preferred_director(number, instance, context, errors, about):
    preferred = instance.get('preferred_director')
    if preferred not in (None, '') and preferred not in context['directors']:
        errors.add(f"lvs_director_vrrp_instances[{number}].preferred_director",
                   f"{show(preferred)} is not in group {context['director_group']}; name one of "
                   f"{context['directors']}", about)


def check_instances(given, sound, context, errors):
    """Check every sound instance (given is the variable as written); their VIPs go into context['vips']."""
    if context.get('mode', 'vrrp') == 'vrrp':
        check_not_empty(given, 'lvs_director_vrrp_instances', 'no director would hold a VIP (a misspelt variable '
                        'name?); describe at least one instance', errors)
    seen = {'names': {}, 'vrids': {}, 'vips': context['vips'], 'vip_paths': context['vip_paths']}
    for number, instance in sound:
        about = f"instance {instance['name']}"
        families = _check_instance(number, vrrp_instance(instance), seen, errors)
        _check_preferred_director(number, instance, context, errors, about)
        if instance.get('unicast'):
            _check_unicast(f"lvs_director_vrrp_instances[{number}]", families, context, errors, about)


def _entries(given):
    """The dict entries of a list variable as written, whatever their other errors: a script named or tracked in
    an entry with another error is not reported as missing or unused."""
    return [entry for entry in (given if isinstance(given, (list, tuple)) else []) if isinstance(entry, Mapping)]


def check_vrrp_scripts(scripts, sound, instances, sound_instances, errors):
    """Each script has a name of its own, numbers keepalived takes and an instance that tracks it; each name an
    instance tracks is a script, once. scripts and instances are the variables as written."""
    names = {}
    for (number, _entry), vrrp_script in zip(sound, resolve_vrrp_scripts([entry for _number, entry in sound])):
        path, about = f"lvs_director_vrrp_scripts[{number}]", f"vrrp script {vrrp_script['name']}"
        _check_name(vrrp_script['name'], path, 'vrrp script', names, errors, about)
        for key, (low, high, unit) in SCRIPT_RANGES.items():
            check_range(vrrp_script[key], f"{path}.{key}", low, high, errors, about, unit)
    defined = [str(entry.get('name')) for entry in _entries(scripts)]
    for number, instance in sound_instances:
        listed = set()
        for index, name in enumerate(str(name) for name in instance.get('track_scripts') or []):
            path, about = f"lvs_director_vrrp_instances[{number}].track_scripts[{index}]", f"instance {instance['name']}"
            if name not in defined:
                errors.add(path, f"{show(name)} is not a script of lvs_director_vrrp_scripts; name one of "
                                 f"{defined}", about)
            elif name in listed:
                errors.add(path, f"{name} is listed twice; list it once", about)
            listed.add(name)
    tracked = {str(name) for instance in _entries(instances)
               if isinstance(instance.get('track_scripts'), (list, tuple)) for name in instance['track_scripts']}
    for name, path in names.items():
        if name not in tracked:
            errors.add(f"{path}.name", f"no instance tracks {name}; add it to the track_scripts of an instance or "
                                       f"remove it", f"vrrp script {name}")


def check_sync_daemon(sync_daemon, instances, errors):
    """The synced instance exists (the first one by default), and the sync id fits."""
    if not (sync_daemon and sync_daemon.get('enabled')):
        return
    names = [str(instance['name']) for _number, instance in instances]
    wanted = sync_daemon.get('instance') or (names[0] if names else None)
    if wanted not in names:
        errors.add('lvs_director_sync_daemon.instance', f"{show(wanted)} is not an instance of "
                                                        f"lvs_director_vrrp_instances; name one of {names}")
    check_range(sync_daemon.get('id'), 'lvs_director_sync_daemon.id', 0, 255, errors)
