# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small, idempotent operations on a host's files and sysctls (stdlib only).

Shared by the modules of this collection: each reports whether it changed
anything, and none changes anything in check mode.
"""

from __future__ import annotations

import os
import shutil
import tempfile

PROC_SYS = '/proc/sys'


def sysctl_path(key: str) -> str:
    """The /proc/sys path of a sysctl key; a dot inside a name is a slash in the key, as sysctl.d(5) wants.

    'net.ipv4.conf.eth0/1.arp_ignore' -> '/proc/sys/net/ipv4/conf/eth0.1/arp_ignore'. A key whose path would
    leave /proc/sys ('net.//.//.etc' is /proc/sys/net/../../etc) raises ValueError: nothing reads or writes it.
    """
    path = '/'.join([PROC_SYS] + [part.replace('/', '.') for part in key.split('.')])
    if os.path.normpath(path) != path or not path.startswith(PROC_SYS + '/'):
        raise ValueError(f'sysctl key {key!r} resolves to {path}, outside {PROC_SYS}')
    return path


def read_sysctls(keys) -> dict[str, str | None]:
    """{key: live value, stripped}; None for a key whose path does not exist (an interface that is gone)."""
    values = {}
    for key in keys:
        try:
            with open(sysctl_path(key), encoding='utf-8') as handle:
                values[key] = handle.read().strip()
        except FileNotFoundError:
            values[key] = None
    return values


def write_sysctls(values: dict[str, str | int]) -> None:
    """Set each sysctl live; an OSError names the key that could not be set."""
    for key, value in values.items():
        try:
            with open(sysctl_path(key), 'w', encoding='utf-8') as handle:
                handle.write(f'{value}\n')
        except OSError as exc:
            raise OSError(exc.errno, f'cannot set sysctl {key} = {value}: {exc.strerror}') from exc


def sysctl_conf(values: dict, header: str) -> str:
    """sysctl.d(5) text: the header as comment lines, then 'key = value' lines in the given order."""
    lines = [f'# {line}'.rstrip() for line in header.splitlines()]
    lines += [f'{key} = {value}' for key, value in values.items()]
    return ''.join(f'{line}\n' for line in lines)


def _read_bytes(path):
    with open(path, 'rb') as handle:
        return handle.read()


def _fsync_dir(path):
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def update_file(path, content: str, mode: int = 0o644, check_mode: bool = False) -> dict:
    """Make path hold content with mode; return {'changed', 'before', 'after'} (before is '' for a missing file).

    The write is atomic and durable: a temporary file in the same directory is
    written, synced and renamed over path, then the directory is synced, so a
    host that loses power has either the old or the new file, never an empty one.
    A missing parent directory is created (0755).
    """
    data = content.encode('utf-8')
    exists = os.path.isfile(path)
    old = _read_bytes(path) if exists else b''
    content_differs = not exists or old != data
    mode_differs = exists and (os.stat(path).st_mode & 0o7777) != mode
    result = {'changed': content_differs or mode_differs,
              'before': old.decode('utf-8', errors='replace'), 'after': content}
    if check_mode or not result['changed']:
        return result
    if not content_differs:
        os.chmod(path, mode)
        return result
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o755)
        os.chmod(directory, 0o755)
    descriptor, temporary = tempfile.mkstemp(prefix=f'.{os.path.basename(path)}.', dir=directory)
    try:
        with os.fdopen(descriptor, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    _fsync_dir(directory)
    return result


def remove_path(path, check_mode: bool = False) -> bool:
    """Remove a file, symlink or directory tree; return whether anything was (or, in check mode, would be) removed."""
    if not os.path.lexists(path):
        return False
    if not check_mode:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    return True
