# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a director's metrics service (module_utils/director_metrics.py) compares the live state with: each
service's real servers and each VRRP instance's VIPs, named as the metrics name them."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.module_utils.director_metrics import endpoint, service_label
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import ip


def _label(service):
    """The metrics' name of a resolved service; a fwmark service has the family of its real servers, as in
    keepalived."""
    if service['fwmark'] is not None:
        six = any(ip(rs['address']) and ip(rs['address']).version == 6 for rs in service['real_servers'])
        return service_label('fwm', fwmark=service['fwmark'], family='ipv6' if six else 'ipv4')
    return service_label(service['protocol'].lower(), service['vip'], service['port'])


def metrics_config(services, instances):
    """{'services': {label: [real server address:port]}, 'instances': {name: [VIPs]}} of the resolved services and
    VRRP instances."""
    return {
        'services': {_label(service): [endpoint(rs['address'], rs['port']) for rs in service['real_servers']]
                     for service in services or []},
        'instances': {instance['name']: [str(ip(vip)) for vip in instance['vips']] for instance in instances or []},
    }
