# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""realserver_state's pure parts: which sysctls are managed, the saved-file format, interface checks.
The module's effect on a real kernel is tested in tests/realserver/test_module_netns.py."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.module_utils.host_state import sysctl_conf
from ansible_collections.lvs.cluster.plugins.module_utils.realserver_state import (
    interface_errors,
    managed_sysctls,
    parse_sysctl_conf,
)


def test_managed_sysctls_in_file_order():
    assert list(managed_sysctls(['eth0.100'], tun=True, rp_filter=0).items()) == [
        ('net.ipv4.conf.all.arp_ignore', '1'), ('net.ipv4.conf.all.arp_announce', '2'),
        ('net.ipv4.conf.lo.arp_ignore', '1'), ('net.ipv4.conf.lo.arp_announce', '2'),
        ('net.ipv4.conf.eth0/100.arp_ignore', '1'), ('net.ipv4.conf.eth0/100.arp_announce', '2'),
        ('net.ipv4.conf.all.rp_filter', '0'), ('net.ipv4.conf.tunl0.rp_filter', '0')]
    assert len(managed_sysctls([], tun=False, rp_filter=2)) == 4


def test_saved_file_round_trip():
    values = {'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.eth0/100.arp_announce': '1'}
    assert parse_sysctl_conf(sysctl_conf(values, 'header = with an equals sign')) == values


def test_interface_errors():
    assert interface_errors(['eth0'], 'x', {'eth0': {}}) == []
    assert interface_errors(['eth/0', 'lo', 'a' * 16, 'gone0'], 'x', {}) == [
        f"x: eth/0, lo, {'a' * 16}: not an interface name (1-15 of A-Z a-z 0-9 _ . @ -) or one the role always sets "
        f"(all, lo)",
        'x: no such interface on this host: gone0']


def test_interface_names_that_would_leave_their_sysctl_path():
    """The name becomes part of net.ipv4.conf.NAME.arp_ignore: a line break, brace, quote, '#', '!' (or the
    trailing newline the former pattern let through) is not a name."""
    for name in ('eth0\n', 'eth0}', 'eth"0', 'eth#0', 'eth!0', '', '..'):
        error = interface_errors([name], 'x', {name: {}})[0]
        assert error.startswith('x: ') and 'not an interface name' in error, name
