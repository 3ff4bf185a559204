# SPDX-License-Identifier: GPL-3.0-or-later
"""Load kernel modules (with their dependencies) inside the capture guest.

The hostfs root has no kmod, so this resolves modules.dep itself and calls
finit_module(2) directly.  Usage: python3 kmod.py MODULES_DIR NAME...
"""
import ctypes
import errno
import os
import sys

SYS_FINIT_MODULE = 313  # x86_64 (UML guests run x86_64 user space)


def load(moddir, deps, name, libc):
    path, requires = deps[name]
    for dep in requires:
        load(moddir, deps, dep, libc)
    if os.path.isdir("/sys/module/" + name):
        return
    fd = os.open(os.path.join(moddir, path), os.O_RDONLY)
    try:
        if libc.syscall(SYS_FINIT_MODULE, fd, b"", 0) != 0:
            err = ctypes.get_errno()
            if err != errno.EEXIST:
                raise OSError(err, "finit_module %s: %s" % (name, os.strerror(err)))
    finally:
        os.close(fd)


def modname(path):
    return os.path.basename(path)[:-len(".ko")].replace("-", "_")


def main():
    moddir, names = sys.argv[1], sys.argv[2:]
    deps = {}
    with open(os.path.join(moddir, "modules.dep"), encoding="ascii") as dep_file:
        for line in dep_file:
            path, _colon, rest = line.partition(":")
            deps[modname(path)] = (path, [modname(p) for p in rest.split()])
    libc = ctypes.CDLL(None, use_errno=True)
    for name in names:
        load(moddir, deps, name.replace("-", "_"), libc)


if __name__ == "__main__":
    main()
