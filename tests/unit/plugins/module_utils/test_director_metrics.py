"""module_utils/director_metrics.py: the metrics text of real captured ipvsadm and ip output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import director_metrics, ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.director_metrics import (
    exposition, keepalived_running, local_addresses, service_label)

FIXTURES = Path(__file__).resolve().parents[2] / 'fixtures'
INFO = ipvsadm.build_info((FIXTURES / 'ipvsadm' / 'list.stdout').read_text(),
                          stats_text=(FIXTURES / 'ipvsadm' / 'stats_exact.stdout').read_text())
ADDRESSES = local_addresses((FIXTURES / 'ip' / 'director_address.json').read_text())
CONFIG = {'services': {'tcp/192.0.2.200:80': ['192.0.2.66:8080', '192.0.2.67:8080', '192.0.2.68:8080',
                                              '192.0.2.69:8080'],
                       'udp/[2001:db8::201]:53': ['[2001:db8:1::70]:53'],
                       'tcp/192.0.2.99:80': ['192.0.2.21:80']},
          'instances': {'VI_WEB': ['192.0.2.100'], 'VI_OTHER': ['192.0.2.100', '192.0.2.101']}}
SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def samples(text):
    """{(name, labels): value} of a metrics text; every line is a HELP, a TYPE or a sample."""
    found = {}
    for line in text.splitlines():
        if line.startswith('# HELP ') or line.startswith('# TYPE '):
            continue
        name, labels, value = SAMPLE.match(line).groups()
        found[(name, labels or '')] = float(value)
    return found


@pytest.fixture(scope='module')
def metrics():
    return samples(exposition(CONFIG, INFO, ADDRESSES, True))


def test_the_addresses_include_the_vip_the_director_holds():
    assert {'192.0.2.11', '192.0.2.100', '2001:db8::11', '127.0.0.1'} <= ADDRESSES


@pytest.mark.parametrize('args, label', [
    (('tcp', '192.0.2.200', 80), 'tcp/192.0.2.200:80'),
    (('udp', '2001:db8:0::201', 53), 'udp/[2001:db8::201]:53'),
    (('fwm', None, None, 1), 'fwm/1'),
    (('fwm', None, None, 2, 'ipv6'), 'fwm6/2'),
])
def test_service_labels(args, label):
    assert service_label(*args) == label


def test_counters_per_service_and_real_server_are_those_of_ipvsadm(metrics):
    service = 'service="tcp/192.0.2.200:80"'
    assert metrics[('lvs_service_connections_total', service)] == 31
    assert metrics[('lvs_service_bytes_in_total', service)] == 1501287976
    assert metrics[('lvs_service_packets_out_total', service)] == 2763
    server = f'{service},real_server="192.0.2.67:8080"'
    assert metrics[('lvs_real_server_connections_total', server)] == 16
    assert metrics[('lvs_real_server_bytes_in_total', server)] == 750644304
    assert metrics[('lvs_real_server_active_connections', server)] == 1
    assert metrics[('lvs_real_server_inactive_connections', server)] == 15
    assert metrics[('lvs_real_server_weight', server)] == 1
    every_service = {labels for name, labels in metrics if name == 'lvs_service_connections_total'}
    assert len(every_service) == len(INFO['services'])
    assert {'service="fwm/1"', 'service="fwm6/2"', 'service="sctp/[2001:db8::202]:5060"'} <= every_service


def test_a_configured_real_server_is_up_while_in_the_table_with_a_weight(metrics):
    """192.0.2.68 has weight 0 (drained or inhibited), 192.0.2.69 is not in the table (keepalived removed it)."""
    service = 'service="tcp/192.0.2.200:80"'
    assert {labels.split('real_server=')[1]: value for (name, labels), value in metrics.items()
            if name == 'lvs_real_server_up' and labels.startswith(service)} == {
        '"192.0.2.66:8080"': 1, '"192.0.2.67:8080"': 1, '"192.0.2.68:8080"': 0, '"192.0.2.69:8080"': 0}
    assert metrics[('lvs_service_real_servers_up', service)] == 2
    assert metrics[('lvs_service_real_servers', service)] == 4
    assert metrics[('lvs_service_real_servers_up', 'service="udp/[2001:db8::201]:53"')] == 1
    assert metrics[('lvs_service_real_servers_up', 'service="tcp/192.0.2.99:80"')] == 0


def test_a_director_is_master_of_an_instance_while_it_holds_every_vip(metrics):
    assert metrics[('lvs_vrrp_master', 'vrrp_instance="VI_WEB"')] == 1
    assert metrics[('lvs_vrrp_master', 'vrrp_instance="VI_OTHER"')] == 0


def test_without_a_table_the_director_says_so_and_no_real_server_is_up():
    found = samples(exposition(CONFIG, None, set(), False))
    assert found[('lvs_ipvs_up', '')] == 0 and found[('lvs_keepalived_up', '')] == 0
    assert {value for (name, _labels), value in found.items() if name == 'lvs_real_server_up'} == {0}
    assert found[('lvs_vrrp_master', 'vrrp_instance="VI_WEB"')] == 0
    assert not [name for name, _labels in found if name.endswith('_total')]


def test_each_family_has_one_help_and_one_type_line():
    text = exposition(CONFIG, INFO, ADDRESSES, True)
    names = [line.split()[2] for line in text.splitlines() if line.startswith('# TYPE ')]
    assert len(names) == len(set(names))
    assert names == [line.split()[2] for line in text.splitlines() if line.startswith('# HELP ')]


def test_keepalived_runs_while_its_pid_file_names_a_live_process(tmp_path):
    pid_file = tmp_path / 'keepalived.pid'
    assert not keepalived_running(str(pid_file))
    pid_file.write_text('1\n')
    assert keepalived_running(str(pid_file))
    pid_file.write_text('999999999\n')
    assert not keepalived_running(str(pid_file))


def test_the_program_refuses_other_arguments(capsys):
    assert director_metrics.main(['serve', 'x']) == 2
    assert 'usage: director_metrics.py serve CONFIG ADDRESS PORT' in capsys.readouterr().err
