"""plugin_utils/reports.py: the readable IPVS table (ipvs_report) and the VIP holders (vip_holders)."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.plugin_utils.reports import ipvs_report, vip_holders
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import instances


def test_report_lists_services_and_real_servers_in_aligned_columns(table):
    report = ipvs_report(table)
    assert report[0].split()[:3] == ['SERVICE', '/', 'REAL']
    assert 'TCP 192.0.2.200:80' in report[report.index(next(r for r in report if r.startswith('TCP 192.0.2.200:80')))]
    row = next(r for r in report if r.startswith('  -> 192.0.2.67:8080'))
    assert row.split()[2:6] == ['masq', '1', '1', '15']


def test_report_for_one_real_server_keeps_only_its_services(table):
    report = ipvs_report(table, '192.0.2.66')
    assert [r.split()[:2] for r in report[1:]] == [
        ['TCP', '192.0.2.200:80'], ['->', '192.0.2.66:8080'], ['UDP', '192.0.2.200:53'], ['->', '192.0.2.66:5353']]


def test_the_report_of_a_dual_stack_host_shows_both_of_its_addresses(table):
    report = ipvs_report(table, ['192.0.2.66', '2001:db8:1::66'])
    assert [r.split()[1] for r in report if r.startswith('  ->')] == [
        '192.0.2.66:8080', '192.0.2.66:5353', '[2001:db8:1::66]:8080']


def test_vip_holders_counts_directors():
    lb1 = [{'ifname': 'eth0', 'addr_info': [{'family': 'inet', 'local': '192.0.2.2'},
                                            {'family': 'inet', 'local': '192.0.2.100'}]}]
    lb2 = '[{"ifname": "eth0", "addr_info": [{"family": "inet6", "local": "2001:db8:0::100"}]}]'
    holders = vip_holders(instances() + [{'vips': ['2001:db8::100']}], {'lb1': lb1, 'lb2': lb2})
    assert holders == {'192.0.2.100': ['lb1'], '192.0.2.101': [], '2001:db8::100': ['lb2']}
