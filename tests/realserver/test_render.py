"""The files the role writes, compared with golden files: the VIP list, sysctl and modules-load files as the
module lvs.cluster.realserver would write them (the role in check mode, inside a throwaway network namespace
that has the interfaces the scenarios name), and the unit from the role's template.

UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
"""

import os
import shutil
import subprocess

import pytest

from conftest import HERE, install_helper, inventory, ns_ip

GOLDEN = HERE / 'golden'
FILES = ('vips', '90-lvs-realserver.conf', 'modules-load.conf', 'lvs-realserver.service')
HOSTS = {'rs1': {'ansible_host': '192.0.2.21'}, 'rs2': {'ansible_host': '192.0.2.22'}}

SCENARIOS = {
    # Two DR services on one VIP (one VIP on lo), one served only by rs2, one NAT service (no VIP).
    'dr': (HOSTS, 'rs1', {'lvs_director_virtual_services': [
        {'name': 'web', 'vip': '192.0.2.100', 'port': 80, 'lb_kind': 'DR'},
        {'name': 'tls', 'vip': '192.0.2.100', 'port': 443, 'lb_kind': 'DR'},
        {'name': 'rs2-only', 'vip': '192.0.2.103', 'port': 80, 'real_servers': ['rs2']},
        {'name': 'smtp', 'vip': '192.0.2.102', 'port': 25, 'lb_kind': 'NAT'}],
        'lvs_realserver_arp_interfaces': ['eth0', 'eth0.100']}),
    # TUN: VIP on tunl0, rp_filter relaxed; rs1 named by its address, not its inventory name.
    'tun': (HOSTS, 'rs1', {'lvs_director_virtual_services': [
        {'name': 'web', 'vip': '192.0.2.101', 'port': 80, 'lb_kind': 'TUN',
         'real_servers': [{'address': '192.0.2.21'}]}]}),
    # Mixed families and kinds; the IPv6 VIP is written as users do, normalised by the helper.
    'mixed': (HOSTS, 'rs1', {'lvs_director_virtual_services': [
        {'name': 'web4', 'vip': '192.0.2.100', 'port': 80},
        {'name': 'web6', 'vip': '2001:DB8:0:0::100', 'port': 80},
        {'name': 'tun4', 'vip': '192.0.2.101', 'port': 80, 'lb_kind': 'TUN'}]}),
    # Explicit lists win over the derived VIPs (192.0.2.100 is not taken).
    'explicit': (HOSTS, 'rs1', {'lvs_director_virtual_services': [
        {'name': 'web', 'vip': '192.0.2.100', 'port': 80},
        {'name': 'marked', 'fwmark': 10}],
        'lvs_realserver_vips': ['192.0.2.110', '2001:db8::110', '192.0.2.110'],
        'lvs_realserver_tun_vips': ['192.0.2.111']}),
    # No services: an empty VIP list, the ARP sysctls only.
    'empty': (HOSTS, 'rs1', {}),
}


@pytest.mark.parametrize('scenario', sorted(SCENARIOS))
def test_render_matches_golden(scenario, playbook, netns, tmp_path):
    hosts, target, group_vars = SCENARIOS[scenario]
    ns_ip(netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0.100')
    out = tmp_path / 'out'
    out.mkdir()
    result = playbook('render.yml', inventory(hosts), target, group_vars, '--check', '--diff',
                      '--tags', 'lvs_realserver_vips', '-e', f'out_dir={out}', netns=netns)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'inet' not in ns_ip(netns, '-o', 'address', 'show', 'dev', 'lo'), 'check mode added a VIP'
    for name in FILES:
        golden = GOLDEN / scenario / name
        if os.environ.get('UPDATE_GOLDEN'):
            golden.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(out / name, golden)
        assert (out / name).read_text() == golden.read_text(), f'{scenario}/{name} differs from the golden file'


def _verify_unit(unit_text, root, with_helper=True):
    """systemd-analyze verify in a private root that holds the unit and (normally) the helper it runs."""
    unit = root / 'etc/systemd/system/lvs-realserver.service'
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(unit_text)
    if with_helper:
        install_helper(root / 'usr/local/sbin/lvs-realserver')
    return subprocess.run(['systemd-analyze', 'verify', f'--root={root}', '/etc/systemd/system/lvs-realserver.service'],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(shutil.which('systemd-analyze') is None, reason='systemd-analyze not installed')
def test_systemd_analyze_accepts_the_unit(tmp_path):
    unit_text = (GOLDEN / 'dr' / 'lvs-realserver.service').read_text()
    result = _verify_unit(unit_text, tmp_path / 'good')
    assert result.returncode == 0, result.stderr
    assert result.stderr == '', result.stderr
    # The check can fail: without the helper it runs, the unit is refused.
    broken = _verify_unit(unit_text, tmp_path / 'bad', with_helper=False)
    assert broken.returncode != 0 and 'lvs-realserver is not executable' in broken.stderr
