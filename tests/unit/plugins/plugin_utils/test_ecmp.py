"""plugin_utils/ecmp.py: what a director of lvs_director_mode ecmp announces."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.ecmp import ecmp_announcements, resolve_bgp
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import GROUPS, HOSTVARS


def test_one_announcement_per_vip_with_the_state_files_of_its_services():
    services = resolve_services([
        {'vip': '198.51.100.10', 'port': 80, 'lb_algo': 'mh'},
        {'vip': '198.51.100.10', 'port': 443, 'lb_algo': 'mh'},
        {'fwmark': 3, 'fwmark_vips': ['198.51.100.11', '198.51.100.10'], 'lb_algo': 'sh'},
    ], HOSTVARS, GROUPS)
    assert ecmp_announcements(services) == [
        {'protocol': 'lvs_vip_198_51_100_10', 'vip': '198.51.100.10',
         'files': ['vs_198.51.100.10_tcp_80', 'vs_198.51.100.10_tcp_443', 'vs_FWM_3']},
        {'protocol': 'lvs_vip_198_51_100_11', 'vip': '198.51.100.11', 'files': ['vs_FWM_3']}]


def test_the_bgp_facts_take_the_bfd_defaults():
    assert resolve_bgp({'asn': 64501, 'peers': [{'address': '192.0.2.1', 'asn': 64500}]}) == {
        'asn': 64501, 'peers': [{'address': '192.0.2.1', 'asn': 64500}], 'bfd_interval': 100, 'bfd_multiplier': 3}
