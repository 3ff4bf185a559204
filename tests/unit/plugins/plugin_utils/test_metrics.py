"""plugin_utils/metrics.py: what a director's metrics service expects, named as the metrics name it."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.metrics import metrics_config
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services, resolve_vrrp_instances
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import GROUPS, HOSTVARS


def test_services_and_instances_are_named_as_the_metrics_name_them():
    services = resolve_services([
        {'vip': '192.0.2.100', 'port': 80},
        {'vip': '2001:db8::100', 'port': 53, 'protocol': 'UDP', 'real_servers': ['2001:db8::21']},
        {'fwmark': 7, 'real_servers': ['2001:db8::22']},
        {'fwmark': 8, 'real_servers': ['rs1']},
    ], HOSTVARS, GROUPS)
    instances = resolve_vrrp_instances([{'name': 'VI_WEB', 'virtual_router_id': 51, 'vips': ['2001:db8:0::100']}],
                                       HOSTVARS, GROUPS, 'lb1')
    assert metrics_config(services, instances) == {
        'services': {'tcp/192.0.2.100:80': ['192.0.2.21:80', '192.0.2.22:80'],
                     'udp/[2001:db8::100]:53': ['[2001:db8::21]:53'],
                     'fwm6/7': ['[2001:db8::22]:0'], 'fwm/8': ['192.0.2.21:0']},
        'instances': {'VI_WEB': ['2001:db8::100']}}
