# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the virtual services: values and ranges, the rules of the model (vip or fwmark, ports, persistence,
health checks), the real servers, duplicates, VIPs that no instance holds, and the forwarding NAT needs."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.plugin_utils.kernel import FORWARDING
from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import check_not_empty, check_range, show
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import ip, is_int, norm_address
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_service

# keepalived 2.2.7 reads timers as seconds in [0.000001, 4294.967295] (delay_loop accepts more,
# but a check interval over 71 minutes is a typo) and counts (retry, quorum) as unsigned 32 bits.
TIMER_MAX = 4294.967295
UINT_MAX = 4294967295
# The kernel and keepalived take weights up to 2147483647, upstream ipvsadm 1.31 (used by the
# drain and undrain playbooks) only 0-65535: accept the range every tool takes.
WEIGHT_MAX = 65535
# The host variable that gives a real server host its address of a family.
REALSERVER_ADDRESS_BY_FAMILY = {4: 'lvs_realserver_address', 6: 'lvs_realserver_address6'}


def _check_layer(check, path, errors, about):
    """Value checks of one health_check dict as written (the service's or a real server's own)."""
    if not check:
        return
    check_range(check.get('connect_timeout'), f"{path}.connect_timeout", 0.000001, TIMER_MAX, errors, about,
                ' seconds')
    check_range(check.get('retry'), f"{path}.retry", 0, UINT_MAX, errors, about)
    check_range(check.get('delay_before_retry'), f"{path}.delay_before_retry", 0, TIMER_MAX, errors, about,
                ' seconds')
    check_range(check.get('connect_port'), f"{path}.connect_port", 1, 65535, errors, about)
    check_range(check.get('misc_timeout'), f"{path}.misc_timeout", 1, UINT_MAX, errors, about, ' seconds')


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
        check_range(fwmark, f"{path}.fwmark", 1, UINT_MAX, errors, about)
        if 'protocol' in given:
            errors.add(f"{path}.protocol", 'a fwmark service has no protocol; remove protocol', about)
        if port is not None:
            errors.add(f"{path}.port", 'a fwmark service has no port; remove port', about)


def _check_persistence(service, path, errors, about):
    timeout = service['persistence_timeout']
    check_range(timeout, f"{path}.persistence_timeout", 1, 2678400, errors, about, ' seconds')
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
    check_range(sorry['port'], f"{path}.sorry_server.port", 1, 65535, errors, about)
    if (service['lb_kind'] in ('DR', 'TUN') and service['port'] not in (None, 0)
            and sorry['port'] != service['port']):
        errors.add(f"{path}.sorry_server.port", f"{service['lb_kind']} cannot translate ports: the sorry server "
                                                f"must use the service port {service['port']}; remove port", about)


def _check_real_server_address(entry, real_server, family, context, where, errors, about):
    """The address a real server entry resolves to: a known host or an IP address, of the VIP's family, no VIP."""
    address = ip(real_server['address'])
    host = real_server['host']
    entry_address = entry.get('address') if isinstance(entry, Mapping) else None
    vips = context['vips']
    if host is not None and host not in context['hostvars']:
        errors.add(f"{where}.host", f"{host} is not an inventory host; add it to the inventory or use address", about)
    elif address is None and host is None:
        if entry_address is None:  # a given address broke its field rule, which reported it
            errors.add(where, f"{show(entry)} is neither an inventory host nor an IP address; fix it", about)
    elif address is None:
        errors.add(where, f"real server address {show(real_server['address'])} is not an IP address; set "
                          f"lvs_realserver_address or ansible_host of {host}, or address", about)
    elif family and address.version != family and host is not None and entry_address is None:
        errors.add(where, f"host {host} has no IPv{family} address for this IPv{family} VIP; "
                          f"set {REALSERVER_ADDRESS_BY_FAMILY[family]} of {host}", about)
    elif family and address.version != family:
        errors.add(where, f"real server {address} is not of the VIP's address family", about)
    elif str(address) in vips:
        errors.add(where, f"real server address {address} is a VIP (of {vips[str(address)]}); a real server "
                          f"needs an address of its own", about)


def _check_real_server_port(service, real_server, where, seen, errors, about):
    """Listed once, a port DR and TUN can use, a weight every tool takes."""
    endpoint = (norm_address(real_server['address']), real_server['port'])
    if endpoint in seen:
        errors.add(where, f"real server {endpoint[0]}:{endpoint[1]} is listed twice; remove one", about)
    seen.add(endpoint)
    check_range(real_server['port'], f"{where}.port", 0, 65535, errors, about)
    if (service['lb_kind'] in ('DR', 'TUN') and service['port'] not in (None, 0)
            and real_server['port'] != service['port']):
        errors.add(f"{where}.port", f"{service['lb_kind']} cannot translate ports: real server "
                                    f"{endpoint[0]}:{real_server['port']} must use the service port "
                                    f"{service['port']}; remove port", about)
    check_range(real_server['weight'], f"{where}.weight", 0, WEIGHT_MAX, errors, about)


def _check_real_servers(service, given, path, context, errors, about):
    family = _family(service)
    seen = set()
    for number, (entry, real_server) in enumerate(zip(context['listed'], service['real_servers'])):
        where = f"{path}.real_servers[{number}]"
        if given.get('real_servers') is None:
            about = f"service {service['name']}, real server {real_server['host']} of group " \
                    f"{context['realserver_group']}"
        if isinstance(entry, Mapping) and entry.get('host') in (None, '') and entry.get('address') in (None, ''):
            errors.add(where, 'set host (an inventory host) or address', about)
            continue
        _check_real_server_address(entry, real_server, family, context, where, errors, about)
        _check_real_server_port(service, real_server, where, seen, errors, about)
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
    check_range(service['delay_loop'], f"{path}.delay_loop", 0.000001, TIMER_MAX, errors, about, ' seconds')
    _check_persistence(service, path, errors, about)
    check_range(service['quorum'], f"{path}.quorum", 1, UINT_MAX, errors, about)
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


def _check_duplicates(number, service, seen, errors, about):
    """No two services with the same key (vip, port and protocol, or fwmark) or the same name."""
    path = f"lvs_director_virtual_services[{number}]"
    key = _service_key(service)
    if key in seen['keys']:
        errors.add(path, f"duplicates lvs_director_virtual_services[{seen['keys'][key]}] (same "
                         f"{'fwmark' if service['fwmark'] is not None else 'vip, port and protocol'}); remove one",
                   about)
    seen['keys'].setdefault(key, number)
    first = seen['names'].get(service['name'])
    if first is not None:
        errors.add(f"{path}.name", f"already the name of lvs_director_virtual_services[{first}]; give each service "
                                   f"its own name", about)
    seen['names'].setdefault(service['name'], number)


def _check_vips_held(number, service, vips, errors, about):
    held = [('vip', service['vip'])] + [(f"fwmark_vips[{index}]", address)
                                        for index, address in enumerate(service['fwmark_vips'] or [])]
    for key, address in held:
        vip = norm_address(address)
        if ip(vip) is not None and vip not in vips:
            errors.add(f"lvs_director_virtual_services[{number}].{key}",
                       f"{vip} is not held by any VRRP instance, so no director would receive its traffic; add it to "
                       f"the vips of an lvs_director_vrrp_instances entry", about)


def check_services(given, sound, context, errors):
    """Check every sound service (given is the variable as written); returns [(index, resolved service)]."""
    check_not_empty(given, 'lvs_director_virtual_services', 'the directors would balance nothing (a misspelt variable '
                    'name?); describe at least one service, or remove the cluster with lvs_director_state: absent',
                    errors)
    resolved, seen = [], {'keys': {}, 'names': {}}
    for number, entry in sound:
        service = _check_service(number, entry, context, errors)
        about = f"service {service['name']}"
        _check_duplicates(number, service, seen, errors, about)
        if context.get('mode', 'vrrp') == 'vrrp':
            _check_vips_held(number, service, context['vips'], errors, about)
        resolved.append((number, service))
    return resolved


def check_forwarding(services, sysctl, errors):
    """A NAT service needs forwarding on the directors, for the families of its real servers."""
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
