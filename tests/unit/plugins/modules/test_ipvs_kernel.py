# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""lvs.cluster.ipvs_kernel called alone: every input that would leave its line or /proc/sys is refused before the
module reads or changes anything (its files are in a temporary directory; no command may run)."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.modules import ipvs_kernel
from ansible_collections.lvs.cluster.tests.unit.plugins.modules.module_runner import refused

# The sysctl key of issue 27: /proc/sys/net/../../../etc/cron.d/lvs-pwn, a cron file written as root.
ISSUE_KEY = "net.//.//.//.etc.cron/d.lvs-pwn"


@pytest.fixture(name="module")
def module_fixture(monkeypatch, tmp_path):
    """Run the module with its files under tmp_path; it must fail before it runs a command, reads the kernel's
    modules or writes a file."""
    monkeypatch.setattr(ipvs_kernel, "available_modules", lambda *_args: pytest.fail("read the kernel's modules"))
    files = {name: str(tmp_path / name) for name in ("modules_file", "sysctl_file", "sync_daemon_file")}

    def run(**args):
        result = refused(monkeypatch, ipvs_kernel.main, {**files, **args})
        assert not list(tmp_path.iterdir()), "a file was written"
        return result

    return run


@pytest.mark.parametrize("key", [ISSUE_KEY, "net.ipv4..ip_forward", "net.ipv4.conf.eth0\n.rp_filter", "net",
                                 "net.ipv4.conf.eth0 }.rp_filter", 'net."x"', "net.#x", "net.!x"])
def test_a_sysctl_key_outside_proc_sys_or_not_a_key(module, key):
    result = module(sysctls={key: 1})
    assert result["errors"] == [f"sysctls[{key!r}]: {ipvs_kernel.fields.sysctl_key(key)}"]
    assert "sysctl key" in result["msg"]


def test_a_sysctl_value_with_a_line_break_would_add_a_line(module):
    result = module(sysctls={"net.ipv4.ip_forward": "1\nkernel.modprobe = /tmp/x"})
    assert result["errors"][0].startswith("sysctls['net.ipv4.ip_forward']: '1\\nkernel.modprobe")


@pytest.mark.parametrize("interface", ["eth0\nExecStartPre=/bin/sh -c id", "eth0 x", "eth0}", 'eth"0', "eth#0",
                                       "eth!0", ""])
def test_the_sync_daemon_interface_cannot_add_a_line_to_the_drop_in(module, interface):
    result = module(modules=["ip_vs"], sync_daemon={"interface": interface, "syncid": 1})
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("sync_daemon.interface: ")


def test_modules_files_and_header(module, tmp_path):
    result = module(modules=["ip_vs", "ip_vs\nbad"], sysctl_file=f"{tmp_path}/../x.conf", header="ok\n\x1b[2J")
    assert [error.split(":")[0] for error in result["errors"]] == ["modules[1]", "sysctl_file", "header"]


def test_input_errors_of_valid_input():
    params = {"modules": ["ip_vs", "ip_vs_rr"], "sysctls": {"net.ipv4.conf.eth0/100.rp_filter": 2},
              "sync_daemon": {"interface": "eth0.100", "syncid": 51}, "modules_file": "/etc/modules-load.d/x.conf",
              "sysctl_file": "/etc/sysctl.d/x.conf", "sync_daemon_file": "/etc/systemd/system/k.service.d/x.conf",
              "header": "Managed by Ansible\nsecond line"}
    assert ipvs_kernel.input_errors(params) == []
