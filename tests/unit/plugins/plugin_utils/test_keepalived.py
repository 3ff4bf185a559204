"""plugin_utils/keepalived.py: the keepalived version of a director and who runs its scripts."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.keepalived import (
    keepalived_script_user, keepalived_version, root_script_directors)


@pytest.mark.parametrize('output, version', [
    ('Keepalived v2.2.7 (01/16,2022)\n\nCopyright(C) 2001-2022 Alexandre Cassen\n', '2.2.7'),
    ('Keepalived v2.3.3 (03/30,2025), git commit v2.3.2-66-g5a3cc5b\n', '2.3.3'),
    ('', '0'),
    ('/usr/sbin/keepalived: No such file or directory', '0'),
])
def test_the_version_keepalived_prints(output, version):
    assert keepalived_version(output) == version


@pytest.mark.parametrize('version, user', [('2.2.7', 'root'), ('2.2.8', 'keepalived_script'),
                                           ('2.10.0', 'keepalived_script'), ('0', 'root')])
def test_scripts_run_as_root_before_keepalived_2_2_8(version, user):
    assert keepalived_script_user(version, 'keepalived_script') == user


def test_the_directors_that_run_their_scripts_as_root_in_their_order():
    assert root_script_directors({'lb2': '2.2.7', 'lb1': '2.3.3', 'lb3': '0'}) == [
        'lb2 (2.2.7)', 'lb3 (keepalived not installed yet)']
