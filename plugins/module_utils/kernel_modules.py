# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which kernel modules a Linux host has and has loaded, read from /lib/modules and /sys/module."""

from __future__ import annotations

import os


def available_name(path):
    """'kernel/net/netfilter/ipvs/ip_vs-rr.ko.xz' -> 'ip_vs_rr' (modprobe treats - and _ alike)."""
    return os.path.basename(path).split('.ko', 1)[0].replace('-', '_')


def available_modules(release, root='/lib/modules'):
    """Names of the modules the kernel `release` can load: the ones in modules.dep and the built-in ones."""
    names = set()
    for index in ('modules.dep', 'modules.builtin'):
        try:
            with open(os.path.join(root, release, index), encoding='utf-8') as handle:
                names.update(available_name(line.split(':', 1)[0]) for line in handle if line.strip())
        except FileNotFoundError:
            continue
    return names | loaded_modules()


def loaded_modules(sys_module='/sys/module'):
    """Names of the loaded modules (and of built-in ones that have parameters)."""
    try:
        return set(os.listdir(sys_module))
    except FileNotFoundError:
        return set()
