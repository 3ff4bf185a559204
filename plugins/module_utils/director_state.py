# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a director can serve each virtual service, as its own health checks see it (standard library
only: the role installs this file on the directors, where keepalived runs it as its lvs_notify_fifo_script).

keepalived's checker reports every service that gains or loses its quorum on its lvs_notify_fifo, one line
each ("VS [192.0.2.100]:tcp:80 DOWN", keepalived's format_vs()). A service's state file holds 0 while it has
its quorum and 1 while it has not: each VRRP instance tracks the files of its services with a negative
weight, so a director whose checks do not pass yet never preempts one that serves (a failback into an empty
IPVS table refused connections).

Usage on a director: director_state.py fifo STATE_DIR FIFO (keepalived appends FIFO, and stops the reader
with SIGTERM when it exits or reloads).
"""

from __future__ import annotations

import ipaddress
import os
import sys
import syslog

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


def follow(events, directory, log=None):
    """Write the state file of each quorum event read from `events` (the FIFO's lines) until it ends, and
    pass each event to `log`."""
    for line in events:
        event = parse_event(line)
        if event is None:
            continue
        vs, up = event
        write_state(directory, state_name(vs), up)
        if log:
            log('%s: %s' % (line.strip(), state_name(vs)))


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != 'fifo':
        sys.stderr.write('usage: director_state.py fifo STATE_DIR FIFO\n')
        return 2
    directory, fifo = args[1], args[2]
    syslog.openlog('lvs-director-state')
    with open(fifo, encoding='utf-8', errors='replace') as events:
        follow(events, directory, syslog.syslog)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
