"""The module lvs.cluster.realserver through ansible-playbook, against the real kernel state of a throwaway
network namespace (its lo addresses and net.ipv4.conf.* sysctls), with every file in a temporary directory.

Needs root and ip netns (conftest.netns); nothing outside the namespace and the directory is touched,
except that a TUN run in check mode only reads.
"""

import json
import re
import subprocess

import pytest

from conftest import ns_ip

SYSCTLS = [f'net.ipv4.conf.{interface}.{name}' for interface in ('all', 'lo', 'eth0')
           for name in ('arp_ignore', 'arp_announce', 'rp_filter')]
VIPS = [{'dev': 'lo', 'address': '192.0.2.100', 'source': 'vips[0]'},
        {'dev': 'lo', 'address': '2001:DB8::100', 'source': 'vips[1]'}]
OWN = [{'address': '192.0.2.21', 'source': 'lvs_realserver_address'}]
# The directories a host has anyway; everything else under base_dir is the module's.
HOST_DIRS = {'etc', 'etc/sysctl.d', 'etc/modules-load.d', 'var', 'var/lib', 'run'}


@pytest.fixture(name='host')
def host_fixture(netns, tmp_path):
    """The namespace made to look like a real server before the role: lo up with someone else's address,
    eth0 with the host's address, and sysctls that are not the kernel defaults (their restore is visible)."""
    ns_ip(netns, 'link', 'set', 'lo', 'up')
    ns_ip(netns, 'address', 'add', '192.0.2.50/32', 'dev', 'lo')
    ns_ip(netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1')
    ns_ip(netns, 'address', 'add', '192.0.2.21/24', 'dev', 'eth0')
    subprocess.run(['ip', 'netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_announce=1',
                    'net.ipv4.conf.eth0.arp_ignore=2'], check=True, timeout=30)
    base = tmp_path / 'root'
    for directory in HOST_DIRS:
        (base / directory).mkdir(parents=True, exist_ok=True)
    return netns, base


def snapshot(netns):
    """Every address of the namespace (with its label) and the sysctls the module may touch."""
    addresses = ns_ip(netns, '-o', 'address', 'show')
    values = subprocess.run(['ip', 'netns', 'exec', netns, 'sysctl', *SYSCTLS], capture_output=True, text=True,
                            check=True, timeout=30).stdout
    return re.sub(r'\s+valid_lft.*', '', addresses), values


def files_of(base):
    return {str(path.relative_to(base)) for path in base.rglob('*')} - HOST_DIRS


def run(playbook, host, tmp_path, *args, **variables):
    netns, base = host
    result_file = tmp_path / 'result.json'
    result_file.unlink(missing_ok=True)
    variables = {'base_dir': str(base), 'result_file': str(result_file),
                 **{f'module_{name}': value for name, value in variables.items()}}
    process = playbook('module.yml', {'all': {'hosts': {}}}, 'localhost', variables, *args, netns=netns)
    return process, json.loads(result_file.read_text())


def test_present_is_idempotent_predicted_by_check_mode_and_undone_by_absent(playbook, host, tmp_path):
    netns, base = host
    pristine = snapshot(netns)
    wanted = {'vips': VIPS, 'own_addresses': OWN, 'arp_interfaces': ['eth0']}

    process, check = run(playbook, host, tmp_path, '--check', **wanted)
    assert process.returncode == 0, process.stdout + process.stderr
    assert check['changed'] is True
    assert snapshot(netns) == pristine and files_of(base) == set(), 'check mode changed something'

    process, first = run(playbook, host, tmp_path, **wanted)
    assert process.returncode == 0, process.stdout + process.stderr
    assert first['changed'] is True and first['actions'] == check['actions']
    assert first['vips'] == ['lo 192.0.2.100/32', 'lo 2001:db8::100/128']
    addresses, values = snapshot(netns)
    assert 'inet 192.0.2.100/32 scope global lo:lvs' in addresses and 'inet6 2001:db8::100/128' in addresses
    assert 'inet 192.0.2.50/32 scope global lo' in addresses
    for key, value in first['sysctls'].items():
        assert f'{key} = {value}' in values
    assert files_of(base) == {'etc/sysctl.d/90-lvs-realserver.conf', 'etc/lvs-realserver', 'etc/lvs-realserver/vips',
                              'var/lib/lvs-realserver', 'var/lib/lvs-realserver/saved-sysctl.conf',
                              'run/lvs-realserver', 'run/lvs-realserver/owned'}
    saved = (base / 'var/lib/lvs-realserver/saved-sysctl.conf').read_text()
    assert 'net.ipv4.conf.all.arp_announce = 1\n' in saved and 'net.ipv4.conf.eth0.arp_ignore = 2\n' in saved
    configured = snapshot(netns)

    for args in ((), ('--check', '--diff')):
        process, again = run(playbook, host, tmp_path, *args, **wanted)
        assert process.returncode == 0, process.stdout + process.stderr
        assert again['changed'] is False and again['actions'] == [], again
        assert 'changed=0' in process.stdout
    assert snapshot(netns) == configured

    # A change in --check --diff: the diff shows it, nothing changes.
    process, diff = run(playbook, host, tmp_path, '--check', '--diff', **{**wanted, 'arp_interfaces': []})
    assert process.returncode == 0 and diff['changed'] is True, process.stdout + process.stderr
    assert '\n-net.ipv4.conf.eth0.arp_ignore = 1\n' in process.stdout
    assert '\n+net.ipv4.conf.eth0.arp_ignore = 2\n' in process.stdout
    assert f"+++ after: {base}/etc/sysctl.d/90-lvs-realserver.conf" in process.stdout
    assert snapshot(netns) == configured

    # An interface dropped from arp_interfaces gets its saved values back.
    process, dropped = run(playbook, host, tmp_path, **{**wanted, 'arp_interfaces': []})
    assert process.returncode == 0, process.stdout + process.stderr
    assert 'set net.ipv4.conf.eth0.arp_ignore = 2 (was 1)' in dropped['actions']

    process, absent = run(playbook, host, tmp_path, '--diff', state='absent')
    assert process.returncode == 0 and absent['changed'] is True, process.stdout + process.stderr
    assert '-lo 192.0.2.100/32' in process.stdout
    assert snapshot(netns) == pristine
    assert files_of(base) == set()
    process, again = run(playbook, host, tmp_path, state='absent')
    assert process.returncode == 0 and again['changed'] is False, again


def test_bad_input_fails_naming_every_source_and_changes_nothing(playbook, host, tmp_path):
    netns, base = host
    pristine = snapshot(netns)
    process, result = run(playbook, host, tmp_path, vips=[
        {'dev': 'lo', 'address': '192.0.2.300', 'source': 'lvs_realserver_vips[0]'},
        {'dev': 'lo', 'address': '192.0.2.21', 'source': 'lvs_director_virtual_services[0] (web).vip'},
        {'dev': 'tunl0', 'address': '2001:db8::1', 'source': 'lvs_realserver_tun_vips[0]'},
        {'dev': 'lo', 'address': '192.0.2.100', 'source': 'lvs_realserver_vips[1]'},
    ], own_addresses=OWN, arp_interfaces=['eth0', 'nothere0', 'all'])
    assert process.returncode != 0
    assert result['failed'] is True
    assert result['errors'] == [
        "lvs_realserver_vips[0]: '192.0.2.300' is not an IP address (give a plain address, no prefix length, no "
        "zone index)",
        "lvs_director_virtual_services[0] (web).vip: VIP 192.0.2.21 is this host's own address "
        "(lvs_realserver_address); a real server must not hold its own address as a VIP",
        'lvs_realserver_tun_vips[0]: 2001:db8::1 is IPv6; tunl0 (IPIP) carries IPv4 only, '
        'IPv6 LVS-TUN is not supported by this role',
        'arp_interfaces: all: not an interface name (1-15 of A-Z a-z 0-9 _ . @ -) or one the role always sets '
        '(all, lo)',
        'arp_interfaces: no such interface on this host: nothere0',
    ]
    assert snapshot(netns) == pristine and files_of(base) == set()


def test_values_that_would_leave_their_line_change_nothing(playbook, host, tmp_path):
    """A zone index carries any text into the VIP list, an interface name into a sysctl path: both refused."""
    netns, base = host
    pristine = snapshot(netns)
    process, result = run(playbook, host, tmp_path, vips=[
        {'dev': 'lo', 'address': '2001:db8::100%x\nlo 192.0.2.9', 'source': 'vips[0]'},
    ], own_addresses=OWN, arp_interfaces=['eth0\n', 'eth0}'])
    assert process.returncode != 0
    assert result['errors'] == [
        "vips[0]: '2001:db8::100%x\\nlo 192.0.2.9' is not an IP address (give a plain address, no prefix length, "
        "no zone index)",
        'arp_interfaces: eth0\n, eth0}: not an interface name (1-15 of A-Z a-z 0-9 _ . @ -) or one the role always '
        'sets (all, lo)']
    assert snapshot(netns) == pristine and files_of(base) == set()


def test_tun_in_check_mode_plans_ipip_without_loading_it(playbook, host, tmp_path):
    netns, base = host
    if 'tunl0' in ns_ip(netns, 'link', 'show'):
        pytest.skip('ipip is loaded on this host: tunl0 exists in every namespace')
    pristine = snapshot(netns)
    process, result = run(playbook, host, tmp_path, '--check', vips=[{'dev': 'tunl0', 'address': '192.0.2.101'}])
    assert process.returncode == 0, process.stdout + process.stderr
    assert result['vips'] == ['tunl0 192.0.2.101/32']
    assert result['sysctls']['net.ipv4.conf.tunl0.rp_filter'] == '2'
    for action in (f'write {base}/etc/modules-load.d/lvs-realserver.conf', 'modprobe ipip',
                   'set net.ipv4.conf.tunl0.rp_filter = 2 (was missing)', 'add tunl0 192.0.2.101/32', 'up tunl0'):
        assert action in result['actions']
    assert snapshot(netns) == pristine and files_of(base) == set()
