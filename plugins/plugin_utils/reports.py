# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readable reports of the live state: the IPVS table and the VIP holders."""

from __future__ import annotations

import json

from ansible_collections.lvs.cluster.plugins.plugin_utils.live import describe, servers_at
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import endpoint, norm_address


def ipvs_report(actual_ipvs, address=None):
    """A readable table of lvs.cluster.ipvsadm_info's result (with stats when it has them).

    With address, only that real server's rows (and their services) are shown.
    """
    rows = [('SERVICE / REAL SERVER', 'SCHED/FWD', 'WEIGHT', 'ACTIVE', 'INACTIVE', 'CONNS', 'IN PKTS', 'OUT PKTS')]
    for actual in (actual_ipvs or {}).get('services') or []:
        servers = servers_at(actual, address)
        if address is not None and not servers:
            continue
        stats = actual.get('stats') or {}
        rows.append((describe(actual), actual.get('scheduler') or '', '', '', '',
                     str(stats.get('connections', '')), str(stats.get('packets_in', '')),
                     str(stats.get('packets_out', ''))))
        for rs in servers:
            rs_stats = rs.get('stats') or {}
            rows.append(('  -> ' + endpoint(rs.get('address'), rs.get('port')), rs.get('forward') or '',
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
                held.setdefault(norm_address(info.get('local')), []).append(host)
    vips = [norm_address(vip) for instance in vrrp_instances or [] for vip in instance.get('vips') or []]
    return {vip: sorted(set(held.get(vip, []))) for vip in vips}
