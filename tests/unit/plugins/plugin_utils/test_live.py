"""plugin_utils/live.py: the IPVS table against the configuration (ipvs_diff), and the weight edits and rows of one
real server (drain, undrain, operations) in a real captured table."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.live import ipvs_diff, ipvs_real_server, ipvs_weight_edits
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import resolve_services
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import GROUPS, HOSTVARS, services


# ----------------------------------------------------------------------- ipvs_diff

def resolved(*extra, **changes):
    return resolve_services(services(*extra, **changes), HOSTVARS, GROUPS)


def table_entry(address='192.0.2.100', port=80, protocol='tcp', real_servers=None, **changes):
    entry = {'protocol': protocol, 'address': address, 'port': port, 'fwmark': None, 'family': 'ipv4',
             'scheduler': 'wlc', 'scheduler_flags': [], 'persistent': False, 'persistence_timeout': None,
             'persistence_mask': None, 'persistence_engine': None, 'one_packet': False,
             'real_servers': real_servers if real_servers is not None else [
                 kernel_rs('192.0.2.21'), kernel_rs('192.0.2.22')]}
    entry.update(changes)
    return entry


def kernel_rs(address, port=80, forward='route', weight=1):
    return {'address': address, 'port': port, 'forward': forward, 'weight': weight,
            'active_connections': 0, 'inactive_connections': 0}


def test_diff_matching_table():
    diff = ipvs_diff(resolved(), {'services': [table_entry()]})
    assert diff == {'ok': True, 'errors': [], 'down': [], 'report': 'IPVS table matches the configuration'}


def test_diff_missing_service():
    diff = ipvs_diff(resolved(), {'services': []})
    assert not diff['ok'] and diff['errors'] == ['service web: not in the IPVS table']
    assert "- web: expected ('tcp', '192.0.2.100', 80), actual: missing" in diff['report']


@pytest.mark.parametrize('changes, attribute', [
    ({'scheduler': 'rr'}, 'scheduler'),
    ({'persistent': True, 'persistence_timeout': 300}, 'persistent'),
    ({'scheduler_flags': ['flag-1']}, 'scheduler_flags'),
])
def test_diff_service_attributes(changes, attribute):
    diff = ipvs_diff(resolved(), {'services': [table_entry(**changes)]})
    assert not diff['ok'] and diff['errors'][0].startswith(f'service web: {attribute} is')
    assert f'~ web: {attribute}: expected' in diff['report']


def test_diff_persistence_timeout_and_mask():
    expected = resolved(persistence_timeout=300, persistence_granularity='255.255.255.0')
    good = table_entry(persistent=True, persistence_timeout=300, persistence_mask='255.255.255.0')
    assert ipvs_diff(expected, {'services': [good]})['ok']
    bad = dict(good, persistence_timeout=360, persistence_mask=None)
    assert ipvs_diff(expected, {'services': [bad]})['errors'] == [
        'service web: persistence_timeout is 360, expected 300',
        "service web: persistence_mask is '255.255.255.255', expected '255.255.255.0'"]


def test_diff_weight_and_forward():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21', weight=3), kernel_rs('192.0.2.22', forward='masq')])
    diff = ipvs_diff(resolved(), {'services': [table]})
    assert diff['errors'] == ['service web: real server 192.0.2.21:80 weight is 3, expected 1',
                              "service web: real server 192.0.2.22:80 forward is 'masq', expected 'route'"]
    assert "~ web: real server 192.0.2.21:80: weight: expected 1, actual 3" in diff['report']


def test_diff_down_real_server_is_reported_not_failed():
    diff = ipvs_diff(resolved(), {'services': [table_entry(real_servers=[kernel_rs('192.0.2.21')])]})
    assert diff['ok'] and diff['down'] == ['service web: real server 192.0.2.22:80 is down (health check failing)']


def test_diff_all_real_servers_down_fails():
    diff = ipvs_diff(resolved(), {'services': [table_entry(real_servers=[])]})
    assert not diff['ok'] and diff['errors'] == ['service web: none of its 2 real servers is up']
    assert len(diff['down']) == 2


def test_diff_inhibited_real_server_counts_as_down():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21'), kernel_rs('192.0.2.22', weight=0)])
    diff = ipvs_diff(resolved(inhibit_on_failure=True), {'services': [table]})
    assert diff['ok'] and len(diff['down']) == 1


def test_diff_real_server_without_check_must_be_present():
    diff = ipvs_diff(resolved(health_check={'type': 'none'}),
                     {'services': [table_entry(real_servers=[kernel_rs('192.0.2.21')])]})
    assert diff['errors'] == ['service web: real server 192.0.2.22:80 (no health check) is not in the table']


def test_diff_unexpected_real_server():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21'), kernel_rs('192.0.2.22'), kernel_rs('192.0.2.99')])
    diff = ipvs_diff(resolved(), {'services': [table]})
    assert diff['errors'] == ['service web: unexpected real server 192.0.2.99:80 in the table']


def test_diff_sorry_server_is_not_unexpected():
    table = table_entry(real_servers=[kernel_rs('192.0.2.21'), kernel_rs('192.0.2.50')])
    assert ipvs_diff(resolved(sorry_server={'address': '192.0.2.50'}), {'services': [table]})['ok']


def test_diff_fwmark_and_ipv6():
    expected = resolve_services([
        {'name': 'mark', 'fwmark': 7, 'real_servers': [{'address': '192.0.2.21', 'port': 80}], 'lb_algo': 'rr'},
        {'name': 'v6', 'vip': '2001:db8::100', 'port': 443, 'real_servers': [{'address': '2001:db8::21'}]},
    ], HOSTVARS, GROUPS)
    table = [
        table_entry(address=None, port=0, protocol='fwm', fwmark=7, scheduler='rr',
                    real_servers=[kernel_rs('192.0.2.21', port=80)]),
        table_entry(address='2001:0db8:0000::0100', port=443, family='ipv6',
                    real_servers=[kernel_rs('2001:db8:0::21', port=443)]),
    ]
    assert ipvs_diff(expected, {'services': table})['ok']


def test_diff_against_the_real_ipvsadm_parser():
    """ipvsadm -Ln text (format of ipvsadm 1.31) through lvs.cluster's parser, then ipvs_diff."""
    from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import build_info

    expected = resolve_services([
        {'name': 'web', 'vip': '192.0.2.100', 'port': 80, 'lb_algo': 'sh', 'scheduler_flags': ['sh-port'],
         'persistence_timeout': 300, 'persistence_granularity': '255.255.255.0'},
        {'name': 'dns', 'vip': '192.0.2.101', 'port': 53, 'protocol': 'UDP', 'lb_algo': 'rr', 'ops': True,
         'lb_kind': 'NAT', 'real_servers': [{'address': '192.0.2.21', 'port': 5353, 'weight': 2}]},
        {'name': 'mark', 'fwmark': 7, 'lb_algo': 'lc', 'real_servers': [{'address': '2001:db8::21'}]},
    ], HOSTVARS, GROUPS)
    text = (
        'IP Virtual Server version 1.2.1 (size=4096)\n'
        'Prot LocalAddress:Port Scheduler Flags\n'
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'
        'TCP  192.0.2.100:80 sh (sh-port) persistent 300 mask 255.255.255.0\n'
        '  -> 192.0.2.21:80                Route   1      0          0         \n'
        '  -> 192.0.2.22:80                Route   1      0          0         \n'
        'UDP  192.0.2.101:53 rr ops\n'
        '  -> 192.0.2.21:5353              Masq    2      0          0         \n'
        'FWM  7 IPv6 lc\n'
        '  -> [2001:db8::21]:0             Route   1      0          0         \n'
    )
    diff = ipvs_diff(expected, build_info(text))
    assert diff['errors'] == [] and diff['down'] == [], diff['report']
    broken = text.replace('sh (sh-port) persistent 300 mask 255.255.255.0', 'sh persistent 300').replace(
        'Masq    2', 'Route   2')
    assert ipvs_diff(expected, build_info(broken))['errors'] == [
        "service web: scheduler_flags is [], expected ['sh-port']",
        "service web: persistence_mask is '255.255.255.255', expected '255.255.255.0'",
        "service dns: real server 192.0.2.21:5353 forward is 'route', expected 'masq'",
    ]


# ------------------------------------------------ weight edits and rows, in the captured table

# The captured table's NAT service: 192.0.2.66-68:8080, weights 1, 1, 0.
NAT_SERVICE = {'name': 'nat', 'vip': '192.0.2.200', 'port': 80, 'lb_kind': 'NAT', 'real_servers': [
    {'address': '192.0.2.66', 'port': 8080, 'weight': 3},
    {'address': '192.0.2.68', 'port': 8080, 'weight': 4},
]}
SERVICES = resolve_services([NAT_SERVICE], {}, {})


def test_drain_sets_weight_zero_in_every_service_with_its_forwarding_method(table):
    # 192.0.2.66 serves two captured services: TCP 192.0.2.200:80 and UDP 192.0.2.200:53.
    assert ipvs_weight_edits(table, SERVICES, '192.0.2.66', True) == [
        {'service': 'TCP 192.0.2.200:80', 'service_args': ['-t', '192.0.2.200:80'],
         'server': '192.0.2.66:8080', 'method': '-m', 'weight_from': 1, 'weight_to': 0},
        {'service': 'UDP 192.0.2.200:53', 'service_args': ['-u', '192.0.2.200:53'],
         'server': '192.0.2.66:5353', 'method': '-m', 'weight_from': 1, 'weight_to': 0},
    ]


def test_drain_of_an_already_drained_server_changes_nothing(table):
    assert ipvs_weight_edits(table, SERVICES, '192.0.2.68', True) == []


def test_undrain_restores_the_configured_weight(table):
    edits = ipvs_weight_edits(table, SERVICES, '192.0.2.68', False)
    assert [(e['server'], e['weight_from'], e['weight_to']) for e in edits] == [('192.0.2.68:8080', 0, 4)]


def test_undrain_of_an_unconfigured_server_falls_back_to_weight_1(table):
    assert ipvs_weight_edits(table, SERVICES, '192.0.2.82', False) == []
    edits = ipvs_weight_edits(table, [], '192.0.2.68', False)
    assert [e['weight_to'] for e in edits] == [1]


def test_fwmark_and_ipv6_services_are_named_as_ipvsadm_wants(table):
    fwmark = ipvs_weight_edits(table, [], '192.0.2.82', True)
    assert fwmark[0]['service_args'] == ['-f', '2882430849']
    assert fwmark[0]['method'] == '-g'
    assert ipvs_weight_edits(table, [], '2001:db8:1::66', True) == [{
        'service': 'TCP [2001:db8::200]:80', 'service_args': ['-t', '[2001:db8::200]:80'],
        'server': '[2001:db8:1::66]:8080', 'method': '-m', 'weight_from': 1, 'weight_to': 0}]


def test_unknown_address_changes_nothing(table):
    assert ipvs_weight_edits(table, SERVICES, '192.0.2.250', True) == []


def test_real_server_rows_name_their_service_and_keep_the_counters(table):
    rows = ipvs_real_server(table, '192.0.2.67')
    assert [(r['service'], r['port'], r['weight'], r['active_connections']) for r in rows] == [
        ('TCP 192.0.2.200:80', 8080, 1, 1), ('UDP 192.0.2.200:53', 5353, 2, 0)]


def test_real_server_rows_match_any_spelling_of_an_ipv6_address(table):
    rows = ipvs_real_server(table, '2001:DB8:1:0::66')
    assert [r['address'] for r in rows] == ['2001:db8:1::66']


def test_real_server_not_in_the_table_has_no_rows(table):
    assert ipvs_real_server(table, '192.0.2.250') == []
    assert ipvs_real_server({}, '192.0.2.67') == []


def test_a_dual_stack_host_drains_by_both_of_its_addresses(table):
    edits = ipvs_weight_edits(table, [], ['192.0.2.66', '2001:db8:1::66'], True)
    assert [e['server'] for e in edits] == ['192.0.2.66:8080', '192.0.2.66:5353', '[2001:db8:1::66]:8080']
    rows = ipvs_real_server(table, ['192.0.2.67', '2001:db8:1::66'])
    assert [r['address'] for r in rows] == ['192.0.2.67', '192.0.2.67', '2001:db8:1::66']
