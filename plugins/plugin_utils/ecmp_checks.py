# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of lvs_director_mode ecmp: the BGP facts, and what the services of a cluster with every director
active may be. A mid-flow packet can reach any director there, so each service must send a flow to the same
real server on every director (mh or sh, each with the real servers in the same order), and replies must not
need the director (no NAT)."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.ecmp import resolve_bgp
from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import check_range, show
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import ip
from ansible_collections.lvs.cluster.plugins.plugin_utils.tracking import service_vips

ASN_RANGE = (1, 4294967294)
# Schedulers that pick a real server from the packet alone, the same on every director with the same table.
STATELESS_SCHEDULERS = ('mh', 'sh')


def _check_bgp(bgp, errors):
    bgp = resolve_bgp(bgp)
    if bgp['asn'] is None:
        errors.add('lvs_director_bgp.asn', 'lvs_director_mode ecmp needs the directors\' AS number; set it')
    check_range(bgp['asn'], 'lvs_director_bgp.asn', *ASN_RANGE, errors)
    if not bgp['peers']:
        errors.add('lvs_director_bgp.peers', 'lvs_director_mode ecmp needs at least one upstream router to announce '
                                             'the VIPs to; add it with its address and asn')
    for index, peer in enumerate(bgp['peers']):
        address = ip(peer.get('address'))
        if address is not None and address.version != 4:
            errors.add(f"lvs_director_bgp.peers[{index}].address",
                       f"{address} is not IPv4; the directors peer over IPv4: give the router's IPv4 address")
        check_range(peer.get('asn'), f"lvs_director_bgp.peers[{index}].asn", *ASN_RANGE, errors)
    check_range(bgp['bfd_interval'], 'lvs_director_bgp.bfd_interval', 10, 10000, errors, None, ' ms')
    check_range(bgp['bfd_multiplier'], 'lvs_director_bgp.bfd_multiplier', 1, 255, errors)


def _check_service(number, service, errors):
    path, about = f"lvs_director_virtual_services[{number}]", f"service {service['name']}"
    if service['lb_algo'] not in STATELESS_SCHEDULERS:
        errors.add(f"{path}.lb_algo", f"{show(service['lb_algo'])} may send a flow's later packets, which another "
                                      f"director can receive, to another real server; use mh or sh", about)
    if not service['inhibit_on_failure']:
        errors.add(f"{path}.inhibit_on_failure",
                   f"{service['lb_algo']} builds its table from the real servers in the order they joined, and "
                   "keepalived adds a recovered one last: directors would send the same flow to different real "
                   "servers. Set inhibit_on_failure: true (a failed real server keeps its place, at weight 0)", about)
    if service['lb_kind'] == 'NAT':
        errors.add(f"{path}.lb_kind", 'NAT needs the replies back through the director that forwarded the request, '
                                      'which ECMP does not keep; use DR or TUN', about)
    for address in sorted(service_vips(service) - {None}, key=str):
        if address.version != 4:
            errors.add(f"{path}.vip", f"{address}: lvs_director_mode ecmp announces IPv4 VIPs only", about)


def check_ecmp(mode, bgp, services, instances, errors):
    """In ecmp mode: the BGP facts, the services (resolved, [(index, service)]) and no service VIP in a VRRP
    instance (sound instances, [(index, instance)])."""
    if mode != 'ecmp':
        return
    if isinstance(bgp, dict):
        _check_bgp(bgp, errors)
    announced = {}
    for number, service in services:
        _check_service(number, service, errors)
        for address in service_vips(service) - {None}:
            announced.setdefault(str(address), f"lvs_director_virtual_services[{number}]")
    for number, instance in instances:
        for index, vip in enumerate(instance.get('vips') or []):
            if str(ip(vip)) in announced:
                errors.add(f"lvs_director_vrrp_instances[{number}].vips[{index}]",
                           f"{vip} is the VIP of {announced[str(ip(vip))]}, which lvs_director_mode ecmp "
                           f"announces by BGP from every director; remove it from the instance")
