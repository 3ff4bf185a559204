# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which virtual services each VRRP instance tracks, and what a service without its quorum costs.

A director whose health checks have not passed yet (it has just come back) must not take a VIP from one
that serves: each instance tracks the state file of every service on its VIPs (module_utils.director_state
writes them), and a service without its quorum lowers the director's priority by the instance's priority
spread plus one. That puts it below every director whose services serve, and keeps the order of
directors that all lack the same service (no VIP moves for a real-server pool that is down everywhere).
"""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.module_utils.director_state import keepalived_vs, state_name
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import ip


def state_file(service):
    """The state file name of a resolved service."""
    if service.get('fwmark') is not None:
        return state_name(keepalived_vs(fwmark=service['fwmark']))
    return state_name(keepalived_vs(service['vip'], service['port'], service['protocol']))


def service_vips(service):
    """The VIPs a resolved service answers on."""
    vips = [service['vip']] if service.get('fwmark') is None else service.get('fwmark_vips') or []
    return {ip(vip) for vip in vips}


def tracking_weight(priorities):
    """The priority a director loses per service without its quorum: the spread of the instance's
    priorities plus one."""
    return max(priorities) - min(priorities) + 1


def vrrp_service_tracking(instances, services):
    """{'files': [{'name', 'init'}], 'instances': {instance: {'weight', 'files'}}} for the template.

    A file starts at 1 (no quorum) for an alpha service, whose real servers start as failed, else at 0.
    """
    files = {}
    tracking = {}
    for instance in instances or []:
        vips = {ip(vip) for vip in instance['vips']}
        names = []
        for service in services or []:
            if service_vips(service) & vips:
                name = state_file(service)
                files[name] = 1 if service.get('alpha') else 0
                names.append(name)
        tracking[instance['name']] = {'weight': tracking_weight(instance['priorities']), 'files': names}
    return {'files': [{'name': name, 'init': init} for name, init in sorted(files.items())],
            'instances': tracking}
