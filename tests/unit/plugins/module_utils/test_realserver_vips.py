# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""realserver_vips: validation, the VIP list file and the plan, on link tables in the shape of `ip -j address show`
(live_addresses) and a real record file in a temporary directory. The kernel side is in tests/realserver."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.realserver_vips import normalise, plan, read_config, write_owned

LINKS = {
    'lo': {'up': True, 'addresses': {'127.0.0.1/8': 'lo', '::1/128': None, '192.0.2.50/32': 'lo'}},
    'eth0': {'up': True, 'addresses': {'192.0.2.21/24': 'eth0'}},
}


def links(**extra):
    return {name: {'up': link['up'], 'addresses': dict(link['addresses'])} for name, link in {**LINKS, **extra}.items()}


def test_normalise_deduplicates_and_writes_the_host_prefix():
    entries = [{'dev': 'lo', 'address': '192.0.2.100', 'source': 'a'}, {'dev': 'lo', 'address': '2001:DB8:0::100'},
               {'dev': 'lo', 'address': '192.0.2.100', 'source': 'b'}, {'dev': 'tunl0', 'address': '192.0.2.101'}]
    assert normalise(entries, [], links()) == (['lo 192.0.2.100/32', 'lo 2001:db8::100/128', 'tunl0 192.0.2.101/32'], [])


@pytest.mark.parametrize('entry, own, error', [
    ({'dev': 'eth0', 'address': '192.0.2.100'}, [], "s: device 'eth0' is not one of lo, tunl0"),
    ({'dev': 'lo', 'address': '192.0.2.100/32'}, [], "s: '192.0.2.100/32' is not an IP address"),
    # A zone index takes any text, a line of the VIP list too.
    ({'dev': 'lo', 'address': '2001:db8::100%x\nlo 192.0.2.9'}, [], "s: '2001:db8::100%x\\nlo 192.0.2.9' is not an IP"),
    ({'dev': 'lo', 'address': '192.0.2.100'}, [('lvs_realserver_address', 'fe80::1%eth0')],
     "lvs_realserver_address: 'fe80::1%eth0' is not an IP address"),
    ({'dev': 'lo', 'address': '127.0.0.2'}, [], 's: 127.0.0.2 is not usable as a VIP'),
    ({'dev': 'tunl0', 'address': '2001:db8::1'}, [], 's: 2001:db8::1 is IPv6'),
    ({'dev': 'lo', 'address': '192.0.2.21'}, [], "s: VIP 192.0.2.21 is this host's own address (on eth0)"),
    ({'dev': 'lo', 'address': '192.0.2.22'}, [('lvs_realserver_address', '192.0.2.22')],
     "s: VIP 192.0.2.22 is this host's own address (lvs_realserver_address)"),
    ({'dev': 'lo', 'address': '192.0.2.100'}, [('lvs_realserver_address', 'rs1')],
     "lvs_realserver_address: 'rs1' is not an IP address"),
])
def test_normalise_names_the_source(entry, own, error):
    wanted, errors = normalise([{**entry, 'source': 's'}], own, links())
    assert len(errors) == 1 and errors[0].startswith(error), errors


def test_one_vip_on_two_devices_is_refused():
    errors = normalise([{'dev': 'lo', 'address': '192.0.2.100', 'source': 'a'},
                        {'dev': 'tunl0', 'address': '192.0.2.100', 'source': 'b'}], [], links())[1]
    assert errors == ['b: VIP 192.0.2.100 is wanted on both lo and tunl0 (a VIP is either DR or TUN on one real server)']


def test_read_config(tmp_path):
    path = tmp_path / 'vips'
    path.write_text('# comment\nlo 192.0.2.100/32  # trailing\n\ntunl0 192.0.2.101/32\n')
    assert read_config(str(path)) == [{'dev': 'lo', 'address': '192.0.2.100', 'source': f'{path}:1'},
                                      {'dev': 'tunl0', 'address': '192.0.2.101', 'source': f'{path}:2'}]
    assert not read_config(str(tmp_path / 'missing'))


def test_plan_adds_removes_only_owned_and_keeps_foreign(tmp_path):
    state = tmp_path / 'run'
    live = links()
    live['lo']['addresses'].update({'192.0.2.100/32': 'lo:lvs', '2001:db8::100/128': None})
    write_owned(str(state), {'lo 2001:db8::100/128'})
    # 192.0.2.100 is owned through its label, the IPv6 VIP through the record; 192.0.2.50 is someone else's.
    actions, owned = plan(['lo 192.0.2.50/32', 'lo 192.0.2.102/32'], str(state), live, dry_run=False)
    assert actions == [('del', 'lo', '192.0.2.100/32'), ('del', 'lo', '2001:db8::100/128'),
                       ('add', 'lo', '192.0.2.102/32')]
    assert owned == {'lo 192.0.2.102/32'}


def test_plan_needs_tunl0_except_in_a_dry_run(tmp_path):
    with pytest.raises(LookupError, match='device tunl0 does not exist'):
        plan(['tunl0 192.0.2.101/32'], str(tmp_path), links(), dry_run=False)
    assert plan(['tunl0 192.0.2.101/32'], str(tmp_path), links(), dry_run=True)[0] == [('add', 'tunl0', '192.0.2.101/32'), ('up', 'tunl0', '')]
