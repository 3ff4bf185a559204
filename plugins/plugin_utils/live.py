# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live state: compare the resolved description with the kernel IPVS table read by lvs.cluster.ipvsadm_info."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.model import FORWARD_BY_LB_KIND, endpoint, ip, norm_address


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
    return (str(actual.get('protocol')).lower(), norm_address(actual.get('address')), actual.get('port'))


def _expected_key(service):
    if service['fwmark'] is not None:
        return ('fwm', service['fwmark'], service['_family'])
    return (service['protocol'].lower(), norm_address(service['vip']), service['port'])


def _family_of(service):
    """ipv4/ipv6 (as ipvsadm_info names them): from the VIP, or for fwmark services from the real servers."""
    address = ip(service['vip']) if service['vip'] else None
    if address is None and service['real_servers']:
        address = ip(service['real_servers'][0]['address'])
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
        present = {(norm_address(rs.get('address')), rs.get('port')): rs
                   for rs in actual.get('real_servers') or []}
        forward = FORWARD_BY_LB_KIND.get(service['lb_kind'])
        up = 0
        for real_server in service['real_servers']:
            port = real_server['port'] if service['fwmark'] is None else None
            endpoint = f"{real_server['address']}:{real_server['port']}"
            kernel = present.pop((norm_address(real_server['address']), port), None)
            if kernel is None and service['fwmark'] is not None:
                kernel = next((present.pop(key) for key in list(present)
                               if key[0] == norm_address(real_server['address'])), None)
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
            present.pop((norm_address(sorry.get('address')), sorry.get('port')), None)
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


def _service_args(actual):
    """The ipvsadm options that name a service of lvs.cluster.ipvsadm_info's table."""
    if actual['protocol'] == 'fwm':
        return ['-f', str(actual['fwmark'])] + (['-6'] if actual.get('family') == 'ipv6' else [])
    return [_SERVICE_OPTION[actual['protocol']], endpoint(actual['address'], actual['port'])]


def describe(actual):
    if actual['protocol'] == 'fwm':
        return f"fwmark {actual['fwmark']}"
    return f"{actual['protocol'].upper()} {endpoint(actual['address'], actual['port'])}"


def servers_at(actual, address):
    """The real servers of one live service at address, or at any of a list of addresses (a
    dual-stack host has one per family); all of them when address is None."""
    servers = actual.get('real_servers') or []
    if address is None:
        return servers
    targets = {norm_address(one) for one in ([address] if isinstance(address, str) else address)}
    return [rs for rs in servers if norm_address(rs.get('address')) in targets]


def ipvs_real_server(actual_ipvs, address):
    """One real server's rows in lvs.cluster.ipvsadm_info's table, each with its service's name.

    [] when the table does not have it (unknown, or removed by its health check).
    """
    return [dict(rs, service=describe(actual))
            for actual in (actual_ipvs or {}).get('services') or [] for rs in servers_at(actual, address)]


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
            configured[(_expected_key(service), norm_address(real_server['address']))] = real_server['weight']
    edits = []
    for actual in (actual_ipvs or {}).get('services') or []:
        for real_server in servers_at(actual, address):
            weight = 0 if drain else configured.get((_actual_key(actual), norm_address(real_server['address'])), 1)
            if real_server.get('weight') == weight:
                continue
            edits.append({
                'service': describe(actual),
                'service_args': _service_args(actual),
                'server': endpoint(real_server['address'], real_server['port']),
                'method': _METHOD_OPTION.get(real_server.get('forward'), '-g'),
                'weight_from': real_server.get('weight'),
                'weight_to': weight,
            })
    return edits
