# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sync_daemons: what to stop and start, from real `ipvsadm -Ln --daemon` captures."""

from __future__ import annotations

from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import parse_sync_daemons
from ansible_collections.lvs.cluster.plugins.module_utils.sync_daemons import (
    describe, plan, start_argv, stop_argv, unit_dropin, wanted_daemons)


def running(capture, name):
    return parse_sync_daemons(capture(name).stdout)


def test_wanted_is_both_states():
    assert wanted_daemons("eth0", 51) == [
        {"state": "master", "mcast_interface": "eth0", "syncid": 51},
        {"state": "backup", "mcast_interface": "eth0", "syncid": 51}]


def test_none_running_starts_both(capture):
    wanted = wanted_daemons("lo", 0)
    assert plan(running(capture, "daemon_none"), wanted) == ([], wanted)


def test_master_running_as_wanted_starts_only_backup(capture):
    # What keepalived's lvs_sync_daemon left on a MASTER before this role ran both.
    wanted = wanted_daemons("lo", 0)
    assert plan(running(capture, "daemon_master"), wanted) == ([], [wanted[1]])


def test_other_syncid_restarts_that_daemon(capture):
    # The capture runs master with syncid 0 and backup with syncid 7.
    wanted = wanted_daemons("lo", 7)
    assert plan(running(capture, "daemon_master_backup"), wanted) == (["master"], [wanted[0]])


def test_other_interface_restarts_both(capture):
    wanted = wanted_daemons("eth0", 0)
    assert plan(running(capture, "daemon_master"), wanted) == (["master"], wanted)


def test_nothing_wanted_stops_what_runs(capture):
    assert plan(running(capture, "daemon_master_backup"), []) == (["master", "backup"], [])
    assert plan(running(capture, "daemon_none"), []) == ([], [])


def test_commands():
    master = wanted_daemons("eth0", 51)[0]
    assert start_argv(master) == ["ipvsadm", "--start-daemon", "master", "--mcast-interface", "eth0", "--syncid", "51"]
    assert stop_argv("backup") == ["ipvsadm", "--stop-daemon", "backup"]


def test_dropin_starts_both_before_the_unit_and_tolerates_running_ones():
    text = unit_dropin(wanted_daemons("eth0", 51), "Managed by Ansible\nsecond line")
    lines = text.splitlines()
    assert lines[:2] == ["# Managed by Ansible", "# second line"]
    assert "[Service]" in lines
    assert lines[-2:] == [
        "ExecStartPre=-ipvsadm --start-daemon master --mcast-interface eth0 --syncid 51",
        "ExecStartPre=-ipvsadm --start-daemon backup --mcast-interface eth0 --syncid 51"]


def test_describe():
    assert describe(wanted_daemons("eth0", 1)) == (
        "master sync daemon (mcast=eth0, syncid=1)\nbackup sync daemon (mcast=eth0, syncid=1)\n")
    assert describe([]) == ""
