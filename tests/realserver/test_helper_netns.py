"""The lvs-realserver boot helper (realserver_vips.py as the role installs it) against a real kernel,
in a throwaway network namespace.

Needs root and ip netns (conftest.netns); the namespace is deleted afterwards, also
on failure. Only that namespace's lo is touched.
"""

import json
import subprocess

import pytest

from conftest import install_helper


@pytest.fixture(name='helper_path')
def helper_path_fixture(tmp_path):
    return install_helper(tmp_path / 'sbin' / 'lvs-realserver')


def helper(netns, tmp_path, *args, rc=0):
    result = subprocess.run(['ip', 'netns', 'exec', netns, str(tmp_path / 'sbin' / 'lvs-realserver'),
                             '--state-dir', str(tmp_path / 'run'),
                             '--config', str(tmp_path / 'vips'), *args],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == rc, result.stdout + result.stderr
    return json.loads(result.stdout)


def lo_addresses(netns):
    """'address/prefix label' of every address on the namespace's lo (label '-' for IPv6)."""
    out = subprocess.run(['ip', '-n', netns, '-o', 'address', 'show', 'dev', 'lo'],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    addresses = set()
    for line in out.splitlines():
        fields = line.split('\\')[0].split()
        addresses.add(f"{fields[3]} {fields[-1] if fields[2] == 'inet' else '-'}")
    return addresses


@pytest.mark.usefixtures('helper_path')
def test_start_sync_stop_on_lo(netns, tmp_path):
    # Someone else's addresses on lo, one of them also a wanted VIP: never touched.
    subprocess.run(['ip', '-n', netns, 'address', 'add', '192.0.2.50/32', 'dev', 'lo'], check=True, timeout=30)
    subprocess.run(['ip', '-n', netns, 'address', 'add', '192.0.2.101/32', 'dev', 'lo'], check=True, timeout=30)
    before = lo_addresses(netns)
    (tmp_path / 'vips').write_text('# comment\nlo 192.0.2.100/32\nlo 2001:db8::100/128\nlo 192.0.2.101/32\n')

    dry = helper(netns, tmp_path, 'start', '--dry-run')
    assert dry['actions'] == ['add lo 192.0.2.100/32', 'add lo 2001:db8::100/128']
    assert lo_addresses(netns) == before and not (tmp_path / 'run').exists()

    first = helper(netns, tmp_path, 'start')
    assert first['changed'] and first['actions'] == dry['actions']
    assert lo_addresses(netns) == before | {'192.0.2.100/32 lo:lvs', '2001:db8::100/128 -'}
    assert helper(netns, tmp_path, 'start') == {**first, 'changed': False, 'actions': []}

    # The list shrinks: the IPv6 VIP goes (found through the record, it has no label).
    shrunk = helper(netns, tmp_path, 'sync', '--want-json',
                    json.dumps([{'dev': 'lo', 'address': '192.0.2.100', 'source': 'x[0]'}]))
    assert shrunk['actions'] == ['del lo 2001:db8::100/128']
    assert lo_addresses(netns) == before | {'192.0.2.100/32 lo:lvs'}

    stop = helper(netns, tmp_path, 'stop')
    assert stop['actions'] == ['del lo 192.0.2.100/32']
    assert lo_addresses(netns) == before
    assert helper(netns, tmp_path, 'stop')['changed'] is False


@pytest.mark.usefixtures('helper_path')
def test_labelled_vip_is_removed_without_the_record(netns, tmp_path):
    """A lost record (/run cleared by hand) still finds IPv4 VIPs by their label."""
    (tmp_path / 'vips').write_text('lo 192.0.2.100/32\n')
    helper(netns, tmp_path, 'start')
    (tmp_path / 'run' / 'owned').unlink()
    assert helper(netns, tmp_path, 'stop')['actions'] == ['del lo 192.0.2.100/32']


@pytest.mark.usefixtures('helper_path')
def test_missing_tunl0_fails_except_in_a_dry_run(netns, tmp_path):
    want = json.dumps([{'dev': 'tunl0', 'address': '192.0.2.101', 'source': 'lvs_realserver_tun_vips[0]'}])
    if subprocess.run(['ip', '-n', netns, 'link', 'show', 'tunl0'], capture_output=True, check=False).returncode == 0:
        pytest.skip('ipip is loaded on this host: tunl0 exists in every namespace')
    assert helper(netns, tmp_path, 'sync', '--dry-run', '--want-json', want)['actions'] == \
        ['add tunl0 192.0.2.101/32', 'up tunl0']
    failed = helper(netns, tmp_path, 'sync', '--want-json', want, rc=2)
    assert failed['errors'] == ['ip failed: device tunl0 does not exist (TUN needs the ipip module loaded)']


@pytest.mark.usefixtures('helper_path')
def test_own_address_of_another_device_is_refused(netns, tmp_path):
    """The namespace's only other device is created here; its address may not become a VIP."""
    subprocess.run(['ip', '-n', netns, 'link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b'],
                   check=True, timeout=30)
    subprocess.run(['ip', '-n', netns, 'address', 'add', '192.0.2.21/24', 'dev', 'veth-a'], check=True, timeout=30)
    want = json.dumps([{'dev': 'lo', 'address': '192.0.2.21', 'source': 'lvs_realserver_vips[0]'}])
    result = helper(netns, tmp_path, 'sync', '--want-json', want, rc=1)
    assert result['errors'] == ["lvs_realserver_vips[0]: VIP 192.0.2.21 is this host's own address (on veth-a); "
                                "a real server must not hold its own address as a VIP"]
