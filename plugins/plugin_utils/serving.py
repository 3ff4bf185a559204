# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one real server serves (the lvs_realserver role): its services, the VIPs it holds on which device, and
what its host must show: the service ports listening (ss), the default route via the NAT director (ip route)."""

from __future__ import annotations

import re

from ansible_collections.lvs.cluster.plugins.plugin_utils.model import ip, norm_address

# A DR real server holds the VIPs on lo, a TUN one on tunl0 (IPIP); a NAT one holds none.
VIP_DEVICE = {'DR': 'lo', 'TUN': 'tunl0'}
# A listening socket bound to every address of its family, as ss writes it.
ANY_ADDRESS = ('0.0.0.0', '*', '[::]')
# The scope of a local address in ss: 'fe80::1%eth0' or '0.0.0.0%lo'.
SCOPE = re.compile(r'%[^:\]]*')


def served_services(services, host, own_addresses):
    """The resolved services that host is a real server or the sorry server of, by its inventory name or one of its
    own addresses: each with its index in lvs_director_virtual_services (for messages) and the ports it serves."""
    served = []
    for index, service in enumerate(services):
        sorry = [service['sorry_server']] if service['sorry_server'] else []
        mine = ([real_server for real_server in service['real_servers'] if real_server['host'] == host]
                + [entry for entry in service['real_servers'] + sorry if entry['address'] in own_addresses])
        if mine:
            served.append(dict(service, index=index, ports=list(dict.fromkeys(entry['port'] for entry in mine))))
    return served


def _entry(device, address, source):
    return {'dev': device, 'address': str(address), 'source': source}


def service_vips(served):
    """[{dev, address, source}] of the DR and TUN services served: the VIP, or a fwmark service's fwmark_vips."""
    entries = []
    for service in served:
        device = VIP_DEVICE.get(service['lb_kind'])
        if device is None:
            continue
        where = f"lvs_director_virtual_services[{service['index']}] ({service['name']})"
        if service['vip'] is not None:
            entries.append(_entry(device, service['vip'], f'{where}.vip'))
        entries += [_entry(device, address, f'{where}.fwmark_vips[{number}]')
                    for number, address in enumerate(service['fwmark_vips'])]
    return entries


def explicit_vips(vips, tun_vips):
    return ([_entry('lo', address, f'lvs_realserver_vips[{number}]') for number, address in enumerate(vips)]
            + [_entry('tunl0', address, f'lvs_realserver_tun_vips[{number}]') for number, address in enumerate(tun_vips)])


def _fwmark_errors(served):
    """A fwmark service has no VIP: the real server needs its fwmark_vips, or the explicit lists."""
    names = [service['name'] for service in served if service['fwmark'] is not None and not service['fwmark_vips']]
    if not names:
        return []
    return [f"lvs_realserver_vips: this host serves the fwmark service(s) {', '.join(names)}, which have no VIP; set "
            f"their fwmark_vips, or list the VIPs in lvs_realserver_vips (DR) or lvs_realserver_tun_vips (TUN)"]


def realserver_plan(services, host, own_addresses, vips, tun_vips):
    """What one real server holds: the services it serves (served_services) and the VIPs for lvs.cluster.realserver:
    lvs_realserver_vips and lvs_realserver_tun_vips when either is set, else those of its services, where a fwmark
    service without fwmark_vips is an error."""
    served = served_services(services, host, own_addresses)
    if vips or tun_vips:
        return {'served': served, 'vips': explicit_vips(vips, tun_vips), 'errors': []}
    return {'served': served, 'vips': service_vips(served), 'errors': _fwmark_errors(served)}


def listening(ss_output):
    """{'tcp 0.0.0.0:80', ...}: the protocol and local address of each socket that `ss -H -l -n -t -u` lists
    (columns Netid State Recv-Q Send-Q Local:Port Peer:Port), without its scope."""
    sockets = set()
    for line in (ss_output or '').splitlines():
        columns = line.split()
        if len(columns) > 4:
            sockets.add(f"{columns[0]} {SCOPE.sub('', columns[4])}")
    return sockets


def closed_ports(served, ss_output):
    """'name (TCP 80)' of each TCP or UDP port of the served services that nothing listens on, on the VIP or on
    every address (port 0 and SCTP are not checked)."""
    sockets = listening(ss_output)
    closed = []
    for service in served:
        if service['protocol'] not in ('TCP', 'UDP'):
            continue
        vip = [service['vip'], f"[{service['vip']}]"] if service['vip'] is not None else []
        for port in service['ports']:
            wanted = {f"{service['protocol'].lower()} {address}:{port}" for address in [*ANY_ADDRESS, *vip]}
            if int(port) > 0 and not wanted & sockets:
                closed.append(f"{service['name']} ({service['protocol']} {port})")
    return closed


def ip_version(address):
    """4 or 6, None when address is not an IP address."""
    parsed = ip(str(address))
    return parsed.version if parsed is not None else None


def routes_via(route_output, gateway):
    """Whether a route of `ip route show default` goes via gateway (any spelling of the address)."""
    words = (route_output or '').split()
    return any(word == 'via' and norm_address(following) == norm_address(str(gateway))
               for word, following in zip(words, words[1:]))
