"""ipvs_weight_edits, ipvs_real_server and ipvs_report over a real captured `ipvsadm -Ln` table (UML 6.1 kernel)."""
from __future__ import annotations

from pathlib import Path

from ansible_collections.lvs.cluster.plugins.plugin_utils.live import ipvs_real_server, ipvs_weight_edits
from ansible_collections.lvs.cluster.plugins.plugin_utils.reports import ipvs_report
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import parse_list

CAPTURES = Path(__file__).resolve().parents[1] / 'unit' / 'fixtures' / 'ipvsadm'
TABLE = parse_list((CAPTURES / 'list.stdout').read_text())
# The captured table's NAT service: 192.0.2.66-68:8080, weights 1, 1, 0.
NAT_SERVICE = {'name': 'nat', 'vip': '192.0.2.200', 'port': 80, 'lb_kind': 'NAT', 'real_servers': [
    {'address': '192.0.2.66', 'port': 8080, 'weight': 3},
    {'address': '192.0.2.68', 'port': 8080, 'weight': 4},
]}
SERVICES = resolve_services([NAT_SERVICE], {}, {})


def test_drain_sets_weight_zero_in_every_service_with_its_forwarding_method():
    # 192.0.2.66 serves two captured services: TCP 192.0.2.200:80 and UDP 192.0.2.200:53.
    assert ipvs_weight_edits(TABLE, SERVICES, '192.0.2.66', True) == [
        {'service': 'TCP 192.0.2.200:80', 'service_args': ['-t', '192.0.2.200:80'],
         'server': '192.0.2.66:8080', 'method': '-m', 'weight_from': 1, 'weight_to': 0},
        {'service': 'UDP 192.0.2.200:53', 'service_args': ['-u', '192.0.2.200:53'],
         'server': '192.0.2.66:5353', 'method': '-m', 'weight_from': 1, 'weight_to': 0},
    ]


def test_drain_of_an_already_drained_server_changes_nothing():
    assert ipvs_weight_edits(TABLE, SERVICES, '192.0.2.68', True) == []


def test_undrain_restores_the_configured_weight():
    edits = ipvs_weight_edits(TABLE, SERVICES, '192.0.2.68', False)
    assert [(e['server'], e['weight_from'], e['weight_to']) for e in edits] == [('192.0.2.68:8080', 0, 4)]


def test_undrain_of_an_unconfigured_server_falls_back_to_weight_1():
    assert ipvs_weight_edits(TABLE, SERVICES, '192.0.2.82', False) == []
    edits = ipvs_weight_edits(TABLE, [], '192.0.2.68', False)
    assert [e['weight_to'] for e in edits] == [1]


def test_fwmark_and_ipv6_services_are_named_as_ipvsadm_wants():
    fwmark = ipvs_weight_edits(TABLE, [], '192.0.2.82', True)
    assert fwmark[0]['service_args'] == ['-f', '2882430849']
    assert fwmark[0]['method'] == '-g'
    assert ipvs_weight_edits(TABLE, [], '2001:db8:1::66', True) == [{
        'service': 'TCP [2001:db8::200]:80', 'service_args': ['-t', '[2001:db8::200]:80'],
        'server': '[2001:db8:1::66]:8080', 'method': '-m', 'weight_from': 1, 'weight_to': 0}]


def test_unknown_address_changes_nothing():
    assert ipvs_weight_edits(TABLE, SERVICES, '192.0.2.250', True) == []


def test_report_lists_services_and_real_servers_in_aligned_columns():
    report = ipvs_report(TABLE)
    assert report[0].split()[:3] == ['SERVICE', '/', 'REAL']
    assert 'TCP 192.0.2.200:80' in report[report.index(next(r for r in report if r.startswith('TCP 192.0.2.200:80')))]
    row = next(r for r in report if r.startswith('  -> 192.0.2.67:8080'))
    assert row.split()[2:6] == ['masq', '1', '1', '15']


def test_report_for_one_real_server_keeps_only_its_services():
    report = ipvs_report(TABLE, '192.0.2.66')
    assert [r.split()[:2] for r in report[1:]] == [
        ['TCP', '192.0.2.200:80'], ['->', '192.0.2.66:8080'], ['UDP', '192.0.2.200:53'], ['->', '192.0.2.66:5353']]


def test_real_server_rows_name_their_service_and_keep_the_counters():
    rows = ipvs_real_server(TABLE, '192.0.2.67')
    assert [(r['service'], r['port'], r['weight'], r['active_connections']) for r in rows] == [
        ('TCP 192.0.2.200:80', 8080, 1, 1), ('UDP 192.0.2.200:53', 5353, 2, 0)]


def test_real_server_rows_match_any_spelling_of_an_ipv6_address():
    rows = ipvs_real_server(TABLE, '2001:DB8:1:0::66')
    assert [r['address'] for r in rows] == ['2001:db8:1::66']


def test_real_server_not_in_the_table_has_no_rows():
    assert ipvs_real_server(TABLE, '192.0.2.250') == []
    assert ipvs_real_server({}, '192.0.2.67') == []


def test_a_dual_stack_host_drains_by_both_of_its_addresses():
    edits = ipvs_weight_edits(TABLE, [], ['192.0.2.66', '2001:db8:1::66'], True)
    assert [e['server'] for e in edits] == ['192.0.2.66:8080', '192.0.2.66:5353', '[2001:db8:1::66]:8080']
    rows = ipvs_real_server(TABLE, ['192.0.2.67', '2001:db8:1::66'])
    assert [r['address'] for r in rows] == ['192.0.2.67', '192.0.2.67', '2001:db8:1::66']
    report = ipvs_report(TABLE, ['192.0.2.66', '2001:db8:1::66'])
    assert [r.split()[1] for r in report if r.startswith('  ->')] == [
        '192.0.2.66:8080', '192.0.2.66:5353', '[2001:db8:1::66]:8080']
