# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters shared by the lvs_director and lvs_realserver roles.

The cluster data model (docs/data-model.md) is resolved here, in one place:
both roles call resolve_services, so they agree on which host serves which VIP.
The defaults below must stay identical to roles/lvs_director/defaults and
meta/argument_specs.yml (tests/filter checks this).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re

from ansible.errors import AnsibleFilterError

SERVICE_DEFAULTS = {
    'name': None,
    'vip': None,
    'fwmark': None,
    'port': None,
    'protocol': 'TCP',
    'lb_algo': 'wlc',
    'lb_kind': 'DR',
    'delay_loop': 3,
    'persistence_timeout': None,
    'persistence_granularity': None,
    'persistence_engine': None,
    'scheduler_flags': [],
    'ops': False,
    'quorum': 1,
    'hysteresis': 0,
    'sorry_server': None,
    'inhibit_on_failure': False,
    'alpha': False,
    'health_check': {},
    'real_servers': None,
}

HEALTH_CHECK_DEFAULTS = {
    'type': 'TCP_CHECK',
    'connect_timeout': 1,
    'retry': 1,
    'delay_before_retry': 1,
    'connect_port': None,
    'connect_ip': None,
    'url': [],
    'misc_path': None,
    'misc_timeout': None,
    'dns_type': 'SOA',
    'dns_name': '.',
}

URL_DEFAULTS = {'path': None, 'status_code': None, 'digest': None}

REAL_SERVER_DEFAULTS = {'host': None, 'address': None, 'port': None, 'weight': 1, 'health_check': {}}

VRRP_INSTANCE_DEFAULTS = {
    'name': None,
    'virtual_router_id': None,
    'vips': [],
    'interface': None,
    'advert_int': 1,
    'version': 2,
    'preempt': True,
    'preempt_delay': 0,
    'unicast': False,
    'auth_pass': None,
    'state': None,
}

HEALTH_CHECK_TYPES = ('TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'none')
SCHEDULERS = ('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos')
FORWARD_BY_LB_KIND = {'DR': 'route', 'NAT': 'masq', 'TUN': 'tunnel'}
DNS_TYPES = ('A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA')
FIRST_PRIORITY = 150
PRIORITY_STEP = 10


def _merge(defaults, value):
    merged = copy.deepcopy(defaults)
    merged.update(copy.deepcopy(dict(value or {})))
    return merged


def _hostvar(hostvars, host, name):
    """Return hostvars[host][name] or None; hostvars is Ansible's HostVars or a plain dict."""
    if host not in hostvars:
        return None
    try:
        value = hostvars[host].get(name)
    except AttributeError:
        value = hostvars[host][name] if name in hostvars[host] else None
    return value


def host_address(hostvars, host, variable):
    """Address of an inventory host: the variable, else ansible_host, else the host name."""
    for name in (variable, 'ansible_host'):
        value = _hostvar(hostvars, host, name)
        if value not in (None, ''):
            return str(value)
    return str(host)


def _service_label(service, index):
    return f"lvs_director_virtual_services[{index}] ({service.get('name')})"


def _default_service_name(service):
    if service.get('fwmark') is not None:
        return f"fwmark-{service['fwmark']}"
    return f"{service.get('vip')}:{service.get('port')}/{service.get('protocol')}"


def _resolve_health_check(*layers):
    check = copy.deepcopy(HEALTH_CHECK_DEFAULTS)
    for layer in layers:
        check.update(copy.deepcopy(dict(layer or {})))
    check['url'] = [_merge(URL_DEFAULTS, url) for url in (check.get('url') or [])]
    return check


def _resolve_real_server(entry, service, hostvars):
    if isinstance(entry, str):
        entry = {'host': entry} if entry in hostvars else {'address': entry}
    real_server = _merge(REAL_SERVER_DEFAULTS, entry)
    if real_server['address'] in (None, ''):
        real_server['address'] = host_address(hostvars, real_server['host'], 'lvs_realserver_address')
    real_server['address'] = str(real_server['address'])
    if real_server['port'] is None:
        real_server['port'] = service['port'] if service['port'] is not None else 0
    real_server['health_check'] = _resolve_health_check(service['health_check'], entry.get('health_check'))
    return real_server


def resolve_services(services, hostvars, groups, realserver_group='lvs_realservers'):
    """Fill in every default of lvs_director_virtual_services and resolve the real servers."""
    if services is None:
        return []
    if not isinstance(services, (list, tuple)):
        raise AnsibleFilterError('resolve_services: lvs_director_virtual_services must be a list')
    default_members = list((groups or {}).get(realserver_group) or [])
    resolved = []
    for entry in services:
        service = _merge(SERVICE_DEFAULTS, entry)
        if service['name'] in (None, ''):
            service['name'] = _default_service_name(service)
        service['scheduler_flags'] = list(service['scheduler_flags'] or [])
        if service['sorry_server'] is not None:
            sorry = dict(service['sorry_server'])
            sorry.setdefault('port', service['port'])
            service['sorry_server'] = sorry
        members = service['real_servers'] if service['real_servers'] is not None else default_members
        service['real_servers'] = [_resolve_real_server(member, service, hostvars) for member in members]
        resolved.append(service)
    return resolved


def _directors(groups, director_group):
    return list((groups or {}).get(director_group) or [])


def director_priority(hostvars, groups, host, director_group='lvs_directors'):
    """VRRP priority: lvs_director_priority, else 150, 140, ... by position in the director group."""
    explicit = _hostvar(hostvars, host, 'lvs_director_priority')
    if explicit not in (None, ''):
        return int(explicit)
    directors = _directors(groups, director_group)
    position = directors.index(host) if host in directors else len(directors)
    return FIRST_PRIORITY - PRIORITY_STEP * position


def resolve_vrrp_instances(instances, hostvars, groups, inventory_hostname,
                           director_group='lvs_directors', default_interface=None):
    """The VRRP instances as one director renders them: defaults, priority, state, unicast peers."""
    directors = _directors(groups, director_group)
    priorities = [director_priority(hostvars, groups, host, director_group) for host in directors]
    own_priority = director_priority(hostvars, groups, inventory_hostname, director_group)
    resolved = []
    for entry in instances or []:
        instance = _merge(VRRP_INSTANCE_DEFAULTS, entry)
        instance['vips'] = [str(vip) for vip in instance['vips'] or []]
        if instance['interface'] in (None, ''):
            instance['interface'] = default_interface
        instance['priority'] = own_priority
        if instance['state'] in (None, ''):
            holds_back = not instance['preempt'] or instance['preempt_delay']
            is_first = own_priority >= max(priorities + [own_priority])
            instance['state'] = 'MASTER' if is_first and not holds_back else 'BACKUP'
        instance['unicast_src_ip'] = None
        instance['unicast_peers'] = []
        if instance['unicast']:
            instance['unicast_src_ip'] = host_address(hostvars, inventory_hostname, 'lvs_director_address')
            instance['unicast_peers'] = [host_address(hostvars, host, 'lvs_director_address')
                                         for host in directors if host != inventory_hostname]
        resolved.append(instance)
    return resolved


def _ip(value):
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        return None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_health_check(check, where, errors):
    kind = check.get('type')
    if kind not in HEALTH_CHECK_TYPES:
        errors.append(f"{where}.type: unknown health check type {kind!r}; use one of {', '.join(HEALTH_CHECK_TYPES)}")
        return
    if check.get('connect_ip') is not None and _ip(check['connect_ip']) is None:
        errors.append(f"{where}.connect_ip: {check['connect_ip']!r} is not an IP address; fix it")
    if kind in ('HTTP_GET', 'SSL_GET'):
        if not check.get('url'):
            errors.append(f"{where}.url: {kind} needs at least one url with a path "
                          f"(keepalived 2.2.7 crashes without one); add url: [{{path: /}}]")
        for number, url in enumerate(check.get('url') or []):
            url_where = f"{where}.url[{number}]"
            if not url.get('path'):
                errors.append(f"{url_where}.path: every {kind} url needs a path "
                              f"(keepalived 2.2.7 crashes without one); set path")
            status = url.get('status_code')
            if status is not None:
                codes = status if isinstance(status, list) else [status]
                for code in codes:
                    if not re.fullmatch(r'\d{3}(-\d{3})?', str(code)) or not all(
                            100 <= int(part) <= 599 for part in str(code).split('-')):
                        errors.append(f"{url_where}.status_code: {code!r} is not an HTTP status 100-599 "
                                      f"or a range like 200-299; fix it")
            digest = url.get('digest')
            if digest is not None and not re.fullmatch(r'[0-9a-fA-F]{32}', str(digest)):
                errors.append(f"{url_where}.digest: {digest!r} is not an MD5 digest of 32 hex characters; "
                              f"compute it with keepalived --genhash")
    if kind == 'MISC_CHECK' and not check.get('misc_path'):
        errors.append(f"{where}.misc_path: MISC_CHECK needs misc_path; set the command to run")
    if kind == 'DNS_CHECK' and check.get('dns_type') not in DNS_TYPES:
        errors.append(f"{where}.dns_type: {check.get('dns_type')!r} is not one of {', '.join(DNS_TYPES)}; fix it")


def _check_scheduler_flags(service, label, errors):
    algo = service['lb_algo']
    if algo not in SCHEDULERS:
        errors.append(f"{label}.lb_algo: unknown scheduler {algo!r}; use one of {', '.join(SCHEDULERS)}")
    for flag in service['scheduler_flags']:
        prefix = str(flag).split('-', 1)[0]
        if flag in ('sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'):
            if prefix != algo:
                errors.append(f"{label}.scheduler_flags: {flag} only applies to lb_algo {prefix} "
                              f"(this service uses {algo}); remove the flag or change lb_algo")
        elif flag in ('flag-1', 'flag-2', 'flag-3'):
            if algo in ('sh', 'mh'):
                errors.append(f"{label}.scheduler_flags: {flag} is written as {algo}-port/{algo}-fallback "
                              f"with lb_algo {algo}; use those names")
        else:
            errors.append(f"{label}.scheduler_flags: unknown flag {flag!r}; use sh-port, sh-fallback, "
                          f"mh-port, mh-fallback or flag-1..flag-3")


def _check_service(service, given, label, hostvars, errors):
    vip, fwmark = service['vip'], service['fwmark']
    if (vip is None) == (fwmark is None):
        errors.append(f"{label}: set exactly one of vip and fwmark")
    family = None
    if vip is not None:
        address = _ip(vip)
        if address is None:
            errors.append(f"{label}.vip: {vip!r} is not an IP address; fix it")
        else:
            family = address.version
        if service['port'] is None:
            errors.append(f"{label}.port: a vip service needs a port; set port")
        elif not _is_int(service['port']) or not 0 <= service['port'] <= 65535:
            errors.append(f"{label}.port: {service['port']!r} is not a port 0-65535; fix it")
        elif service['port'] == 0 and service['persistence_timeout'] is None:
            errors.append(f"{label}.port: port 0 (all ports) needs persistence_timeout; set it or use a port")
        if service['protocol'] not in ('TCP', 'UDP', 'SCTP'):
            errors.append(f"{label}.protocol: {service['protocol']!r} is not TCP, UDP or SCTP; fix it")
    if fwmark is not None:
        if not _is_int(fwmark) or fwmark < 1:
            errors.append(f"{label}.fwmark: {fwmark!r} is not a positive integer; fix it")
        if 'protocol' in given:
            errors.append(f"{label}.protocol: a fwmark service has no protocol; remove protocol")
        if service['port'] is not None:
            errors.append(f"{label}.port: a fwmark service has no port; remove port")
    if service['lb_kind'] not in FORWARD_BY_LB_KIND:
        errors.append(f"{label}.lb_kind: {service['lb_kind']!r} is not DR, NAT or TUN; fix it")
    _check_scheduler_flags(service, label, errors)
    if service['ops'] and (fwmark is not None or service['protocol'] != 'UDP'):
        errors.append(f"{label}.ops: one-packet scheduling needs protocol UDP; remove ops or use UDP")
    timeout = service['persistence_timeout']
    if timeout is not None and (not _is_int(timeout) or not 1 <= timeout <= 2678400):
        errors.append(f"{label}.persistence_timeout: {timeout!r} is not 1-2678400 seconds; fix it or omit it")
    granularity = service['persistence_granularity']
    if granularity is not None:
        if timeout is None:
            errors.append(f"{label}.persistence_granularity: only applies with persistence_timeout; set it")
        if family == 6:
            valid = _is_int(granularity) and 1 <= granularity <= 128
        else:
            try:
                valid = '.' in str(granularity) and bool(ipaddress.IPv4Network(f'0.0.0.0/{granularity}'))
            except ValueError:
                valid = False
        if not valid:
            errors.append(f"{label}.persistence_granularity: {granularity!r} is not a netmask "
                          f"(IPv4: 255.255.255.0, IPv6: prefix length 1-128); fix it")
    if not _is_int(service['quorum']) or service['quorum'] < 1:
        errors.append(f"{label}.quorum: {service['quorum']!r} must be an integer >= 1; fix it")
    sorry = service['sorry_server']
    if sorry is not None:
        address = _ip(sorry.get('address'))
        if address is None:
            errors.append(f"{label}.sorry_server.address: {sorry.get('address')!r} is not an IP address; fix it")
        elif family and address.version != family:
            errors.append(f"{label}.sorry_server.address: {sorry['address']} is not of the VIP's address family")
        if (service['lb_kind'] in ('DR', 'TUN') and service['port'] not in (None, 0)
                and sorry.get('port') != service['port']):
            errors.append(f"{label}.sorry_server.port: {service['lb_kind']} cannot translate ports: the sorry "
                          f"server must use the service port {service['port']}; remove port")
    seen = set()
    for number, real_server in enumerate(service['real_servers']):
        where = f"{label}.real_servers[{number}]"
        address = _ip(real_server['address'])
        if real_server['host'] is not None and real_server['host'] not in hostvars:
            errors.append(f"{where}.host: {real_server['host']} is not an inventory host; "
                          f"add it to the inventory or use address")
        if address is None:
            errors.append(f"{where}: real server address {real_server['address']!r} is not an IP address; "
                          f"set lvs_realserver_address or ansible_host of {real_server['host']}, or address")
        elif family and address.version != family:
            errors.append(f"{where}: real server {real_server['address']} is not of the VIP's address family")
        endpoint = f"{real_server['address']}:{real_server['port']}"
        if (str(address or real_server['address']), real_server['port']) in seen:
            errors.append(f"{label}: real server {endpoint} is listed twice; remove one")
        seen.add((str(address or real_server['address']), real_server['port']))
        if (service['lb_kind'] in ('DR', 'TUN') and service['port'] not in (None, 0)
                and real_server['port'] != service['port']):
            errors.append(f"{where}.port: {service['lb_kind']} cannot translate ports: real server {endpoint} "
                          f"must use the service port {service['port']}; remove port")
        check = real_server['health_check']
        if (real_server['port'] == 0 and check.get('type') in ('TCP_CHECK', 'HTTP_GET', 'SSL_GET')
                and check.get('connect_port') is None):
            errors.append(f"{where}.health_check.connect_port: real server {real_server['address']} has port 0 "
                          f"(fwmark or all-ports service), so {check.get('type')} needs connect_port; set it")
        if not _is_int(real_server['weight']) or real_server['weight'] < 0:
            errors.append(f"{where}.weight: {real_server['weight']!r} must be an integer >= 0; fix it")
        _check_health_check(real_server['health_check'], f"{where}.health_check", errors)
    if not service['real_servers'] and sorry is None:
        errors.append(f"{label}.real_servers: the service has no real servers (none listed and the "
                      f"real-server group is empty); list real_servers or fill the group")


def _check_vrrp(instances, hostvars, groups, director_group, errors):
    """Check the VRRP instances; return {vip: instance name} of every VIP held."""
    held = {}
    vrids = {}
    directors = _directors(groups, director_group)
    for number, entry in enumerate(instances):
        instance = _merge(VRRP_INSTANCE_DEFAULTS, entry)
        label = f"lvs_director_vrrp_instances[{number}] ({instance['name']})"
        vrid = instance['virtual_router_id']
        if not _is_int(vrid) or not 1 <= vrid <= 255:
            errors.append(f"{label}.virtual_router_id: {vrid!r} is outside 1-255; fix it")
        elif vrid in vrids:
            errors.append(f"{label}.virtual_router_id: {vrid} is already used by {vrids[vrid]}; "
                          f"use a VRID unique on the segment")
        else:
            vrids[vrid] = instance['name']
        families = set()
        if not instance['vips']:
            errors.append(f"{label}.vips: an instance needs at least one VIP; add one")
        for vip in instance['vips']:
            address = _ip(vip)
            if address is None:
                errors.append(f"{label}.vips: {vip!r} is not an IP address (no prefix length); fix it")
                continue
            families.add(address.version)
            if str(address) in held:
                errors.append(f"{label}.vips: {address} is already held by instance {held[str(address)]}; "
                              f"keep it in one instance")
            held[str(address)] = instance['name']
        version = instance['version']
        if version not in (2, 3):
            errors.append(f"{label}.version: {version!r} must be 2 or 3; fix it")
        if len(families) > 1:
            errors.append(f"{label}.vips: mixes IPv4 and IPv6 addresses; use one instance per address family")
        if 6 in families and version != 3:
            errors.append(f"{label}.version: IPv6 VIPs need VRRP version 3; set version: 3")
        advert = instance['advert_int']
        if version == 2 and (not isinstance(advert, int) or isinstance(advert, bool) or not 1 <= advert <= 255):
            errors.append(f"{label}.advert_int: VRRPv2 needs a whole number of seconds 1-255 "
                          f"(got {advert!r}); use an integer or set version: 3")
        elif version == 3 and not (isinstance(advert, (int, float)) and 0.01 <= advert <= 40.95):
            errors.append(f"{label}.advert_int: VRRPv3 allows 0.01-40.95 seconds (got {advert!r}); fix it")
        if instance['auth_pass'] is not None:
            if len(str(instance['auth_pass'])) > 8:
                errors.append(f"{label}.auth_pass: keepalived uses at most 8 characters; shorten it")
            if version == 3:
                errors.append(f"{label}.auth_pass: VRRPv3 has no authentication; remove auth_pass or use version 2")
        if not _is_int(instance['preempt_delay']) or not 0 <= instance['preempt_delay'] <= 1000:
            errors.append(f"{label}.preempt_delay: {instance['preempt_delay']!r} is outside 0-1000; fix it")
        if instance['state'] not in (None, 'MASTER', 'BACKUP'):
            errors.append(f"{label}.state: {instance['state']!r} must be MASTER or BACKUP; fix it")
        elif instance['state'] == 'MASTER' and (not instance['preempt'] or instance['preempt_delay']):
            errors.append(f"{label}.state: nopreempt/preempt_delay need every director in state BACKUP; "
                          f"remove state or set preempt: true and preempt_delay: 0")
        if instance['unicast']:
            addresses = {}
            for host in directors:
                address = host_address(hostvars, host, 'lvs_director_address')
                if _ip(address) is None:
                    errors.append(f"{label}.unicast: lvs_director_address of {host} ({address!r}) is not an "
                                  f"IP address; set lvs_director_address or ansible_host")
                elif families and _ip(address).version not in families:
                    errors.append(f"{label}.unicast: lvs_director_address of {host} ({address}) is not of "
                                  f"the instance's address family; set lvs_director_address")
                if address in addresses:
                    errors.append(f"{label}.unicast: unicast peer {address} of {host} equals the address of "
                                  f"{addresses[address]} (a director would peer with itself); "
                                  f"give each director its own lvs_director_address")
                addresses[address] = host
            if len(directors) < 2:
                errors.append(f"{label}.unicast: unicast needs at least two directors in group "
                              f"{director_group}; add the peer or set unicast: false")
    return held


def _check_priorities(hostvars, groups, director_group, errors):
    directors = _directors(groups, director_group)
    owners = {}
    for host in directors:
        try:
            priority = director_priority(hostvars, groups, host, director_group)
        except (TypeError, ValueError):
            errors.append(f"lvs_director_priority of {host}: "
                          f"{_hostvar(hostvars, host, 'lvs_director_priority')!r} is not an integer; fix it")
            continue
        if not 1 <= priority <= 254:
            errors.append(f"lvs_director_priority of {host}: {priority} is outside 1-254; "
                          f"set lvs_director_priority or shorten group {director_group}")
        elif priority in owners:
            errors.append(f"lvs_director_priority of {host}: {priority} equals the priority of "
                          f"{owners[priority]} (equal priorities never preempt); give each director its own")
        owners.setdefault(priority, host)


def _service_key(service):
    if service['fwmark'] is not None:
        return ('fwmark', service['fwmark'])
    address = _ip(service['vip'])
    return (service['protocol'], str(address or service['vip']), service['port'])


def check_cluster(services, vrrp_instances, hostvars, groups, director_group='lvs_directors',
                  realserver_group='lvs_realservers', sync_daemon=None):
    """Semantic checks on the whole cluster; a list of errors, each naming the variable and the fix."""
    errors = []
    services = services or []
    vrrp_instances = vrrp_instances or []
    _check_priorities(hostvars, groups, director_group, errors)
    held = _check_vrrp(vrrp_instances, hostvars, groups, director_group, errors)
    try:
        resolved = resolve_services(services, hostvars, groups, realserver_group)
    except (TypeError, ValueError) as exc:
        return errors + [f"lvs_director_virtual_services: cannot be resolved ({exc}); fix its structure"]
    keys = {}
    for number, (given, service) in enumerate(zip(services, resolved)):
        label = _service_label(service, number)
        _check_service(service, given, label, hostvars, errors)
        key = _service_key(service)
        if key in keys:
            errors.append(f"{label}: duplicates lvs_director_virtual_services[{keys[key]}] "
                          f"(same {'fwmark' if service['fwmark'] is not None else 'vip, port and protocol'}); "
                          f"remove one")
        keys.setdefault(key, number)
        vip = _ip(service['vip'])
        if vip is not None and str(vip) not in held:
            errors.append(f"{label}.vip: {vip} is not held by any VRRP instance, so no director would receive "
                          f"its traffic; add it to the vips of an lvs_director_vrrp_instances entry")
    if sync_daemon and sync_daemon.get('enabled'):
        names = [instance.get('name') for instance in vrrp_instances]
        wanted = sync_daemon.get('instance') or (names[0] if names else None)
        if wanted not in names:
            errors.append(f"lvs_director_sync_daemon.instance: {wanted!r} is not an instance of "
                          f"lvs_director_vrrp_instances; name one of {names}")
        sync_id = sync_daemon.get('id')
        if sync_id is not None and (not _is_int(sync_id) or not 0 <= sync_id <= 255):
            errors.append(f"lvs_director_sync_daemon.id: {sync_id!r} is outside 0-255; fix it")
    return errors


def _norm_address(value):
    address = _ip(value)
    return str(address) if address is not None else value


def _norm_flags(flags):
    if isinstance(flags, str):
        flags = [flag for flag in flags.strip('()').split(',') if flag]
    return sorted(str(flag) for flag in flags or [])


def _norm_mask(mask, family):
    default = '255.255.255.255' if family != 6 else '128'
    return str(mask) if mask not in (None, '') else default


def _actual_key(actual):
    if actual.get('protocol') == 'fwm':
        return ('fwm', actual.get('fwmark'), actual.get('family'))
    return (str(actual.get('protocol')).lower(), _norm_address(actual.get('address')), actual.get('port'))


def _expected_key(service):
    if service['fwmark'] is not None:
        return ('fwm', service['fwmark'], service['_family'])
    return (service['protocol'].lower(), _norm_address(service['vip']), service['port'])


def _family_of(service):
    """ipv4/ipv6 (as ipvsadm_info names them): from the VIP, or for fwmark services from the real servers."""
    address = _ip(service['vip']) if service['vip'] else None
    if address is None and service['real_servers']:
        address = _ip(service['real_servers'][0]['address'])
    return 'ipv6' if address is not None and address.version == 6 else 'ipv4'


def ipvs_diff(expected_services, actual_ipvs):
    """Compare resolved services with lvs.cluster.ipvsadm_info's ipvs result.

    Returns {ok, errors, down, report}: errors make the verification fail; down lists real
    servers missing from the table (health check failing), which only fails a service
    when none of its real servers is up.
    """
    actual_services = (actual_ipvs or {}).get('services') or []
    table = {_actual_key(actual): actual for actual in actual_services}
    errors, down, lines = [], [], []
    for service in expected_services or []:
        service = dict(service, _family=_family_of(service))
        name = service['name']
        actual = table.get(_expected_key(service))
        if actual is None:
            errors.append(f"service {name}: not in the IPVS table")
            lines.append(f"- {name}: expected {_expected_key(service)}, actual: missing")
            continue
        family = 6 if service['_family'] == 'ipv6' else 4
        expected_attrs = {
            'scheduler': service['lb_algo'],
            'scheduler_flags': _norm_flags(service['scheduler_flags']),
            'persistent': service['persistence_timeout'] is not None,
            'one_packet': bool(service['ops']),
        }
        actual_attrs = {
            'scheduler': actual.get('scheduler'),
            'scheduler_flags': _norm_flags(actual.get('scheduler_flags')),
            'persistent': bool(actual.get('persistent')),
            'one_packet': bool(actual.get('one_packet')),
        }
        if service['persistence_timeout'] is not None:
            expected_attrs['persistence_timeout'] = service['persistence_timeout']
            actual_attrs['persistence_timeout'] = actual.get('persistence_timeout')
            expected_attrs['persistence_mask'] = _norm_mask(service['persistence_granularity'], family)
            actual_attrs['persistence_mask'] = _norm_mask(actual.get('persistence_mask'), family)
            if service['persistence_engine']:
                expected_attrs['persistence_engine'] = service['persistence_engine']
                actual_attrs['persistence_engine'] = actual.get('persistence_engine')
        for attr, want in expected_attrs.items():
            if actual_attrs[attr] != want:
                errors.append(f"service {name}: {attr} is {actual_attrs[attr]!r}, expected {want!r}")
                lines.append(f"~ {name}: {attr}: expected {want!r}, actual {actual_attrs[attr]!r}")
        present = {(_norm_address(rs.get('address')), rs.get('port')): rs
                   for rs in actual.get('real_servers') or []}
        forward = FORWARD_BY_LB_KIND.get(service['lb_kind'])
        up = 0
        for real_server in service['real_servers']:
            port = real_server['port'] if service['fwmark'] is None else None
            endpoint = f"{real_server['address']}:{real_server['port']}"
            kernel = present.pop((_norm_address(real_server['address']), port), None)
            if kernel is None and service['fwmark'] is not None:
                kernel = next((present.pop(key) for key in list(present)
                               if key[0] == _norm_address(real_server['address'])), None)
            always_up = real_server['health_check']['type'] == 'none'
            if kernel is None or (service['inhibit_on_failure'] and kernel.get('weight') == 0
                                  and real_server['weight'] > 0 and not always_up):
                if always_up:
                    errors.append(f"service {name}: real server {endpoint} (no health check) is not in the table")
                    lines.append(f"- {name}: real server {endpoint}: expected weight {real_server['weight']}, "
                                 f"actual: missing")
                else:
                    down.append(f"service {name}: real server {endpoint} is down (health check failing)")
                continue
            up += 1
            for attr, want in (('weight', real_server['weight']), ('forward', forward)):
                if kernel.get(attr) != want:
                    errors.append(f"service {name}: real server {endpoint} {attr} is {kernel.get(attr)!r}, "
                                  f"expected {want!r}")
                    lines.append(f"~ {name}: real server {endpoint}: {attr}: expected {want!r}, "
                                 f"actual {kernel.get(attr)!r}")
        sorry = service['sorry_server']
        if sorry is not None:
            present.pop((_norm_address(sorry.get('address')), sorry.get('port')), None)
        for (address, port), extra in present.items():
            errors.append(f"service {name}: unexpected real server {address}:{port} in the table")
            lines.append(f"+ {name}: real server {address}:{port} (weight {extra.get('weight')}) not configured")
        if service['real_servers'] and up == 0:
            errors.append(f"service {name}: none of its {len(service['real_servers'])} real servers is up")
            lines.append(f"- {name}: no real server up")
    report = '\n'.join(lines + [f"! {line}" for line in down]) or 'IPVS table matches the configuration'
    return {'ok': not errors, 'errors': errors, 'down': down, 'report': report}


_SERVICE_OPTION = {'tcp': '-t', 'udp': '-u', 'sctp': '--sctp-service'}
_METHOD_OPTION = {'route': '-g', 'masq': '-m', 'tunnel': '-i'}


def _endpoint(address, port):
    address = _norm_address(address)
    return f"[{address}]:{port}" if ':' in address else f"{address}:{port}"


def _service_args(actual):
    """The ipvsadm options that name a service of lvs.cluster.ipvsadm_info's table."""
    if actual['protocol'] == 'fwm':
        return ['-f', str(actual['fwmark'])] + (['-6'] if actual.get('family') == 'ipv6' else [])
    return [_SERVICE_OPTION[actual['protocol']], _endpoint(actual['address'], actual['port'])]


def _describe(actual):
    if actual['protocol'] == 'fwm':
        return f"fwmark {actual['fwmark']}"
    return f"{actual['protocol'].upper()} {_endpoint(actual['address'], actual['port'])}"


def _servers_at(actual, address):
    """The real servers of one live service at address (all of them when address is None)."""
    servers = actual.get('real_servers') or []
    if address is None:
        return servers
    target = _norm_address(address)
    return [rs for rs in servers if _norm_address(rs.get('address')) == target]


def ipvs_real_server(actual_ipvs, address):
    """One real server's rows in lvs.cluster.ipvsadm_info's table, each with its service's name.

    [] when the table does not have it (unknown, or removed by its health check).
    """
    return [dict(rs, service=_describe(actual))
            for actual in (actual_ipvs or {}).get('services') or [] for rs in _servers_at(actual, address)]


def ipvs_weight_edits(actual_ipvs, expected_services, address, drain):
    """The `ipvsadm -e` edits that drain (weight 0) or restore (configured weight) one real server.

    Returns [{service, service_args, server, method, weight_from, weight_to}] for every
    service of the live table where that real server's weight must change; [] when
    nothing changes, which keeps drain and undrain idempotent.
    """
    configured = {}
    for service in expected_services or []:
        service = dict(service, _family=_family_of(service))
        for real_server in service['real_servers']:
            configured[(_expected_key(service), _norm_address(real_server['address']))] = real_server['weight']
    target = _norm_address(address)
    edits = []
    for actual in (actual_ipvs or {}).get('services') or []:
        for real_server in _servers_at(actual, target):
            weight = 0 if drain else configured.get((_actual_key(actual), target), 1)
            if real_server.get('weight') == weight:
                continue
            edits.append({
                'service': _describe(actual),
                'service_args': _service_args(actual),
                'server': _endpoint(real_server['address'], real_server['port']),
                'method': _METHOD_OPTION.get(real_server.get('forward'), '-g'),
                'weight_from': real_server.get('weight'),
                'weight_to': weight,
            })
    return edits


def ipvs_report(actual_ipvs, address=None):
    """A readable table of lvs.cluster.ipvsadm_info's result (with stats when it has them).

    With address, only that real server's rows (and their services) are shown.
    """
    rows = [('SERVICE / REAL SERVER', 'SCHED/FWD', 'WEIGHT', 'ACTIVE', 'INACTIVE', 'CONNS', 'IN PKTS', 'OUT PKTS')]
    for actual in (actual_ipvs or {}).get('services') or []:
        servers = _servers_at(actual, address)
        if address is not None and not servers:
            continue
        stats = actual.get('stats') or {}
        rows.append((_describe(actual), actual.get('scheduler') or '', '', '', '',
                     str(stats.get('connections', '')), str(stats.get('packets_in', '')),
                     str(stats.get('packets_out', ''))))
        for rs in servers:
            rs_stats = rs.get('stats') or {}
            rows.append(('  -> ' + _endpoint(rs.get('address'), rs.get('port')), rs.get('forward') or '',
                         str(rs.get('weight')), str(rs.get('active_connections')),
                         str(rs.get('inactive_connections')), str(rs_stats.get('connections', '')),
                         str(rs_stats.get('packets_in', '')), str(rs_stats.get('packets_out', ''))))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [' '.join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def vip_holders(vrrp_instances, addresses_by_host):
    """Which hosts hold each VIP: {vip: [hosts]}, from {host: output of ip -j address show}."""
    held = {}
    for host, interfaces in (addresses_by_host or {}).items():
        if isinstance(interfaces, str):
            interfaces = json.loads(interfaces or '[]')
        for interface in interfaces or []:
            for info in interface.get('addr_info') or []:
                held.setdefault(_norm_address(info.get('local')), []).append(host)
    vips = [_norm_address(vip) for instance in vrrp_instances or [] for vip in instance.get('vips') or []]
    return {vip: sorted(set(held.get(vip, []))) for vip in vips}


class FilterModule:
    """lvs.cluster filters."""

    def filters(self):
        return {
            'resolve_services': resolve_services,
            'resolve_vrrp_instances': resolve_vrrp_instances,
            'check_cluster': check_cluster,
            'ipvs_diff': ipvs_diff,
            'vip_holders': vip_holders,
            'ipvs_weight_edits': ipvs_weight_edits,
            'ipvs_real_server': ipvs_real_server,
            'ipvs_report': ipvs_report,
        }
