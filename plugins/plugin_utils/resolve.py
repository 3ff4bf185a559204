# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolution of the cluster description: defaults, real-server addresses, VRRP priorities.

Both roles resolve through these functions, so they agree on which host serves which VIP.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.plugin_utils.model import (
    DIRECTOR_GROUP, HEALTH_CHECK_DEFAULTS, NOTIFY_HOOKS, QUORUM_HOOKS, REAL_SERVER_DEFAULTS, REAL_SERVER_HOOKS,
    REALSERVER_GROUP, SERVICE_DEFAULTS, URL_DEFAULTS, VRRP_INSTANCE_DEFAULTS, VRRP_SCRIPT_DEFAULTS, endpoint, ip)

# High priorities keep the BACKUP's skew time, (256 - priority) / 256 of an
# advert interval, small; the step still orders the BACKUPs (docs/tuning.md).
FIRST_PRIORITY = 250
PRIORITY_STEP = 10
# advert_int null: VRRPv3 adverts every 0.5 s, VRRPv2 (whole seconds only) every 1 s.
ADVERT_INT_BY_VERSION = {2: 1, 3: 0.5}
# An address label is an interface name: 15 bytes at most (Linux IFNAMSIZ).
LABEL_MAX = 15


def plain(value):
    """A copy of value made of plain dicts and lists.

    copy.deepcopy of Ansible's templated containers makes ansible-core 2.21 warn
    ("Instantiating filter PluginLoader with aliases is deprecated") on every call.
    """
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def merge(defaults, value):
    """defaults updated with value; a null value keeps the default (documented as "null means the default")."""
    merged = plain(defaults)
    for key, item in dict(value or {}).items():
        if item is not None or merged.get(key) is None:
            merged[key] = plain(item)
    return merged


def hostvar(hostvars, host, name):
    """hostvars[host][name] or None; hostvars is Ansible's HostVars or a plain dict."""
    if host not in hostvars:
        return None
    return hostvars[host].get(name)


def host_address(hostvars, host, variable):
    """Address of an inventory host: the variable, else ansible_host, else the host name."""
    for name in (variable, 'ansible_host'):
        value = hostvar(hostvars, host, name)
        if value not in (None, ''):
            return str(value)
    return str(host)


# Where a real server host's address of the VIP's family comes from, in this order
# (then the host's facts of a default route, when they were gathered).
REALSERVER_ADDRESS_VARIABLES = ('lvs_realserver_address', 'lvs_realserver_address6', 'ansible_host')


def realserver_address(hostvars, host, family):
    """The address by which the directors reach real server host for a VIP of family (4, 6, or None).

    A dual-stack host is named once: an IPv4 service takes its IPv4 address and an IPv6
    service its IPv6 one. Without a family (fwmark), or when the host has no address of the
    family, the plain rule applies (lvs_realserver_address, else ansible_host, else the name),
    and the checks report the mismatch.
    """
    if family is not None:
        facts = hostvar(hostvars, host, 'ansible_facts') or {}
        route = facts.get(f'default_ipv{family}') or {}
        candidates = [hostvar(hostvars, host, name) for name in REALSERVER_ADDRESS_VARIABLES]
        for value in [*candidates, route.get('address')]:
            address = ip(str(value)) if value not in (None, '') else None
            if address is not None and address.version == family:
                return str(address)
    return host_address(hostvars, host, 'lvs_realserver_address')


def members(groups, group):
    return list((groups or {}).get(group) or [])


def _default_service_name(service):
    if service.get('fwmark') is not None:
        return f"fwmark-{service['fwmark']}"
    return f"{service.get('vip')}:{service.get('port')}/{service.get('protocol')}"


def resolve_health_check(*layers):
    check = plain(HEALTH_CHECK_DEFAULTS)
    for layer in layers:
        check = merge(check, layer)
    check['url'] = [merge(URL_DEFAULTS, url) for url in check.get('url') or []]
    check['misc_path'] = script(check['misc_path']) if check['misc_path'] else None
    return check


def _resolve_real_server(entry, service, hostvars):
    if isinstance(entry, str):
        entry = {'host': entry} if entry in hostvars else {'address': entry}
    real_server = merge(REAL_SERVER_DEFAULTS, entry)
    if real_server['address'] in (None, ''):
        vip = ip(service['vip'])
        real_server['address'] = realserver_address(hostvars, real_server['host'], vip.version if vip else None)
    real_server['address'] = str(real_server['address'])
    if real_server['port'] is None:
        real_server['port'] = service['port'] if service['port'] is not None else 0
    real_server['health_check'] = resolve_health_check(service['health_check'], entry.get('health_check'))
    for hook in REAL_SERVER_HOOKS:
        if real_server[hook] is None:
            real_server[hook] = service[hook]
    # keepalived passes these hooks nothing: the command gets the real server as its last argument.
    real_server['hooks'] = {hook: dict(command, command=f"{command['command']} "
                                                        f"{endpoint(real_server['address'], real_server['port'])}")
                            for hook, command in hooks(real_server, REAL_SERVER_HOOKS).items()}
    return real_server


def resolve_service(entry, hostvars, default_members):
    service = merge(SERVICE_DEFAULTS, entry)
    if service['name'] in (None, ''):
        service['name'] = _default_service_name(service)
    if service['sorry_server'] is not None:
        sorry = dict(service['sorry_server'])
        if sorry.get('port') is None:
            sorry['port'] = service['port']
        service['sorry_server'] = sorry
    listed = service['real_servers'] if service['real_servers'] is not None else default_members
    service['real_servers'] = [_resolve_real_server(member, service, hostvars) for member in listed]
    service['hooks'] = hooks(service, QUORUM_HOOKS)
    return service


def resolve_services(services, hostvars, groups, realserver_group=REALSERVER_GROUP):
    """Fill in every default of lvs_director_virtual_services and resolve the real servers."""
    default_members = members(groups, realserver_group)
    return [resolve_service(entry, hostvars, default_members) for entry in services or []]


def director_priority(hostvars, groups, host, director_group=DIRECTOR_GROUP):
    """VRRP priority: lvs_director_priority, else 250, 240, ... by position in the director group."""
    explicit = hostvar(hostvars, host, 'lvs_director_priority')
    if explicit not in (None, ''):
        return int(explicit)
    directors = members(groups, director_group)
    position = directors.index(host) if host in directors else len(directors)
    return FIRST_PRIORITY - PRIORITY_STEP * position


def instance_priority(hostvars, groups, host, instance, director_group=DIRECTOR_GROUP):
    """A director's priority in one instance.

    With preferred_director (active-active: each instance MASTER on its own director),
    250, 240, ... from that director on, then the others in group order; else the
    director's own priority (director_priority).
    """
    preferred = instance.get('preferred_director')
    if preferred in (None, ''):
        return director_priority(hostvars, groups, host, director_group)
    order = [preferred] + [other for other in members(groups, director_group) if other != preferred]
    position = order.index(host) if host in order else len(order)
    return FIRST_PRIORITY - PRIORITY_STEP * position


def script(value):
    """A hook or misc_path as the template renders it: {'command', 'user'}; user None is the role's script user."""
    if isinstance(value, Mapping):
        return {'command': str(value.get('command')), 'user': value.get('user')}
    return {'command': str(value), 'user': None}


def hooks(entity, names):
    """{keepalived keyword: script} of the hooks an instance or service sets, for the template."""
    return {name: script(entity[name]) for name in names if entity[name]}


def vrrp_instance(entry):
    """One VRRP instance with every default filled in."""
    instance = merge(VRRP_INSTANCE_DEFAULTS, entry)
    if instance['advert_int'] is None:
        instance['advert_int'] = ADVERT_INT_BY_VERSION.get(instance['version'], 1)
    instance['hooks'] = hooks(instance, NOTIFY_HOOKS)
    return instance


def resolve_vrrp_scripts(scripts):
    """The VRRP scripts with every default filled in, each script as {'command', 'user'}."""
    resolved = []
    for entry in scripts or []:
        vrrp_script = merge(VRRP_SCRIPT_DEFAULTS, entry)
        vrrp_script['script'] = script(vrrp_script['script'])
        resolved.append(vrrp_script)
    return resolved


def vip_addresses(instance):
    """The VIPs as virtual_ipaddress writes them: IPv4 as /32 with the label INTERFACE:VRID_N where it fits, IPv6 as
    /128."""
    addresses = []
    for number, vip in enumerate(instance['vips'], 1):
        address = ip(vip)
        if address is not None and address.version == 6:
            addresses.append({'address': vip, 'prefix': 128, 'label': None})
            continue
        label = f"{instance['interface']}:{instance['virtual_router_id']}_{number}"
        addresses.append({'address': vip, 'prefix': 32, 'label': label if len(label) <= LABEL_MAX else None})
    return addresses


def _initial_state(instance, own_priority, priorities):
    """MASTER for the highest priority, unless preemption is off or delayed: then every director starts BACKUP."""
    holds_back = not instance['preempt'] or instance['preempt_delay']
    is_first = own_priority >= max(priorities + [own_priority])
    return 'MASTER' if is_first and not holds_back else 'BACKUP'


def resolve_vrrp_instances(instances, hostvars, groups, inventory_hostname,
                           director_group=DIRECTOR_GROUP, default_interface=None):
    """The VRRP instances as one director renders them: defaults, priority, state, unicast peers, VIP addresses."""
    directors = members(groups, director_group)
    resolved = []
    for entry in instances or []:
        instance = vrrp_instance(entry)
        priorities = [instance_priority(hostvars, groups, host, instance, director_group) for host in directors]
        own_priority = instance_priority(hostvars, groups, inventory_hostname, instance, director_group)
        instance['vips'] = [str(vip) for vip in instance['vips'] or []]
        if instance['interface'] in (None, ''):
            instance['interface'] = default_interface
        instance['priority'] = own_priority
        # Every director's priority in this instance (plugin_utils.tracking weighs by their spread).
        instance['priorities'] = priorities + [own_priority]
        if instance['state'] in (None, ''):
            instance['state'] = _initial_state(instance, own_priority, priorities)
        instance['unicast_src_ip'] = None
        instance['unicast_peers'] = []
        if instance['unicast']:
            instance['unicast_src_ip'] = host_address(hostvars, inventory_hostname, 'lvs_director_address')
            instance['unicast_peers'] = [host_address(hostvars, host, 'lvs_director_address')
                                         for host in directors if host != inventory_hostname]
        instance['addresses'] = vip_addresses(instance)
        resolved.append(instance)
    return resolved
