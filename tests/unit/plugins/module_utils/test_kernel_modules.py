# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kernel_modules on a module tree laid out as the UML kernel of the lab ships it, and on this host's /sys/module."""

from __future__ import annotations

import os

from ansible_collections.lvs.cluster.plugins.module_utils.kernel_modules import available_modules, loaded_modules

RELEASE = "6.1.0-test"
# Lines as in the lab kernel's modules.dep (user-mode-linux 6.1um4): compressed and plain names, "-" in a name.
MODULES_DEP = """kernel/net/netfilter/ipvs/ip_vs.ko: kernel/net/netfilter/nf_conntrack.ko
kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko
kernel/net/netfilter/ipvs/ip_vs_mh.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko
kernel/net/ipv4/ip-tunnel.ko:
"""
MODULES_BUILTIN = "kernel/net/ipv4/tcp_cubic.ko\n"


def tree(tmp_path, dep=MODULES_DEP, builtin=MODULES_BUILTIN):
    directory = tmp_path / RELEASE
    directory.mkdir()
    if dep is not None:
        (directory / "modules.dep").write_text(dep)
    if builtin is not None:
        (directory / "modules.builtin").write_text(builtin)
    return str(tmp_path)


def test_modules_of_modules_dep_and_builtin_are_available(tmp_path):
    names = available_modules(RELEASE, root=tree(tmp_path))
    assert {"ip_vs", "ip_vs_rr", "ip_vs_mh", "ip_tunnel", "tcp_cubic"} <= names
    assert "ip_vs_twos" not in names


def test_a_kernel_without_module_indexes_offers_only_the_loaded_modules(tmp_path):
    assert available_modules(RELEASE, root=tree(tmp_path, dep=None, builtin=None)) == loaded_modules()


def test_loaded_modules_reads_sys_module():
    assert loaded_modules() == set(os.listdir("/sys/module"))
    assert loaded_modules("/nonexistent") == set()
