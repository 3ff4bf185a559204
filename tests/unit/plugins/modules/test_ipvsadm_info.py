# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""lvs.cluster.ipvsadm_info wiring: arguments, ipvsadm calls, results and failures (real captures replayed)."""

from __future__ import annotations

import types

import pytest

from ansible.module_utils import basic
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import build_info
from ansible_collections.lvs.cluster.plugins.modules import ipvsadm_info
from ansible_collections.lvs.cluster.tests.unit.plugins.modules.module_runner import (
    ExitJson, FailJson, raise_results, run_main)

IPVSADM = "/usr/sbin/ipvsadm"
CAPTURE_OF_ARGS = {
    ("-Ln",): "list",
    ("-Ln", "--stats", "--exact"): "stats_exact",
    ("-Ln", "--rate", "--exact"): "rate_exact",
    ("-Ln", "--timeout"): "timeout",
    ("-Ln", "--daemon"): "daemon_master_backup",
}


@pytest.fixture(name="ipvsadm")
def ipvsadm_fixture(monkeypatch, capture):
    """Replay captures for ipvsadm calls; .calls records them, .overrides maps args to another capture."""
    calls, overrides = [], {}

    def run_command(_module, args, **kwargs):
        assert args[0] == IPVSADM
        assert kwargs.get("environ_update") == {"LC_ALL": "C"}
        calls.append(tuple(args[1:]))
        name = overrides.get(tuple(args[1:]), CAPTURE_OF_ARGS[tuple(args[1:])])
        replay = capture(name)
        return replay.rc, replay.stdout, replay.stderr

    raise_results(monkeypatch)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda _module, name, *args, **kwargs: IPVSADM)
    return types.SimpleNamespace(calls=calls, overrides=overrides)


def run_module(args, outcome=ExitJson):
    return run_main(ipvsadm_info.main, args, outcome)


def test_default_reads_the_listing_only(ipvsadm, capture):
    calls = ipvsadm.calls
    result = run_module({})
    assert calls == [("-Ln",)]
    assert result["changed"] is False
    assert result["ipvs"] == build_info(capture("list").stdout)
    assert "stats" not in result["ipvs"]["services"][0]
    assert result["ipvs"]["services"][0]["fwmark"] == 2882430849


def test_every_option(ipvsadm, capture):
    calls = ipvsadm.calls
    result = run_module({"stats": True, "rate": True, "timeouts": True, "sync_daemons": True})
    assert calls == list(CAPTURE_OF_ARGS)
    assert result["ipvs"] == build_info(
        capture("list").stdout, stats_text=capture("stats_exact").stdout, rate_text=capture("rate_exact").stdout,
        timeout_text=capture("timeout").stdout, daemon_text=capture("daemon_master_backup").stdout)
    tcp = result["ipvs"]["services"][1]
    assert tcp["stats"]["bytes_in"] == 1501287976
    assert tcp["real_servers"][1]["rate"]["bytes_in_per_s"] == 78192116
    assert result["ipvs"]["timeouts"] == {"tcp": 900, "tcpfin": 120, "udp": 300}
    assert [daemon["state"] for daemon in result["ipvs"]["sync_daemons"]] == ["master", "backup"]


@pytest.mark.parametrize("option, args", [
    ("stats", ("-Ln", "--stats", "--exact")),
    ("rate", ("-Ln", "--rate", "--exact")),
    ("timeouts", ("-Ln", "--timeout")),
    ("sync_daemons", ("-Ln", "--daemon")),
])
def test_each_option_runs_its_own_call(ipvsadm, option, args):
    calls = ipvsadm.calls
    result = run_module({option: True})
    assert calls == [("-Ln",), args]
    assert (option in result["ipvs"]) is (option in ("timeouts", "sync_daemons"))


def test_check_mode_reads_the_same(ipvsadm, capture):
    calls = ipvsadm.calls
    result = run_module({"stats": True, "_ansible_check_mode": True})
    assert calls == [("-Ln",), ("-Ln", "--stats", "--exact")]
    assert result["changed"] is False
    assert result["ipvs"] == build_info(capture("list").stdout, stats_text=capture("stats_exact").stdout)


def test_empty_table_and_no_daemon_are_not_errors(ipvsadm):
    overrides = ipvsadm.overrides
    overrides.update({("-Ln",): "empty", ("-Ln", "--daemon"): "daemon_none"})
    result = run_module({"sync_daemons": True})
    assert result["ipvs"] == {"version": "1.2.1", "conn_table_size": 4096, "services": [], "sync_daemons": []}


def test_not_installed(ipvsadm, monkeypatch):
    calls = ipvsadm.calls
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda _module, name, *args, **kwargs: None)
    result = run_module({}, FailJson)
    assert calls == []
    assert "ipvsadm is not installed" in result["msg"]
    assert "install the ipvsadm package" in result["msg"]


@pytest.mark.parametrize("name, words", [
    ("no_ipvs_host", ["IPVS is not available in this kernel", "load the ip_vs module",
                      "ipvsadm said: Can't initialize ipvs: Protocol not available"]),
    ("not_root", ["permission denied", "run the task with become: true",
                  "ipvsadm said: Can't initialize ipvs: Permission denied (you must be root)"]),
])
def test_ipvsadm_failures(ipvsadm, capture, name, words):
    calls, overrides = ipvsadm.calls, ipvsadm.overrides
    overrides[("-Ln",)] = name
    result = run_module({"stats": True}, FailJson)
    assert calls == [("-Ln",)]
    assert (result["rc"], result["stderr"]) == (2, capture(name).stderr)
    for word in words:
        assert word in result["msg"]


def test_failure_of_a_later_call(ipvsadm):
    overrides = ipvsadm.overrides
    overrides[("-Ln", "--timeout")] = "not_root"
    result = run_module({"timeouts": True}, FailJson)
    assert result["msg"].startswith("ipvsadm -Ln --timeout: permission denied")


def test_unparsable_output_fails(ipvsadm):
    overrides = ipvsadm.overrides
    overrides[("-Ln",)] = "tun_info"
    result = run_module({}, FailJson)
    assert result["msg"].startswith("cannot parse the ipvsadm output: unsupported listing format (line 3:")


def test_unknown_option_is_refused(ipvsadm):
    calls = ipvsadm.calls
    result = run_module({"stat": True}, FailJson)
    assert "stat" in result["msg"] and "Unsupported parameters" in result["msg"]
    assert calls == []
