# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lvs_director role's VRRP tracking of its virtual services (plugin_utils.tracking)."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.tracking import vrrp_service_tracking


class FilterModule:
    """lvs.cluster tracking filter."""

    def filters(self):
        return {'vrrp_service_tracking': vrrp_service_tracking}
