# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters shared by the lvs_director and lvs_realserver roles and the playbooks.

The cluster model lives in plugins/plugin_utils: model (variables, types, defaults), resolve
(resolution), checks (check_cluster, check_realserver), kernel and keepalived (what a director
needs), serving (what a real server holds), live (IPVS table diff and weight edits) and reports.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.plugin_utils.checks import check_cluster, check_realserver
from ansible_collections.lvs.cluster.plugins.plugin_utils.ecmp import ecmp_announcements, resolve_bgp
from ansible_collections.lvs.cluster.plugins.plugin_utils.keepalived import (
    keepalived_script_user, keepalived_version, root_script_directors)
from ansible_collections.lvs.cluster.plugins.plugin_utils.kernel import kernel_needs
from ansible_collections.lvs.cluster.plugins.plugin_utils.live import (
    ipvs_diff, ipvs_real_server, ipvs_weight_edits)
from ansible_collections.lvs.cluster.plugins.plugin_utils.metrics import metrics_config
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import REALSERVER_GROUP
from ansible_collections.lvs.cluster.plugins.plugin_utils.reports import ipvs_report, vip_holders
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import (
    resolve_services, resolve_vrrp_instances, resolve_vrrp_scripts)
from ansible_collections.lvs.cluster.plugins.plugin_utils.serving import (
    closed_ports, ip_version, realserver_plan, routes_via)
from ansible_collections.lvs.cluster.plugins.plugin_utils.tracking import vrrp_service_tracking


def _resolve_services(services, hostvars, groups, realserver_group=None):
    if services is not None and not isinstance(services, (list, tuple)):
        raise AnsibleFilterError('resolve_services: lvs_director_virtual_services must be a list; '
                                 'check it with lvs.cluster.check_cluster')
    return resolve_services(services, hostvars, groups, realserver_group or REALSERVER_GROUP)


class FilterModule:
    """lvs.cluster filters."""

    def filters(self):
        return {
            'resolve_services': _resolve_services,
            'resolve_vrrp_instances': resolve_vrrp_instances,
            'resolve_vrrp_scripts': resolve_vrrp_scripts,
            'vrrp_service_tracking': vrrp_service_tracking,
            'check_cluster': check_cluster,
            'check_realserver': check_realserver,
            'kernel_needs': kernel_needs,
            'ecmp_announcements': ecmp_announcements,
            'resolve_bgp': resolve_bgp,
            'metrics_config': metrics_config,
            'keepalived_version': keepalived_version,
            'keepalived_script_user': keepalived_script_user,
            'root_script_directors': root_script_directors,
            'realserver_plan': realserver_plan,
            'closed_ports': closed_ports,
            'ip_version': ip_version,
            'routes_via': routes_via,
            'ipvs_diff': ipvs_diff,
            'vip_holders': vip_holders,
            'ipvs_weight_edits': ipvs_weight_edits,
            'ipvs_real_server': ipvs_real_server,
            'ipvs_report': ipvs_report,
        }
