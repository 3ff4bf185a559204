# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""host_state on real files in a temporary directory and on this host's real /proc/sys (read only here;
tests/realserver writes sysctls inside a throwaway network namespace)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.host_state import (
    read_sysctls,
    remove_path,
    sysctl_conf,
    sysctl_path,
    update_file,
    write_sysctls,
)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("key, path", [
    ("net.ipv4.conf.all.arp_ignore", "/proc/sys/net/ipv4/conf/all/arp_ignore"),
    ("net.ipv4.conf.eth0/1.arp_ignore", "/proc/sys/net/ipv4/conf/eth0.1/arp_ignore"),
    ("net.ipv4.vs.expire_nodest_conn", "/proc/sys/net/ipv4/vs/expire_nodest_conn"),
])
def test_sysctl_path(key, path):
    assert sysctl_path(key) == path


def test_read_sysctls_live_and_missing():
    with open("/proc/sys/net/ipv4/conf/lo/arp_ignore", encoding="utf-8") as handle:
        live = handle.read().strip()
    assert read_sysctls(["net.ipv4.conf.lo.arp_ignore", "net.ipv4.conf.lvsnone0.arp_ignore"]) == {
        "net.ipv4.conf.lo.arp_ignore": live, "net.ipv4.conf.lvsnone0.arp_ignore": None}


def test_write_sysctls_names_the_key():
    with pytest.raises(OSError, match=r"net\.ipv4\.conf\.lvsnone0\.arp_ignore = 1"):
        write_sysctls({"net.ipv4.conf.lvsnone0.arp_ignore": 1})


def test_sysctl_conf_keeps_the_order():
    text = sysctl_conf({"b.x": 1, "a.y": "2"}, "Managed by Ansible\n\nsecond line")
    assert text == "# Managed by Ansible\n#\n# second line\nb.x = 1\na.y = 2\n"


def test_update_file_creates_the_directory_and_is_idempotent(tmp_path):
    path = tmp_path / "new" / "dir" / "file.conf"
    assert update_file(str(path), "one\n", check_mode=True) == {"changed": True, "before": "", "after": "one\n"}
    assert not path.parent.exists()
    assert update_file(str(path), "one\n", mode=0o600)["changed"] is True
    assert path.read_text() == "one\n" and mode_of(path) == 0o600 and mode_of(path.parent) == 0o755
    assert update_file(str(path), "one\n", mode=0o600) == {"changed": False, "before": "one\n", "after": "one\n"}
    assert update_file(str(path), "two\n", mode=0o600) == {"changed": True, "before": "one\n", "after": "two\n"}
    assert path.read_text() == "two\n"
    assert sorted(os.listdir(path.parent)) == ["file.conf"], "a temporary file was left behind"


def test_update_file_fixes_only_the_mode(tmp_path):
    path = tmp_path / "file"
    path.write_text("same\n")
    path.chmod(0o600)
    inode = os.stat(path).st_ino
    assert update_file(str(path), "same\n", mode=0o644, check_mode=True)["changed"] is True
    assert mode_of(path) == 0o600
    assert update_file(str(path), "same\n", mode=0o644)["changed"] is True
    assert mode_of(path) == 0o644 and os.stat(path).st_ino == inode


def test_update_file_replaces_the_file_atomically(tmp_path):
    """The new content arrives by rename: a reader holding the old file still sees the old content."""
    path = tmp_path / "file"
    path.write_text("old\n")
    with open(path, encoding="utf-8") as reader:
        update_file(str(path), "new\n")
        assert reader.read() == "old\n"
    assert path.read_text() == "new\n"


def test_remove_path(tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "file").write_text("x")
    single = tmp_path / "single"
    single.write_text("x")
    assert remove_path(str(tree), check_mode=True) is True and tree.exists()
    assert remove_path(str(tree)) is True and not tree.exists()
    assert remove_path(str(single)) is True and not single.exists()
    assert remove_path(str(single)) is False
