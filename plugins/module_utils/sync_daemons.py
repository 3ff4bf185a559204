# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The IPVS connection synchronisation daemons of a director: both states, always.

A director runs the master daemon (it sends the connections it forwards) and
the backup daemon (it receives the peer's) side by side, whatever its VRRP
state: the one that forwards sends, the other receives, and a failover or a
failback needs no daemon to be stopped or started. keepalived's own
lvs_sync_daemon does that switch at every VRRP transition, and keepalived
2.2.7's VRRP process was seen to block for good in that IPVS call when a
transition followed another within milliseconds (docs/troubleshooting.md).
"""

from __future__ import annotations

STATES = ('master', 'backup')


def wanted_daemons(interface: str, syncid: int) -> list[dict]:
    """Both daemons on the multicast interface with the sync id."""
    return [{'state': state, 'mcast_interface': interface, 'syncid': syncid} for state in STATES]


def _matches(running: dict, wanted: dict) -> bool:
    return all(running.get(key) == value for key, value in wanted.items())


def plan(running: list[dict], wanted: list[dict]) -> tuple[list[str], list[dict]]:
    """(states to stop, daemons to start) that turn the running daemons (ipvsadm -Ln --daemon) into wanted.

    A daemon with another interface or sync id is stopped and started again; a
    running daemon of a state that is not wanted is stopped.
    """
    by_state = {daemon['state']: daemon for daemon in running}
    wanted_by_state = {daemon['state']: daemon for daemon in wanted}
    stop = [state for state in STATES if state in by_state
            and (state not in wanted_by_state or not _matches(by_state[state], wanted_by_state[state]))]
    start = [daemon for daemon in wanted if daemon['state'] in stop or daemon['state'] not in by_state]
    return stop, start


def start_argv(daemon: dict) -> list[str]:
    return ['ipvsadm', '--start-daemon', daemon['state'],
            '--mcast-interface', daemon['mcast_interface'], '--syncid', str(daemon['syncid'])]


def stop_argv(state: str) -> list[str]:
    return ['ipvsadm', '--stop-daemon', state]


def describe(daemons: list[dict]) -> str:
    """One line per daemon, as the diff shows them."""
    return ''.join(f"{d['state']} sync daemon (mcast={d['mcast_interface']}, syncid={d['syncid']})\n"
                   for d in daemons)


def unit_dropin(daemons: list[dict], header: str) -> str:
    """A systemd drop-in for the unit that starts the daemons before it at boot.

    The leading '-' lets the unit start when a daemon already runs (a restart).
    """
    lines = [f'# {line}'.rstrip() for line in header.splitlines()]
    lines.append('# Starts the IPVS sync daemons before the unit of this drop-in, at boot and on every start.')
    lines.append('[Service]')
    lines += ['ExecStartPre=-' + ' '.join(start_argv(daemon)) for daemon in daemons]
    return ''.join(f'{line}\n' for line in lines)
