# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which keepalived a director runs (keepalived --version) and, from it, the user that runs its scripts."""

from __future__ import annotations

import re

# keepalived writes "Keepalived v2.2.7 (01/16,2022)" to stderr.
VERSION = re.compile(r'Keepalived v([0-9][0-9.]*[0-9])')
NOT_INSTALLED = '0'
# keepalived 2.2.7's configuration test kills itself when a script is to run as another user than root (fixed in
# 2.2.8), so before 2.2.8 every script runs as root.
SCRIPT_USER_SINCE = (2, 2, 8)


def keepalived_version(output):
    """The version in the output of keepalived --version, '0' when there is none (keepalived not installed)."""
    found = VERSION.search(output or '')
    return found.group(1) if found else NOT_INSTALLED


def _numbers(version):
    return tuple(int(part) for part in str(version).split('.') if part.isdigit())


def keepalived_script_user(version, user):
    """The script_user of keepalived.conf: user from keepalived 2.2.8 on, root before."""
    return user if _numbers(version) >= SCRIPT_USER_SINCE else 'root'


def root_script_directors(versions):
    """'host (version)' of every director of {host: version} whose keepalived runs every script as root."""
    return [f"{host} ({version if version != NOT_INSTALLED else 'keepalived not installed yet'})"
            for host, version in versions.items() if keepalived_script_user(version, None) == 'root']
