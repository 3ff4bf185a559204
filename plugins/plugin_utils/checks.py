# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the whole cluster description, before any host changes.

check_cluster returns one message per problem, each starting with the path of the wrong value
(lvs_director_virtual_services[2].real_servers[1].weight) and ending with the fix. First the
structure (types, unknown keys, required keys, choices: model.SPEC) and what each string may
hold (field_rules.py) are checked; only entries with a sound structure go on to the value,
cross-reference, address and fact checks, so no input can make the checks raise.
docs/data-model.md lists every check.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.plugin_utils.field_rules import (
    KINDS, STRING_FORMS, check_field, check_host_values, spec_path)
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import (
    DEFAULT_INTERFACE_FALLBACK, SPEC, ip, is_int, is_number, norm_address)
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import (
    director_priority, host_address, hostvar, members, resolve_service, vrrp_instance)

# keepalived 2.2.7 reads timers as seconds in [0.000001, 4294.967295] (delay_loop accepts more,
# but a check interval over 71 minutes is a typo) and counts (retry, quorum) as unsigned 32 bits.
TIMER_MAX = 4294.967295
UINT_MAX = 4294967295
# The kernel and keepalived take weights up to 2147483647, upstream ipvsadm 1.31 (used by the
# drain and undrain playbooks) only 0-65535: accept the range every tool takes.
WEIGHT_MAX = 65535
WANTED = {'str': 'a string', 'int': 'an integer', 'float': 'a number', 'bool': 'true or false',
          'list': 'a list', 'dict': 'a dict'}
# sysctl that a NAT service needs on the directors, by address family.
FORWARDING = {4: 'net.ipv4.ip_forward', 6: 'net.ipv6.conf.all.forwarding'}
# The host variable that gives a real server host its address of a family.
REALSERVER_ADDRESS_BY_FAMILY = {4: 'lvs_realserver_address', 6: 'lvs_realserver_address6'}


class Errors(list):
    """The error messages: "path: problem; fix (context)".

    A value that breaks its field rule (field_rules.py, add_value) leaves its entry sound: the checks after
    the structure take any string, so one wrong value does not hide its instance or service from them.
    """

    def __init__(self):
        super().__init__()
        self.values = 0

    def add(self, path, text, about=None):
        message = f"{path}: {text}" + (f" ({about})" if about else '')
        # One line each, whatever a name in it holds.
        self.append(''.join(char if char.isprintable() else repr(char)[1:-1] for char in message))

    def add_value(self, path, text):
        self.add(path, text)
        self.values += 1

    @property
    def structural(self):
        """How many errors make their entry unsound."""
        return len(self) - self.values


def kind(value):
    """What a value is, in words (never an ansible-core type name)."""
    for test, name in ((lambda v: v is None, 'null'), (lambda v: isinstance(v, bool), 'a boolean'),
                       (is_int, 'an integer'), (is_number, 'a number'), (lambda v: isinstance(v, str), 'a string'),
                       (lambda v: isinstance(v, Mapping), 'a dict'),
                       (lambda v: isinstance(v, (list, tuple)), 'a list')):
        if test(value):
            return name
    return 'a value of another type'


def show(value):
    """A short readable form of a scalar value; the kind of anything else."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (str, int, float)):
        text = repr(value) if not isinstance(value, str) else repr(str(value))
        return text if len(text) <= 60 else text[:57] + '...'
    return kind(value)


# ------------------------------------------------------------------------ structure

def _has_type(value, wanted):
    return {
        'str': lambda: isinstance(value, str) or is_number(value),  # ansible converts numbers to str too
        'int': lambda: is_int(value),
        'float': lambda: is_number(value),
        'bool': lambda: isinstance(value, bool),
        'list': lambda: isinstance(value, (list, tuple)),
        'dict': lambda: isinstance(value, Mapping),
    }.get(wanted, lambda: True)()


def _check_keys(value, options, path, errors):
    known = ', '.join(sorted(options))
    for key in value:
        if key not in options:
            close = difflib.get_close_matches(str(key), list(options), n=1)
            hint = f"did you mean {close[0]}? " if close else ''
            errors.add(f"{path}.{key}", f"unknown key; {hint}known keys: {known}")
    for key, option in options.items():
        if key in value or option.get('required'):
            check_value(value.get(key), option, f"{path}.{key}", errors)


def check_value(value, option, path, errors):
    """Check value against one option of model.SPEC (recursively); null means the default."""
    if value is None:
        if option.get('required'):
            errors.add(path, 'required; set it')
        return
    wanted = option['type']
    if wanted == 'raw' and option.get('options'):
        # A real_servers element (an inventory host or address) or a script (a command): a string or a dict.
        if isinstance(value, Mapping):
            _check_keys(value, option['options'], path, errors)
        elif not isinstance(value, str) or not value:
            errors.add(path, f"must be {STRING_FORMS[KINDS[spec_path(path)]]} (a string) or a dict with keys "
                             f"{', '.join(sorted(option['options']))}; got {show(value)}")
        else:
            check_field(value, path, errors)
        return
    if not _has_type(value, wanted):
        errors.add(path, f"must be {WANTED[wanted]}, got {show(value)}; fix it")
        return
    if 'choices' in option and value not in option['choices']:
        errors.add(path, f"{show(value)} is not one of {', '.join(str(c) for c in option['choices'])}; fix it")
        return
    if wanted == 'list':
        element = {'type': option.get('elements', 'raw'), 'options': option.get('options')}
        for number, item in enumerate(value):
            if item is None:
                errors.add(f"{path}[{number}]", f"must be {WANTED.get(element['type'], 'set')}, got null; fix it")
            else:
                check_value(item, element, f"{path}[{number}]", errors)
    elif wanted == 'dict' and option.get('options'):
        _check_keys(value, option['options'], path, errors)
    elif 'choices' not in option:
        check_field(value, path, errors)


def _sound_entries(values, name, errors):
    """(index, entry) of every element of the list variable name whose structure is sound."""
    option = SPEC[name]
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        check_value(values, option, name, errors)
        return []
    sound = []
    element = {'type': 'dict', 'options': option['options']}
    for number, entry in enumerate(values):
        before = errors.structural
        path = f"{name}[{number}]"
        if entry is None:
            errors.add(path, 'must be a dict, got null; fix it')
        else:
            check_value(entry, element, path, errors)
        if errors.structural == before:
            sound.append((number, entry))
    return sound


def _sound_value(value, name, errors):
    before = errors.structural
    check_value(value, SPEC[name], name, errors)
    return value if errors.structural == before else None


# ------------------------------------------------------------------------- values

def _check_range(value, path, low, high, errors, about=None, unit=''):
    if value is not None and not low <= value <= high:
        errors.add(path, f"{show(value)} is outside {low}-{high}{unit}; fix it", about)


def _check_layer(check, path, errors, about):
    """Value checks of one health_check dict as written (the service's or a real server's own)."""
    if not check:
        return
    _check_range(check.get('connect_timeout'), f"{path}.connect_timeout", 0.000001, TIMER_MAX, errors, about,
                 ' seconds')
    _check_range(check.get('retry'), f"{path}.retry", 0, UINT_MAX, errors, about)
    _check_range(check.get('delay_before_retry'), f"{path}.delay_before_retry", 0, TIMER_MAX, errors, about,
                 ' seconds')
    _check_range(check.get('connect_port'), f"{path}.connect_port", 1, 65535, errors, about)
    _check_range(check.get('misc_timeout'), f"{path}.misc_timeout", 1, UINT_MAX, errors, about, ' seconds')


def _check_complete(check, port, path, errors, about):
    """What the merged health check of one real server needs."""
    kind_ = check['type']
    if kind_ in ('HTTP_GET', 'SSL_GET') and not check['url']:
        errors.add(f"{path}.url", f"{kind_} needs at least one url with a path (keepalived 2.2.7 crashes "
                                  f"without one); add url: [{{path: /}}]", about)
    if kind_ == 'MISC_CHECK' and not check['misc_path']:
        errors.add(f"{path}.misc_path", "MISC_CHECK needs misc_path; set the command to run", about)
    if port == 0 and kind_ in ('TCP_CHECK', 'HTTP_GET', 'SSL_GET') and check['connect_port'] is None:
        errors.add(f"{path}.connect_port", f"the real server has port 0 (fwmark or all-ports service), so "
                                           f"{kind_} needs connect_port; set it", about)


def _check_scheduler_flags(service, path, errors, about):
    algo = service['lb_algo']
    for flag in service['scheduler_flags']:
        prefix = str(flag).split('-', 1)[0]
        if flag in ('sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'):
            if prefix != algo:
                errors.add(f"{path}.scheduler_flags", f"{flag} only applies to lb_algo {prefix} (this service "
                                                      f"uses {algo}); remove the flag or change lb_algo", about)
        elif flag in ('flag-1', 'flag-2', 'flag-3'):
            if algo in ('sh', 'mh'):
                errors.add(f"{path}.scheduler_flags", f"{flag} is written as {algo}-port/{algo}-fallback with "
                                                      f"lb_algo {algo}; use those names", about)
        else:
            errors.add(f"{path}.scheduler_flags", f"unknown flag {show(flag)}; use sh-port, sh-fallback, "
                                                  f"mh-port, mh-fallback or flag-1..flag-3", about)


def _family(service):
    address = ip(service['vip'])
    return address.version if address is not None else None


def _check_address_and_port(service, given, path, errors, about):
    vip, fwmark, port = service['vip'], service['fwmark'], service['port']
    if (vip is None) == (fwmark is None):
        errors.add(path, 'set exactly one of vip and fwmark', about)
    if vip is not None:
        if port is None:
            errors.add(f"{path}.port", 'a vip service needs a port; set port', about)
        elif not 0 <= port <= 65535:
            errors.add(f"{path}.port", f"{port} is not a port 0-65535; fix it", about)
        elif port == 0 and service['persistence_timeout'] is None:
            errors.add(f"{path}.port", 'port 0 (all ports) needs persistence_timeout; set it or use a port', about)
    if service['fwmark_vips'] and fwmark is None:
        errors.add(f"{path}.fwmark_vips", 'only a fwmark service has fwmark_vips; remove it', about)
    if fwmark is not None:
        _check_range(fwmark, f"{path}.fwmark", 1, UINT_MAX, errors, about)
        if 'protocol' in given:
            errors.add(f"{path}.protocol", 'a fwmark service has no protocol; remove protocol', about)
        if port is not None:
            errors.add(f"{path}.port", 'a fwmark service has no port; remove port', about)


def _check_persistence(service, path, errors, about):
    timeout = service['persistence_timeout']
    _check_range(timeout, f"{path}.persistence_timeout", 1, 2678400, errors, about, ' seconds')
    granularity = service['persistence_granularity']
    if granularity is not None:
        if timeout is None:
            errors.add(f"{path}.persistence_granularity", 'only applies with persistence_timeout; set it', about)
        if _family(service) == 6:
            valid = is_int(granularity) and 1 <= granularity <= 128
        else:
            try:
                valid = '.' in str(granularity) and bool(ipaddress.IPv4Network(f'0.0.0.0/{granularity}'))
            except ValueError:
                valid = False
        if not valid:
            errors.add(f"{path}.persistence_granularity", f"{show(granularity)} is not a netmask (IPv4: "
                                                          f"255.255.255.0, IPv6: prefix length 1-128); fix it", about)
    engine = service['persistence_engine']
    if engine is not None:
        if timeout is None:
            errors.add(f"{path}.persistence_engine", 'only applies with persistence_timeout; set it', about)
        if service['fwmark'] is None and service['protocol'] != 'UDP':
            errors.add(f"{path}.persistence_engine", f"the {engine} engine reads UDP packets only; use protocol "
                                                     f"UDP or remove persistence_engine", about)


def _check_sorry_server(service, path, vips, errors, about):
    sorry = service['sorry_server']
    if sorry is None:
        return
    address = ip(sorry['address'])  # None: its field rule reported it
    family = _family(service)
    if address is not None and family and address.version != family:
        errors.add(f"{path}.sorry_server.address", f"{address} is not of the VIP's address family", about)
    elif address is not None and str(address) in vips:
        errors.add(f"{path}.sorry_server.address", f"{address} is a VIP; the sorry server needs an address of "
                                                   f"its own", about)
    _check_range(sorry['port'], f"{path}.sorry_server.port", 1, 65535, errors, about)
    if (service['lb_kind'] in ('DR', 'TUN') and service['port'] not in (None, 0)
            and sorry['port'] != service['port']):
        errors.add(f"{path}.sorry_server.port", f"{service['lb_kind']} cannot translate ports: the sorry server "
                                                f"must use the service port {service['port']}; remove port", about)


def _check_real_servers(service, given, path, context, errors, about):
    hostvars, vips = context['hostvars'], context['vips']
    family = _family(service)
    seen = set()
    for number, (entry, real_server) in enumerate(zip(context['listed'], service['real_servers'])):
        where = f"{path}.real_servers[{number}]"
        if given.get('real_servers') is None:
            about = f"service {service['name']}, real server {real_server['host']} of group " \
                    f"{context['realserver_group']}"
        address = ip(real_server['address'])
        entry_address = entry.get('address') if isinstance(entry, Mapping) else None
        if isinstance(entry, Mapping) and entry.get('host') in (None, '') and entry.get('address') in (None, ''):
            errors.add(where, 'set host (an inventory host) or address', about)
            continue
        if real_server['host'] is not None and real_server['host'] not in hostvars:
            errors.add(f"{where}.host", f"{real_server['host']} is not an inventory host; add it to the inventory "
                                        f"or use address", about)
        elif address is None and real_server['host'] is None:
            if entry_address is None:  # a given address broke its field rule, which reported it
                errors.add(where, f"{show(entry)} is neither an inventory host nor an IP address; fix it", about)
        elif address is None:
            errors.add(where, f"real server address {show(real_server['address'])} is not an IP address; set "
                              f"lvs_realserver_address or ansible_host of {real_server['host']}, or address", about)
        elif family and address.version != family and real_server['host'] is not None and entry_address is None:
            errors.add(where, f"host {real_server['host']} has no IPv{family} address for this IPv{family} VIP; "
                              f"set {REALSERVER_ADDRESS_BY_FAMILY[family]} of {real_server['host']}", about)
        elif family and address.version != family:
            errors.add(where, f"real server {address} is not of the VIP's address family", about)
        elif str(address) in vips:
            errors.add(where, f"real server address {address} is a VIP (of {vips[str(address)]}); a real server "
                              f"needs an address of its own", about)
        endpoint = (norm_address(real_server['address']), real_server['port'])
        if endpoint in seen:
            errors.add(where, f"real server {endpoint[0]}:{endpoint[1]} is listed twice; remove one", about)
        seen.add(endpoint)
        _check_range(real_server['port'], f"{where}.port", 0, 65535, errors, about)
        if (service['lb_kind'] in ('DR', 'TUN') and service['port'] not in (None, 0)
                and real_server['port'] != service['port']):
            errors.add(f"{where}.port", f"{service['lb_kind']} cannot translate ports: real server "
                                        f"{endpoint[0]}:{real_server['port']} must use the service port "
                                        f"{service['port']}; remove port", about)
        _check_range(real_server['weight'], f"{where}.weight", 0, WEIGHT_MAX, errors, about)
        _check_layer(entry.get('health_check') if isinstance(entry, Mapping) else None, f"{where}.health_check",
                     errors, about)
        _check_complete(real_server['health_check'], real_server['port'], f"{where}.health_check", errors, about)
    if not service['real_servers'] and service['sorry_server'] is None:
        errors.add(f"{path}.real_servers", f"the service has no real servers (none listed and group "
                                           f"{context['realserver_group']} is empty); list real_servers or fill "
                                           f"the group", about)


def _check_service(number, given, context, errors):
    service = resolve_service(given, context['hostvars'], context['default_members'])
    path, about = f"lvs_director_virtual_services[{number}]", f"service {service['name']}"
    _check_address_and_port(service, given, path, errors, about)
    _check_scheduler_flags(service, path, errors, about)
    if service['ops'] and (service['fwmark'] is not None or service['protocol'] != 'UDP'):
        errors.add(f"{path}.ops", 'one-packet scheduling needs protocol UDP; remove ops or use UDP', about)
    _check_range(service['delay_loop'], f"{path}.delay_loop", 0.000001, TIMER_MAX, errors, about, ' seconds')
    _check_persistence(service, path, errors, about)
    _check_range(service['quorum'], f"{path}.quorum", 1, UINT_MAX, errors, about)
    if not 0 <= service['hysteresis'] < service['quorum']:
        errors.add(f"{path}.hysteresis", f"{service['hysteresis']} must be at least 0 and below the quorum "
                                         f"({service['quorum']}), or keepalived resets it; fix it", about)
    _check_sorry_server(service, path, context['vips'], errors, about)
    _check_layer(given.get('health_check'), f"{path}.health_check", errors, about)
    listed = given.get('real_servers')
    _check_real_servers(service, given, path,
                        dict(context, listed=listed if listed is not None else context['default_members']),
                        errors, about)
    return service


def _service_key(service):
    if service['fwmark'] is not None:
        return ('fwmark', service['fwmark'])
    return (service['protocol'], norm_address(service['vip']), service['port'])


# --------------------------------------------------------------------------- VRRP

def _check_name(value, path, what, seen, errors, about):
    """A keepalived name (its form is a field rule), unique among seen ({name: path}); returns it as a string."""
    name = str(value)
    if name in seen:
        errors.add(f"{path}.name", f"{name} is already the name of {seen[name]}; give each {what} its own name",
                   about)
    seen.setdefault(name, path)
    return name


def _check_instance(number, instance, seen, errors):
    """Check one VRRP instance; seen collects names, VRIDs and VIPs across instances."""
    path, about = f"lvs_director_vrrp_instances[{number}]", f"instance {instance['name']}"
    name = _check_name(instance['name'], path, 'instance', seen['names'], errors, about)
    vrid = instance['virtual_router_id']
    if not 1 <= vrid <= 255:
        errors.add(f"{path}.virtual_router_id", f"{vrid} is outside 1-255; fix it", about)
    elif vrid in seen['vrids']:
        errors.add(f"{path}.virtual_router_id", f"{vrid} is already used by {seen['vrids'][vrid]}; use a VRID "
                                                f"unique on the segment", about)
    seen['vrids'].setdefault(vrid, name)
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
    version = instance['version']
    if len(families) > 1:
        errors.add(f"{path}.vips", 'mixes IPv4 and IPv6 addresses; use one instance per address family', about)
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
    _check_range(instance['preempt_delay'], f"{path}.preempt_delay", 0, 1000, errors, about, ' seconds')
    if instance['state'] == 'MASTER' and (not instance['preempt'] or instance['preempt_delay']):
        errors.add(f"{path}.state", 'nopreempt/preempt_delay need every director in state BACKUP; remove state '
                                    'or set preempt: true and preempt_delay: 0', about)
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


def _check_priorities(context, errors):
    owners = {}
    for host in context['directors']:
        try:
            priority = director_priority(context['hostvars'], context['groups'], host, context['director_group'])
        except (TypeError, ValueError):
            value = hostvar(context['hostvars'], host, 'lvs_director_priority')
            errors.add(f"lvs_director_priority of {host}", f"{show(value)} is not an integer; fix it")
            continue
        if not 1 <= priority <= 254:
            errors.add(f"lvs_director_priority of {host}", f"{priority} is outside 1-254; set lvs_director_priority "
                                                           f"or shorten group {context['director_group']}")
        elif priority in owners:
            errors.add(f"lvs_director_priority of {host}", f"{priority} equals the priority of {owners[priority]} "
                                                           f"(equal priorities never preempt); give each director "
                                                           f"its own")
        owners.setdefault(priority, host)


def _check_sync_groups(groups, instances, errors):
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


# --------------------------------------------------------------------- host facts

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


def _check_interfaces(instances, sync_daemon, context, errors):
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


def _check_addresses(context, services, errors):
    """No host's own address (inventory or facts) may be a VIP; no director may be a real server."""
    hostvars, vips, paths = context['hostvars'], context['vips'], context['vip_paths']
    real_servers = {}
    for number, service in services:
        for real_server in service['real_servers']:
            real_servers.setdefault(norm_address(real_server['address']), (number, service['name']))
    for host in context['directors']:
        for variable in ('lvs_director_address', 'ansible_host'):
            address = norm_address(hostvar(hostvars, host, variable))
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


def _check_unknown_variables(context, errors):
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


def _check_forwarding(services, sysctl, errors):
    for family, key in FORWARDING.items():
        if not sysctl or str(sysctl.get(key)).strip().lower() not in ('0', 'false'):
            continue
        for number, service in services:
            families = {ip(rs['address']).version for rs in service['real_servers'] if ip(rs['address']) is not None}
            if service['lb_kind'] == 'NAT' and family in families:
                errors.add(f"lvs_director_sysctl.{key}",
                           f"set to 0, but lvs_director_virtual_services[{number}] uses lb_kind NAT, which needs "
                           f"forwarding on the directors; remove {key} from lvs_director_sysctl",
                           f"service {service['name']}")
                break


# ------------------------------------------------------------------------- entry

def check_cluster(services, vrrp_instances, hostvars, groups, director_group='lvs_directors',
                  realserver_group='lvs_realservers', sync_daemon=None, sysctl=None, interfaces=None,
                  sync_groups=None, router_ids=None):
    """Check the whole cluster description; a list of errors, each naming the variable path and the fix."""
    errors = Errors()
    director_group = _sound_value(director_group, 'lvs_director_group', errors) or 'lvs_directors'
    realserver_group = _sound_value(realserver_group, 'lvs_director_realserver_group', errors) or 'lvs_realservers'
    hostvars = hostvars if isinstance(hostvars, Mapping) else {}
    groups = groups if isinstance(groups, Mapping) else {}
    context = {
        'hostvars': hostvars, 'groups': groups, 'director_group': director_group,
        'realserver_group': realserver_group, 'directors': members(groups, director_group),
        'default_members': members(groups, realserver_group),
        'interfaces': interfaces if isinstance(interfaces, Mapping) else {},
        'vips': {}, 'vip_paths': {},
    }
    sound_services = _sound_entries(services, 'lvs_director_virtual_services', errors)
    sound_instances = _sound_entries(vrrp_instances, 'lvs_director_vrrp_instances', errors)
    sound_groups = _sound_entries(sync_groups, 'lvs_director_vrrp_sync_groups', errors)
    sync_daemon = _sound_value(sync_daemon, 'lvs_director_sync_daemon', errors)
    sysctl = _sound_value(sysctl, 'lvs_director_sysctl', errors)
    _check_unknown_variables(context, errors)
    _check_priorities(context, errors)
    check_host_values(context['directors'], hostvars, {
        'lvs_director_interface': context['interfaces'],
        'lvs_director_router_id': router_ids if isinstance(router_ids, Mapping) else {}}, errors)

    seen = {'names': {}, 'vrids': {}, 'vips': context['vips'], 'vip_paths': context['vip_paths']}
    for number, instance in sound_instances:
        families = _check_instance(number, vrrp_instance(instance), seen, errors)
        preferred = instance.get('preferred_director')
        if preferred not in (None, '') and preferred not in context['directors']:
            errors.add(f"lvs_director_vrrp_instances[{number}].preferred_director",
                       f"{show(preferred)} is not in group {context['director_group']}; name one of "
                       f"{context['directors']}", f"instance {instance['name']}")
        if instance.get('unicast'):
            _check_unicast(f"lvs_director_vrrp_instances[{number}]", families, context, errors,
                           f"instance {instance['name']}")
    _check_sync_groups(sound_groups, {str(instance['name']): instance for _number, instance in sound_instances},
                       errors)
    if not vrrp_instances and isinstance(vrrp_instances, (list, tuple, type(None))):
        errors.add('lvs_director_vrrp_instances', 'empty: no director would hold a VIP (a misspelt variable '
                                                  'name?); describe at least one instance')

    resolved, keys, names = [], {}, {}
    for number, entry in sound_services:
        service = _check_service(number, entry, context, errors)
        path, about = f"lvs_director_virtual_services[{number}]", f"service {service['name']}"
        key = _service_key(service)
        if key in keys:
            errors.add(path, f"duplicates lvs_director_virtual_services[{keys[key]}] (same "
                             f"{'fwmark' if service['fwmark'] is not None else 'vip, port and protocol'}); remove one",
                       about)
        keys.setdefault(key, number)
        if service['name'] in names:
            errors.add(f"{path}.name", f"already the name of lvs_director_virtual_services[{names[service['name']]}]; "
                                       f"give each service its own name", about)
        names.setdefault(service['name'], number)
        held = [('vip', service['vip'])] + [(f"fwmark_vips[{index}]", address)
                                            for index, address in enumerate(service['fwmark_vips'] or [])]
        for key, address in held:
            vip = norm_address(address)
            if ip(vip) is not None and vip not in context['vips']:
                errors.add(f"{path}.{key}", f"{vip} is not held by any VRRP instance, so no director would receive "
                                            f"its traffic; add it to the vips of an lvs_director_vrrp_instances "
                                            f"entry", about)
        resolved.append((number, service))
    if not services and isinstance(services, (list, tuple, type(None))):
        errors.add('lvs_director_virtual_services', 'empty: the directors would balance nothing (a misspelt '
                                                    'variable name?); describe at least one service, or remove '
                                                    'the cluster with lvs_director_state: absent')

    if sync_daemon and sync_daemon.get('enabled'):
        names = [str(instance['name']) for instance in dict(sound_instances).values()]
        wanted = sync_daemon.get('instance') or (names[0] if names else None)
        if wanted not in names:
            errors.add('lvs_director_sync_daemon.instance', f"{show(wanted)} is not an instance of "
                                                            f"lvs_director_vrrp_instances; name one of {names}")
        _check_range(sync_daemon.get('id'), 'lvs_director_sync_daemon.id', 0, 255, errors)
    _check_interfaces(sound_instances, sync_daemon, context, errors)
    _check_addresses(context, resolved, errors)
    _check_forwarding(resolved, sysctl, errors)
    return list(errors)
