# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a director of lvs_director_mode ecmp announces: each service VIP, by a BIRD protocol of its own that the
service state reader (module_utils/director_state.py) enables while every service on the VIP has its quorum."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.model import SPEC
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import merge
from ansible_collections.lvs.cluster.plugins.plugin_utils.tracking import service_vips, state_file


def protocol_name(address):
    """The BIRD protocol that announces a VIP (an ipaddress object): lvs_vip_198_51_100_10."""
    return 'lvs_vip_' + str(address).replace('.', '_')


def ecmp_announcements(services):
    """[{'protocol', 'vip', 'files'}] of the resolved services, one per VIP in the order of first use; files are
    the state files of the services on the VIP."""
    found = {}
    for service in services or []:
        for address in sorted(service_vips(service) - {None}, key=str):
            entry = found.setdefault(address, {'protocol': protocol_name(address), 'vip': str(address), 'files': []})
            entry['files'].append(state_file(service))
    return list(found.values())


def resolve_bgp(bgp):
    """lvs_director_bgp with every default filled in."""
    return merge(SPEC['lvs_director_bgp']['default'], bgp)
