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

In lvs_director_mode ecmp the reader also announces. ANNOUNCE (the role writes it) names the switchover file
and lists each VIP's BIRD protocol with the state files of the VIP's services (plugin_utils/ecmp.py). The reader
enables the protocol (BGP announces the VIP) while every one of them has its quorum and the switchover file
does not take the director out of service, and disables it otherwise. A state file not written yet counts as
without quorum; a switchover file not written yet, as in service.

Usage on a director:
  director_state.py fifo [--announce ANNOUNCE] STATE_DIR FIFO (keepalived appends FIFO, and stops the reader with
      SIGTERM when it exits or reloads)
  director_state.py apply ANNOUNCE STATE_DIR (announce as the files say: BIRD runs it when it starts)
  director_state.py drained QUIET TIMEOUT (playbooks/switchover.yml: wait until IPVS has forwarded no packet
      for QUIET seconds)
  director_state.py established TIMEOUT (playbooks/switchover.yml: wait until every BGP session of BIRD is up)
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import syslog
import time

PROTOCOLS = {'TCP': 'tcp', 'UDP': 'udp', 'SCTP': 'sctp'}
UP, DOWN = '0', '1'
BIRDC = ('birdc', '-s', '/run/bird/bird.ctl')
BIRD_WAIT_TRIES = 40
IPVS_STATS = '/proc/net/ip_vs_stats'
# The kernel adds its per-CPU IPVS counters into the totals every 2 s.
STATS_PERIOD = 2.0


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


def serving(directory, files):
    """Whether every one of the state files says its service has its quorum."""
    for name in files:
        try:
            with open(os.path.join(directory, name), encoding='utf-8') as handle:
                if handle.read().strip() != UP:
                    return False
        except OSError:
            return False
    return True


def in_service(switchover_file):
    """Whether playbooks/switchover.yml left the director in service: its file holds 0, or is missing."""
    try:
        with open(switchover_file, encoding='utf-8') as handle:
            return handle.read().strip() in ('', '0')
    except OSError:
        return True


def birdc(*args):
    """Run birdc: its output, or None when BIRD does not answer (it announces as the state files say when it
    starts)."""
    try:
        # A program of its own on the director, with no AnsibleModule and its run_command.
        done = subprocess.run(BIRDC + args, capture_output=True, timeout=10,  # pylint: disable=ansible-bad-function
                              check=False, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def peers_established(protocols):
    """Whether `birdc show protocols` lists a BGP protocol and every one of them is Established (its Info
    column; the columns are Name, Proto, Table, State, Since, Info)."""
    sessions = [words for words in map(str.split, (protocols or '').splitlines()) if words[1:2] == ['BGP']]
    return bool(sessions) and all('Established' in words[5:] for words in sessions)


def established(timeout, run=birdc, clock=time.monotonic, sleep=time.sleep):
    """Wait until every BGP session is Established, at most `timeout` seconds. Returns whether it was."""
    start = clock()
    while not peers_established(run('show', 'protocols')):
        if clock() - start >= timeout:
            return False
        sleep(1.0)
    return True


def announce(plan, directory, changed=None, run=birdc):
    """Enable the BIRD protocol of each VIP of `plan` (ANNOUNCE's content) whose services all have their quorum
    while the director is in service, disable the others; with changed (a state file name), only the VIPs of
    that service. Returns [(protocol, action)]."""
    done = []
    active = in_service(plan['switchover'])
    for entry in plan['vips']:
        if changed is None or changed in entry['files']:
            action = 'enable' if active and serving(directory, entry['files']) else 'disable'
            run(action, entry['protocol'])
            done.append((entry['protocol'], action))
    return done


def follow(events, directory, log=None, plan=None):
    """Write the state file of each quorum event read from `events` (the FIFO's lines) until it ends, announce
    the VIPs of its service, and pass each event to `log`."""
    for line in events:
        event = parse_event(line)
        if event is None:
            continue
        vs, up = event
        write_state(directory, state_name(vs), up)
        done = announce(plan, directory, state_name(vs)) if plan else []
        if log:
            log('%s: %s%s' % (line.strip(), state_name(vs), ''.join(' %s %s' % pair for pair in done)))


def read_plan(path):
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def forwarded_packets(path=IPVS_STATS):
    """The packets IPVS has received since it loaded (the InPkts total of /proc/net/ip_vs_stats, in hex)."""
    with open(path, encoding='utf-8') as handle:
        return int(handle.read().splitlines()[2].split()[1], 16)


def drained(quiet, timeout, read=forwarded_packets, clock=time.monotonic, sleep=time.sleep):
    """Wait until IPVS has received no packet for `quiet` seconds (at least two of the kernel's counter
    periods), at most `timeout` seconds. Returns whether it did."""
    quiet = max(quiet, 2 * STATS_PERIOD + 0.5)
    start = last_change = clock()
    packets = read()
    while clock() - last_change < quiet:
        if clock() - start >= timeout:
            return False
        sleep(0.5)
        now = read()
        if now != packets:
            packets, last_change = now, clock()
    return True


USAGE = ('usage: director_state.py fifo [--announce ANNOUNCE] STATE_DIR FIFO | apply ANNOUNCE STATE_DIR'
         ' | drained QUIET TIMEOUT | established TIMEOUT\n')


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == 'apply':
        # BIRD's ExecStartPost: its control socket comes up shortly after the process.
        for _attempt in range(BIRD_WAIT_TRIES):
            if birdc('show', 'status') is not None:
                break
            time.sleep(0.25)
        for protocol, action in announce(read_plan(args[1]), args[2]):
            sys.stdout.write('%s %s\n' % (action, protocol))
        return 0
    if len(args) == 3 and args[0] == 'drained':
        if drained(float(args[1]), float(args[2])):
            return 0
        sys.stderr.write('IPVS still forwarded packets after %s s: the upstream router still sends traffic to '
                         'this director\n' % args[2])
        return 1
    if len(args) == 2 and args[0] == 'established':
        if established(float(args[1])):
            return 0
        sys.stderr.write('BIRD had a BGP session not Established after %s s (birdc show protocols)\n' % args[1])
        return 1
    if args[:1] != ['fifo'] or len(args) not in (3, 5) or (len(args) == 5 and args[1] != '--announce'):
        sys.stderr.write(USAGE)
        return 2
    plan = read_plan(args[2]) if len(args) == 5 else None
    directory, fifo = args[-2], args[-1]
    syslog.openlog('lvs-director-state')
    with open(fifo, encoding='utf-8', errors='replace') as events:
        follow(events, directory, syslog.syslog, plan)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
