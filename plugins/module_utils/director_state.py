# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a director can serve each virtual service, as its own health checks see it (standard library
only: installed on the directors as lvs-director-state, and used by the controller to name the files).

keepalived's checker reports every service that gains or loses its quorum on its lvs_notify_fifo, one line
each ("VS [192.0.2.100]:tcp:80 DOWN", keepalived's format_vs()). A service's state file holds 0 while it has
its quorum and 1 while it has not: a VRRP instance tracks the files of its services with a negative weight,
so a director whose checks do not pass yet never preempts one that serves (a failback into an empty IPVS
table refused connections); in ECMP mode the director announces a VIP over BGP only while every service of
it has its quorum, and none while it is switched over.
"""

from __future__ import annotations

import ipaddress
import json
import os

PROTOCOLS = {'TCP': 'tcp', 'UDP': 'udp', 'SCTP': 'sctp'}
UP, DOWN = '0', '1'


def keepalived_vs(address=None, port=None, protocol='TCP', fwmark=None):
    """How keepalived names a virtual service in its logs and notify FIFO."""
    if fwmark is not None:
        return 'FWM %d' % int(fwmark)
    return '[%s]:%s:%d' % (ipaddress.ip_address(address), PROTOCOLS[protocol], int(port))


def state_name(vs):
    """The state file name of a virtual service: keepalived's name without its brackets, ':' and ' ' as '_'
    (one to one: the protocol and the port are the last two fields)."""
    return 'vs_' + vs.replace('[', '').replace(']', '').replace(':', '_').replace(' ', '_')


def parse_event(line):
    """(vs, up) of an lvs_notify_fifo line about a virtual service's quorum, None for any other line."""
    words = line.split()
    if len(words) < 3 or words[0] != 'VS' or words[-1] not in ('UP', 'DOWN'):
        return None
    return ' '.join(words[1:-1]), words[-1] == 'UP'


def write_state(directory, name, up):
    """Replace the state file in one rename: keepalived's track_file watches the directory."""
    path = os.path.join(directory, name)
    temporary = os.path.join(directory, '.' + name)
    with open(temporary, 'w', encoding='utf-8') as handle:
        handle.write((UP if up else DOWN) + '\n')
    os.replace(temporary, path)


def read_states(directory):
    """{state file name: True while its service has its quorum} of every state file."""
    states = {}
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return states
    for name in names:
        if name.startswith('vs_'):
            try:
                with open(os.path.join(directory, name), encoding='utf-8') as handle:
                    states[name] = handle.read().strip() == UP
            except FileNotFoundError:
                continue
    return states


def switched_over(path):
    """True when the switchover file (playbooks/switchover.yml) holds a non-zero weight."""
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read().strip() not in ('', '0')
    except FileNotFoundError:
        return False


def wanted_announcements(vips, states, drained):
    """The VIPs (address/prefix) to announce: those whose every service's state file says up. A service whose
    file keepalived has not created yet counts as down; a switched-over director announces none."""
    if drained:
        return set()
    wanted = set()
    for vip, names in vips.items():
        if names and all(states.get(name, False) for name in names):
            address = ipaddress.ip_address(vip)
            wanted.add('%s/%d' % (address, address.max_prefixlen))
    return wanted


def announcement_changes(current, wanted):
    """(to add, to remove), sorted, turning the announced set `current` into `wanted`."""
    return sorted(wanted - current), sorted(current - wanted)


def announced(ip_json):
    """The address/prefix entries of `ip -j address show dev IF` (the announce interface)."""
    return {'%s/%s' % (entry['local'], entry['prefixlen'])
            for link in json.loads(ip_json or '[]') for entry in link.get('addr_info', [])
            if entry.get('scope') != 'link'}
