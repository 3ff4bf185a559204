# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fields: each kind takes what its place can hold and refuses the rest, with a message and never an exception.

The hostile characters of issue 27 (a newline, '}', '"', '#', '!') go into every kind; tests/hostile_values.py
lists the ones a kind keeps.
"""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils.host_state import sysctl_path
from ansible_collections.lvs.cluster.tests.hostile_values import ALLOWED, EXPLOIT, GOOD, HOSTILE, hostile

# The values of issue 27: each escapes its field when written as it is.
ISSUE = {
    'url_path': EXPLOIT,
    'word': 'lb1\n    vrrp_strict',
    'command': '/bin/true" user root\nvrrp_strict "',
    'dns_name': 'example.org\n}\nvrrp_strict',
    'sysctl_key': 'net.//.//.//.etc.cron/d.lvs-pwn',
    'interface': 'eth0\nExecStartPre=/bin/sh -c id',
}


def test_every_kind_has_a_good_example():
    assert sorted(GOOD) == sorted(fields.KINDS)


@pytest.mark.parametrize('kind', sorted(fields.KINDS))
def test_a_fitting_value_passes(kind):
    assert fields.KINDS[kind](GOOD[kind]) is None


@pytest.mark.parametrize('char', HOSTILE, ids=repr)
@pytest.mark.parametrize('kind', sorted(fields.KINDS))
def test_hostile_characters(kind, char):
    problem = fields.KINDS[kind](hostile(kind, char))
    if char in ALLOWED.get(kind, ''):
        assert problem is None
    else:
        assert isinstance(problem, str) and problem
        # The message shows the value escaped, on one line.
        assert '\n' not in problem


@pytest.mark.parametrize('kind', sorted(ISSUE))
def test_the_values_of_the_issue_are_refused(kind):
    assert fields.KINDS[kind](ISSUE[kind])


def test_the_password_never_shows_in_a_message():
    for secret in ('s3cr"t', 'much too long', 'a$_HASH'):
        problem = fields.auth_pass(secret)
        assert problem and secret not in problem


@pytest.mark.parametrize('value', ['#!}{ ', 'ab\tc', 'é', 'aaaaaaaa'])
def test_what_keepalived_reads_whole_in_a_password(value):
    assert (fields.auth_pass(value) is None) == (value.isprintable() and len(value.encode()) <= 8)


@pytest.mark.parametrize('value, ok', [
    ('/bin/sh -c \'echo "$1"\'', False), ('/bin/sh -c \'echo $1\'', True), ('/bin/x ${_PWD}', False),
    ('/bin/x $_HASH', False), ('/bin/x \\n', False), ("/bin/x 'a", False), ("/bin/x 'a b'", True),
    ('relative arg', False), ('', False), ('/bin/x { }', True),
])
def test_commands(value, ok):
    assert (fields.command(value) is None) == ok


@pytest.mark.parametrize('value, ok', [
    ('2001:db8::1', True), ('192.0.2.1', True), ('fe80::1%eth0', False), ('2001:db8::1%x\n}', False),
    ('192.0.2.1/32', False), (' 192.0.2.1', False), (1, False), (None, False),
])
def test_addresses_have_no_zone_index(value, ok):
    assert (fields.address(value) is None) == ok
    assert (fields.ip_address(value) is not None) == ok


@pytest.mark.parametrize('value, ok', [
    ('net.ipv4.conf.eth0/100.rp_filter', True), ('kernel.sched_rt_runtime_us', True), ('net.ipv4.vs.am_droprate', True),
    ('net..ipv4', False), ('net.ipv4.', False), ('.net', False), ('net', False), ('net/ipv4/ip_forward', False),
    ('net.ipv4.conf.*.rp_filter', False), ('-net.ipv4.ip_forward', False), ('net.//.x', False), ('net.a//b.c', False),
    ('net.ipv4.conf.eth0 .x', False),
])
def test_sysctl_keys(value, ok):
    assert (fields.sysctl_key(value) is None) == ok


def test_a_sysctl_path_outside_proc_sys_is_refused_where_it_is_built():
    assert sysctl_path('net.ipv4.conf.eth0/100.rp_filter') == '/proc/sys/net/ipv4/conf/eth0.100/rp_filter'
    for key in (ISSUE['sysctl_key'], 'net..x', 'net.//'):
        with pytest.raises(ValueError, match='outside /proc/sys'):
            sysctl_path(key)


@pytest.mark.parametrize('value, ok', [
    ('eth0', True), ('eth0.100', True), ('br-1a2b', True), ('', True), ('a' * 16, False), ('eth/0', False),
    ('eth0:1', False), ('..', False), ('.', False), ('eth 0', False),
])
def test_interfaces(value, ok):
    assert (fields.interface(value) is None) == ok


@pytest.mark.parametrize('value, ok', [
    ('.', True), ('example.org', True), ('example.org.', True), ('_sip._udp.example.org', True),
    ('a..b', False), ('.org', False), ('-a.org', False), ('a b', False), ('a' * 64, False),
])
def test_dns_names(value, ok):
    assert (fields.dns_name(value) is None) == ok


@pytest.mark.parametrize('value, ok', [
    ('/', True), ('/a/b?c=d&e=%2F', True), ("/o'k;(x)", True), ('a', False), ('/%zz', False), ('/a b', False),
    ('/a#frag', False), ('/a$_PWD', False),
])
def test_url_paths(value, ok):
    assert (fields.url_path(value) is None) == ok


def test_module_inputs():
    assert fields.kernel_module('ip_vs_wrr') is None and fields.kernel_module('ip_vs\nx')
    assert fields.file_path('/etc/sysctl.d/90-lvs.conf') is None
    for path in ('etc/x', '/etc/../x', '/etc//x', '/etc/x\n'):
        assert fields.file_path(path)
    assert fields.comment('Managed by Ansible\nsecond line') is None and fields.comment('a\rb')
    assert fields.problems([('a', None), ('b', 'wrong')]) == ['b: wrong']
